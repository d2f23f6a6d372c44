"""The X/Z report on the receipt printer: laid out by display width for the paper's columns, and
encoded for the printer. Here rather than in reports/: the layers keep reports and devices apart, and
this needs both."""

from __future__ import annotations

from collections.abc import Callable

from posapp.devices import textwidth as tw
from posapp.devices.escpos_printer import encode_document
from posapp.devices.receipt import ReceiptDocument, TextLine
from posapp.reports.shift_report import ShiftReport, report_sections

ReportRenderer = Callable[[ShiftReport], bytes]


def layout_shift_report(report: ShiftReport, *, columns: int, locale: str, timezone: str,
                        ambiguous: int = 2) -> ReceiptDocument:
    """The X/Z report for a receipt printer of columns width, aligned by display width."""
    if columns < 24:
        raise ValueError(f"a report needs at least 24 columns, not {columns}")
    text = report_sections(report, locale=locale, timezone=timezone)
    out: list[TextLine] = []

    def add(line: str, **style) -> None:
        width = columns // 2 if style.get("double_width") else columns
        fits = tw.text_width(line, ambiguous=ambiguous) <= width
        pieces = [line] if fits else tw.wrap(line, width, ambiguous=ambiguous)
        out.extend(TextLine(piece, **style) for piece in pieces)

    add(text.title, bold=True, double_height=True, align="center")
    for row in text.info:
        add(f"{row.cells[0]}: {row.cells[1]}")
    for section in text.sections:
        add("-" * columns)
        add(section.title, bold=True)
        rows = ([(section.head, False)] if section.head else []) + [(r.cells, r.strong) for r in section.rows]
        for cells, strong in rows:
            for line in _paper_row(cells, columns, ambiguous):
                add(line, bold=strong)
        if section.note:
            add(section.note)
    add("=" * columns)
    for line in text.footer.splitlines():
        add(line)
    return ReceiptDocument(columns=columns, elements=tuple(out), locale=locale, ambiguous=ambiguous)


def _paper_row(cells: tuple[str, ...], columns: int, ambiguous: int) -> list[str]:
    label, values = tw.clean(cells[0]), list(cells[1:])
    if len(values) == 1:
        return tw.spread(label, values[0], columns, ambiguous=ambiguous)
    while len(values) > 1 and min(12, (columns - 6) // len(values)) < 9:
        values.pop()  # 58 mm paper: the gross column goes, net + tax are kept
    width = min(12, (columns - 6) // len(values))
    room = columns - width * len(values)
    cells = "".join(tw.pad_left(v, width, ambiguous=ambiguous) for v in values)
    if tw.text_width(label, ambiguous=ambiguous) > room:  # "退货后 13%": on a line of its own, the figures under it
        return [*tw.wrap(label, columns, ambiguous=ambiguous), " " * room + cells]
    return [tw.pad_right(label, room, ambiguous=ambiguous) + cells]


def report_renderer(*, columns: int, encoding: str, locale: str, timezone: str, profile: str = "default",
                    font_path: str | None = None) -> ReportRenderer:
    """The `render` close_shift takes: a report to the bytes of a print job for this printer."""
    ambiguous = tw.ambiguous_width(encoding)

    def render(report: ShiftReport) -> bytes:
        doc = layout_shift_report(report, columns=columns, locale=locale, timezone=timezone, ambiguous=ambiguous)
        return encode_document(doc, encoding=encoding, profile=profile, font_path=font_path)

    return render


def make_report_renderer(config) -> ReportRenderer:
    return report_renderer(columns=config.printer.columns, encoding=config.printer.encoding,
                           locale=config.store.locale, timezone=config.store.timezone,
                           profile=config.printer.profile)
