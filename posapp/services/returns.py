"""Taking a return against a receipt: find the sale, show what can still come back, and commit the
return in one transaction like a sale: the next receipt number of this terminal, negative lines and
refunds, stock back on the shelf (damaged goods apart), the points entries, the journal entry, the
outbox event for the online shop, the audit row and the return receipt's print job. Or nothing at all.

The refund rules are in posapp.domain.returns (docs/returns.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from posapp.domain import points as pts
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.journal import GENESIS
from posapp.domain.returns import Asked, Earlier, ReturnPlan, line_amounts, plan_return
from posapp.domain.sale import Payment, ReturnDeduction, Sale, SaleLine, SaleMember, TaxLine
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services import members
from posapp.services.auth import audit, current, require
from posapp.services.catalog import categories_of
from posapp.services.journal import journal_entry_for, receipt_number, receipt_sequence
from posapp.services.shifts import current_shift
from posapp.services.station import Station

ZERO = Decimal(0)
NEEDS_REFERENCE = ("card", "mobile")  # the payment terminal's refund reference is written down


@dataclass(frozen=True)
class Returnable:
    """A sale as the returns screen shows it: each line with what was sold, returned and is left."""

    sale: Sale
    returned: dict[int, Decimal]  # by line number
    left: dict[int, Decimal]
    paid: dict[int, Decimal]  # what the customer paid for each line (with tax when prices exclude it)
    returns: tuple[str, ...]  # the numbers of earlier returns
    days: int  # since the sale
    in_window: bool


@dataclass(frozen=True)
class ReturnCompleted:
    sale: Sale  # the return document
    plan: ReturnPlan
    print_job_id: int | None
    changes: frozenset[str] = frozenset({"sale", "stock", "print"})


def earlier_of(returns: list[Sale], sale: Sale) -> Earlier:
    """What earlier returns of a sale took back, from the returns as stored."""
    e = Earlier()
    for r in returns:
        for ln in r.lines:
            if ln.original_line is None:
                continue
            n = ln.original_line
            e.qty[n] = e.qty.get(n, ZERO) - ln.qty
            e.amount[n] = e.amount.get(n, ZERO) - (ln.paid if ln.paid is not None else ln.total)
            e.tax[n] = e.tax.get(n, ZERO) - (ln.tax or ZERO)
        for d in r.deductions:
            if d.kind == "points":
                e.points_taken += d.points
            elif d.promotion_id is not None:
                e.deducted[d.promotion_id] = e.deducted.get(d.promotion_id, ZERO) + d.amount
        for p in r.payments:
            if p.refund_of is not None:
                e.payments[p.refund_of] = e.payments.get(p.refund_of, ZERO) - p.amount
    return e


def _points_of(uow, numbers: list[str]) -> tuple[int, int, int, int]:
    """(earned, redeemed) by a sale, and (given back, taken back) by its returns, from the ledger."""
    found = [e for n in numbers for _m, e in uow.members.sale_entries(n)]
    sale = [e for e in found if e.sale_number == numbers[0]]
    earned = sum(e.points for e in sale if e.kind is pts.EntryKind.EARN)
    redeemed = -sum(e.points for e in sale if e.kind is pts.EntryKind.REDEEM)
    back = [e for e in found if e.sale_number != numbers[0] and e.kind is pts.EntryKind.REVERSE]
    return earned, redeemed, sum(e.points for e in back if e.points > 0), -sum(e.points for e in back if e.points < 0)


def _receipt_number(text: str) -> str:
    """A receipt number as typed or scanned (the receipt's barcode carries it; spaces and case tidied)."""
    text = "".join(str(text or "").split()).upper()
    if not text:
        raise ValidationError(_("Scan the receipt's barcode or type its number"))
    if len(text) > 32:
        raise ValidationError(_("{text} is not a receipt number").format(text=text[:32] + "…"))
    return text


def find_returnable(uow, station: Station, text: str, *, now: datetime | None = None) -> Returnable:
    """The sale on a receipt, with what can still be returned of each line, or a clear refusal."""
    number = _receipt_number(text)
    sale = uow.sales.get(number=number)
    if sale is None:
        raise NotFound(_("No sale with receipt number {number}").format(number=number))
    if sale.is_return:
        raise ValidationError(_("{number} is a return, not a sale; scan the sale's receipt ({original})")
                              .format(number=number, original=sale.original))
    returns = uow.sales.returns_of(number)
    earlier = earlier_of(returns, sale)
    amounts = line_amounts(sale, prices_include_tax=station.prices_include_tax, places=station.places)
    since = (now or utcnow()) - sale.created_at
    days = max(0, since.days)
    return Returnable(sale=sale, returned={x.line_no: earlier.qty.get(x.line_no, ZERO) for x in sale.lines},
                      left={x.line_no: x.qty - earlier.qty.get(x.line_no, ZERO) for x in sale.lines},
                      paid={n: a[0] for n, a in amounts.items()}, returns=tuple(r.number for r in returns),
                      days=days, in_window=since <= timedelta(days=station.return_days))


def plan(uow, station: Station, number: str, asked: list[Asked]) -> ReturnPlan:
    """What returning `asked` would refund, to show the cashier before committing (nothing written)."""
    return _plan(uow, station, uow.sales.get(number=_receipt_number(number)), asked)


def _plan(uow, station: Station, sale: Sale | None, asked: list[Asked], *, at: datetime | None = None) -> ReturnPlan:
    """What a return would do; `at`: the return's moment (the points the member has then; default now)."""
    if sale is None or sale.is_return:
        raise NotFound(_("No sale with that receipt number"))
    returns = uow.sales.returns_of(sale.number)
    earlier = earlier_of(returns, sale)
    earned = redeemed = available = 0
    if sale.member_code:
        earned, redeemed, given, taken = _points_of(uow, [sale.number, *(r.number for r in returns)])
        earlier.points_given = given
        earlier.points_taken += taken
        member = uow.members.by_code(sale.member_code)
        available = members.available_points(uow, member, at=at) if member else 0
    ids = {a.promotion_id for x in sale.lines for a in x.promotions if a.level in ("basket", "gift")}
    promotions = {i: p for i in ids if (p := uow.promotions.get(i)) is not None}
    return plan_return(sale, asked, earlier=earlier, promotions=promotions,
                       categories=categories_of(uow, sale.lines),
                       prices_include_tax=station.prices_include_tax, places=station.places,
                       cash_increment=station.cash_increment, rules=members.loyalty_rules(uow), earned=earned,
                       redeemed=redeemed, available=available)


def take_return(uow, station: Station, *, actor: User, number: str, asked: list[Asked],
                references: dict[int, str] | None = None, to_cash: bool = False,
                approval: Approval | tuple[Approval, ...] | None = None, print_receipt: bool = False,
                now: datetime | None = None) -> ReturnCompleted:
    """Commit a return against the sale `number`.

    references: the payment terminal's refund reference for each card or mobile payment refunded (by
    the index of the sale's payment). to_cash: refund in cash what was paid by card, mobile or voucher
    (needs the refund permission). Outside the return window a manager's approval is needed. approval:
    one Approval, or several (a late return refunded to cash needs both)."""
    references = {int(k): " ".join(str(v or "").split()) for k, v in (references or {}).items()}
    number = _receipt_number(number)
    now = now or utcnow()
    with uow:
        require(uow, actor, Permission.SELL)
        cashier = current(uow, actor)
        shift = current_shift(uow, station)
        if shift is None:
            raise ValidationError(_("Open a shift before taking returns"))
        sale = uow.sales.get(number=number)
        if sale is None:
            raise NotFound(_("No sale with receipt number {number}").format(number=number))
        approvers = [check_window(uow, station, sale, actor=actor, approval=approval, now=now)]
        result = _plan(uow, station, sale, asked, at=now)
        if to_cash and any(r.tender not in ("cash", "points") for r in result.refunds):
            approvers.append(require(uow, actor, Permission.REFUND, approval_for(approval, Permission.REFUND)))
        payments = refund_payments(result, references=references, to_cash=to_cash)
        doc, job = record_return(uow, station, cashier=cashier, shift_id=shift.id, sale=sale, result=result,
                                 payments=payments, approver=next((a for a in approvers if a), None),
                                 print_receipt=print_receipt, now=now, to_cash=to_cash)
        uow.commit()
    return ReturnCompleted(sale=doc, plan=result, print_job_id=job)


def approval_for(approval, permission: Permission) -> Approval | None:
    """The approval (of one, or of several given together) that covers a permission."""
    found = approval if isinstance(approval, (tuple, list)) else (approval,)
    return next((a for a in found if a is not None and a.permission == permission), None)


def check_window(uow, station: Station, sale: Sale, *, actor: User, approval, now: datetime) -> int | None:
    """Past the return window a manager approves (their id), else nobody needs to."""
    if now - sale.created_at > timedelta(days=station.return_days):
        return require(uow, actor, Permission.RETURN_OVERRIDE, approval_for(approval, Permission.RETURN_OVERRIDE))
    return None


def refund_payments(result: ReturnPlan, *, references: dict[int, str], to_cash: bool = False,
                    credit: dict[int, Decimal] | None = None, credit_ref: str = "") -> list[Payment]:
    """The refunds as the return's payments (negative): to the original tenders, to cash instead, and
    (an exchange) the part that pays for the new items as exchange credit."""
    payments = []
    for r in result.refunds:
        amount = r.amount
        used = (credit or {}).get(r.index, ZERO)
        if used:
            payments.append(Payment(tender="exchange", amount=-used, tendered=-used, reference=credit_ref,
                                    refund_of=r.index))
            amount -= used
        if not amount:
            continue
        tender, reference = r.tender, ""
        if to_cash and tender not in ("cash", "points"):
            tender = "cash"
        elif tender in NEEDS_REFERENCE:
            reference = references.get(r.index, "")
            if not reference:
                raise ValidationError(_("Type the payment terminal's refund reference for the {tender} "
                                        "refund of {amount}").format(tender=_(tender), amount=amount))
            if len(reference) > 64:
                raise ValidationError(_("the reference is longer than {most} characters").format(most=64))
        payments.append(Payment(tender=tender, amount=-amount, tendered=-amount, reference=reference,
                                refund_of=r.index))
    return payments


def record_return(uow, station: Station, *, cashier: User, shift_id: int, sale: Sale, result: ReturnPlan,
                  payments: list[Payment], approver: int | None, print_receipt: bool, now: datetime,
                  to_cash: bool = False, exchange: str = "") -> tuple[Sale, int | None]:
    """Inside an open transaction: the return document with everything that belongs to it."""
    value = uow.sales.next_number(receipt_sequence(station.store_code, station.terminal_code))
    doc = _document(sale, result, payments, station=station, cashier=cashier, shift_id=shift_id,
                    number=receipt_number(station.store_code, station.terminal_code, value), at=now)
    if voucher_refund(doc):  # a new voucher (store credit) for what a voucher paid
        doc = replace(doc, payments=tuple(replace(p, reference=f"V{doc.number}") if p.tender == "voucher" else p
                                          for p in doc.payments))
    return_id = uow.sales.add(doc)
    if sale.member_code:
        doc = replace(doc, member=_points(uow, station, doc, sale.member_code, result, cashier))
    prev = uow.sales.last_journal_hash(station.terminal_code) or GENESIS
    content, content_hash, entry_hash = journal_entry_for(doc, prev_hash=prev)
    uow.sales.add_journal(sale_id=return_id, terminal_code=station.terminal_code, prev_hash=prev,
                          content_hash=content_hash, entry_hash=entry_hash, content=content)
    uow.sales.add_outbox(topic="sale.returned", key=doc.number, at=now, payload={
        "uuid": str(uuid4()), "number": doc.number, "original": sale.number, "store": doc.store_code, "terminal": doc.terminal_code,
        "time": now.isoformat(), "total": str(doc.total),
        "lines": [{"sku": ln.sku, "qty": str(ln.qty), "total": str(ln.total), "damaged": ln.damaged}
                  for ln in doc.lines]})
    detail = {"number": doc.number, "original": sale.number, "refund": str(-doc.total), "lines": len(doc.lines),
              "to_cash": bool(to_cash), "days": (now - sale.created_at).days}
    if exchange:
        detail["exchange"] = exchange
    audit(uow, station, actor=cashier, action="return_taken", approver_id=approver, detail=detail)
    job = None
    if print_receipt:
        job = uow.till.add_print_job(terminal_code=station.terminal_code, kind="receipt", ref=doc.number,
                                     payload=b"")
    return doc, job


def voucher_refund(doc: Sale) -> bool:
    return any(p.tender == "voucher" for p in doc.payments)


def _document(sale: Sale, result: ReturnPlan, payments: list[Payment], *, station: Station, cashier: User,
              shift_id: int, number: str, at: datetime) -> Sale:
    """The return as a document: negative lines, taxes and refunds."""
    lines = tuple(SaleLine(
        line_no=i, product_id=x.line.product_id, sku=x.line.sku, name=x.line.name, unit=x.line.unit, qty=-x.qty,
        unit_price=x.line.unit_price, list_price=x.line.list_price, discount=ZERO, total=-x.refund,
        tax_class=x.line.tax_class, tax_rate=x.line.tax_rate, weighed=x.line.weighed, barcode=x.line.barcode,
        paid=-x.refund, original_line=x.line.line_no, reason=x.reason, damaged=x.damaged, tax=-x.tax)
        for i, x in enumerate(result.lines, start=1))
    taxes = tuple(TaxLine(rate=rate, gross=-sum((x.refund for x in result.lines if x.line.tax_rate == rate), ZERO),
                          tax=-tax, net=-sum((x.refund for x in result.lines if x.line.tax_rate == rate), ZERO) + tax)
                  for rate, tax in sorted(result.taxes().items(), reverse=True))
    deductions = [ReturnDeduction(promotion_id=d.promotion_id, name=d.name, kind=d.kind, amount=d.amount)
                  for d in result.deductions]
    if result.shortfall:
        deductions.append(ReturnDeduction(promotion_id=None, name="points", kind="points",
                                          amount=result.shortfall_value, points=result.shortfall))
    paid = sum((p.amount for p in payments), ZERO)  # negative: what goes back
    total = paid + result.rounding
    subtotal = -result.gross
    promo = -result.deducted
    return Sale(number=number, store_code=station.store_code, terminal_code=station.terminal_code, shift_id=shift_id,
                cashier_id=cashier.id, cashier_name=cashier.name, created_at=at, currency=station.currency,
                lines=lines, subtotal=subtotal, promo_discount=promo,
                # What else came off (points already spent) or was settled (the last of the sale's rounding).
                basket_discount=subtotal - promo - total, total=total, rounding=-result.rounding, taxes=taxes,
                payments=tuple(payments), change=ZERO, member_code=sale.member_code, kind="return",
                original=sale.number, deductions=tuple(deductions))


def _points(uow, station: Station, doc: Sale, code: str, result: ReturnPlan, cashier: User) -> SaleMember | None:
    """The return's points entries: points that paid come back, points earned go."""
    member = uow.members.by_code(code)
    if member is None:
        return None
    for points, reason in ((result.points_given, "points that paid for returned items"),
                           (-result.points_taken, "points earned by returned items")):
        if points:
            rules = members.loyalty_rules(uow)
            uow.members.add_entry(member.id, pts.Entry(
                kind=pts.EntryKind.REVERSE, points=points, at=doc.created_at, sale_number=doc.number, reason=reason,
                expires_at=pts.expiry_for(doc.created_at, rules) if points > 0 else None),
                user_id=cashier.id or None, store_code=station.store_code)
    return SaleMember(code=member.code, name=member.name, phone=member.masked_phone, earned=-result.points_taken,
                      redeemed=-result.points_given, balance=uow.members.balance(member.id))



# --- finding a sale without its receipt ----------------------------------------------------------

@dataclass(frozen=True)
class SaleFound:
    number: str
    created_at: datetime  # naive UTC
    total: Decimal
    member_code: str | None
    cashier: str


def search_sales(uow, station: Station, *, actor: User, day=None, amount=None, member: str | None = None,
                 reference: str | None = None, approval: Approval | None = None, limit: int = 50) -> list[SaleFound]:
    """Sales to return against when the customer has no receipt at hand: by store-local day, total paid,
    member (card or phone), and the end of a card or mobile payment's reference (which needs the
    refund permission: it finds a customer by their card). At least one criterion."""
    from posapp.domain.money import parse_price
    from posapp.reports.sales_report import day_range_utc
    from posapp.services.members import find_member

    if not any((day, amount, member, reference)):
        raise ValidationError(_("Give a day, an amount, a member or a card reference to search by"))
    start = end = total = code = ref = None
    if day:
        from datetime import date

        try:
            day = day if isinstance(day, date) else date.fromisoformat(str(day).strip())
        except ValueError:
            raise ValidationError(_("{text} is not a day (YYYY-MM-DD)").format(text=day)) from None
        start, end = day_range_utc(day, day, station.timezone)
    if amount not in (None, ""):
        total = amount if isinstance(amount, Decimal) else parse_price(str(amount), places=station.places,
                                                                       what=_("amount"))
    with uow:
        require(uow, actor, Permission.SELL)
        if member:
            code = find_member(uow, member, active_only=False).code
        if reference:
            require(uow, actor, Permission.REFUND, approval)
            ref = "".join(str(reference).split())
            if not 4 <= len(ref) <= 64:
                raise ValidationError(_("Type at least the last 4 characters of the card reference"))
        rows = uow.sales.search(store_code=station.store_code, start=start, end=end, total=total, member_code=code,
                                reference=ref, limit=limit)
    return [SaleFound(number=n, created_at=at, total=t, member_code=m, cashier=c) for n, at, t, m, c in rows]
