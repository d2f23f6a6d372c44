"""What every posapp-admin command shares: output, failure, PINs, progress, opening the store."""

from __future__ import annotations

import getpass
import sys

from posapp.domain.errors import PosError


def _out(text: str = "") -> None:
    print(text, flush=True)


def _fail(reason: str) -> int:
    print(f"posapp-admin: {reason}", file=sys.stderr, flush=True)
    return 1


def _ask_pin(prompt: str, given: str | None) -> str:
    if given:
        return given
    if not sys.stdin or not sys.stdin.isatty():
        raise PosError("no PIN given: pass --pin (or --admin-pin) when not running interactively")
    pin = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != pin:
        raise PosError("the two PINs differ")
    return pin


def _progress(stage: str, done: int, total: int) -> None:
    if not sys.stderr.isatty():
        if stage in ("checking", "writing", "done"):
            print(f"{stage} {total} products", file=sys.stderr, flush=True)
        return
    bar = f"{done}/{total}" if total > 1 else ""
    print(f"\r{stage:<10} {bar:<20}", end="" if stage != "done" else "\n", file=sys.stderr, flush=True)


def _open(args, *, upgrade: bool = False):
    from posapp.bootstrap import load_and_open

    store, _ = load_and_open(args.config, upgrade=upgrade)
    return store
