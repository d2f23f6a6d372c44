"""Completing a sale: one transaction writes the sale, its lines, payments, taxes, stock
movements, journal entry, outbox event, audit row and receipt print job, or nothing at all.

The print job holds no bytes yet: the print queue lays the receipt out from the stored sale when
it prints, so the write lock is not held while text is laid out, and a layout bug cannot stop a sale."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import uuid4

from posapp.domain.clock import utcnow
from posapp.domain.errors import ValidationError
from posapp.domain.journal import GENESIS
from posapp.domain.sale import Sale
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, current, require
from posapp.services import members, promotions
from posapp.services.journal import journal_entry_for, receipt_number, receipt_sequence
from posapp.services.shifts import current_shift
from posapp.services.station import Station

@dataclass(frozen=True)
class SaleCompleted:
    sale: Sale
    print_job_id: int | None
    changes: frozenset[str] = frozenset({"sale", "stock", "print"})


def complete_sale(uow, station: Station, *, actor: User, basket, tendering,
                  print_receipt: bool = False, now: datetime | None = None) -> SaleCompleted:
    """Close a paid basket as the next receipt number of this terminal."""
    lines = basket.to_sale_lines()
    if not lines:
        raise ValidationError(_("The basket is empty"))
    if not tendering.is_paid:
        raise ValidationError(_("Not fully paid yet: {amount} still owed").format(amount=tendering.remaining))
    totals = basket.totals()
    if totals.total != tendering.total:
        raise ValidationError(_("The prices changed while paying (a promotion started or ended): "
                                "the total is now {total}; take the payment again").format(total=totals.total))
    with uow:
        require(uow, actor, Permission.SELL)
        cashier = current(uow, actor)
        shift = current_shift(uow, station)
        if shift is None:
            raise ValidationError(_("Open a shift before selling"))
        sale, job = record_sale(uow, station, cashier=cashier, shift_id=shift.id, basket=basket, tendering=tendering,
                                lines=lines, totals=totals, print_receipt=print_receipt, now=now)
        uow.commit()
    return SaleCompleted(sale=sale, print_job_id=job)


def record_sale(uow, station: Station, *, cashier: User, shift_id: int, basket, tendering, lines, totals,
                print_receipt: bool, now: datetime | None, payments: tuple | None = None) -> tuple[Sale, int | None]:
    """Inside an open transaction (a sale, or an exchange's new items): the sale with everything that
    belongs to it. Refuses, so the whole transaction rolls back, what must not be written."""
    value = uow.sales.next_number(receipt_sequence(station.store_code, station.terminal_code))
    sale = Sale(number=receipt_number(station.store_code, station.terminal_code, value),
                store_code=station.store_code, terminal_code=station.terminal_code, shift_id=shift_id,
                cashier_id=cashier.id, cashier_name=cashier.name, created_at=now or utcnow(),
                currency=station.currency, lines=tuple(lines), subtotal=totals.subtotal,
                basket_discount=totals.basket_discount, total=totals.total,
                rounding=tendering.rounding, taxes=tuple(totals.taxes),
                payments=tuple(tendering.payments if payments is None else payments), change=tendering.change,
                promo_discount=totals.promo_discount, member_code=basket.member_code)
    if basket.member_code is None and any(p.tender == "points" for p in sale.payments):
        raise ValidationError(_("Points pay only for a member: attach the member (F3) first"))
    sale_id = uow.sales.add(sale)
    coupons = promotions.consume_coupons(uow, sale_id=sale_id, lines=sale.lines,
                                         member_code=basket.member_code, at=sale.created_at)
    if coupons:
        sale = replace(sale, coupons=coupons)
    if basket.member_code:  # points paid and earned, in this same transaction
        sale = replace(sale, member=members.record_sale_points(uow, station, sale=sale,
                                                                member_code=basket.member_code,
                                                                tier=basket.member_tier or ""))
    prev = uow.sales.last_journal_hash(station.terminal_code) or GENESIS
    content, content_hash, entry_hash = journal_entry_for(sale, prev_hash=prev)
    uow.sales.add_journal(sale_id=sale_id, terminal_code=station.terminal_code, prev_hash=prev,
                          content_hash=content_hash, entry_hash=entry_hash, content=content)
    uow.sales.add_outbox(topic="sale.completed", key=sale.number, at=sale.created_at,
                         payload=_outbox_payload(sale))
    audit(uow, station, actor=cashier, action="sale_completed",
          detail={"number": sale.number, "total": str(sale.total), "lines": len(sale.lines)})
    job = None
    if print_receipt:
        job = uow.till.add_print_job(terminal_code=station.terminal_code, kind="receipt",
                                     ref=sale.number, payload=b"")
    return sale, job


def _outbox_payload(sale: Sale) -> dict:
    """What the online shop's sync needs: which SKUs left stock, and the sale's total."""
    return {"uuid": str(uuid4()), "number": sale.number, "store": sale.store_code, "terminal": sale.terminal_code,
            "time": sale.created_at.isoformat(), "total": str(sale.total),
            "lines": [{"sku": ln.sku, "qty": str(ln.qty), "total": str(ln.total)} for ln in sale.lines]}
