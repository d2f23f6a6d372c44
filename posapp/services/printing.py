"""The print queue: receipts are queued in the sale's transaction and printed when the printer is
there. A printer that is off never blocks, loses or undoes a sale; jobs wait and are retried."""

from __future__ import annotations

from dataclasses import dataclass

from posapp.devices.escpos_printer import PrinterSetupError, PrinterUnavailable, ReceiptPrinter, drawer_pulse, receipt_renderer
from posapp.devices.receipt import ReceiptHeader
from posapp.domain.errors import NotFound
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services import members
from posapp.services.auth import audit, require
from posapp.services.station import Station


@dataclass(frozen=True)
class PrinterState:
    ok: bool
    pending: int
    detail: str


def make_renderer(config):
    """Sale -> receipt bytes for this terminal's printer (layout, columns, encoding, footer)."""
    store = config.store
    header = ReceiptHeader(store_name=store.name, address=store.address, tax_id=store.tax_id)
    return receipt_renderer(store=header, timezone=store.timezone, locale=store.locale,
                            columns=config.printer.columns, encoding=config.printer.encoding,
                            profile=config.printer.profile, footer=config.till.receipt_footer)


def make_printer(config) -> ReceiptPrinter:
    p = config.printer
    return ReceiptPrinter(p.connection, timeout=p.timeout, encoding=p.encoding, profile=p.profile)


def with_drawer(render, sale) -> bytes:
    """Cash sales open the drawer (an ESC/POS pulse through the printer) as the receipt prints."""
    body = render(sale)
    return drawer_pulse() + body if any(p.tender == "cash" for p in sale.payments) else body


def drain(uow, station: Station, printer: ReceiptPrinter, *, render=None, limit: int = 20) -> PrinterState:
    """Send waiting jobs in order; stop at the first failure and keep the rest for the next try.

    A sale's receipt job is laid out here, from the stored sale, by render (see make_renderer). A
    receipt that cannot be laid out is set aside with its reason (the sale stays; reprint it) so it
    does not hold up the receipts behind it."""
    problem = ""
    for job in uow.till.pending_print_jobs(station.terminal_code, limit=limit):
        payload = job.payload
        if not payload and job.kind == "receipt":
            try:
                payload = _lay_out(uow, job.ref, render)
            except Exception as exc:  # noqa: BLE001 (any layout failure is kept on the job, never raised)
                problem = _("receipt {number} could not be laid out: {reason}").format(number=job.ref, reason=exc)
                with uow:
                    uow.till.print_abandoned(job.id, problem)
                    uow.commit()
                continue
        try:
            printer.send(payload)
        except (PrinterUnavailable, PrinterSetupError) as exc:
            with uow:
                uow.till.print_failed(job.id, str(exc))
                uow.commit()
            return PrinterState(False, uow.till.pending_print_count(station.terminal_code), str(exc))
        with uow:
            uow.till.print_done(job.id)
            uow.commit()
    pending = uow.till.pending_print_count(station.terminal_code)
    return PrinterState(not problem, pending, problem or _("printer ready"))


def _lay_out(uow, number: str, render) -> bytes:
    if render is None:
        raise ValueError("no receipt layout was given to the print queue")
    sale = uow.sales.get(number=number)
    if sale is None:
        raise NotFound(_("No receipt {number}").format(number=number))
    return with_drawer(render, members.with_member(sale, members.sale_member(uow, sale)))


def reprint(uow, station: Station, *, actor: User, number: str, render,
            approval: Approval | None = None) -> int:
    """Queue a copy of a receipt, marked as a reprint (a permission; audited)."""
    sale = uow.sales.get(number=number.strip())
    if sale is None:
        raise NotFound(_("No receipt {number}").format(number=number))
    payload = render(members.with_member(sale, members.sale_member(uow, sale)), reprint=True)
    with uow:
        approver = require(uow, actor, Permission.REPRINT, approval)
        job = uow.till.add_print_job(terminal_code=station.terminal_code, kind="reprint", ref=sale.number,
                                     payload=payload)
        audit(uow, station, actor=actor, action="receipt_reprinted", approver_id=approver,
              detail={"number": sale.number})
        uow.commit()
    return job


def open_drawer(uow, station: Station, *, actor: User, reason: str, approval: Approval | None = None) -> int:
    """A "no sale" drawer opening: a permission, audited, sent through the print queue."""
    with uow:
        approver = require(uow, actor, Permission.OPEN_DRAWER, approval)
        job = uow.till.add_print_job(terminal_code=station.terminal_code, kind="drawer", ref="no-sale",
                                     payload=drawer_pulse())
        audit(uow, station, actor=actor, action="drawer_opened", approver_id=approver,
              detail={"reason": reason})
        uow.commit()
    return job
