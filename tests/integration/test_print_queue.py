"""A printer that is off, refuses or drops mid-job never loses or undoes a sale: the job waits."""

from __future__ import annotations

import socket
import threading
from decimal import Decimal

import pytest

from posapp.config import PrinterConfig, StoreConfig, TillConfig
from posapp.demo import demo_products
from posapp.domain.basket import Basket
from posapp.domain.tender import Tendering
from posapp.domain.users import Role
from posapp.services import catalog, checkout, printing, shifts
from posapp.services.auth import SYSTEM, hash_pin


class PrinterServer:
    """A TCP receipt printer on 127.0.0.1 that takes many jobs, or hangs up after a few bytes."""

    def __init__(self, port: int = 0, *, hang_up_after: int | None = None):
        self.server = socket.create_server(("127.0.0.1", port))
        self.port = self.server.getsockname()[1]
        self.hang_up_after, self.jobs = hang_up_after, []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                if self.hang_up_after is not None:
                    conn.recv(self.hang_up_after)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    continue
                data = bytearray()
                while chunk := conn.recv(65536):
                    data += chunk
                self.jobs.append(bytes(data))

    def close(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would leave it listening.
        try:
            self.server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.server.close()
        self.thread.join(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Config:
    def __init__(self, port):
        self.store = StoreConfig(code="S001", name="测试门店", currency="CNY", locale="zh_CN",
                                 timezone="Asia/Shanghai", address="上海", tax_id="X")
        self.printer = PrinterConfig(connection=f"network:127.0.0.1:{port}", columns=42,
                                     encoding="gb18030", timeout=2)
        self.till = TillConfig(cash_rounding=Decimal("0.10"))


@pytest.fixture
def selling(uow, station):
    catalog.save_products(uow, station, actor=SYSTEM, specs=demo_products(20), source="demo")
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    shifts.open_shift(uow, station, actor=cashier, opening_float=Decimal("100"))
    port = _free_port()
    config = _Config(port)
    render = printing.make_renderer(config)

    def sell():
        basket = Basket()
        for spec in [p for p in demo_products(20) if not p.weighed][:2]:
            basket.add(catalog.lookup_scan(uow, station, spec.barcodes[0]).product)
        tendering = Tendering(total=basket.totals().total, cash_increment=Decimal("0.10"))
        tendering.add("cash", Decimal("200"))
        return checkout.complete_sale(uow, station, actor=cashier, basket=basket, tendering=tendering,
                                      print_receipt=True).sale

    return sell, printing.make_printer(config), port, render


def test_sales_survive_a_printer_that_is_off_and_print_when_it_is_back(uow, station, selling):
    sell, printer, port, render = selling
    first, second = sell(), sell()
    state = printing.drain(uow, station, printer, render=render)
    assert (state.ok, state.pending) == (False, 2)
    assert "127.0.0.1" in state.detail
    assert uow.sales.get(number=first.number) == first  # committed whatever the printer does
    server = PrinterServer(port)
    try:
        state = printing.drain(uow, station, printer, render=render)
        assert (state.ok, state.pending) == (True, 0)
        _wait_for(lambda: len(server.jobs) == 2)
        texts = [job.decode("gb18030", errors="replace") for job in server.jobs]
        assert first.number in texts[0] and second.number in texts[1]
        assert all(job.startswith(b"\x1bp") for job in server.jobs)  # the drawer opens for cash
    finally:
        server.close()


def test_a_printer_dropping_mid_job_keeps_the_job_for_a_retry(uow, station, selling):
    sell, printer, port, render = selling
    sale = sell()
    flaky = PrinterServer(port, hang_up_after=16)
    try:
        state = printing.drain(uow, station, printer, render=render)
    finally:
        flaky.close()
    assert (state.ok, state.pending) == (False, 1)
    job = uow.till.pending_print_jobs("T01")[0]
    assert (job.ref, job.attempts) == (sale.number, 1) and job.last_error
    server = PrinterServer(port)
    try:
        assert printing.drain(uow, station, printer, render=render).pending == 0
        _wait_for(lambda: len(server.jobs) == 1)
        assert sale.number in server.jobs[0].decode("gb18030", errors="replace")
    finally:
        server.close()


def test_reprint_needs_permission_and_is_marked(uow, station, selling):
    from posapp.domain.errors import PermissionDenied
    from posapp.services.auth import approve

    sell, printer, port, render = selling
    sale = sell()
    cashier = uow.users.by_username("c1")
    with pytest.raises(PermissionDenied):
        printing.reprint(uow, station, actor=cashier, number=sale.number, render=render)
    uow.users.add(username="sup", name="主管", role=Role.SUPERVISOR, pin_hash=hash_pin("7777"))
    from posapp.domain.users import Permission

    approval = approve(uow, station, approver="sup", pin="7777", permission=Permission.REPRINT, for_user=cashier)
    printing.reprint(uow, station, actor=cashier, number=sale.number, render=render, approval=approval)
    job = uow.till.pending_print_jobs("T01")[-1]
    assert job.kind == "reprint" and "重打小票" in job.payload.decode("gb18030", errors="replace")
    assert uow.audit.recent(limit=1)[0].action == "receipt_reprinted"


def _wait_for(condition, timeout=5.0):
    import time

    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def test_a_receipt_that_cannot_be_laid_out_is_set_aside_and_the_next_one_prints(uow, station, selling):
    sell, printer, port, render = selling
    first, second = sell(), sell()

    def layout(sale, **kwargs):
        if sale.number == first.number:
            raise ValueError("no glyph for this name")
        return render(sale, **kwargs)

    server = PrinterServer(port)
    try:
        state = printing.drain(uow, station, printer, render=layout)
        assert not state.ok and first.number in state.detail and "no glyph" in state.detail
        assert state.pending == 0
        _wait_for(lambda: len(server.jobs) == 1)
        assert second.number in server.jobs[0].decode("gb18030", errors="replace")
        assert printing.drain(uow, station, printer, render=layout).ok  # nothing left waiting
    finally:
        server.close()
    assert uow.sales.get(number=first.number) == first  # the sale stands; it can be reprinted
