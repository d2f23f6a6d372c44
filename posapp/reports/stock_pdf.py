"""Stock count paper: the count sheet (盘点表, to count on paper) and the variance report (盘点差异报告).

Both are A4 pages drawn straight onto reportlab's canvas as rows of one height: a count of 100,000
lines pages by arithmetic in one pass, then draws in a second that knows the page count for
"page x / y" (platypus tables re-split a long table on every page and slow down with its length).
Every page repeats the header (count number, store, scope) and the column heads; a category's rows
continue under its name. Texts too long for their column end in …; nothing runs into the next one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from posapp.domain.clock import to_local
from posapp.domain.money import round_money
from posapp.domain.stock import LOCATION_NAMES, CountLine, CountReview, StockCount
from posapp.reports.words import _, words

MM = 72 / 25.4
PAGE_W, PAGE_H = 210 * MM, 297 * MM
MARGIN = 12 * MM
WIDTH = PAGE_W - 2 * MARGIN
PAD = 1.6  # points between a cell's edge and its text
BASIS_NAMES = {"cost": _("cost"), "price": _("price")}
PROBLEM_NAMES = {"unknown": _("unknown barcode"), "out_of_scope": _("not in this count")}


@dataclass(frozen=True)
class Col:
    title: str
    share: float  # of the page's width
    align: str = "l"  # l, r, or box: an empty box to write the count in


class Ledger:
    """Sections of fixed-height rows on A4 pages; collect with section/group/row, then write."""

    def __init__(self, *, title: str, number: str, info: list[str], footer: str, page_text: str,
                 row_height: float, size: float):
        self.title, self.number, self.info, self.footer, self.page_text = title, number, info, footer, page_text
        self.row_h, self.size = row_height, size
        self.ops: list[tuple] = []

    def section(self, title: str, cols: list[Col], note: str = "") -> None:
        self.ops.append(("section", title, cols, note))

    def group(self, text: str) -> None:
        self.ops.append(("group", text))

    def row(self, cells: Sequence[str], *, strong: bool = False) -> None:
        self.ops.append(("row", cells, strong))

    def write(self, path: str | Path) -> int:
        """Draw every page to path; returns the number of pages."""
        from reportlab.pdfgen import canvas

        from posapp.reports.pdf import register_fonts

        register_fonts()
        pages = self._run(None, 0)
        pdf = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), pageCompression=1)
        pdf.setTitle(_printable(f"{self.title} {self.number}"))
        pdf.setAuthor("posapp")
        self._run(_Pen(pdf), pages)
        pdf.save()
        return pages

    # --- layout: the same walk counts the pages (pdf None) and draws them -----------------------
    def _run(self, pdf, total: int) -> int:
        head_h, sec_h, group_h = self.size * 1.9, self.size * 2.6, self.size * 2.0
        bottom = MARGIN + 9 * MM
        state = {"page": 0, "y": 0.0, "cols": None, "group": None}

        def new_page(repeat: bool) -> None:
            if state["page"] and pdf is not None:
                self._footer(pdf, state["page"], total)
                pdf.flush()
                pdf.showPage()
            state["page"] += 1
            state["y"] = self._header(pdf)
            if repeat and state["cols"] and any(c.title for c in state["cols"]):
                self._colhead(pdf, state["y"], state["cols"], head_h)
                state["y"] -= head_h
                if state["group"] is not None:
                    self._group(pdf, state["y"], state["group"] + " …", group_h)
                    state["y"] -= group_h

        new_page(False)
        for op in self.ops:
            kind = op[0]
            if kind == "section":
                _kind, title, cols, note = op
                if state["y"] - (sec_h + head_h + 3 * self.row_h) < bottom:
                    new_page(False)
                state["cols"], state["group"] = cols, None
                self._section(pdf, state["y"], title, note, sec_h)
                state["y"] -= sec_h
                if any(c.title for c in cols):
                    self._colhead(pdf, state["y"], cols, head_h)
                    state["y"] -= head_h
            elif kind == "group":
                state["group"] = None
                if state["y"] - (group_h + self.row_h) < bottom:
                    new_page(True)
                state["group"] = op[1]
                self._group(pdf, state["y"], op[1], group_h)
                state["y"] -= group_h
            else:
                if state["y"] - self.row_h < bottom:
                    new_page(True)
                self._row(pdf, state["y"], state["cols"], op[1], op[2])
                state["y"] -= self.row_h
        if pdf is not None:
            self._footer(pdf, state["page"], total)
            pdf.flush()
        return state["page"]

    # --- drawing -----------------------------------------------------------------------------
    def _header(self, pdf) -> float:
        y = PAGE_H - MARGIN
        lines = len(self.info)
        if pdf is not None:
            number_w = _width(self.number, "Helvetica-Bold", 13)
            _draw(pdf, MARGIN, y - 14, self.title, 15, WIDTH - number_w - 10 * MM)
            _draw(pdf, PAGE_W - MARGIN - number_w, y - 14, self.number, 13, number_w, font="Helvetica-Bold")
            for i, line in enumerate(self.info):
                _draw(pdf, MARGIN, y - 28 - i * 11, line, 8.5, WIDTH)
            pdf.setLineWidth(0.8)
            pdf.line(MARGIN, y - 33 - (lines - 1) * 11, PAGE_W - MARGIN, y - 33 - (lines - 1) * 11)
        return y - 38 - (lines - 1) * 11

    def _footer(self, pdf, page: int, total: int) -> None:
        _draw(pdf, MARGIN, MARGIN, self.footer, 9, WIDTH - 30 * MM)
        _draw(pdf, PAGE_W - MARGIN - 30 * MM, MARGIN, self.page_text.format(page=page, pages=total), 9, 30 * MM, "r")

    def _section(self, pdf, y: float, title: str, note: str, h: float) -> None:
        if pdf is None:
            return
        _draw(pdf, MARGIN, y - h + self.size * 0.7, title, self.size * 1.35, WIDTH * (0.5 if note else 1))
        if note:
            _draw(pdf, MARGIN + WIDTH * 0.5, y - h + self.size * 0.7, note, self.size * 0.9, WIDTH * 0.5, "r",
                  grey=True)

    def _colhead(self, pdf, y: float, cols: list[Col], h: float) -> None:
        if pdf is None:
            return
        pdf.setFillColorRGB(0.91, 0.91, 0.91)
        pdf.rect(MARGIN, y - h, WIDTH, h, stroke=0, fill=1)
        pdf.setFillColorRGB(0, 0, 0)
        self._cells(pdf, y - h + self.size * 0.6, cols, [c.title for c in cols], self.size * 0.95, head=True)
        pdf.setLineWidth(0.6)
        pdf.line(MARGIN, y - h, PAGE_W - MARGIN, y - h)

    def _group(self, pdf, y: float, text: str, h: float) -> None:
        if pdf is not None:
            pdf.setFillColorRGB(0.96, 0.96, 0.96)
            pdf.rect(MARGIN, y - h + 1, WIDTH, h - 2, stroke=0, fill=1)
            pdf.setFillColorRGB(0, 0, 0)
            _draw(pdf, MARGIN + PAD, y - h + self.size * 0.6, text, self.size * 1.1, WIDTH - 2 * PAD)

    def _row(self, pdf, y: float, cols: list[Col], cells: Sequence[str], strong: bool) -> None:
        if pdf is None:
            return
        if strong:
            pdf.setFillColorRGB(0.94, 0.94, 0.94)
            pdf.rect(MARGIN, y - self.row_h, WIDTH, self.row_h, stroke=0, fill=1)
            pdf.setFillColorRGB(0, 0, 0)
        self._cells(pdf, y - self.row_h / 2 - self.size * 0.33, cols, cells, self.size)
        pdf.setLineWidth(0.25)
        pdf.setStrokeColorRGB(0.7, 0.7, 0.7)
        pdf.line(MARGIN, y - self.row_h, PAGE_W - MARGIN, y - self.row_h)
        x = MARGIN
        for col in cols:
            if col.align == "box":
                pdf.setStrokeColorRGB(0, 0, 0)
                pdf.rect(x + 2 * PAD, y - self.row_h + 1.5, WIDTH * col.share - 4 * PAD, self.row_h - 3)
            x += WIDTH * col.share
        pdf.setStrokeColorRGB(0, 0, 0)

    def _cells(self, pdf, baseline: float, cols: list[Col], cells: Sequence[str], size: float,
               head: bool = False) -> None:
        x = MARGIN
        for col, cell in zip(cols, cells):
            w = WIDTH * col.share
            if cell and (head or col.align != "box"):
                _draw(pdf, x + (2 * PAD if col.align == "box" else PAD), baseline, cell, size, w - 2 * PAD, col.align)
            x += w


def _printable(text: str) -> str:
    if text.isascii():  # most cells: SKUs, codes, figures
        return text
    from posapp.reports.pdf import printable

    return printable(text)


def _font(text: str) -> str:
    return "Helvetica" if text.isascii() or all(ord(ch) <= 0xFF for ch in text) else "STSong-Light"


def _width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


class _Pen:
    """The canvas, with a page's texts gathered in one PDF text object and drawn over its shapes at the
    end of the page (a drawString per cell makes a text object each: a third of the time of a long report)."""

    def __init__(self, canvas):
        self.canvas, self.tx, self.font, self.grey = canvas, None, None, False

    def __getattr__(self, name):  # rect, line, colours, showPage: the canvas's own
        return getattr(self.canvas, name)

    def text(self, x: float, y: float, text: str, font: str, size: float, grey: bool) -> None:
        if self.tx is None:
            self.tx, self.font, self.grey = self.canvas.beginText(), None, False
            self.tx.setFillColorRGB(0, 0, 0)
        if (font, size) != self.font:
            self.tx.setFont(font, size)
            self.font = (font, size)
        if grey != self.grey:
            self.tx.setFillColorRGB(*((0.4, 0.4, 0.4) if grey else (0, 0, 0)))
            self.grey = grey
        self.tx.setTextOrigin(x, y)
        self.tx.textOut(text)

    def flush(self) -> None:
        if self.tx is not None:
            self.canvas.drawText(self.tx)
            self.tx = None


def _draw(pen: _Pen, x: float, y: float, text: str, size: float, width: float, align: str = "l", *,
          grey: bool = False, font: str = "") -> None:
    """text in the font it needs, cut short with … to fit width; right-aligned in it with align "r"."""
    text = _printable(text)
    font = font or _font(text)
    if len(text) * size > width:  # no glyph is wider than 1 em: shorter texts need no measuring
        if _width(text, font, size) > width:
            while text and _width(text + "…", font, size) > width:
                text = text[:-max(1, len(text) // 8)] if _width(text, font, size) > 2 * width else text[:-1]
            text += "…"
    if align == "r":
        x += width - _width(text, font, size)
    pen.text(x, y, text, font, size, grey)


# --- what the pages say ---------------------------------------------------------------------
def qty(value: Decimal | None, *, signed: bool = False) -> str:
    if value is None:
        return ""
    text = f"{value.normalize() + 0:,f}"
    return ("+" + text) if signed and value > 0 else text


def amount(value: Decimal | None, *, places: int = 2, signed: bool = False) -> str:
    if value is None:
        return ""
    text = f"{round_money(value, places):,.{places}f}"
    return ("+" + text) if signed and value > 0 else text


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
