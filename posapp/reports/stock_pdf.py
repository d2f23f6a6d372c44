"""Stock count paper: the count sheet (盘点表, to count on paper) and the variance report (盘点差异报告).

Both are ledger pages (reports/ledger_pdf.py): a count of 100,000 lines pages by arithmetic in one pass
and draws in a second. Every page repeats the header (count number, store, scope) and the column heads;
a category's rows continue under its name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from posapp.domain.clock import to_local
from posapp.domain.stock import LOCATION_NAMES, CountLine, CountReview, StockCount
from posapp.reports.ledger_pdf import MM, Col, Ledger, amount, qty
from posapp.reports.words import _, words

BASIS_NAMES = {"cost": _("cost"), "price": _("price")}
PROBLEM_NAMES = {"unknown": _("unknown barcode"), "out_of_scope": _("not in this count")}


def _local(moment: datetime | None, timezone: str) -> str:
    return "" if moment is None else f"{to_local(moment, timezone):%Y-%m-%d %H:%M}"


def _scope(t, count: StockCount) -> str:
    cats = "、".join(count.scope.categories) if count.scope.categories else t(_("all categories"))
    locs = ", ".join(t(LOCATION_NAMES.get(x, x)) for x in count.scope.locations)
    return t(_("Scope: {categories}; locations: {locations}")).format(categories=cats, locations=locs)


def _category(t, path: str) -> str:
    return path or t(_("(no category)"))


def count_sheet_pdf(count: StockCount, lines: Sequence[CountLine], *, path: str | Path, show_expected: bool,
                    store: str, timezone: str, locale: str, printed_at: datetime) -> int:
    """The sheet counters write on: every line by category then SKU, a box for the count; the expected
    quantity only when show_expected (never for a blind count). Returns the number of pages."""
    t = words(locale)
    kind = t(_("blind count")) if count.blind else t(_("counters see expected quantities"))
    info = [f"{t(_('Store {store}')).format(store=store)}    {_scope(t, count)}",
            t(_("Started {time} by {name}; {kind}; {lines} lines; printed {printed}")).format(
                time=_local(count.started_at, timezone), name=count.started_by or "-", kind=kind,
                lines=f"{len(lines):,}", printed=_local(printed_at, timezone))]
    sheet = Ledger(title=t(_("Stock count sheet")), number=count.number, info=info,
                   page_text=t(_("Page {page} / {pages}")),
                   footer=t(_("Counted by ____________   Checked by ____________   Date __________")),
                   row_height=7.2 * MM, size=8.5)
    name_share = 0.34 if show_expected else 0.42
    cols = [Col(t(_("SKU")), 0.12), Col(t(_("Barcode")), 0.15), Col(t(_("Name")), name_share),
            Col(t(_("Unit")), 0.06), Col(t(_("Location")), 0.07)]
    if show_expected:
        cols.append(Col(t(_("Expected")), 0.08, "r"))
    cols.append(Col(t(_("Counted")), 0.18, "box"))
    sheet.section(t(_("Write what you find on the shelf; weigh loose goods in kg")), cols)
    category = None
    for ln in lines:
        if ln.category != category:
            category = ln.category
            sheet.group(_category(t, category))
        cells = [ln.sku, ln.barcode, ln.name + (" " + t(_("(recount)")) if ln.recount else ""), ln.unit,
                 t(LOCATION_NAMES.get(ln.location, ln.location))]
        if show_expected:
            cells.append(qty(ln.expected))
        sheet.row(cells + [""])
    return sheet.write(path)


def variance_pdf(review: CountReview, *, path: str | Path, store: str, timezone: str, currency: str, locale: str,
                 printed_at: datetime, places: int = 2, top: int = 20) -> int:
    """Totals, the biggest losses and gains, variance by category, every counted line by category, the
    lines nobody counted, and the problem entries. Returns the number of pages."""
    t, count, totals = words(locale), review.count, review.totals
    m = lambda v, signed=False: amount(v, places=places, signed=signed)  # noqa: E731
    approved = (t(_("approved {time} by {name}")).format(time=_local(count.approved_at, timezone),
                                                        name=count.approved_by or "-")
                if count.approved_at else t(_("not approved yet ({status})")).format(status=t(count.status)))
    info = [f"{t(_('Store {store}')).format(store=store)}    {_scope(t, count)}",
            t(_("Started {time} by {name}; {status}; values in {currency} at cost where known, else at price; "
                "printed {printed}")).format(time=_local(count.started_at, timezone), name=count.started_by or "-",
                                            status=approved, currency=currency, printed=_local(printed_at, timezone))]
    rep = Ledger(title=t(_("Stock count variance report")), number=count.number, info=info,
                 page_text=t(_("Page {page} / {pages}")),
                 footer=t(_("Reviewed by ____________   Date __________")), row_height=4.6 * MM, size=7.5)
    pairs = [(t(_("Lines")), f"{totals.lines:,}"), (t(_("Expected value")), m(totals.expected_value)),
             (t(_("Counted")), f"{totals.counted:,}"), (t(_("Counted value")), m(totals.counted_value)),
             (t(_("Not counted")), f"{totals.not_counted:,}"), (t(_("Gains")), m(totals.gain_value, True)),
             (t(_("With a variance")), f"{totals.with_variance:,}"), (t(_("Losses")), m(totals.loss_value, True)),
             (t(_("Problem entries")), f"{len(review.problems):,}"), (t(_("Net variance")), m(totals.net_value, True))]
    rep.section(t(_("Totals")), [Col("", 0.2), Col("", 0.2, "r"), Col("", 0.1), Col("", 0.2), Col("", 0.2, "r")])
    for i in range(0, len(pairs), 2):
        (a, av), (b, bv) = pairs[i], pairs[i + 1]
        rep.row([a, av, "", b, bv], strong=i == len(pairs) - 2)
    counted = [ln for ln in review.lines if ln.counted is not None]
    _biggest(rep, t, m, counted, top)
    _by_category(rep, t, m, counted)
    cols = [Col(t(_("SKU")), 0.11), Col(t(_("Name")), 0.27), Col(t(_("Location")), 0.06),
            Col(t(_("Expected")), 0.09, "r"), Col(t(_("Counted")), 0.09, "r"), Col(t(_("Variance")), 0.09, "r"),
            Col(t(_("Unit value")), 0.1, "r"), Col(t(_("Basis")), 0.07), Col(t(_("Variance value")), 0.12, "r")]
    rep.section(t(_("Counted lines by category")), cols, note=t(_("{n} lines")).format(n=f"{len(counted):,}"))
    category = None
    for ln in counted:
        if ln.category != category:
            category = ln.category
            rep.group(_category(t, category))
        rep.row([ln.sku, ln.name, t(LOCATION_NAMES.get(ln.location, ln.location)), qty(ln.expected), qty(ln.counted),
                 qty(ln.variance, signed=True), m(ln.unit_value), t(BASIS_NAMES.get(ln.value_basis, ln.value_basis)),
                 m(ln.variance_value, True)], strong=ln.variance != 0)
    _not_counted(rep, t, m, [ln for ln in review.lines if ln.counted is None])
    _problems(rep, t, review, timezone)
    return rep.write(path)


def _biggest(rep: Ledger, t, m, counted: list[CountLine], top: int) -> None:
    cols = [Col(t(_("SKU")), 0.12), Col(t(_("Name")), 0.34), Col(t(_("Category")), 0.16),
            Col(t(_("Expected")), 0.09, "r"), Col(t(_("Counted")), 0.09, "r"), Col(t(_("Variance")), 0.08, "r"),
            Col(t(_("Variance value")), 0.12, "r")]
    for title, chosen in ((_("Biggest losses"), sorted((ln for ln in counted if ln.variance < 0),
                                                        key=lambda ln: (ln.variance_value, ln.sku))[:top]),
                          (_("Biggest gains"), sorted((ln for ln in counted if ln.variance > 0),
                                                      key=lambda ln: (-ln.variance_value, ln.sku))[:top])):
        rep.section(t(title), cols, note=t(_("the {n} largest by value")).format(n=top))
        for ln in chosen:
            rep.row([ln.sku, ln.name, ln.category, qty(ln.expected), qty(ln.counted), qty(ln.variance, signed=True),
                     m(ln.variance_value, True)])
        if not chosen:
            rep.row(["", t(_("none"))])


def _by_category(rep: Ledger, t, m, counted: list[CountLine]) -> None:
    sums: dict[str, list] = defaultdict(lambda: [0, 0, Decimal(0), Decimal(0)])
    for ln in counted:
        s = sums[ln.category]
        s[0] += 1
        s[1] += ln.variance != 0
        s[2 if ln.variance > 0 else 3] += ln.variance_value
    cols = [Col(t(_("Category")), 0.36), Col(t(_("Counted")), 0.12, "r"), Col(t(_("With a variance")), 0.13, "r"),
            Col(t(_("Gains")), 0.13, "r"), Col(t(_("Losses")), 0.13, "r"), Col(t(_("Net variance")), 0.13, "r")]
    rep.section(t(_("Variance by category")), cols, note=t(_("biggest net loss first")))
    for cat, (n, varied, gain, loss) in sorted(sums.items(), key=lambda kv: (kv[1][2] + kv[1][3], kv[0])):
        rep.row([_category(t, cat), f"{n:,}", f"{varied:,}", m(gain, True), m(loss, True), m(gain + loss, True)])


def _not_counted(rep: Ledger, t, m, missing: list[CountLine]) -> None:
    cols = [Col(t(_("SKU")), 0.12), Col(t(_("Barcode")), 0.14), Col(t(_("Name")), 0.36),
            Col(t(_("Location")), 0.08), Col(t(_("Expected")), 0.1, "r"), Col(t(_("Unit value")), 0.1, "r"),
            Col(t(_("Value if zero")), 0.1, "r")]
    rep.section(t(_("Lines not counted")), cols, note=t(_("{n} lines")).format(n=f"{len(missing):,}"))
    category = None
    for ln in missing:
        if ln.category != category:
            category = ln.category
            rep.group(_category(t, category))
        rep.row([ln.sku, ln.barcode, ln.name + (" " + t(_("(recount)")) if ln.recount else ""),
                 t(LOCATION_NAMES.get(ln.location, ln.location)), qty(ln.expected), m(ln.unit_value),
                 m(-ln.expected * ln.unit_value, True)])
    if not missing:
        rep.row(["", "", t(_("none"))])


def _problems(rep: Ledger, t, review: CountReview, timezone: str) -> None:
    cols = [Col(t(_("Code")), 0.15), Col(t(_("Problem")), 0.13), Col(t(_("SKU")), 0.11), Col(t(_("Name")), 0.22),
            Col(t(_("Quantity")), 0.08, "r"), Col(t(_("Location")), 0.07), Col(t(_("Who")), 0.1),
            Col(t(_("When")), 0.14)]
    rep.section(t(_("Problem entries")), cols, note=t(_("scans the count could not put on a line")))
    for p in review.problems:
        rep.row([p.code, t(PROBLEM_NAMES.get(p.problem, p.problem)), p.sku, p.name, qty(p.qty),
                 t(LOCATION_NAMES.get(p.location, p.location)), f"{p.user} {p.terminal}".strip(),
                 _local(p.at, timezone)])
    if not review.problems:
        rep.row(["", t(_("none"))])
