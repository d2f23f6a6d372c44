#!/usr/bin/env bash
# Build the Linux bundle of posapp from this checkout and pack it as a tarball and a .deb.
#
#   bash packaging/build_linux.sh              # bundle, checks, tarball and .deb in dist/
#   bash packaging/build_linux.sh --no-deb     # no .deb (the tarball only)
#   bash packaging/build_linux.sh --no-check   # do not run the bundle after building it
#
# Writes to dist/ (or $POSAPP_DIST):
#   posapp-VERSION-linux-MACHINE/          the one-folder bundle: posapp, posapp-admin, _internal/
#   posapp-VERSION-linux-MACHINE.tar.gz    that folder, packed reproducibly
#   posapp_VERSION_ARCH.deb                installs to /opt/posapp, with /usr/bin links
#   SHA256SUMS
# Times in the archives come from SOURCE_DATE_EPOCH (default: the last commit's time).
# See packaging/README.md for what is and is not the same bit for bit from one build to the next.
set -euo pipefail
umask 022  # the same modes in the archives whatever the builder's umask

usage() { sed -n '2,15s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

WITH_DEB=1
WITH_CHECK=1
for arg in "$@"; do
    case "$arg" in
        --no-deb) WITH_DEB=0 ;;
        --no-check) WITH_CHECK=0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build_linux.sh: unknown option: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '[build] %s\n' "$*"; }
die() { printf '[build] ERROR: %s\n' "$*" >&2; exit 1; }
started=$SECONDS

# --------------------------------------------------------------------------
# 1. Tools and the virtualenv
# --------------------------------------------------------------------------
# binutils: strip (smaller bundle) and objdump (the glibc the bundle needs, for Depends).
need=()
command -v strip >/dev/null 2>&1 && command -v objdump >/dev/null 2>&1 || need+=(binutils)
if [ "$WITH_DEB" = 1 ]; then command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found: build the .deb on Debian or Ubuntu (or use --no-deb)"; fi
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "installing ${need[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
            || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
    else
        die "missing ${need[*]}: sudo apt-get install -y ${need[*]}"
    fi
fi

# The same Debian packages and .venv as development, plus PyInstaller (the build extra).
WORK_LOGS="$ROOT/build"
mkdir -p "$WORK_LOGS"
bash packaging/dev/setup.sh
VPY="$ROOT/.venv/bin/python"
say "installing the build extra (PyInstaller) into .venv"
piplog="$WORK_LOGS/pip.log"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$VPY" -m pip install -q -e ".[build]" </dev/null >"$piplog" 2>&1 \
    || { tail -n 40 "$piplog" >&2; die "pip install -e .[build] failed (full log: $piplog)"; }

VERSION="$("$VPY" -c 'import posapp; print(posapp.__version__)')"
MACHINE="$(uname -m)"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo "$MACHINE")"
NAME="posapp-$VERSION-linux-$MACHINE"
DIST="${POSAPP_DIST:-$ROOT/dist}"
WORK="$ROOT/build/linux"

# Reproducible: fixed hash seed (PyInstaller's own tables, .pyc), archive times from the commit.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
    SOURCE_DATE_EPOCH="$(git log -1 --format=%ct 2>/dev/null || echo 315532800)"
fi
export SOURCE_DATE_EPOCH PYTHONHASHSEED=0
commit="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    commit="$commit+changes"
    say "WARNING: the checkout has uncommitted changes; they are in this build"
fi

# --------------------------------------------------------------------------
# 2. The bundle
# --------------------------------------------------------------------------
say "building $NAME with PyInstaller (about a minute)"
rm -rf "$WORK" "${DIST:?}/$NAME"
mkdir -p "$WORK" "$DIST"
t0=$SECONDS
if ! "$ROOT/.venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
        --distpath "$WORK/dist" --workpath "$WORK/work" packaging/pyinstaller/posapp.spec >"$WORK/pyinstaller.log" 2>&1; then
    tail -n 40 "$WORK/pyinstaller.log" >&2
    die "PyInstaller failed (full log: $WORK/pyinstaller.log)"
fi
mv "$WORK/dist/posapp" "$DIST/$NAME"
rm -rf "$WORK/work"  # PyInstaller's intermediate files (as big as the bundle; --clean never reuses them)
BUNDLE="$DIST/$NAME"
say "bundle built in $((SECONDS - t0)) s: $BUNDLE"

{
    echo "posapp $VERSION"
    echo "commit $commit"
    echo "source_date_epoch $SOURCE_DATE_EPOCH"
    echo "python $("$VPY" -c 'import platform; print(platform.python_version())')"
    echo "pyinstaller $("$VPY" -c 'import PyInstaller; print(PyInstaller.__version__)')"
    echo "built_on $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME" || uname -sr), $(ldd --version 2>/dev/null | head -n1)"
    echo
    echo "# packages in the build environment (pip freeze)"
    "$VPY" -m pip freeze --exclude-editable 2>/dev/null | LC_ALL=C sort
} >"$BUNDLE/BUILD-INFO.txt"

# Every file the same mode and time, whoever built it and when.
find "$BUNDLE" -type d -exec chmod 0755 {} +
find "$BUNDLE" -type f -perm /0111 -exec chmod 0755 {} +
find "$BUNDLE" -type f ! -perm /0111 -exec chmod 0644 {} +
find "$BUNDLE" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

# --------------------------------------------------------------------------
# 3. Does it run? (a clean environment: nothing from this user's config or data)
# --------------------------------------------------------------------------
if [ "$WITH_CHECK" = 1 ]; then
    home="$(mktemp -d -t posapp-build-check.XXXXXX)"
    trap 'rm -rf "$home"' EXIT
    run() {
        env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen \
            XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" \
            XDG_STATE_HOME="$home/state" XDG_RUNTIME_DIR="$home/runtime" TMPDIR="$home" "$@"
    }
    mkdir -m 0700 "$home/runtime"
    for exe in posapp posapp-admin; do
        out="$(run "$BUNDLE/$exe" --version 2>&1)" || die "$exe --version failed: $out"
        [ "$out" = "posapp $VERSION" ] || die "$exe --version printed '$out', not 'posapp $VERSION'"
        say "$exe --version: $out"
    done
    help="$(run "$BUNDLE/posapp" --help 2>&1 || true)"
    if [[ "$help" == *--self-test* ]]; then
        t0=$EPOCHREALTIME
        if ! out="$(run "$BUNDLE/posapp" --self-test 2>&1)"; then
            printf '%s\n' "$out" >&2
            die "posapp --self-test failed in the bundle"
        fi
        say "posapp --self-test passed in $(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }") s"
    else
        say "WARNING: this posapp has no --self-test; only --version was checked"
    fi
fi

# --------------------------------------------------------------------------
# 4. Tarball
# --------------------------------------------------------------------------
say "packing $NAME.tar.gz"
tar --sort=name --format=gnu --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -C "$DIST" -cf - "$NAME" | gzip -9 -n >"$DIST/$NAME.tar.gz"

# --------------------------------------------------------------------------
# 5. .deb
# --------------------------------------------------------------------------
# Depends: the Qt runtime libraries packaging/dev/setup.sh installs (one list for both), a Chinese
# font, tzdata (zoneinfo reads the system's), and the glibc the bundle's binaries ask for.
qt_packages() {
    sed -n '/^QT_PKGS=(/,/^)/p' packaging/dev/setup.sh | sed '1d;$d' | tr -s ' \n' '\n' | sed '/^$/d'
}

glibc_needed() {  # the highest GLIBC_x.y symbol version any binary in the bundle needs
    { find "$BUNDLE" -type f \( -name '*.so*' -o -perm /0111 \) -print0 \
        | xargs -0 objdump -T 2>/dev/null || true; } | { grep -o 'GLIBC_[0-9][0-9.]*' || true; } \
        | sed 's/GLIBC_//' | sort -u -t. -k1,1n -k2,2n -k3,3n | tail -n1
}

# Warn about a system library the bundle loads whose package Depends does not name (say, after a
# PySide6 upgrade): it may come in with another package, or be missing on a terminal.
check_depends() {
    "$VPY" - "$BUNDLE" "$@" <<'PY'
import os, re, subprocess, sys
bundle, depends = sys.argv[1], " ".join(sys.argv[2:])
named = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", re.sub(r"\([^)]*\)", "", depends)))
inside = {name for _, _, files in os.walk(bundle) for name in files}
needed = set()
for folder, _, files in os.walk(bundle):
    for name in files:
        path = os.path.join(folder, name)
        if ".so" not in name and not os.access(path, os.X_OK):
            continue
        out = subprocess.run(["readelf", "-d", path], capture_output=True, text=True).stdout
        needed.update(re.findall(r"\(NEEDED\).*\[(.+)\]", out))
cache = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
for soname in sorted(needed - inside):
    m = re.search(rf"^\s+{re.escape(soname)} \(.*x86-64.*=> (\S+)|^\s+{re.escape(soname)} .*=> (\S+)", cache, re.M)
    if not m:
        print(f"[build] WARNING: the bundle needs {soname}, which this machine does not have")
        continue
    path = m.group(1) or m.group(2)
    owner = ""
    for candidate in (path, os.path.realpath(path)):
        for p in (candidate, candidate.replace("/usr/lib/", "/lib/", 1)):
            r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
            if r.returncode == 0:
                owner = r.stdout.split(":")[0]
                break
        if owner:
            break
    if owner and owner.removesuffix("t64") not in named and owner not in named and owner != "libc6":
        print(f"[build] WARNING: the bundle needs {soname} from {owner}, which Depends does not name")
PY
}

deb_version() {  # PEP 440 to Debian: 1.2.0rc1 -> 1.2.0~rc1, 1.2.0.dev3 -> 1.2.0~dev3
    printf '%s\n' "$1" | sed -E 's/\.?(a|b|rc|dev)([0-9]*)$/~\1\2/'
}

if [ "$WITH_DEB" = 1 ]; then
    DEB="$DIST/posapp_$(deb_version "$VERSION")_$ARCH.deb"
    say "packing $(basename "$DEB")"
    stage="$WORK/deb"
    rm -rf "$stage"
    mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
        "$stage/usr/share/icons/hicolor/256x256/apps" "$stage/usr/share/doc/posapp"
    cp -a "$BUNDLE" "$stage/opt/posapp"
    ln -s /opt/posapp/posapp "$stage/usr/bin/posapp"
    ln -s /opt/posapp/posapp-admin "$stage/usr/bin/posapp-admin"
    install -m 0644 packaging/deb/posapp.desktop "$stage/usr/share/applications/posapp.desktop"
    install -m 0644 resources/icons/posapp.png "$stage/usr/share/icons/hicolor/256x256/apps/posapp.png"
    install -m 0644 "$BUNDLE/BUILD-INFO.txt" "$stage/usr/share/doc/posapp/BUILD-INFO.txt"

    depends=()
    for p in $(qt_packages); do
        case "$p" in  # renamed in Debian 13 and Ubuntu 24.04 (64-bit time_t)
            libglib2.0-0|libcups2) depends+=("${p}t64 | $p") ;;
            *) depends+=("$p") ;;
        esac
    done
    glibc="$(glibc_needed)"
    [ -n "$glibc" ] || die "could not read the glibc version the bundle needs (objdump)"
    # libdrm2: the EGL platform plugins (eglfs, a till without X11 or Wayland).
    depends+=("libc6 (>= $glibc)" "libstdc++6" "libgcc-s1" "libdrm2" "tzdata" "fonts-noto-cjk | fonts-wqy-microhei")
    # pyusb (bundled inside the Python archive, so no folder shows it) loads the system's libusb.
    if "$VPY" -c "import usb" >/dev/null 2>&1; then depends+=("libusb-1.0-0"); fi

    check_depends "${depends[@]}"

    installed_kb="$(du -sk --apparent-size "$stage" | cut -f1)"
    sed -e "s|@VERSION@|$(deb_version "$VERSION")|" -e "s|@ARCH@|$ARCH|" \
        -e "s|@MAINTAINER@|${POSAPP_DEB_MAINTAINER:-posapp packaging <posapp@localhost>}|" \
        -e "s|@INSTALLED_SIZE@|$installed_kb|" \
        -e "s/@DEPENDS@/$(IFS=,; printf '%s' "${depends[*]}" | sed 's/,/, /g')/" \
        packaging/deb/control.in >"$stage/DEBIAN/control"
    find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    dpkg-deb --root-owner-group -Zxz --build "$stage" "$DEB" >/dev/null
    rm -rf "$stage"
fi

# --------------------------------------------------------------------------
# 6. Summary
# --------------------------------------------------------------------------
( cd "$DIST" && sha256sum "$NAME.tar.gz" $([ "$WITH_DEB" = 1 ] && basename "$DEB") >SHA256SUMS )
say "bundle  $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
say "tarball $DIST/$NAME.tar.gz ($(du -h "$DIST/$NAME.tar.gz" | cut -f1))"
[ "$WITH_DEB" = 1 ] && say "deb     $DEB ($(du -h "$DEB" | cut -f1))"
say "done in $((SECONDS - started)) s"
