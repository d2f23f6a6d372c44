"""Shelf labels and barcode labels on A4 label sheets, drawn with reportlab's canvas.

Each label: the product's name (Chinese in the STSong-Light CID font; up to its layout's lines, the
font shrinking before the name is cut short with …), the English name where the layout has room,
size, unit and SKU, the price (with the regular price struck through while a sale price applies),
the unit price per kg or per L (posapp.domain.labels), and the barcode: EAN-13 for a valid 13-digit
GTIN, EAN-8 for a valid 8-digit one, Code128 otherwise (its bars narrowed to fit, or the code
printed as text when even that cannot fit). Nothing is drawn outside its label.

LAYOUTS lists the sheets; the grid is centred on the page, and each label keeps a padding inside its
edges, for printers that cannot print to the edge of the paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from posapp.domain.labels import LabelItem, barcode_symbology, label_unit_price
from posapp.domain.money import currency_places, round_money
from posapp.reports.words import _, words


@dataclass(frozen=True)
class LabelLayout:
    key: str
    title: str  # what a person picks from (translated when shown)
    columns: int
    rows: int
    width: float  # mm
    height: float  # mm
    pad: float  # mm kept empty inside each edge
    name_size: float  # pt, the largest the name is set in
    name_lines: int
    price_size: float  # pt, the largest the price is set in
    module: float  # mm, the barcode's narrowest bar (0.264 mm is EAN's 80 %)
    bar_height: float  # mm, bars and digits
    english: bool  # room for the English name

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS: dict[str, LabelLayout] = {
    "shelf": LabelLayout(key="shelf", title=_("Shelf labels, 3 x 8 on A4 (70 x 37 mm)"), columns=3, rows=8,
                         width=70, height=37, pad=2.5, name_size=11, name_lines=3, price_size=22,
                         module=0.264, bar_height=10, english=True),
    "small": LabelLayout(key="small", title=_("Small labels, 4 x 10 on A4 (52.5 x 29.7 mm)"), columns=4, rows=10,
                         width=52.5, height=29.7, pad=2, name_size=8.5, name_lines=3, price_size=15,
                         module=0.25, bar_height=8.5, english=False),
}

_CURRENCY_SIGNS = {"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "TWD": "NT$",
                   "MOP": "MOP$", "SGD": "S$"}
GREY = (0.35, 0.35, 0.35)
_NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)%")


def money_text(amount: Decimal, currency: str) -> str:
    """"¥12.90": the sign a shelf label shows, then the amount to the currency's minor unit."""
    places = currency_places(currency)
    sign = _CURRENCY_SIGNS.get(currency, currency + " ")
    return f"{sign}{round_money(amount, places):,.{places}f}"


def labels_pdf(items: list[LabelItem], *, layout: str, currency: str, path: str | Path, locale: str = "zh_CN",
               outline: bool = True) -> int:
    """Write the labels, in order, onto as many A4 sheets as they need; returns the number of pages.
    outline: a hairline around each label (for cutting plain paper; harmless on pre-cut sheets)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from posapp.reports.pdf import register_fonts

    register_fonts()
    spec = LAYOUTS[layout]
    drawer = _Label(spec, currency=currency, t=words(locale))
    left = (A4[0] - spec.columns * spec.width * mm) / 2
    top = A4[1] - (A4[1] - spec.rows * spec.height * mm) / 2
    pdf = canvas.Canvas(str(path), pagesize=A4, pageCompression=1)
    pdf.setTitle(drawer.t(_("Shelf labels")))
    pdf.setAuthor("posapp")
    pages = max(1, -(-len(items) // spec.per_page))
    for page in range(pages):
        for i, item in enumerate(items[page * spec.per_page:(page + 1) * spec.per_page]):
            row, col = divmod(i, spec.columns)
            x, y = left + col * spec.width * mm, top - (row + 1) * spec.height * mm
            if outline:
                pdf.setLineWidth(0.25)
                pdf.setStrokeColorRGB(0.75, 0.75, 0.75)
                pdf.rect(x, y, spec.width * mm, spec.height * mm)
            drawer.draw(pdf, item, x + spec.pad * mm, y + spec.pad * mm)
        pdf.showPage()
    pdf.save()
    return pages


class _Label:
    def __init__(self, spec: LabelLayout, *, currency: str, t):
        from reportlab.lib.units import mm

        self.spec, self.currency, self.t, self.mm = spec, currency, t, mm
        self.places = currency_places(currency)
        self.bounds: dict[str, tuple] = {}
        self.w = (spec.width - 2 * spec.pad) * mm
        self.h = (spec.height - 2 * spec.pad) * mm

    def draw(self, pdf, item: LabelItem, x: float, y: float) -> None:
        """One label whose inner box (inside the padding) starts at x, y."""
        from posapp.reports.pdf import printable

        mm, spec = self.mm, self.spec
        top = y + self.h
        lines, size = fit_lines(printable(item.name), self.w, max_size=spec.name_size, min_size=spec.name_size * 0.62,
                                max_lines=spec.name_lines)
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont(_font(item.name), size)
        for line in lines:
            top -= size * 1.12
            pdf.drawString(x, top + size * 0.12, line)
        if spec.english and item.name_en.strip():
            small = spec.name_size * 0.55
            top -= small * 1.25
            pdf.setFillColorRGB(*GREY)
            text = printable(item.name_en)
            pdf.setFont(_font(text), small)
            pdf.drawString(x, top + small * 0.2, cut(text, self.w, _font(text), small))
        pdf.setFillColorRGB(0, 0, 0)
        bar_w = self.barcode(pdf, item, x, y)
        price_top = self.price(pdf, item, left=x + bar_w + (1.5 * mm if bar_w else 0), right=x + self.w, y=y)
        details = [printable(part) for part in (
            self.t(_("Size {size}")).format(size=item.size) if item.size else "",
            self.t(_("Unit {unit}")).format(unit=item.unit) if item.unit else "", item.sku) if part]
        small = max(5.0, spec.name_size * 0.55)
        base = max(price_top, y + (spec.bar_height * mm if item.barcode else 0)) + 1.2 * mm
        if base + small <= top:  # only where the name left room for it
            pdf.setFillColorRGB(*GREY)
            draw_parts(pdf, details, x=x, y=base, width=self.w, size=small)
        pdf.setFillColorRGB(0, 0, 0)

    def price(self, pdf, item: LabelItem, *, left: float, right: float, y: float) -> float:
        """The price block, right-aligned between left and right; returns its top."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        mm, spec = self.mm, self.spec
        width = right - left
        small = max(5.5, spec.price_size * 0.36)
        each = label_unit_price(item, self.places)
        line_y = y + 0.3 * mm
        if each is not None:
            text = f"{money_text(each.amount, self.currency)}/{each.per}"
            pdf.setFont("Helvetica", small)
            pdf.drawRightString(right, line_y, cut(text, width, "Helvetica", small))
            line_y += small * 1.15
        price = money_text(item.price, self.currency)
        per = f"/{item.unit}" if item.weighed and item.unit else ""
        size = spec.price_size
        while size > 6 and (stringWidth(price, "Helvetica-Bold", size) + stringWidth(per, _font(per), size * 0.45)
                            > width):
            size -= 0.5
        per_w = stringWidth(per, _font(per), size * 0.45)
        pdf.setFont("Helvetica-Bold", size)
        pdf.drawRightString(right - per_w, line_y, price)
        if per:
            pdf.setFont(_font(per), size * 0.45)
            pdf.drawRightString(right, line_y, per)
        top = line_y + size * 0.75
        if item.on_sale:
            self.was(pdf, money_text(item.regular_price, self.currency), right=right, y=top + small * 0.3 + 1.5,
                     size=small)
            top += small * 1.5
        return top

    def was(self, pdf, price: str, *, right: float, y: float, size: float) -> None:
        """"Was ¥16.00", the old price struck through, right-aligned (the words in the font they need)."""
        from reportlab.pdfbase.pdfmetrics import stringWidth

        before, _gap, after = self.t(_("Was {price}")).partition("{price}")
        parts = [(before.strip(), _font(before)), (price, "Helvetica"), (after.strip(), _font(after))]
        gap = size * 0.3
        widths = [stringWidth(text, font, size) + (gap if text else 0) for text, font in parts]
        x = right - sum(widths) + gap
        pdf.setFillColorRGB(*GREY)
        pdf.setStrokeColorRGB(*GREY)
        for (text, font), width in zip(parts, widths):
            if text:
                pdf.setFont(font, size)
                pdf.drawString(x, y, text)
                if text == price:
                    pdf.setLineWidth(0.6)
                    pdf.line(x, y + size * 0.33, x + width - gap, y + size * 0.33)
            x += width
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setStrokeColorRGB(0, 0, 0)

    def barcode(self, pdf, item: LabelItem, x: float, y: float) -> float:
        """The barcode at the label's bottom left; returns the width it takes (0 without one)."""
        from reportlab.graphics import renderPDF
        from reportlab.graphics.barcode import eanbc
        from reportlab.graphics.barcode.widgets import BarcodeCode128
        from reportlab.graphics.shapes import Drawing
        from reportlab.pdfbase.pdfmetrics import stringWidth

        mm, spec, code = self.mm, self.spec, item.barcode
        kind = barcode_symbology(code)
        if not kind:
            return 0.0
        # A long Code128 may take what the price leaves (set a little smaller than its largest).
        price = stringWidth(money_text(item.price, self.currency), "Helvetica-Bold", spec.price_size * 0.8)
        room = max(self.w * 0.56, self.w - price - 2 * mm)
        height = spec.bar_height * mm
        digits = max(5.0, spec.bar_height * 0.6)
        if kind == "code128":
            text = digits * 1.25  # the digits under the bars, drawn here (reportlab's touch the bars)
            widget = BarcodeCode128(value=code, barWidth=spec.module * mm, barHeight=height - text,
                                    humanReadable=0, quiet=1)
            widget.lquiet = widget.rquiet = 10 * spec.module * mm
            bounds = widget.getBounds()
            scale = min(1.0, room / (bounds[2] - bounds[0]))
            if spec.module * scale < 0.17:  # too dense to scan: the code as text
                pdf.setFont("Helvetica", digits)
                pdf.drawString(x, y + 0.5 * mm, cut(code, room, "Helvetica", digits))
                return room
            widget.barWidth = spec.module * scale * mm
            widget.lquiet = widget.rquiet = 10 * widget.barWidth
            bounds = widget.getBounds()
            pdf.setFont("Helvetica", digits)
            pdf.drawCentredString(x + bounds[2] / 2, y + 0.2 * digits, cut(code, bounds[2], "Helvetica", digits))
            drawing, lift = Drawing(bounds[2], height), text
        else:
            value = code[:-1] if len(code) != 12 else "0" + code[:-1]
            cls = eanbc.Ean8BarcodeWidget if kind == "ean8" else eanbc.Ean13BarcodeWidget
            widget = cls(value=value, barWidth=spec.module * mm, barHeight=height, fontSize=digits)
            if kind not in self.bounds:  # the same for every code of a symbology: measuring draws it once more
                self.bounds[kind] = widget.getBounds()
            bounds = self.bounds[kind]
            drawing, lift = Drawing(bounds[2], height), 0
        widget.y = lift
        drawing.add(widget)
        renderPDF.draw(drawing, pdf, x, y)
        return bounds[2] - bounds[0]


def _font(text: str) -> str:
    from posapp.reports.pdf import CJK_FONT

    return CJK_FONT if any(ord(ch) > 0xFF for ch in text) else "Helvetica"


def draw_parts(pdf, parts: list[str], *, x: float, y: float, width: float, size: float) -> None:
    """Short texts on one line, each in the font it needs, a gap apart; cut short at width."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    end, gap = x + width, size * 0.8
    for part in parts:
        font = _font(part)
        room = end - x
        if room < size * 2:
            break
        text = cut(part, room, font, size)
        pdf.setFont(font, size)
        pdf.drawString(x, y, text)
        x += stringWidth(text, font, size) + gap


def cut(text: str, width: float, font: str, size: float) -> str:
    """text shortened with … until it fits width points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Lines of at most width points: broken at a space where a Latin word would be split, anywhere
    between Chinese characters."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def latin(ch: str) -> bool:
        return ch != " " and ord(ch) < 0x2E80

    lines, line = [], ""
    for ch in text:
        # A space never breaks the line by itself (it is dropped at the end of one); the next character does.
        if not line or ch == " " or stringWidth(line + ch, font, size) <= width:
            line += ch
            continue
        space = line.rfind(" ")
        # "，" never begins a line: it takes the character before it along (and any "，" before that, and
        # the spaces between). Lines stay pieces of the text, spaces and all, so they can be found in it.
        base = line.rstrip()
        back = 1
        while back < len(base) and (base[-back] in _NO_LINE_START or base[-back] == " "):
            back += 1
        tail = back + len(line) - len(base)
        if (ch in _NO_LINE_START and back < len(base)
                and stringWidth(line[-tail:] + ch, font, size) <= width):
            lines.append(line[:-tail].rstrip())
            line = line[-tail:] + ch
        elif (latin(ch) and latin(line[-1]) and space > 0 and line[space + 1] not in _NO_LINE_START
              and stringWidth(line[space + 1:] + ch, font, size) <= width):
            lines.append(line[:space])
            line = line[space + 1:] + ch
        else:
            lines.append(line.rstrip())
            line = ch
    if line.strip():
        lines.append(line.rstrip())
    return lines


def fit_lines(text: str, width: float, *, max_size: float, min_size: float, max_lines: int) -> tuple[list[str], float]:
    """The text in as few lines as fit width at the largest size from max_size down to min_size; at
    min_size, the last line is cut short with … when more would be needed."""
    text = " ".join(text.split())
    font = _font(text)
    size = max_size
    while True:
        lines = wrap(text, width, font, size)
        if len(lines) <= max_lines:
            return lines, size
        if size - 0.5 < min_size:
            break
        size -= 0.5
    kept, at = lines[:max_lines - 1], 0
    for line in kept:  # where the kept lines end in the text: the rest goes on the last line
        at = text.index(line, at) + len(line)
    return kept + [cut(text[at:].strip(), width, font, size)], size
