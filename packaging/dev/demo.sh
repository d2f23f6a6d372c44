#!/usr/bin/env bash
# Set up the development environment and open the till on a demo store.
#
#   bash packaging/dev/demo.sh [posapp options...]
#
# Needs a desktop session (X11 or Wayland). For a headless smoke check:
#   QT_QPA_PLATFORM=offscreen bash packaging/dev/demo.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

bash "$ROOT/packaging/dev/setup.sh"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
    cat >&2 <<'MSG'
[demo] No desktop session found (neither DISPLAY nor WAYLAND_DISPLAY is set).
[demo] Run this from a terminal inside a graphical desktop (X11 or Wayland) to see the till.
[demo] For a headless check that the app starts, use the offscreen platform (no window is shown):
[demo]     QT_QPA_PLATFORM=offscreen bash packaging/dev/demo.sh
MSG
    exit 1
fi

echo "[demo] starting posapp --demo $*"
exec "$ROOT/.venv/bin/posapp" --demo "$@"
