"""X and Z shift reports: the figures of a shift, their labelled sections, and the PDF.

The sections are the one place the report's words and order live: the receipt-printer layout
(services.report_paper.layout_shift_report) and the PDF both print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from posapp.domain.clock import to_local
from posapp.domain.money import currency_places
from posapp.domain.returns import REASONS
from posapp.domain.sale import TENDERS
from posapp.reports.words import _, words

ZERO = Decimal(0)


@dataclass(frozen=True)
class TenderLine:
    tender: str
    count: int  # payments (a split sale counts once for each tender it used)
    amount: Decimal


@dataclass(frozen=True)
class TaxRateLine:
    rate: Decimal  # percent
    net: Decimal
    tax: Decimal
    gross: Decimal


@dataclass(frozen=True)
class CategoryLine:
    category: str  # top level of the category path; "" for products without one
    lines: int
    amount: Decimal  # after line discounts, before basket discounts


@dataclass(frozen=True)
class ReasonLine:
    """Returned lines of one reason: how many lines, units (or kg) and what they refunded."""

    reason: str  # a key of posapp.domain.returns.REASONS
    lines: int
    qty: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CashMovement:
    kind: str  # paid_in | paid_out
    amount: Decimal
    reason: str
    user: str
    approver: str | None
    at: datetime  # UTC


@dataclass(frozen=True)
class DenominationCount:
    value: Decimal
    count: int

    @property
    def amount(self) -> Decimal:
        return self.value * self.count


@dataclass(frozen=True)
class ShiftReport:
    """A shift's figures: an X report while it is open (z_number None), a Z report once closed."""

    store: str
    terminal: str
    currency: str
    shift_number: int
    z_number: int | None
    opened_at: datetime  # UTC
    opened_by: str
    closed_at: datetime | None
    closed_by: str | None
    opening_float: Decimal
    sale_count: int  # sales only; returns are counted in return_count
    gross_sales: Decimal  # line amounts at the prices charged, before discounts
    line_discounts: Decimal
    basket_discounts: Decimal
    net_sales: Decimal  # what the sales came to (gross - discounts), before cash rounding
    void_count: int
    void_amount: Decimal
    return_count: int
    return_amount: Decimal  # what the returns came to, before cash rounding (> 0)
    tenders: tuple[TenderLine, ...]  # the sales' takings
    taxes: tuple[TaxRateLine, ...]  # the sales' tax
    categories: tuple[CategoryLine, ...]
    paid_in: Decimal
    paid_out: Decimal
    cash_movements: tuple[CashMovement, ...]
    cash_rounding: Decimal
    cash_sales: Decimal  # cash payments of sales, rounding included, change excluded
    expected_cash: Decimal | None  # None until the shift is closed (blind close)
    counted_cash: Decimal | None
    variance: Decimal | None  # counted - expected: + over, - short
    denominations: tuple[DenominationCount, ...]
    parked_baskets: int
    printed_at: datetime  # UTC
    promotions: Decimal = Decimal(0)  # promotions and gifts given
    # Returns taken on this shift (whenever the sale was), as positive amounts.
    return_goods: Decimal = Decimal(0)  # the returned lines' amounts
    return_rounding: Decimal = Decimal(0)  # cash rounding added to the cash refunds
    refunds: tuple[TenderLine, ...] = ()  # what went back, by tender (points at their value)
    return_reasons: tuple[ReasonLine, ...] = ()
    damaged: ReasonLine | None = None  # returned goods kept apart as damaged, not back on the shelf
    return_taxes: tuple[TaxRateLine, ...] = ()  # the tax the returns refunded (negative, as stored)
    cash_refunds: Decimal = Decimal(0)  # cash paid out of the drawer for returns

    @property
    def kind(self) -> str:
        return "X" if self.z_number is None else "Z"

    @property
    def refunded(self) -> Decimal:
        """What went back to customers, all tenders."""
        return sum((t.amount for t in self.refunds), ZERO)

    @property
    def return_deducted(self) -> Decimal:
        """What came off the refunds: promotions no longer reached, gifts kept, points already spent."""
        return self.return_goods - self.return_amount

    @property
    def net_after_returns(self) -> Decimal:
        return self.net_sales - self.return_amount

    @property
    def net_taxes(self) -> tuple[TaxRateLine, ...]:
        """Tax by rate, net of the returns: what the shift owes."""
        rates: dict[Decimal, list[Decimal]] = {}
        for x in (*self.taxes, *self.return_taxes):
            bucket = rates.setdefault(x.rate, [ZERO, ZERO, ZERO])
            for i, v in enumerate((x.net, x.tax, x.gross)):
                bucket[i] += v
        return tuple(TaxRateLine(rate=k, net=v[0], tax=v[1], gross=v[2])
                     for k, v in sorted(rates.items(), reverse=True))

    @property
    def discounts(self) -> Decimal:
        return self.line_discounts + self.basket_discounts + self.promotions

    @property
    def takings(self) -> Decimal:
        """Everything the sales were paid, all tenders: net sales plus cash rounding (refunds not taken off)."""
        return sum((t.amount for t in self.tenders), ZERO)

    @property
    def by_tender(self) -> dict[str, Decimal]:
        return {t.tender: t.amount for t in self.tenders}

    @property
    def places(self) -> int:
        return currency_places(self.currency)


def expected_cash(*, opening_float: Decimal, cash_sales: Decimal, cash_refunds: Decimal, paid_in: Decimal,
                  paid_out: Decimal) -> Decimal:
    """What should be in the drawer: the float, cash taken (change already given back), less cash
    refunded for returns, plus paid in, less paid out."""
    return opening_float + cash_sales - cash_refunds + paid_in - paid_out


def reason_lines(rows) -> tuple[tuple[ReasonLine, ...], ReasonLine | None]:
    """From returned lines grouped by reason and damaged (.reason, .damaged, .lines, .qty, .amount): one
    line per reason in the returns screen's order, and the damaged goods kept apart (None: none)."""
    found: dict[str, list] = {}
    kept = [0, ZERO, ZERO]
    for r in rows:
        for bucket in (found.setdefault(r.reason, [0, ZERO, ZERO]), *([kept] if r.damaged else [])):
            bucket[0] += r.lines
            bucket[1] += r.qty
            bucket[2] += r.amount
    order = list(REASONS)
    ranked = sorted(found.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0]))
    damaged = ReasonLine("damaged", *kept) if kept[0] else None
    return tuple(ReasonLine(k, *v) for k, v in ranked), damaged


def tender_order(tender: str) -> tuple[int, str]:
    return (TENDERS.index(tender) if tender in TENDERS else len(TENDERS), tender)


# --- sections: what is printed, in which order, with which words -------------------------------

@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]  # a label, then values (amounts are right-aligned)
    strong: bool = False


@dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[Row, ...]
    head: tuple[str, ...] = ()  # column titles when the rows are a table
    note: str = ""
    wide: bool = False  # long labels: a PDF gives it the full width rather than half


@dataclass(frozen=True)
class ReportText:
    title: str
    info: tuple[Row, ...]
    sections: tuple[Section, ...]
    footer: str = ""


TENDER_NAMES = {"cash": _("Cash"), "card": _("Bank card"), "mobile": _("Mobile pay"),
                "voucher": _("Voucher"), "points": _("Points")}


def money(amount: Decimal, places: int) -> str:
    return format(amount, f",.{places}f")


def report_sections(report: ShiftReport, *, locale: str, timezone: str) -> ReportText:
    """The report as labelled rows in the language of locale, times in the store's zone."""
    t = words(locale)
    m = lambda amount: money(amount, report.places)  # noqa: E731
    when = lambda moment: f"{to_local(moment, timezone):%Y-%m-%d %H:%M}" if moment else "-"  # noqa: E731
    if report.z_number is None:
        title = t(_("X report (shift still open)"))
    else:
        title = t(_("Z report No. {number}")).format(number=report.z_number)
    info = [Row((t(_("Store")), report.store)), Row((t(_("Till")), report.terminal)),
            Row((t(_("Shift")), str(report.shift_number))),
            Row((t(_("Opened")), f"{when(report.opened_at)} {report.opened_by}")),
            Row((t(_("Closed")), f"{when(report.closed_at)} {report.closed_by or ''}".rstrip()))]
    # The cash reconciliation comes right after the takings: it is what the manager checks first.
    sections = [_sales(report, t, m), _tenders(report, t, m), _cash(report, t, m)]
    if report.denominations:
        sections.append(_count(report, t, m))
    if report.return_count:
        sections += [_returns(report, t, m), _reasons(report, t, m)]
    if report.cash_movements:
        sections.append(_movements(report, t, m, timezone))
    if report.taxes:
        sections.append(_taxes(report, t, m))
    if report.categories:
        sections.append(_categories(report, t, m))
    footer = t(_("Printed {time}")).format(time=when(report.printed_at))
    if report.parked_baskets:
        footer = t(_("{count} parked basket(s) still on this till")).format(count=report.parked_baskets) + \
            "\n" + footer
    return ReportText(title=title, info=tuple(info), sections=tuple(sections), footer=footer)


def _counted(t, label: str, count: int) -> str:
    return t(_("{label} ({count})")).format(label=label, count=count)


def _sales(r: ShiftReport, t, m) -> Section:
    rows = [Row((t(_("Sales count")), str(r.sale_count))),
            Row((t(_("Gross sales")), m(r.gross_sales))),
            Row((t(_("Line discounts")), m(-r.line_discounts))),
            Row((t(_("Promotions")), m(-r.promotions))),
            Row((t(_("Basket discounts")), m(-r.basket_discounts))),
            Row((t(_("Net sales")), m(r.net_sales)), strong=True),
            Row((_counted(t, t(_("Returns")), r.return_count), m(-r.return_amount)))]
    if r.return_count:
        rows.append(Row((t(_("Net sales after returns")), m(r.net_after_returns)), strong=True))
    rows.append(Row((_counted(t, t(_("Voids")), r.void_count), m(r.void_amount))))
    return Section(t(_("Sales")), tuple(rows), note=t(_("Voids are lines and sales cancelled before payment")))


def _tenders(r: ShiftReport, t, m) -> Section:
    rows = [Row((_counted(t, t(TENDER_NAMES.get(x.tender, x.tender)), x.count), m(x.amount)))
            for x in r.tenders]
    rows.append(Row((t(_("Sum")), m(r.takings)), strong=True))
    if r.cash_rounding:
        rows.append(Row((t(_("of which cash rounding")), m(r.cash_rounding))))
    if r.refunds:
        rows += [Row((t(_("Refunds")), m(-r.refunded))),
                 Row((t(_("Takings after refunds")), m(r.takings - r.refunded)), strong=True)]
    return Section(t(_("Tenders")), tuple(rows))


def _returns(r: ShiftReport, t, m) -> Section:
    """The returns taken on the shift: what came back, what came off, and where the money went."""
    rows = [Row((t(_("Return count")), str(r.return_count))),
            Row((t(_("Goods returned")), m(r.return_goods)))]
    if r.return_deducted:
        rows.append(Row((t(_("Deducted")), m(-r.return_deducted))))
    rows.append(Row((t(_("Refunded")), m(r.refunded)), strong=True))
    for x in r.refunds:
        tender = t(_("Refunded to {tender}")).format(tender=t(TENDER_NAMES.get(x.tender, x.tender)))
        rows.append(Row((_counted(t, tender, x.count), m(x.amount))))
    if r.return_rounding:
        rows.append(Row((t(_("of which cash rounding")), m(r.return_rounding))))
    note = t(_("Deducted: promotions the kept items no longer reach, gifts kept, points already spent")) \
        if r.return_deducted else ""
    return Section(t(_("Returns")), tuple(rows), note=note)


def _reasons(r: ShiftReport, t, m) -> Section:
    def label(text: str, x: ReasonLine) -> str:
        return t(_("{reason}: lines {lines}, qty {qty}")).format(reason=text, lines=x.lines, qty=_qty(x.qty))

    rows = [Row((label(t(REASONS.get(x.reason, x.reason or _("other"))), x), m(x.amount))) for x in r.return_reasons]
    rows.append(Row((t(_("Sum")), m(sum((x.amount for x in r.return_reasons), ZERO))), strong=True))
    if r.damaged:
        rows.append(Row((label(t(_("Not for resale (damaged)")), r.damaged), m(r.damaged.amount))))
    return Section(t(_("Returns by reason")), tuple(rows), wide=True,
                   note=t(_("What the returned lines refunded, before deductions; damaged goods are kept "
                            "apart, not back on the shelf")))


def _qty(qty: Decimal) -> str:
    return format(qty.normalize(), "f")  # 2, 0.75 (kg): no trailing zeros


def _taxes(r: ShiftReport, t, m) -> Section:
    def rate(x: TaxRateLine) -> str:
        return f"{x.rate.normalize():f}%"

    def total(lines) -> list[str]:
        return [m(sum((getattr(x, k) for x in lines), ZERO)) for k in ("net", "tax", "gross")]

    head = (t(_("Rate")), t(_("Net")), t(_("Tax")), t(_("Gross")))
    rows = [Row((rate(x), m(x.net), m(x.tax), m(x.gross))) for x in r.taxes]
    if not r.return_taxes:
        rows.append(Row((t(_("Sum")), *total(r.taxes)), strong=True))
        return Section(t(_("Tax by rate")), tuple(rows), head=head)
    # The tax owed is net of what the returns refunded: sales, returns, then what is left, by rate.
    rows.append(Row((t(_("Sales")), *total(r.taxes)), strong=True))
    rows += [Row((t(_("Returns {rate}")).format(rate=rate(x)), m(x.net), m(x.tax), m(x.gross)))
             for x in r.return_taxes]
    rows.append(Row((t(_("Returns")), *total(r.return_taxes)), strong=True))
    rows += [Row((t(_("After returns {rate}")).format(rate=rate(x)), m(x.net), m(x.tax), m(x.gross)))
             for x in r.net_taxes]
    rows.append(Row((t(_("After returns")), *total(r.net_taxes)), strong=True))
    return Section(t(_("Tax by rate")), tuple(rows), head=head, wide=True,
                   note=t(_("The tax owed is net of the returns")))


def _categories(r: ShiftReport, t, m) -> Section:
    rows = [Row((x.category or t(_("(no category)")), m(x.amount))) for x in r.categories]
    rows.append(Row((t(_("Sum")), m(sum((x.amount for x in r.categories), ZERO))),
                    strong=True))
    return Section(t(_("Sales by category")), tuple(rows),
                   note=t(_("After line discounts, before basket discounts")))


def _cash(r: ShiftReport, t, m) -> Section:
    rows = [Row((t(_("Opening float")), m(r.opening_float))),
            Row((t(_("Cash sales")), m(r.cash_sales))),
            Row((t(_("Cash refunds")), m(-r.cash_refunds))),
            Row((t(_("Paid in")), m(r.paid_in))),
            Row((t(_("Paid out")), m(-r.paid_out)))]
    if r.expected_cash is None:
        return Section(t(_("Cash drawer")), tuple(rows),
                       note=t(_("Expected cash is shown after the count (blind close)")))
    rows += [Row((t(_("Expected cash")), m(r.expected_cash)), strong=True),
             Row((t(_("Counted cash")), m(r.counted_cash)), strong=True),
             Row((t(_("Variance (+ over, - short)")), m(r.variance)), strong=True)]
    return Section(t(_("Cash drawer")), tuple(rows))


def _movements(r: ShiftReport, t, m, timezone: str) -> Section:
    rows = []
    for x in r.cash_movements:
        kind = t(_("Paid in")) if x.kind == "paid_in" else t(_("Paid out"))
        amount = x.amount if x.kind == "paid_in" else -x.amount
        rows.append(Row((f"{to_local(x.at, timezone):%H:%M} {kind} {x.reason} ({x.user})", m(amount))))
    return Section(t(_("Paid in and out")), tuple(rows), wide=True)


def _count(r: ShiftReport, t, m) -> Section:
    rows = [Row((f"{money(d.value, r.places if d.value < 1 else 0)} x {d.count}", m(d.amount)))
            for d in r.denominations]
    rows.append(Row((t(_("Counted cash")), m(r.counted_cash or ZERO)), strong=True))
    return Section(t(_("Cash count")), tuple(rows))


def render_pdf(report: ShiftReport, path: str | Path, *, locale: str, timezone: str,
               store_name: str = "") -> Path:
    """The report as an A4 PDF at path (Chinese text in the STSong-Light CID font)."""
    from posapp.reports.pdf import write_report

    text = report_sections(report, locale=locale, timezone=timezone)
    return write_report(text, Path(path), locale=locale, subtitle=store_name)
