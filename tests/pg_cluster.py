"""Throw-away PostgreSQL cluster for the test suite (standard library only).

    from pg_cluster import start_cluster
    url, stop = start_cluster(tmp_dir)   # postgresql://posapp@127.0.0.1:PORT/posapp_test
    ...
    stop()                               # kills the server and deletes its files

The server listens on 127.0.0.1 only, on a free port, with trust
authentication, a superuser named ``posapp`` and durability switched off
(fsync, synchronous_commit, full_page_writes) for speed.

PostgreSQL refuses to run as root, so when this runs as root the server runs
as the ``postgres`` system user (``nobody`` if there is none), in a directory
that user owns.

The server binaries are looked up in $POSAPP_PG_BINDIR, then on PATH, then in
the newest /usr/lib/postgresql/*/bin (Debian/Ubuntu: apt-get install postgresql).

Manual use:  python tests/pg_cluster.py          (runs until Ctrl-C / SIGTERM)
             python tests/pg_cluster.py --check  (only reports where initdb is)
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from typing import Callable

__all__ = ["start_cluster", "find_bindir", "DB_USER", "DB_NAME"]

DB_USER = "posapp"
DB_NAME = "posapp_test"
START_TIMEOUT = 30  # seconds
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes; leave room for "/.s.PGSQL.NNNNN.lock"


def find_bindir() -> str:
    """Directory holding initdb, pg_ctl and createdb of one PostgreSQL install."""
    env = os.environ.get("POSAPP_PG_BINDIR")
    if env:
        if os.access(os.path.join(env, "initdb"), os.X_OK):
            return env
        raise FileNotFoundError(f"POSAPP_PG_BINDIR={env} has no initdb")
    on_path = shutil.which("initdb")
    if on_path:
        bindir = os.path.dirname(os.path.realpath(on_path))
        if os.access(os.path.join(bindir, "pg_ctl"), os.X_OK):
            return bindir

    def version_key(path: str) -> tuple[int, ...]:
        ver = path.split("/")[-3]  # /usr/lib/postgresql/<ver>/bin/initdb
        return tuple(int(x) for x in re.findall(r"\d+", ver)) or (0,)

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version_key)
    if found:
        return os.path.dirname(found[-1])
    raise FileNotFoundError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
        "/usr/lib/postgresql/*/bin; install them (Debian/Ubuntu: "
        "sudo apt-get install postgresql) or run `bash packaging/dev/setup.sh --test`"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run the server as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    raise RuntimeError("running as root and there is no 'postgres' (or 'nobody') user to run PostgreSQL as")


def _can_traverse(path: str, user: pwd.struct_passwd) -> bool:
    gids = {user.pw_gid} | set(os.getgrouplist(user.pw_name, user.pw_gid))
    path = os.path.realpath(path)
    while True:
        st = os.stat(path)
        if st.st_uid == user.pw_uid:
            ok = st.st_mode & stat.S_IXUSR
        elif st.st_gid in gids:
            ok = st.st_mode & stat.S_IXGRP
        else:
            ok = st.st_mode & stat.S_IXOTH
        if not ok:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _command(user: pwd.struct_passwd | None, argv: list[str]) -> list[str]:
    if user is None:
        return argv
    runuser = shutil.which("runuser") or next(
        (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None
    )
    if runuser:
        return [runuser, "-u", user.pw_name, "--", *argv]
    return ["su", user.pw_name, "-s", "/bin/sh", "-c", shlex.join(argv)]


def _tail(path: str, lines: int = 30) -> str:
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no server log)"


def start_cluster(base_dir: str) -> tuple[str, Callable[[], None]]:
    """Start a new PostgreSQL cluster in a fresh directory below *base_dir*.

    Returns ``(database_url, stop)``. ``stop()`` kills the server
    (``pg_ctl stop -m immediate``) and removes the cluster directory; it is
    safe to call more than once and is also registered with atexit.
    """
    bindir = find_bindir()
    user = _run_as_user()

    os.makedirs(base_dir, exist_ok=True)
    if user is not None and not _can_traverse(base_dir, user):
        # e.g. pytest's tmp dirs are 0700 root: use a directory the server user can reach
        base_dir = "/tmp"
    root = tempfile.mkdtemp(prefix="posapp-pg-", dir=base_dir)
    extra_dirs: list[str] = []
    data = os.path.join(root, "data")
    log = os.path.join(root, "server.log")
    sock_dir = data
    if len(sock_dir) > _SOCKET_PATH_MAX - 25:
        sock_dir = tempfile.mkdtemp(prefix="pgsock-", dir="/tmp")
        extra_dirs.append(sock_dir)
    if user is not None:
        for d in [root, *extra_dirs]:
            os.chown(d, user.pw_uid, user.pw_gid)

    def run(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            _command(user, argv),
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )

    state = {"stopped": False, "started": False}

    def stop() -> None:
        if state["stopped"]:
            return
        state["stopped"] = True
        if state["started"]:
            try:
                run([os.path.join(bindir, "pg_ctl"), "-D", data, "stop", "-m", "immediate", "-w"], timeout=30)
            except Exception:  # noqa: BLE001 - best effort; the directory goes anyway
                pass
        for d in [root, *extra_dirs]:
            shutil.rmtree(d, ignore_errors=True)

    atexit.register(stop)
    try:
        res = run(
            [
                os.path.join(bindir, "initdb"),
                "-D", data,
                "-U", DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=120,
        )
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed ({res.returncode}):\n{res.stdout}")

        with open(os.path.join(data, "pg_hba.conf"), "w") as f:
            f.write(
                "# written by tests/pg_cluster.py\n"
                "local all all trust\n"
                "host all all 127.0.0.1/32 trust\n"
            )
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write(
                "\n# tests/pg_cluster.py: throw-away test server\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{sock_dir}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
                "max_connections = 200\n"
                "logging_collector = off\n"
            )

        for attempt in range(5):
            port = _free_port()
            res = run(
                [
                    os.path.join(bindir, "pg_ctl"),
                    "-D", data,
                    "-l", log,
                    "-o", f"-p {port}",
                    "-w", "-t", str(START_TIMEOUT),
                    "start",
                ],
                timeout=START_TIMEOUT + 15,
            )
            if res.returncode == 0:
                break
            state["started"] = True  # might be half up: make stop() kill it
            log_tail = _tail(log)
            if "could not bind" in log_tail or "already in use" in log_tail:
                run([os.path.join(bindir, "pg_ctl"), "-D", data, "stop", "-m", "immediate", "-w"], timeout=30)
                state["started"] = False
                continue  # someone took the port in between: try another one
            raise RuntimeError(
                f"PostgreSQL did not become ready within {START_TIMEOUT}s "
                f"(pg_ctl exit {res.returncode}):\n{res.stdout}\n--- {log} ---\n{log_tail}"
            )
        else:
            raise RuntimeError(f"could not find a free port for PostgreSQL:\n{_tail(log)}")
        state["started"] = True

        res = run(
            [os.path.join(bindir, "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", DB_USER, DB_NAME],
            timeout=60,
        )
        if res.returncode != 0:
            raise RuntimeError(f"createdb failed ({res.returncode}):\n{res.stdout}\n--- server log ---\n{_tail(log)}")
    except BaseException:
        stop()
        raise

    return f"postgresql://{DB_USER}@127.0.0.1:{port}/{DB_NAME}", stop


def _main(argv: list[str]) -> int:
    if argv[1:2] in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    if argv[1:2] == ["--check"]:
        try:
            print(find_bindir())
        except FileNotFoundError as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0

    def on_term(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)  # even when started with SIGINT ignored (cmd &)
    url, stop = start_cluster(tempfile.gettempdir())
    try:
        print(url, flush=True)
        print(f"# e.g.  psql {url}   |   POSAPP_TEST_PG_URL={url} bash tests/run.sh", file=sys.stderr)
        print("# Ctrl-C (or SIGTERM) stops the server and deletes its files", file=sys.stderr, flush=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv))
