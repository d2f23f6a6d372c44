"""Returns without a receipt: a manager approves; each unit refunds the lowest price the item had in
the last 30 days (its price now, or less if customers paid less for it), to store credit (a new voucher)
or cash as the store is configured (`[till] no_receipt_refund`). Written in one transaction like any
return: a document in the terminal's receipt sequence, stock back (damaged goods apart), journal,
outbox, audit, receipt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from posapp.domain.basket_lines import tax_lines
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.journal import GENESIS
from posapp.domain.money import round_money
from posapp.domain.returns import DAMAGED, REASONS, ReturnedLine, ReturnPlan
from posapp.domain.sale import Payment, Sale, SaleLine, TaxLine
from posapp.domain.tender import cash_rounding
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, current, require
from posapp.services.catalog import find_sku, lookup_scan
from posapp.services.journal import journal_entry_for, receipt_number, receipt_sequence
from posapp.services.returns import ReturnCompleted
from posapp.services.shifts import current_shift
from posapp.services.station import Station

ZERO = Decimal(0)

LOWEST_PRICE_DAYS = 30
MAX_QTY = Decimal(999)


@dataclass(frozen=True)
class Unreceipted:
    """One item brought back without a receipt: a barcode or SKU, how many, why."""

    code: str
    qty: Decimal
    reason: str


def lowest_price(uow, station: Station, product, *, now: datetime) -> Decimal:
    """The lowest unit price the product had in the last 30 days: its price now, or less if customers paid
    less for it in a sale (a special price, a promotion, a discount), per unit."""
    lowest = product.price
    for paid, milli in uow.sales.unit_prices_paid(product.id, now - timedelta(days=LOWEST_PRICE_DAYS)):
        unit = round_money(Decimal(paid).scaleb(-station.places) * 1000 / milli, station.places)
        lowest = min(lowest, unit)
    return lowest


def line_refund(station: Station, price: Decimal, qty: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """(refund, tax in it) of qty units at a unit price: tax on top when the store's prices exclude it."""
    amount = round_money(price * qty, station.places)
    if station.prices_include_tax:
        return amount, round_money(amount * rate / (100 + rate), station.places)
    tax = round_money(amount * rate / 100, station.places)
    return amount + tax, tax


def refund_rounding(station: Station, total: Decimal) -> Decimal:
    """The cash rounding of a refund paid in cash (none to store credit)."""
    if station.no_receipt_refund != "cash":
        return ZERO
    rounding = cash_rounding(total, station.cash_increment)
    return rounding if total + rounding > 0 else ZERO


def take_unreceipted_return(uow, station: Station, *, actor: User, items: list[Unreceipted],
                            approval: Approval | None = None, print_receipt: bool = False,
                            now: datetime | None = None) -> ReturnCompleted:
    """A return without a receipt: a manager approves it; each unit refunds the lowest price the item
    had in the last 30 days, to store credit (a new voucher) or cash as the store is configured."""
    now = now or utcnow()
    if not items:
        raise ValidationError(_("Choose what the customer brings back"))
    with uow:
        require(uow, actor, Permission.SELL)
        cashier = current(uow, actor)
        approver = require(uow, actor, Permission.RETURN_OVERRIDE, approval)
        shift = current_shift(uow, station)
        if shift is None:
            raise ValidationError(_("Open a shift before taking returns"))
        lines = []
        for n, item in enumerate(items, start=1):
            code = str(item.code or "").strip()
            try:
                product = lookup_scan(uow, station, code).product
            except (NotFound, ValidationError):
                product = find_sku(uow, code)
            if item.reason not in REASONS:
                raise ValidationError(_("Choose a reason for returning {name}").format(name=product.name))
            qty = item.qty
            if not isinstance(qty, Decimal) or not qty.is_finite() or qty <= 0 or qty > MAX_QTY:
                raise ValidationError(_("Return a quantity above 0 of {name}").format(name=product.name))
            if not product.weighed and qty != qty.to_integral_value():
                raise ValidationError(_("{name} is sold by the piece: return whole units").format(name=product.name))
            price = lowest_price(uow, station, product, now=now)
            amount, tax = line_refund(station, price, qty, product.tax_rate)
            lines.append((product, qty, price, amount, tax, item.reason))
        total = sum((a for _p, _q, _u, a, _t, _r in lines), ZERO)
        tender = station.no_receipt_refund
        rounding = refund_rounding(station, total)
        value = uow.sales.next_number(receipt_sequence(station.store_code, station.terminal_code))
        number = receipt_number(station.store_code, station.terminal_code, value)
        doc_lines = tuple(SaleLine(
            line_no=i, product_id=p.id, sku=p.sku, name=p.name, unit=p.unit, qty=-q, unit_price=u, list_price=p.price,
            discount=ZERO, total=-a, tax_class=p.tax_class, tax_rate=p.tax_rate, weighed=p.weighed, paid=-a,
            original_line=0, reason=r, damaged=r in DAMAGED, tax=-t)
            for i, (p, q, u, a, t, r) in enumerate(lines, start=1))
        groups: dict[Decimal, Decimal] = {}
        for p, _q, _u, a, t, _r in lines:
            groups[p.tax_rate] = groups.get(p.tax_rate, ZERO) + a - (ZERO if station.prices_include_tax else t)
        taxes = tuple(TaxLine(rate=t.rate, gross=-t.gross, tax=-t.tax, net=-t.net)
                      for t in tax_lines(groups, prices_include_tax=station.prices_include_tax, places=station.places))
        refund = total + rounding
        payment = Payment(tender=tender, amount=-refund, tendered=-refund,
                          reference=f"V{number}" if tender == "voucher" else "")
        doc = Sale(number=number, store_code=station.store_code, terminal_code=station.terminal_code,
                   shift_id=shift.id, cashier_id=cashier.id, cashier_name=cashier.name, created_at=now,
                   currency=station.currency, lines=doc_lines, subtotal=-total, basket_discount=ZERO, total=-total,
                   rounding=-rounding, taxes=taxes, payments=(payment,), change=ZERO, kind="return")
        doc_id = uow.sales.add(doc)
        prev = uow.sales.last_journal_hash(station.terminal_code) or GENESIS
        content, content_hash, entry_hash = journal_entry_for(doc, prev_hash=prev)
        uow.sales.add_journal(sale_id=doc_id, terminal_code=station.terminal_code, prev_hash=prev,
                              content_hash=content_hash, entry_hash=entry_hash, content=content)
        uow.sales.add_outbox(topic="sale.returned", key=number, at=now, payload={
            "uuid": str(uuid4()), "number": number, "original": None, "store": doc.store_code, "terminal": doc.terminal_code,
            "time": now.isoformat(), "total": str(doc.total),
            "lines": [{"sku": ln.sku, "qty": str(ln.qty), "total": str(ln.total), "damaged": ln.damaged}
                      for ln in doc.lines]})
        audit(uow, station, actor=cashier, action="return_taken", approver_id=approver,
              detail={"number": number, "original": None, "refund": str(refund), "lines": len(doc.lines),
                      "to": tender, "no_receipt": True})
        job = None
        if print_receipt:
            job = uow.till.add_print_job(terminal_code=station.terminal_code, kind="receipt", ref=number, payload=b"")
        uow.commit()
    plan_lines = tuple(ReturnedLine(line=ln, qty=-ln.qty, refund=-ln.total, tax=-(ln.tax or ZERO), reason=ln.reason,
                                    damaged=ln.damaged) for ln in doc.lines)
    result = ReturnPlan(lines=plan_lines, deductions=(), refunds=(), rounding=rounding, points_given=0,
                        points_taken=0, shortfall=0, shortfall_value=ZERO, final=True)
    return ReturnCompleted(sale=doc, plan=result, print_job_id=job)
