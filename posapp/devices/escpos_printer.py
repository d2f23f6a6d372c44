"""ESC/POS bytes for a receipt document, and sending them to the configured printer.

We encode text ourselves: python-escpos 3.1 sends CJK as raw GB18030 without FS & (Chinese mode)
and has no Big5 path (its issues #638, #678). python-escpos builds the graphics commands (raster
images, CODE128, QR, cut) through its Dummy printer, and opens the connections.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
import time
import unicodedata
from typing import Callable

from escpos.capabilities import get_profile
from escpos.exceptions import Error as EscposError
from escpos.printer import Dummy

from posapp.config import parse_printer_connection
from posapp.devices import textwidth as tw
from posapp.devices.receipt import CodeBlock, ReceiptDocument, ReceiptHeader, TextLine, layout_receipt, line_width
from posapp.devices.receipt_image import FontMissing, render_lines
from posapp.domain.errors import PosError
from posapp.domain.sale import Sale

ESC, GS, FS = b"\x1b", b"\x1d", b"\x1c"
INIT = ESC + b"@"
CHINESE_ON, CHINESE_OFF = FS + b"&", FS + b"."
SELECT_UTF8 = FS + b"(C\x02\x00\x30\x02"  # Epson FS ( C fn 48: character encoding UTF-8
DOUBLE_BYTE = {"gb18030": "gb18030", "big5": "big5"}
ALIGN = {"left": ESC + b"a\x00", "center": ESC + b"a\x01", "right": ESC + b"a\x02"}


class PrinterUnavailable(PosError):
    """The printer could not take the job now (off, unplugged, out of paper...); try again."""


class PrinterSetupError(PosError):
    """The job cannot be built or sent as configured (profile, code page, font, driver library)."""


def drawer_pulse(pin: int = 2) -> bytes:
    """ESC p: kick the cash drawer on pin 2 (or 5): 50 ms on, 500 ms off."""
    return ESC + b"p" + (b"\x00" if pin == 2 else b"\x01") + bytes((25, 250))


def encode_document(doc: ReceiptDocument, *, encoding: str, profile: str = "default",
                    font_path: str | None = None) -> bytes:
    """The complete job: initialise, text in the printer's character set, the code, feed and cut."""
    encoding = encoding.lower()
    dummy = _dummy(profile)
    out = [INIT]
    if encoding == "image":
        out += _image_job(doc, dummy, font_path)
    else:
        out.append(_charset_setup(encoding, dummy))
        for el in doc.elements:
            out.append(_code(el, dummy) if isinstance(el, CodeBlock) else _text(el, doc, encoding))
    dummy.clear()
    dummy.cut(mode="PART")  # ESC d 6 (feed past the cutter) then GS V 1
    out.append(dummy.output)
    return b"".join(out)


def receipt_renderer(*, store: ReceiptHeader, timezone: str, locale: str, columns: int, encoding: str,
                     profile: str = "default", footer: str = "",
                     font_path: str | None = None) -> Callable[..., bytes]:
    """The `receipt` services.checkout takes: a sale (reprint=False) to the bytes of its print job."""
    _dummy(profile)  # a wrong profile is refused at start-up, not at the first sale
    ambiguous = tw.ambiguous_width(encoding)

    def render(sale: Sale, *, reprint: bool = False) -> bytes:
        doc = layout_receipt(sale, store=store, columns=columns, timezone=timezone, locale=locale,
                             footer=footer, reprint=reprint, ambiguous=ambiguous)
        return encode_document(doc, encoding=encoding, profile=profile, font_path=font_path)

    return render


def _dummy(profile: str) -> Dummy:
    try:
        get_profile(profile)  # KeyError for an unknown name, before Dummy hides it
        return Dummy(profile=profile)
    except KeyError:
        raise PrinterSetupError(f"printer profile {profile!r} is unknown to python-escpos "
                                f"(try 'default', 'TM-T88V', 'TM-T20II', 'POS-5890')") from None


def _charset_setup(encoding: str, dummy: Dummy) -> bytes:
    if encoding in DOUBLE_BYTE:
        return b""  # FS & is sent around each line that has double-byte text
    if encoding == "utf-8":
        return CHINESE_OFF + SELECT_UTF8
    pages = dummy.profile.get_code_pages()
    index = pages.get(encoding.upper())
    if index is None:
        raise PrinterSetupError(f"printer profile {dummy.profile.profile_data.get('name')!r} "
                                f"has no code page {encoding.upper()}")
    try:
        "".encode(encoding)
    except LookupError:
        raise PrinterSetupError(f"{encoding!r} is not a character set Python can write") from None
    # A printer left in Chinese mode reads bytes >= 0x80 as double-byte codes: turn it off.
    return CHINESE_OFF + ESC + b"t" + bytes((int(index),))


def aligned_text(line: TextLine, columns: int, ambiguous: int) -> str:
    """The line padded by display width, as it is printed."""
    width = line_width(line, columns)
    if line.align == "center":
        return tw.center(line.text, width, ambiguous=ambiguous)
    if line.align == "right":
        return tw.pad_left(line.text, width, ambiguous=ambiguous)
    return line.text


def _text(line: TextLine, doc: ReceiptDocument, encoding: str) -> bytes:
    body = encode_text(aligned_text(line, doc.columns, doc.ambiguous), encoding=encoding,
                       ambiguous=doc.ambiguous)
    size = (0x10 if line.double_width else 0) | (0x01 if line.double_height else 0)
    # GS ! (not ESC !) so Chinese characters are enlarged too; ESC ! only acts on ASCII.
    head = (ESC + b"E\x01" if line.bold else b"") + (GS + b"!" + bytes((size,)) if size else b"")
    tail = (GS + b"!\x00" if size else b"") + (ESC + b"E\x00" if line.bold else b"")
    if encoding in DOUBLE_BYTE and not body.isascii():
        return head + CHINESE_ON + body + b"\n" + CHINESE_OFF + tail
    return head + body + b"\n" + tail


def encode_text(text: str, *, encoding: str, ambiguous: int = 2) -> bytes:
    """text in the printer's character set, each character taking the columns the layout gave it.

    What the character set lacks becomes '?' (or a full-width '？' for a wide character), so the
    amounts to its right stay in their column.
    """
    codec = DOUBLE_BYTE.get(encoding, encoding)
    return b"".join(_encode_char(ch, codec, encoding in DOUBLE_BYTE, ambiguous) for ch in text)


def _encode_char(ch: str, codec: str, double_byte: bool, ambiguous: int) -> bytes:
    width = tw.char_width(ch, ambiguous=ambiguous)
    if width == 0:
        return b""
    try:
        data = ch.encode(codec)
    except UnicodeEncodeError:
        data = None
    if data is not None:
        if codec == "utf-8":
            return data
        printed = len(data) if double_byte else 1  # a 4-byte GB18030 code is outside GBK fonts
        if printed == width:
            return data
        if printed == 1 and width == 2:
            return data + b" "
    folded = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore")
    if width == 1 and len(folded) == 1:
        return folded
    if width == 2:
        return "？".encode(codec) if double_byte else b"? "
    return b"?"


def _code(block: CodeBlock, dummy: Dummy) -> bytes:
    """The centred code; one the printer cannot do (too wide, unsupported) falls back to QR, then none."""
    for kind in ([block.kind, "qr"] if block.kind == "code128" else ["qr"]):
        dummy.clear()
        dummy._raw(ALIGN["center"])
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints which renderer it used
                if kind == "code128":
                    dummy.barcode("{B" + block.data, "CODE128", height=64, width=2, pos="BELOW",
                                  align_ct=True, function_type="B")
                else:
                    dummy.qr(block.data, size=6, native=bool(dummy.profile.supports("qrCode")))
        except EscposError:
            continue
        dummy._raw(b"\n" + ALIGN["left"])
        return dummy.output
    return b""  # the receipt number is printed as text in the header anyway


def _image_job(doc: ReceiptDocument, dummy: Dummy, font_path: str | None) -> list[bytes]:
    """Runs of text lines as raster images (GS v 0), codes as native commands between them."""
    out: list[bytes] = []
    run: list[tuple[str, TextLine]] = []
    for el in [*doc.elements, None]:
        if isinstance(el, TextLine):
            run.append((aligned_text(el, doc.columns, doc.ambiguous), el))
            continue
        if run:
            try:
                image = render_lines(run, columns=doc.columns, locale=doc.locale,
                                     ambiguous=doc.ambiguous, font_path=font_path)
            except FontMissing as exc:
                raise PrinterSetupError(str(exc)) from None
            dummy.clear()
            try:
                with contextlib.redirect_stdout(io.StringIO()):  # it prints when the profile has no width
                    dummy.image(image, impl="bitImageRaster", center=False)
            except EscposError as exc:
                raise PrinterSetupError(f"the receipt image does not fit the printer profile: "
                                        f"{exc}; use fewer columns or another profile") from None
            out.append(dummy.output)
            run = []
        if isinstance(el, CodeBlock):
            out.append(_code(el, dummy))
    return out


class ReceiptPrinter:
    """One configured receipt printer: encode, send, and check it is there."""

    def __init__(self, connection: str, *, timeout: float, encoding: str = "gb18030",
                 profile: str = "default", font_path: str | None = None):
        self.kind, self.args = parse_printer_connection(connection)
        self.timeout, self.encoding, self.profile = timeout, encoding.lower(), profile
        self.font_path = font_path
        self.last_output: bytes | None = None

    @property
    def where(self) -> str:
        if self.kind == "network":
            return f"printer at {self.args[0]}:{self.args[1]}"
        if self.kind == "usb":
            return f"USB printer {self.args[0]}:{self.args[1]}"
        return {"serial": "serial printer on ", "file": "printer file ",
                "win32": "Windows printer "}.get(self.kind, "printer ") + self.args[0]

    def encode(self, doc: ReceiptDocument) -> bytes:
        return encode_document(doc, encoding=self.encoding, profile=self.profile, font_path=self.font_path)

    def print_receipt(self, doc: ReceiptDocument) -> None:
        self.send(self.encode(doc))

    def open_drawer(self) -> None:
        self.send(drawer_pulse())

    def status(self) -> tuple[bool, str]:
        """Cheap reachability (connects or looks for the device; prints nothing)."""
        from posapp.devices.reach import check_printer

        reach = check_printer(self.kind, self.args, timeout=min(self.timeout, 3.0))
        return reach.ok, reach.detail

    def send(self, data: bytes) -> None:
        """Write data to the printer, or raise PrinterUnavailable within about the timeout."""
        if self.kind == "none":
            return
        if self.kind == "dummy":
            self.last_output = bytes(data)
            return
        if self.kind in ("file", "win32"):  # no timeout of their own: a blocked device must not hang the till
            _within(self.timeout, lambda: self._send_once(data), what=self.where)
        else:
            self._send_once(data)

    def _send_once(self, data: bytes) -> None:
        deadline = time.monotonic() + self.timeout
        printer = self._connection()
        try:
            try:
                printer.open()
            except EscposError as exc:
                raise PrinterUnavailable(self._explain(exc.__context__ or exc, opening=True)) from None
            self._limit_write(printer, deadline)
            printer._raw(data)
            if self.kind == "network":
                _confirm_delivery(printer.device, deadline)
        except PrinterUnavailable:
            raise
        except (OSError, EscposError) as exc:
            raise PrinterUnavailable(self._explain(exc, opening=False)) from None
        except Exception as exc:  # usb.core.USBError, serial.SerialTimeoutException...
            if type(exc).__module__.split(".")[0] not in ("usb", "serial", "pywintypes"):
                raise
            raise PrinterUnavailable(self._explain(exc, opening=False)) from None
        finally:
            with contextlib.suppress(Exception):
                printer.close()

    def _connection(self):
        from escpos import printer as p

        a, t = self.args, self.timeout
        factories = {
            "network": lambda: p.Network(a[0], int(a[1]), timeout=t),
            "serial": lambda: p.Serial(a[0], baudrate=int(a[1]), timeout=t),
            "usb": lambda: p.Usb(int(a[0], 16), int(a[1], 16), timeout=max(1, int(t * 1000))),
            "file": lambda: p.File(a[0]),
            "win32": lambda: p.Win32Raw(a[0]),
        }
        libraries = {"serial": "pyserial", "usb": "pyusb (and libusb)", "win32": "pywin32 (Windows only)"}
        cls = {"network": p.Network, "serial": p.Serial, "usb": p.Usb, "file": p.File, "win32": p.Win32Raw}
        if not cls[self.kind].is_usable():
            raise PrinterSetupError(f"{self.where}: printing this way needs {libraries[self.kind]}, "
                                    f"which is not installed")
        try:
            return factories[self.kind]()
        except RuntimeError as exc:
            raise PrinterSetupError(f"{self.where}: {exc}") from None

    def _limit_write(self, printer, deadline: float) -> None:
        """What is left of the timeout after connecting bounds the write too."""
        left = max(0.05, deadline - time.monotonic())
        device = printer.device
        if self.kind == "network":
            device.settimeout(left)
        elif self.kind == "serial":
            device.write_timeout = left

    def _explain(self, exc: BaseException, *, opening: bool) -> str:
        if isinstance(exc, (socket.timeout, TimeoutError)) or "timeout" in type(exc).__name__.lower():
            why = f"no answer within {self.timeout:g} s"
        elif isinstance(exc, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            why = "connection dropped mid-job"
        elif isinstance(exc, OSError) and exc.strerror:
            why = exc.strerror
        else:
            why = str(exc).replace("\n", " ").strip() or type(exc).__name__
        if self.kind == "usb" and opening:
            return f"{self.where} not found ({why}): check the cable and that it is switched on"
        if opening:
            verb = "is not answering" if self.kind == "network" else "cannot be opened"
        else:
            verb = "did not take the whole receipt"
        return f"{self.where} {verb} ({why}); check power, cable and paper, then print again"


def _within(timeout: float, job, *, what: str) -> None:
    """Run job, giving up (PrinterUnavailable) after timeout; the stuck write is left to finish."""
    result: list[BaseException | None] = []

    def run():
        try:
            job()
            result.append(None)
        except BaseException as exc:  # handed back to the caller's thread
            result.append(exc)

    worker = threading.Thread(target=run, name="receipt-printer", daemon=True)
    worker.start()
    worker.join(timeout)
    if not result:
        raise PrinterUnavailable(f"{what} did not take the receipt within {timeout:g} s; "
                                 f"check power and paper, then print again")
    if result[0] is not None:
        raise result[0]


def _confirm_delivery(sock, deadline: float, *, linger: float = 0.5) -> None:
    """A small job fits in the socket buffer even if the printer hung up: half-close and listen.

    A printer that read everything closes its side (EOF) or keeps quiet; one that dropped the job
    answers with a reset, which raises here instead of passing as printed.
    """
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(max(0.05, min(linger, deadline - time.monotonic())))
    try:
        while sock.recv(1024):
            pass
    except (socket.timeout, TimeoutError):
        pass
