"""Taking payment for one sale: tenders, cash rounding and change.

Rules:
- Cash rounding moves an amount to the nearest multiple of the cash increment, halves up
  (12.34 -> 12.30 and 12.35 -> 12.40 with 0.10); an increment of 0 or 0.01 changes nothing.
- Rounding applies only to the part paid in cash, and is fixed when the cash that settles the sale is
  taken: paid all in cash, the customer pays total + cash_rounding(total); after a card paid part,
  the rest in cash is rounded on its own. Rounding never swallows the whole rest: 0.03 left with an
  increment of 0.10 is still paid (0.03), since the till cannot give goods away.
- Card, mobile, voucher, points and exchange credit pay exactly what they say, and never more than is owed.
- Cash may be more than is owed: the excess is change. Cash short of what is owed is a part payment.
- The sale is paid when what was paid equals total + rounding; no payment is taken after that.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from posapp.domain.errors import ValidationError
from posapp.domain.money import round_money
from posapp.domain.sale import TENDERS, Payment
from posapp.i18n import _

CASH = "cash"
ZERO = Decimal(0)
MAX_REFERENCE = 64
# Cash this far above what is owed is a slip of the keypad (an extra 00), not a customer's note.
ABSURD_CASH_FACTOR = Decimal(100)
ABSURD_CASH_FLOOR = Decimal(10_000)
QUICK_CASH_STEPS = (Decimal(10), Decimal(50), Decimal(100))


def cash_rounding(amount: Decimal, increment: Decimal) -> Decimal:
    """What to add to amount to reach the nearest multiple of increment, halves up (0 for no increment)."""
    if increment < 0:
        raise ValidationError(_("the cash rounding increment cannot be negative"))
    if not increment:
        return ZERO
    return (amount / increment).quantize(Decimal(1), rounding=ROUND_HALF_UP) * increment - amount


def _tender_name(tender: str) -> str:
    """The tender's name as the cashier reads it."""
    names = {"cash": _("cash"), "card": _("card"), "mobile": _("mobile"), "voucher": _("voucher"),
             "points": _("points"), "exchange": _("exchange credit")}
    return names.get(tender, tender)


def _check_reference(reference: str) -> str:
    """A transaction reference with its whitespace tidied, refused when too long to be real."""
    cleaned = " ".join(str(reference or "").split())
    if len(cleaned) > MAX_REFERENCE:
        raise ValidationError(_("the reference is longer than {most} characters").format(most=MAX_REFERENCE))
    return cleaned


class Tendering:
    """The payments collected for one sale."""

    def __init__(self, *, total: Decimal, cash_increment: Decimal = Decimal("0.01"), places: int = 2) -> None:
        if not isinstance(total, Decimal) or not total.is_finite() or total < 0:
            raise ValidationError(_("a sale's total must be an amount of 0 or more"))
        if total != round_money(total, places):
            raise ValidationError(_("{amount} has more than {places} decimals").format(
                amount=total, places=places))
        cash_rounding(total, cash_increment)  # refuses a negative increment now, not at the first payment
        self.total, self.cash_increment, self.places = total, cash_increment, places
        self._payments: list[Payment] = []
        self._rounding = round_money(ZERO, places)

    @property
    def payments(self) -> tuple[Payment, ...]:
        return tuple(self._payments)

    @property
    def rounding(self) -> Decimal:
        """Cash rounding so far: the customer pays total + rounding."""
        return self._rounding

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self._payments), ZERO)

    @property
    def remaining(self) -> Decimal:
        """What is still owed, exactly; what a card would pay."""
        return self.total + self._rounding - self.paid

    @property
    def cash_due(self) -> Decimal:
        """What is still owed when the rest is paid in cash, rounded."""
        return self.remaining + self._cash_adjustment(self.remaining)

    @property
    def change(self) -> Decimal:
        return sum((p.tendered - p.amount for p in self._payments), ZERO)

    @property
    def is_paid(self) -> bool:
        return self.remaining == 0

    def _cash_adjustment(self, owed: Decimal) -> Decimal:
        """The rounding of owed when paid in cash."""
        adjustment = cash_rounding(owed, self.cash_increment)
        # Rounding 0.03 down to nothing would give the rest of the sale away.
        return adjustment if owed + adjustment > 0 else ZERO

    def add(self, tender: str, amount: Decimal, *, reference: str = "") -> Payment:
        """Take a payment; for cash, amount is what was handed over."""
        if tender not in TENDERS:
            raise ValidationError(_("{tender} is not a tender this till takes").format(tender=repr(tender)))
        reference = _check_reference(reference)
        amount = self._check_amount(amount)
        if self.is_paid:
            raise ValidationError(_("the sale is already paid"))
        payment = self._cash(amount, reference) if tender == CASH else self._other(tender, amount, reference)
        self._payments.append(payment)
        return payment

    def _check_amount(self, amount: Decimal) -> Decimal:
        """A payment amount: more than 0 and no more decimals than the currency has."""
        if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
            raise TypeError(f"a payment amount must be a Decimal, not {type(amount).__name__}")
        amount = Decimal(amount)
        if not amount.is_finite() or amount <= 0:
            raise ValidationError(_("a payment must be more than 0"))
        if amount != round_money(amount, self.places):
            raise ValidationError(_("{amount} has more than {places} decimals").format(
                amount=amount, places=self.places))
        return round_money(amount, self.places)

    def _cash(self, tendered: Decimal, reference: str) -> Payment:
        """Cash settles the sale when it covers the rounded rest; less is a part payment."""
        owed = self.remaining
        adjustment = self._cash_adjustment(owed)
        due = owed + adjustment
        if tendered > due * ABSURD_CASH_FACTOR and tendered > ABSURD_CASH_FLOOR:
            raise ValidationError(_("{tendered} in cash for {due} owed looks like a typing mistake")
                                  .format(tendered=tendered, due=due))
        if owed <= tendered < due:
            # Rounding up asked for more than was handed over, yet the exact rest is covered:
            # settle without rounding rather than book cash beyond what is owed as a part payment.
            return Payment(tender=CASH, amount=owed, tendered=tendered, reference=reference)
        if tendered < due:
            return Payment(tender=CASH, amount=tendered, tendered=tendered, reference=reference)
        self._rounding += adjustment
        return Payment(tender=CASH, amount=due, tendered=tendered, reference=reference)

    def _other(self, tender: str, amount: Decimal, reference: str) -> Payment:
        """Card, mobile, voucher, points: exactly the amount, never more than is owed."""
        owed = self.remaining
        if amount > owed:
            raise ValidationError(_("a {tender} payment cannot be more than what is owed: {owed}")
                                  .format(tender=_tender_name(tender), owed=owed))
        return Payment(tender=tender, amount=amount, tendered=amount, reference=reference)


def quick_cash_amounts(due: Decimal) -> list[Decimal]:
    """Amounts a customer is likely to hand over: exact, next 10, next 50, next 100; ascending."""
    if due <= 0:
        return []
    rounded_up = [(due / step).to_integral_value(rounding=ROUND_CEILING) * step for step in QUICK_CASH_STEPS]
    return sorted({due, *(amount.quantize(due) for amount in rounded_up)})
