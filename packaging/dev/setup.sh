#!/usr/bin/env bash
# Set up (or refresh) a posapp development environment on Debian/Ubuntu.
#
#   bash packaging/dev/setup.sh          # what the till needs to run
#   bash packaging/dev/setup.sh --test   # ... plus PostgreSQL server and Xvfb for the tests
#
# Safe to run again: Debian packages are only installed when missing, and the
# virtualenv (.venv in the repository root) is only re-installed when
# pyproject.toml changed since the last successful run.
# Set PYTHON=/path/to/python3.11 to build the virtualenv with another interpreter.
set -euo pipefail

usage() { sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

WITH_TEST=0
for arg in "$@"; do
    case "$arg" in
        --test) WITH_TEST=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "setup.sh: unknown option: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.11 or newer (Debian: apt-get install python3)"

# --------------------------------------------------------------------------
# 1. Debian packages
# --------------------------------------------------------------------------
# Shared libraries the PySide6-Essentials wheels load for the xcb (X11),
# wayland and offscreen platforms, printing and networking. Checked against
# `readelf -d` of the Qt 6 libraries and plugins in the wheel.
QT_PKGS=(
    libegl1 libgl1 libopengl0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
    libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxrender1 libxi6
    libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
    libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0
    libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1
    libwayland-client0 libwayland-cursor0 libwayland-egl1
    libcups2 libgssapi-krb5-2 libbrotli1 libzstd1 zlib1g
)
CJK_FONTS=(fonts-noto-cjk fonts-wqy-microhei)   # any one of them will do

have_pkg() {  # also accepts Ubuntu 24.04's renamed "t64" library packages
    case "$(dpkg-query -W -f='${Status}\n' "$1" "$1t64" 2>/dev/null || true)" in
        *"install ok installed"*) return 0 ;;
        *) return 1 ;;
    esac
}

have_pg_server() {
    command -v initdb >/dev/null 2>&1 && return 0
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for p in "${QT_PKGS[@]}"; do have_pkg "$p" || missing+=("$p"); done
    font_ok=0
    for p in "${CJK_FONTS[@]}"; do have_pkg "$p" && font_ok=1; done
    [ "$font_ok" = 1 ] || missing+=("${CJK_FONTS[0]}")
    # Debian's python3 ships venv/ensurepip separately.
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1 \
        && [ "$(readlink -f "$(command -v "$PYTHON")")" = "$(readlink -f /usr/bin/python3 2>/dev/null)" ]; then
        missing+=(python3-venv)
    fi
    if [ "$WITH_TEST" = 1 ]; then
        have_pg_server || missing+=(postgresql)
        command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
        command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)  # the PDF tests read the text back
        have_pkg xauth || missing+=(xauth)
    fi
else
    say "not a Debian-based system: make sure the Qt 6 runtime libraries (xcb, EGL, fontconfig, dbus),"
    say "a CJK font$([ "$WITH_TEST" = 1 ] && echo ', the PostgreSQL server, Xvfb and poppler-utils') are installed"
fi

if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=()
    can_install=0
    if command -v apt-get >/dev/null 2>&1; then
        if [ "$(id -u)" -eq 0 ]; then
            can_install=1
        elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
            SUDO=(sudo -n)
            can_install=1
        fi
    fi
    if [ "$can_install" = 1 ]; then
        say "installing Debian packages: ${missing[*]}"
        log="$(mktemp -t posapp-apt.XXXXXX)"
        if ! { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
               && "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
                    --no-install-recommends -o Dpkg::Use-Pty=0 "${missing[@]}"; } >"$log" 2>&1 </dev/null; then
            tail -n 40 "$log" >&2
            die "apt-get failed (full log: $log)"
        fi
        rm -f "$log"
    else
        say "WARNING: these Debian packages are missing: ${missing[*]}"
        say "install them with:"
        say "    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        say "continuing without them"
    fi
else
    command -v dpkg-query >/dev/null 2>&1 && say "Debian packages: all present"
fi

# --------------------------------------------------------------------------
# 2. Virtualenv in .venv
# --------------------------------------------------------------------------
VENV="$ROOT/.venv"
VPY="$VENV/bin/python"

if [ -x "$VPY" ] && "$VPY" -c 'import sys' >/dev/null 2>&1; then
    :
else
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        die "$PYTHON has no working venv module; on Debian/Ubuntu run: sudo apt-get install python3-venv"
    fi
    if [ -e "$VENV" ]; then
        say "recreating broken virtualenv $VENV"
        "$PYTHON" -m venv --clear "$VENV"
    else
        say "creating virtualenv $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
fi

# Re-install only when the project metadata changed (or the previous run failed).
extra=""
[ "$WITH_TEST" = 1 ] && extra="[test,build]"  # build: PyInstaller, for tests/packaging
stamp="$VENV/.posapp-setup-stamp"
meta="$({ cat pyproject.toml setup.cfg setup.py 2>/dev/null || true; } | cksum | cut -d' ' -f1)"
want_plain="$meta"
want_test="$meta test"
have_stamp="$(cat "$stamp" 2>/dev/null || true)"

if [ "$have_stamp" = "$want_test" ] || { [ "$WITH_TEST" = 0 ] && [ "$have_stamp" = "$want_plain" ]; }; then
    say "virtualenv up to date (.venv)"
else
    [ -f pyproject.toml ] || [ -f setup.py ] || die "no pyproject.toml in $ROOT: cannot install posapp"
    rm -f "$stamp"
    export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
    piplog="$(mktemp -t posapp-pip.XXXXXX)"
    pip_quiet() {
        if ! "$VPY" -m pip "$@" >"$piplog" 2>&1 </dev/null; then
            tail -n 40 "$piplog" >&2
            die "pip $* failed (full log: $piplog)"
        fi
    }
    say "upgrading pip"
    pip_quiet install -q --upgrade pip
    say "installing posapp into .venv (pip install -e '.$extra'; takes a minute the first time)"
    pip_quiet install -q -e ".$extra"
    rm -f "$piplog"
    if [ "$WITH_TEST" = 1 ]; then echo "$want_test" >"$stamp"; else echo "$want_plain" >"$stamp"; fi
fi

say "done"
