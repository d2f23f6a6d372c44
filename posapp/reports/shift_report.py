"""X and Z shift reports: the figures of a shift, their labelled sections, and the PDF.

The sections are the one place the report's words and order live: the receipt-printer layout
(services.shifts.layout_shift_report) and the PDF both print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from posapp.domain.clock import to_local
from posapp.domain.money import currency_places
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
    sale_count: int
    gross_sales: Decimal  # line amounts at the prices charged, before discounts
    line_discounts: Decimal
    basket_discounts: Decimal
    net_sales: Decimal  # what the sales came to (gross - discounts), before cash rounding
    void_count: int
    void_amount: Decimal
    return_count: int
    return_amount: Decimal
    tenders: tuple[TenderLine, ...]
    taxes: tuple[TaxRateLine, ...]
    categories: tuple[CategoryLine, ...]
    paid_in: Decimal
    paid_out: Decimal
    cash_movements: tuple[CashMovement, ...]
    cash_rounding: Decimal
    cash_sales: Decimal  # cash payments, rounding included, change excluded
    expected_cash: Decimal | None  # None until the shift is closed (blind close)
    counted_cash: Decimal | None
    variance: Decimal | None  # counted - expected: + over, - short
    denominations: tuple[DenominationCount, ...]
    parked_baskets: int
    printed_at: datetime  # UTC
    promotions: Decimal = Decimal(0)  # promotions and gifts given

    @property
    def kind(self) -> str:
        return "X" if self.z_number is None else "Z"

    @property
    def discounts(self) -> Decimal:
        return self.line_discounts + self.basket_discounts + self.promotions

    @property
    def takings(self) -> Decimal:
        """Everything paid, all tenders: net sales plus cash rounding."""
        return sum((t.amount for t in self.tenders), ZERO)

    @property
    def by_tender(self) -> dict[str, Decimal]:
        return {t.tender: t.amount for t in self.tenders}

    @property
    def places(self) -> int:
        return currency_places(self.currency)


def expected_cash(*, opening_float: Decimal, cash_sales: Decimal, paid_in: Decimal, paid_out: Decimal) -> Decimal:
    """What should be in the drawer: the float, cash taken (change already given back), paid in, less paid out."""
    return opening_float + cash_sales + paid_in - paid_out


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
            Row((_counted(t, t(_("Returns")), r.return_count), m(-r.return_amount))),
            Row((_counted(t, t(_("Voids")), r.void_count), m(r.void_amount)))]
    return Section(t(_("Sales")), tuple(rows), note=t(_("Voids are lines and sales cancelled before payment")))


def _tenders(r: ShiftReport, t, m) -> Section:
    rows = [Row((_counted(t, t(TENDER_NAMES.get(x.tender, x.tender)), x.count), m(x.amount)))
            for x in r.tenders]
    rows.append(Row((t(_("Sum")), m(r.takings)), strong=True))
    if r.cash_rounding:
        rows.append(Row((t(_("of which cash rounding")), m(r.cash_rounding))))
    return Section(t(_("Tenders")), tuple(rows))


def _taxes(r: ShiftReport, t, m) -> Section:
    rows = [Row((f"{x.rate.normalize():f}%", m(x.net), m(x.tax), m(x.gross))) for x in r.taxes]
    total = [sum((getattr(x, k) for x in r.taxes), ZERO) for k in ("net", "tax", "gross")]
    rows.append(Row((t(_("Sum")), *map(m, total)), strong=True))
    return Section(t(_("Tax by rate")), tuple(rows),
                   head=(t(_("Rate")), t(_("Net")), t(_("Tax")), t(_("Gross"))))


def _categories(r: ShiftReport, t, m) -> Section:
    rows = [Row((x.category or t(_("(no category)")), m(x.amount))) for x in r.categories]
    rows.append(Row((t(_("Sum")), m(sum((x.amount for x in r.categories), ZERO))),
                    strong=True))
    return Section(t(_("Sales by category")), tuple(rows),
                   note=t(_("After line discounts, before basket discounts")))


def _cash(r: ShiftReport, t, m) -> Section:
    rows = [Row((t(_("Opening float")), m(r.opening_float))),
            Row((t(_("Cash sales")), m(r.cash_sales))),
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
