"""Returns: what a customer gets back for what they bring back, worked out from the original sale and
what earlier returns of it already took back. Pure: no I/O; the returns service stores the plan.

The rules (docs/returns.md):
- Each line can be returned up to what was sold less what was already returned.
- A line's refund is what the customer paid for it (after line promotions, its share of basket
  promotions, coupons and the cashier's discount; with tax when prices exclude it), spread evenly over
  its units. Each return takes its part of what is left of the line, so returning everything, in any
  number of returns, refunds exactly what was paid. Tax comes back the same way, rate by rate.
- Basket promotions (spend thresholds, coupons with a minimum) and gifts are judged again on what the
  customer keeps. If the kept items no longer reach what the sale reached, the discount the kept items
  still carry beyond what they now earn comes off the refund; a gift kept after its threshold is lost
  costs its value. What was taken off comes back if the rest is returned later. The refund never goes
  below 0: a deduction is at most this return's refund.
- The refund goes back to the sale's payments in proportion to what is left of each (points as
  points). Cash refunds are rounded to the cash increment. The return that brings back the last of the
  sale refunds exactly what is left of every payment.
- Points: the points the returned items earned are taken back and the points that paid for them given
  back (posapp.domain.points.reversal); points the member has already spent come off the money refund.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from posapp.domain import points as pts
from posapp.domain.allocation import allocate
from posapp.domain.errors import ValidationError
from posapp.domain.money import round_money
from posapp.domain.promotions import Kind, Promotion
from posapp.domain.sale import Sale, SaleLine
from posapp.domain.tender import cash_rounding
from posapp.i18n import N_, _

ZERO = Decimal(0)
REASONS = {"damaged": N_("damaged or defective"), "wrong_size": N_("wrong size or colour"),
           "not_as_described": N_("not as described"), "changed_mind": N_("changed mind"),
           "other": N_("other")}
DAMAGED = frozenset({"damaged"})  # these go to the non-sellable location, not back on the shelf


@dataclass(frozen=True)
class Asked:
    """One line the customer brings back."""

    line_no: int  # the original sale's line
    qty: Decimal
    reason: str  # a key of REASONS


@dataclass
class Earlier:
    """What earlier returns of the same sale already took back."""

    qty: dict[int, Decimal] = field(default_factory=dict)  # by original line number
    amount: dict[int, Decimal] = field(default_factory=dict)  # refunded, by line
    tax: dict[int, Decimal] = field(default_factory=dict)
    deducted: dict[int, Decimal] = field(default_factory=dict)  # by promotion id
    payments: dict[int, Decimal] = field(default_factory=dict)  # refunded, by index of the sale's payment
    points_given: int = 0  # points that paid, given back
    points_taken: int = 0  # earned points taken back (or converted to money)


@dataclass(frozen=True)
class ReturnedLine:
    line: SaleLine  # the original line
    qty: Decimal
    refund: Decimal  # what comes back for these units, before deductions
    tax: Decimal  # the tax in it
    reason: str
    damaged: bool


@dataclass(frozen=True)
class Deduction:
    promotion_id: int
    name: str
    kind: str  # threshold, coupon or gift
    amount: Decimal  # > 0: off the refund; < 0: given back (the rest came back later)


@dataclass(frozen=True)
class RefundPayment:
    index: int  # the sale's payment it goes back to
    tender: str
    amount: Decimal  # money (points: their value)
    reference: str = ""  # the original payment's reference (card, mobile)


@dataclass(frozen=True)
class ReturnPlan:
    lines: tuple[ReturnedLine, ...]
    deductions: tuple[Deduction, ...]
    refunds: tuple[RefundPayment, ...]  # points included, at their value
    rounding: Decimal  # cash rounding, already in the cash refunds
    points_given: int  # points that paid for the returned items, back to the member
    points_taken: int  # points the returned items earned, taken back from the member's balance
    shortfall: int  # points they earned that the member had already spent (not taken: paid in money)
    shortfall_value: Decimal  # their value, off the money refund
    final: bool  # nothing of the sale is left to return after this

    @property
    def gross(self) -> Decimal:
        return sum((x.refund for x in self.lines), ZERO)

    @property
    def deducted(self) -> Decimal:
        return sum((d.amount for d in self.deductions), ZERO)

    @property
    def money(self) -> Decimal:
        """What the customer gets back in money (points given back are not money)."""
        return sum((r.amount for r in self.refunds if r.tender != "points"), ZERO)

    @property
    def total(self) -> Decimal:
        """The refund's value: money and points at their value."""
        return sum((r.amount for r in self.refunds), ZERO)

    def taxes(self) -> dict[Decimal, Decimal]:
        found: dict[Decimal, Decimal] = {}
        for x in self.lines:
            found[x.line.tax_rate] = found.get(x.line.tax_rate, ZERO) + x.tax
        return found


def line_amounts(sale: Sale, *, prices_include_tax: bool, places: int = 2) -> dict[int, tuple[Decimal, Decimal]]:
    """(what the customer paid for it, its tax) of every line, by line number; they add up to the
    sale's total and taxes."""
    paid = {x.line_no: (x.paid if x.paid is not None else x.total) for x in sale.lines}
    tax: dict[int, Decimal] = {}
    for group in sale.taxes:
        members = [x.line_no for x in sale.lines if x.tax_rate == group.rate]
        weights = [max(paid[n], ZERO) for n in members]
        if sum(weights, ZERO) < group.tax:
            weights = [Decimal(1)] * len(members)
        for n, share in zip(members, allocate(group.tax, weights, places=places) if members else ()):
            tax[n] = share
    return {n: (amount + (ZERO if prices_include_tax else tax.get(n, ZERO)), tax.get(n, ZERO))
            for n, amount in paid.items()}


def _part(left: Decimal, qty: Decimal, of: Decimal, places: int) -> Decimal:
    """qty of `of` units' share of `left`, all of it when they are all."""
    if qty == of:
        return left
    return round_money(left * qty / of, places)


def _kept(sale: Sale, earlier: Earlier, now: dict[int, Decimal]) -> dict[int, Decimal]:
    return {x.line_no: x.qty - earlier.qty.get(x.line_no, ZERO) - now.get(x.line_no, ZERO) for x in sale.lines}


def _level(p: Promotion, base: Decimal):
    """How far a basket base reaches a promotion: the tier, the number of repeats, or whether it meets
    the minimum."""
    if p.kind is Kind.THRESHOLD:
        if p.repeating:
            return base // p.tiers[0].threshold
        reached = [t.threshold for t in p.tiers if base >= t.threshold]
        return max(reached) if reached else None
    return p.threshold is None or base >= p.threshold


def _base(sale: Sale, p: Promotion, categories: dict[str, str], counts: dict[int, Decimal], places: int) -> Decimal:
    """The eligible subtotal of `counts` units of each line (line totals after line promotions)."""
    return sum((round_money(x.total * counts[x.line_no] / x.qty, places) for x in sale.lines
                if x.qty and x.total > 0 and p.covers(x.sku, categories.get(x.sku, ""))), ZERO)


def deductions(sale: Sale, earlier: Earlier, now: dict[int, Decimal], promotions: dict[int, Promotion],
               categories: dict[str, str], places: int = 2) -> list[Deduction]:
    """What the kept items lose of the sale's basket promotions and gifts (less what earlier returns
    already took off), promotion by promotion."""
    kept = _kept(sale, earlier, now)
    sold = {x.line_no: x.qty for x in sale.lines}
    found = []
    for p_id, (name, kind) in _basket_promotions(sale).items():
        p = promotions.get(p_id)
        if p is None:  # no longer known: judged as still reached
            lost = ZERO
        elif kind == "gift":
            still = p.threshold is None or _base(sale, p, categories, kept, places) >= p.threshold
            lost = ZERO if still else sum(
                (_part(a.amount, kept[x.line_no], x.qty, places) for x in sale.lines for a in x.promotions
                 if a.promotion_id == p_id and a.level == "gift" and x.qty), ZERO)
        else:
            before, after = (_level(p, _base(sale, p, categories, c, places)) for c in (sold, kept))
            share = sum((_part(a.amount, kept[x.line_no], x.qty, places) for x in sale.lines
                         for a in x.promotions if a.promotion_id == p_id and x.qty), ZERO)
            now_cut = p.basket_cut(_base(sale, p, categories, kept, places), places)
            lost = ZERO if after == before else max(ZERO, share - now_cut)
        change = lost - earlier.deducted.get(p_id, ZERO)
        if change:
            found.append(Deduction(promotion_id=p_id, name=name, kind=kind, amount=change))
    return found


def _basket_promotions(sale: Sale) -> dict[int, tuple[str, str]]:
    found = {}
    for x in sale.lines:
        for a in x.promotions:
            if a.level in ("basket", "gift"):
                found.setdefault(a.promotion_id, (a.name, a.kind))
    return found


def check_asked(sale: Sale, earlier: Earlier, asked: Iterable[Asked]) -> dict[int, tuple[Decimal, str]]:
    """The lines asked for, checked: known lines, quantities above 0 and within what is left, whole
    units for goods sold by the piece, known reasons. A clear refusal names the numbers."""
    by_no = {x.line_no: x for x in sale.lines}
    found: dict[int, tuple[Decimal, str]] = {}
    for a in asked:
        line = by_no.get(a.line_no)
        if line is None:
            raise ValidationError(_("Sale {number} has no line {line}").format(number=sale.number, line=a.line_no))
        if a.reason not in REASONS:
            raise ValidationError(_("Choose a reason for returning {name}").format(name=line.name))
        if not isinstance(a.qty, Decimal) or not a.qty.is_finite() or a.qty <= 0:
            raise ValidationError(_("Return a quantity above 0 of {name}").format(name=line.name))
        if not line.weighed and a.qty != a.qty.to_integral_value():
            raise ValidationError(_("{name} is sold by the piece: return whole units").format(name=line.name))
        qty = found.get(a.line_no, (ZERO, ""))[0] + a.qty
        left = line.qty - earlier.qty.get(a.line_no, ZERO)
        if qty > left:
            raise ValidationError(
                _("{name}: {qty} cannot be returned; {sold} sold, {returned} already returned, {left} left")
                .format(name=line.name, qty=_n(qty), sold=_n(line.qty), returned=_n(earlier.qty.get(a.line_no, ZERO)),
                        left=_n(left)))
        found[a.line_no] = (qty, a.reason)
    if not found:
        raise ValidationError(_("Choose what the customer brings back"))
    return found


def _n(qty: Decimal) -> str:
    return f"{qty.normalize():f}"


def plan_return(sale: Sale, asked: Iterable[Asked], *, earlier: Earlier | None = None,
                promotions: dict[int, Promotion] | None = None, categories: dict[str, str] | None = None,
                prices_include_tax: bool = True, places: int = 2, cash_increment: Decimal = Decimal("0.01"),
                rules: pts.LoyaltyRules | None = None, earned: int = 0, redeemed: int = 0,
                available: int = 0) -> ReturnPlan:
    """What a return of `asked` from `sale` refunds, to which payments, and what it does to points.

    earned / redeemed: the points the sale earned and the points that paid for it; available: the
    member's points now. Refuses (ValidationError) what cannot be returned."""
    earlier = earlier or Earlier()
    rules = rules or pts.LoyaltyRules()
    chosen = check_asked(sale, earlier, asked)
    amounts = line_amounts(sale, prices_include_tax=prices_include_tax, places=places)
    lines = []
    for x in sale.lines:
        if x.line_no not in chosen:
            continue
        qty, reason = chosen[x.line_no]
        left = x.qty - earlier.qty.get(x.line_no, ZERO)
        gross, tax = amounts[x.line_no]
        lines.append(ReturnedLine(
            line=x, qty=qty, reason=reason, damaged=reason in DAMAGED,
            refund=_part(gross - earlier.amount.get(x.line_no, ZERO), qty, left, places),
            tax=_part(tax - earlier.tax.get(x.line_no, ZERO), qty, left, places)))
    now = {n: q for n, (q, _r) in chosen.items()}
    final = all(q == 0 for q in _kept(sale, earlier, now).values())
    gross = sum((x.refund for x in lines), ZERO)
    found = deductions(sale, earlier, now, promotions or {}, categories or {}, places)
    # A deduction is at most what this return refunds: the refund never goes below 0.
    room, capped = gross, []
    for d in sorted(found, key=lambda d: d.amount):  # what comes back first, then what goes
        amount = min(d.amount, room)
        if amount:
            capped.append(Deduction(d.promotion_id, d.name, d.kind, amount))
            room -= amount
    value = gross - sum((d.amount for d in capped), ZERO)

    left_paid = [(i, p, p.amount - earlier.payments.get(i, ZERO)) for i, p in enumerate(sale.payments)]
    left_total = sum((w for _i, _p, w in left_paid), ZERO)
    if final:
        value = left_total  # the last of the sale: exactly what is left of every payment
    value = min(value, left_total)
    shares = allocate(value, [max(w, ZERO) for _i, _p, w in left_paid], places=places) if value > 0 else \
        [ZERO] * len(left_paid)
    refunds, rounding = [], ZERO
    for (i, p, w), share in zip(left_paid, shares):
        if p.tender == "cash" and share and not final:
            adjust = cash_rounding(share, cash_increment)
            if share + adjust <= w and share + adjust > 0:
                rounding += adjust
                share += adjust
        if share:
            refunds.append(RefundPayment(index=i, tender=p.tender, amount=share, reference=p.reference))

    # Points: those that paid for what comes back, given back; those it earned, taken back.
    points_paid = [r for r in refunds if r.tender == "points"]
    points_value_left = sum((w for _i, p, w in left_paid if p.tender == "points"), ZERO)
    redeemed_left = redeemed - earlier.points_given
    given = 0
    if points_paid and points_value_left:
        back = sum((r.amount for r in points_paid), ZERO)
        given = redeemed_left if final or back == points_value_left else int(
            (Decimal(redeemed_left) * back / points_value_left).to_integral_value(rounding=ROUND_HALF_UP))
    earned_left = earned - earlier.points_taken
    lines_left = sum((amounts[x.line_no][0] - earlier.amount.get(x.line_no, ZERO) for x in sale.lines), ZERO)
    taken = earned_left if final else (int((Decimal(earned_left) * gross / lines_left).to_integral_value(
        rounding=ROUND_HALF_UP)) if lines_left > 0 else 0)
    taken = min(max(taken, 0), earned_left)
    reversal = pts.reversal(taken, given, available, rules, places)
    # Points the member already spent come off the money refund (largest money refund first).
    owed = reversal.shortfall_value
    if owed:
        adjusted = []
        for r in sorted(refunds, key=lambda r: (r.tender == "points", -r.amount)):
            cut = ZERO if r.tender == "points" else min(owed, r.amount)
            owed -= cut
            if r.amount - cut:
                adjusted.append(RefundPayment(r.index, r.tender, r.amount - cut, r.reference))
        refunds = sorted(adjusted, key=lambda r: r.index)
    return ReturnPlan(lines=tuple(lines), deductions=tuple(capped), refunds=tuple(refunds), rounding=rounding,
                      points_given=given, points_taken=reversal.taken, shortfall=reversal.shortfall,
                      shortfall_value=reversal.shortfall_value - owed, final=final)
