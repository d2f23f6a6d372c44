#!/usr/bin/env bash
# Set up the test environment and run the whole test suite (SQLite and PostgreSQL).
#
#   bash tests/run.sh [pytest options...]     e.g.  bash tests/run.sh -x -k receipt
#
# Test paths given as arguments are relative to the repository root.
# The PostgreSQL tests use a throw-away server that tests/conftest.py starts
# (tests/pg_cluster.py), unless POSAPP_TEST_PG_URL points at an existing one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash packaging/dev/setup.sh --test

if [ -z "${POSAPP_TEST_PG_URL:-}" ]; then
    if ! bindir="$(.venv/bin/python tests/pg_cluster.py --check)"; then
        echo "[tests] ERROR: the PostgreSQL server is needed for the tests (see above)." >&2
        exit 1
    fi
    echo "[tests] PostgreSQL server binaries: $bindir"
fi

export QT_QPA_PLATFORM=offscreen
echo "[tests] running: pytest $*"
status=0
.venv/bin/python -m pytest "$@" || status=$?

case "$status" in
    0) echo "[tests] all tests passed" ;;
    5) echo "[tests] FAILED: pytest collected no tests (exit 5): check the test paths, -k/-m filters and tests/ imports" >&2 ;;
    *) echo "[tests] FAILED: pytest exited with status $status" >&2 ;;
esac
exit "$status"
