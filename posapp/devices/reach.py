"""Can we reach the configured receipt printer? For doctor and the status bar; never prints."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Reach:
    ok: bool
    detail: str


def check_printer(kind: str, args: list[str], *, timeout: float = 3.0) -> Reach:
    if kind == "none":
        return Reach(True, "no printer configured")
    if kind == "dummy":
        return Reach(True, "dummy printer (receipts are kept in memory)")
    if kind == "network":
        host, port = args[0], int(args[1])
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return Reach(True, f"{host}:{port} accepts connections")
        except OSError as exc:
            return Reach(False, f"{host}:{port} unreachable: {exc.strerror or exc}")
    if kind in ("file", "serial"):
        path = Path(args[0])
        if kind == "file" and not path.exists():
            writable = os.access(path.parent if str(path.parent) else ".", os.W_OK)
            return Reach(writable, f"{path} will be created" if writable else f"cannot write in {path.parent}")
        if not path.exists():
            return Reach(False, f"{path} does not exist")
        return Reach(os.access(path, os.W_OK), f"{path} {'is writable' if os.access(path, os.W_OK) else 'is not writable'}")
    if kind == "usb":
        return _check_usb(int(args[0], 16), int(args[1], 16))
    if kind == "win32":
        return Reach(os.name == "nt", f"Windows print queue {args[0]!r}"
                     + ("" if os.name == "nt" else " (only on Windows)"))
    return Reach(False, f"unknown printer connection {kind!r}")


def _check_usb(vendor: int, product: int) -> Reach:
    try:
        import usb.core  # pyusb comes with python-escpos's USB support
    except ImportError:
        return Reach(False, "USB support (pyusb) is not installed")
    try:
        device = usb.core.find(idVendor=vendor, idProduct=product)
    except Exception as exc:  # no libusb backend on this machine, permissions...
        return Reach(False, f"cannot look for USB devices: {exc}")
    label = f"USB {vendor:04x}:{product:04x}"
    return Reach(device is not None, f"{label} {'found' if device is not None else 'not found'}")
