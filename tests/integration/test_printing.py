"""Receipt bytes as a printer reads them, and the connections that carry them: a loopback TCP
printer, a refusing port, a printer that hangs up or stalls mid-job, a device file, the dummy."""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import datetime
from decimal import Decimal as D

import pytest
from PIL import Image

from posapp.devices import textwidth as tw
from posapp.devices.escpos_printer import (
    PrinterSetupError,
    PrinterUnavailable,
    ReceiptPrinter,
    drawer_pulse,
    encode_document,
    receipt_renderer,
)
from posapp.devices.receipt import ReceiptHeader, TextLine, layout_receipt, render_text
from posapp.devices.receipt_image import FontMissing, find_font
from posapp.domain.errors import PosError, ValidationError
from posapp.domain.sale import Payment, Sale, SaleLine, TaxLine

STORE = ReceiptHeader("华联超市 中山路店", "上海市黄浦区中山东一路 18 号", "91310101MA1FPX1234")


def _line(no, name, qty, price, total, rate, *, discount=D(0), weighed=False):
    return SaleLine(no, no, f"SKU{no}", name, "kg" if weighed else "瓶", qty, price, price, discount,
                    total, "std", D(rate), weighed)


def make_sale() -> Sale:
    lines = (_line(1, "光明 鲜牛奶 950ml", D(2), D("12.50"), D("25.00"), 13),
             _line(2, "進口 香蕉 散稱", D("0.523"), D("6.98"), D("3.65"), 9, weighed=True),
             _line(3, "統一 冰紅茶 500ml", D(3), D("3.50"), D("9.50"), 13, discount=D("1.00")))
    return Sale("S001-T01-000123", "S001", "T01", 7, 3, "王芳", datetime(2024, 5, 1, 6, 3, 22), "CNY",
                lines, D("38.15"), D(0), D("38.15"), D("-0.05"),
                (TaxLine(D(13), D("34.50"), D("3.97"), D("30.53")), TaxLine(D(9), D("3.65"), D("0.30"), D("3.35"))),
                (Payment("card", D("20.00"), D("20.00"), "TXN0001234"), Payment("cash", D("18.10"), D("20.00"))),
                D("1.90"))


def make_doc(columns=42, locale="zh_CN", **kw):
    return layout_receipt(make_sale(), store=STORE, columns=columns, timezone="Asia/Shanghai",
                          locale=locale, footer="谢谢惠顾", **kw)


def decode(data: bytes, codec: str) -> list[tuple[str, dict]]:
    """What the printer prints: (text, style) per line, codes as '<CODE128 ...>' / '<QR ...>'."""
    out, buf, i = [], bytearray(), 0
    style = {"bold": False, "size": 0, "chinese": False, "codepage": None}

    def high_bytes_need_chinese_mode():
        assert style["chinese"] or codec not in ("gb18030", "big5"), "double-byte text outside FS &"

    while i < len(data):
        b, cmd = data[i], data[i + 1] if i + 1 < len(data) else None
        if b == 0x0A:
            out.append((buf.decode(codec), dict(style)))
            buf.clear()
            i += 1
        elif b == 0x1B and cmd == ord("@"):
            i += 2
        elif b == 0x1B and cmd in b"Eatd":
            style.update({ord("E"): {"bold": bool(data[i + 2])}, ord("t"): {"codepage": data[i + 2]}}.get(cmd, {}))
            i += 3
        elif b == 0x1D and cmd == ord("!"):
            style["size"] = data[i + 2]
            i += 3
        elif b == 0x1D and cmd in b"hwfHV":
            i += 3
        elif b == 0x1D and cmd == ord("k"):  # GS k 73 n {B...: CODE128
            n = data[i + 3]
            out.append((f"<CODE128 {data[i + 4:i + 4 + n].decode()}>", dict(style)))
            i += 4 + n
        elif b in (0x1C, 0x1D) and cmd == ord("("):  # GS ( k QR, FS ( C encoding: length-prefixed
            n = data[i + 3] + 256 * data[i + 4]
            body = data[i + 5:i + 5 + n]
            if b == 0x1D and body[:2] == b"1P":
                out.append((f"<QR {body[3:].decode()}>", dict(style)))
            i += 5 + n
        elif b == 0x1D and cmd == ord("v"):  # GS v 0 m xL xH yL yH data
            width, height = data[i + 4] + 256 * data[i + 5], data[i + 6] + 256 * data[i + 7]
            out.append((f"<IMAGE {width * 8}x{height}>", dict(style)))
            i += 8 + width * height
        elif b == 0x1C and cmd in b"&.":
            style["chinese"] = cmd == ord("&")
            i += 2
        else:
            assert b >= 0x20, f"unexpected control byte {b:#x} at {i}: {data[i:i + 8]!r}"
            if b >= 0x80:
                high_bytes_need_chinese_mode()
            buf.append(b)
            i += 1
    assert not buf, f"text after the last line feed: {bytes(buf)!r}"
    return [(text, st) for text, st in out if text]


def printed_text(data: bytes, codec: str) -> list[str]:
    return [text for text, _ in decode(data, codec)]


def test_gb18030_uses_chinese_mode_and_prints_the_lines_laid_out():
    doc = make_doc(42)
    data = encode_document(doc, encoding="gb18030")
    assert data.startswith(b"\x1b@")
    assert b"\x1c\x26" in data and b"\x1c\x2e" in data
    assert "光明 鲜牛奶".encode("gb18030") in data
    assert "合计".encode("gb18030") in data and "￥38.15".encode("gb18030") in data
    lines = decode(data, "gb18030")
    expected = render_text(doc)
    assert [t for t, st in lines if not st["size"] & 0x10] == [
        ln for ln, el in zip(expected, doc.elements) if not getattr(el, "double_width", False)
        and isinstance(el, TextLine)] + ["<CODE128 {BS001-T01-000123>"]
    total, style = next((t, st) for t, st in lines if t.startswith("合计"))
    assert style["bold"] and style["size"] == 0x01 and tw.text_width(total) == 42
    assert data.endswith(b"\x1dV\x01")  # partial cut after the feed


def test_big5_prints_traditional_and_marks_what_big5_lacks():
    data = encode_document(make_doc(42, "zh_TW"), encoding="big5")
    assert b"\x1c\x26" in data
    assert "統一 冰紅茶".encode("big5") in data and "合計".encode("big5") in data
    lines = printed_text(data, "big5")
    assert "光明 ？牛奶 950ml" in lines  # 鲜 is Simplified only: a full-width ？ keeps the columns
    assert "進口 香蕉 散稱" in lines
    for line in lines:
        if line.endswith((".00", ".15", ".65", ".90")) and not line.startswith("<"):
            assert tw.text_width(line) == 42, line


def test_single_byte_code_page_is_selected_and_columns_kept():
    data = encode_document(make_doc(42, "en", ambiguous=1), encoding="cp437")
    assert data.startswith(b"\x1b@\x1c.\x1bt\x00")  # leave Chinese mode, select code page 437
    lines = printed_text(data, "cp437")
    assert any(ln.startswith("TOTAL") and ln.endswith("CNY 38.15") and len(ln) == 42 for ln in lines)
    assert "? ?  ? ? ?  950ml" in lines  # 光明 鲜牛奶 950ml: each wide character becomes "? "
    assert encode_document(make_doc(42, "en"), encoding="cp858")[:7] == b"\x1b@\x1c.\x1bt\x13"


def test_code_page_or_profile_the_printer_lacks_is_refused_with_a_reason():
    with pytest.raises(PrinterSetupError, match="CP858"):
        encode_document(make_doc(), encoding="cp858", profile="TM-T88II")
    with pytest.raises(PrinterSetupError, match="TM-T99"):
        encode_document(make_doc(), encoding="gb18030", profile="TM-T99")


def test_qr_on_narrow_paper_and_drawer_pulse():
    data = encode_document(make_doc(32), encoding="gb18030")
    assert b"\x1d(k" in data
    assert printed_text(data, "gb18030")[-1] == "<QR S001-T01-000123>"
    # A 58 mm printer without hardware codes gets the QR as an image rather than a too-wide barcode.
    data = encode_document(make_doc(42), encoding="gb18030", profile="POS-5890")
    assert printed_text(data, "gb18030")[-1].startswith("<IMAGE ")
    assert drawer_pulse() == b"\x1bp\x00\x19\xfa"  # ESC p 0 25 250: 50 ms on, 500 ms off


def test_image_mode_sends_raster_images_and_no_text():
    try:
        find_font()
    except FontMissing as exc:
        pytest.skip(str(exc))
    data = encode_document(make_doc(42), encoding="image")
    assert b"\x1dv0" in data and "合计".encode("gb18030") not in data
    items = printed_text(data, "ascii")  # no text at all: images (960-dot slices), then the code
    assert all(item.startswith("<IMAGE 504x") for item in items[:-1]) and len(items) >= 2
    assert items[-1] == "<CODE128 {BS001-T01-000123>"
    start = data.index(b"\x1dv0")
    width, height = data[start + 4] + 256 * data[start + 5], data[start + 6] + 256 * data[start + 7]
    raster = Image.frombytes("1", (width * 8, height), data[start + 8:start + 8 + width * height])
    inked = raster.convert("L").histogram()[255]  # set bits are printed dots
    assert 0.02 < inked / (raster.width * raster.height) < 0.5
    with pytest.raises(PrinterSetupError, match="does not exist"):
        encode_document(make_doc(42), encoding="image", font_path="/nonexistent/font.ttc")


class LoopbackPrinter:
    """A one-job TCP printer on 127.0.0.1: 'read' everything, 'hang_up' after 1000 bytes, or 'stall'."""

    def __init__(self, mode: str = "read"):
        self.mode, self.received = mode, bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.release, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.server.accept()
        with conn:
            if self.mode == "stall":
                self.release.wait(30)
            elif self.mode == "hang_up":
                self.received += conn.recv(1000)
            else:
                while chunk := conn.recv(65536):
                    self.received += chunk
        self.done.set()

    def close(self):
        self.release.set()
        self.server.close()


@pytest.fixture
def loopback():
    servers = []

    def start(mode="read"):
        servers.append(LoopbackPrinter(mode))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_network_printer_receives_exactly_the_encoded_bytes(loopback):
    server = loopback("read")
    printer = ReceiptPrinter(f"network:127.0.0.1:{server.port}", timeout=3, encoding="gb18030")
    data = printer.encode(make_doc())
    printer.send(data)
    assert server.done.wait(3)
    assert bytes(server.received) == data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_port_raises_printer_unavailable_quickly():
    port = _free_port()
    printer = ReceiptPrinter(f"network:127.0.0.1:{port}", timeout=2, encoding="gb18030")
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as caught:
        printer.send(b"\x1b@hello\n")
    assert time.monotonic() - started < 2 + 1
    assert f"printer at 127.0.0.1:{port} is not answering" in str(caught.value)
    assert isinstance(caught.value, PosError)
    assert printer.status()[0] is False


@pytest.mark.parametrize("mode", ["hang_up", "stall"])
def test_printer_failing_mid_job_raises_instead_of_hanging(loopback, mode):
    server = loopback(mode)
    printer = ReceiptPrinter(f"network:127.0.0.1:{server.port}", timeout=1.0, encoding="gb18030")
    big_job = b"\x1b@" + b"x" * 64_000_000  # more than the socket buffers hold, like a long image job
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="did not take the whole receipt"):
        printer.send(big_job)
    assert time.monotonic() - started < 1.0 + 1


def test_status_is_a_cheap_connect():
    with socket.create_server(("127.0.0.1", 0)) as listening:  # the kernel accepts; nobody reads
        port = listening.getsockname()[1]
        ok, detail = ReceiptPrinter(f"network:127.0.0.1:{port}", timeout=1, encoding="gb18030").status()
    assert ok and str(port) in detail


def test_file_connection_writes_the_bytes(tmp_path):
    target = tmp_path / "lp0"
    printer = ReceiptPrinter(f"file:{target}", timeout=2, encoding="gb18030")
    data = printer.encode(make_doc())
    printer.send(data)
    assert target.read_bytes() == data
    with pytest.raises(PrinterUnavailable, match="cannot be opened"):
        ReceiptPrinter(f"file:{tmp_path / 'no' / 'lp0'}", timeout=2, encoding="gb18030").send(data)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO to play a blocked device")
def test_blocked_device_file_gives_up_after_the_timeout(tmp_path):
    fifo = tmp_path / "lp0"
    os.mkfifo(fifo)  # opening it for writing blocks until a reader comes, like an offline lp device
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable, match="within 1 s"):
        ReceiptPrinter(f"file:{fifo}", timeout=1, encoding="gb18030").send(b"\x1b@")
    assert time.monotonic() - started < 1 + 1
    with open(fifo, "rb") as reader:  # let the abandoned writer finish
        assert reader.read() == b"\x1b@"


def test_dummy_keeps_the_last_job_and_none_prints_nothing():
    dummy = ReceiptPrinter("dummy", timeout=1, encoding="gb18030")
    dummy.print_receipt(make_doc())
    assert "合计".encode("gb18030") in dummy.last_output
    dummy.open_drawer()
    assert dummy.last_output == drawer_pulse()
    ReceiptPrinter("none", timeout=1, encoding="gb18030").send(b"anything")
    with pytest.raises(ValidationError):
        ReceiptPrinter("parallel:LPT1", timeout=1, encoding="gb18030")


def test_a_usb_printer_that_is_not_there_is_a_message_not_a_crash():
    """pyusb comes with posapp (python-escpos[usb]); no such printer on this machine (nor, maybe, libusb):
    the cashier is told, the job stays queued."""
    from escpos.printer import Usb

    assert Usb.is_usable()
    with pytest.raises(PrinterUnavailable, match="USB printer 0x04b8:0x0202"):
        ReceiptPrinter("usb:0x04b8:0x0202", timeout=1, encoding="gb18030").send(b"\x1b@")


def test_receipt_renderer_is_what_checkout_stores_as_the_print_job():
    render = receipt_renderer(store=STORE, timezone="Asia/Shanghai", locale="zh_CN", columns=42,
                              encoding="gb18030", footer="谢谢惠顾")
    assert render(make_sale()) == encode_document(make_doc(42), encoding="gb18030")
    assert "*** 重打小票 ***".encode("gb18030") in render(make_sale(), reprint=True)
    english = receipt_renderer(store=STORE, timezone="Asia/Shanghai", locale="en", columns=32, encoding="cp437")
    lines = printed_text(english(make_sale()), "cp437")
    assert all(len(line) <= 32 for line in lines)  # one byte, one column on a code-page printer
    with pytest.raises(PrinterSetupError):
        receipt_renderer(store=STORE, timezone="Asia/Shanghai", locale="en", columns=32, encoding="cp437",
                         profile="no-such-model")
