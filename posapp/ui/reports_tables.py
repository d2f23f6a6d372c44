"""The reports window's tables, Qt-free: the quick periods, and each report turned into titled tables of
text (the screen shows them, the CSV file writes the same cells)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from posapp.i18n import N_, _, money

QUICK = (("today", N_("Today")), ("yesterday", N_("Yesterday")), ("week", N_("This week")),
         ("month", N_("This month")), ("last_month", N_("Last month")))
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
            N_("Sunday"))
FIGURES = (N_("Sales count"), N_("Gross sales"), N_("Discounts and promotions"), N_("Returned value"),
           N_("Net sales"), N_("Tax"), N_("Average basket"), N_("Items per basket"))


@dataclass(frozen=True)
class Table:
    name: str  # an object name for the screen
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numbers: tuple[int, ...] = ()  # the columns aligned right


def quick_period(key: str, today: date) -> tuple[date, date]:
    """The first and last day of a quick choice, seen from today (store-local)."""
    if key == "yesterday":
        day = today - timedelta(days=1)
        return day, day
    if key == "week":
        return today - timedelta(days=today.weekday()), today
    if key == "month":
        return today.replace(day=1), today
    if key == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    return today, today


def qty(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value.normalize():f}" if value else "0"


def change(now: Decimal, before: Decimal | None) -> str:
    """The change from before to now in percent, as "+12.5%"; "" when there is nothing to compare."""
    if not before:
        return ""
    pct = (now - before) / abs(before) * 100
    return f"{pct:+.1f}%"


def _figure_cells(f, currency: str) -> tuple[str, ...]:
    if f is None:  # nothing sold nor returned then
        return (_("no sales"),) + ("",) * (len(FIGURES) - 1)
    avg = "" if f.average_basket is None else money(f.average_basket, currency)
    per = "" if f.items_per_basket is None else qty(f.items_per_basket.quantize(Decimal("0.01")))
    return (str(f.sales), money(f.gross, currency), money(f.discounts, currency), money(f.returned, currency),
            money(f.net, currency), money(f.tax, currency), avg, per)


def period_tables(report) -> list[Table]:
    """Totals beside the previous period and last year, then by day, by hour and by weekday."""
    cur, c = report.current, report.currency
    heads = tuple(_(h) for h in FIGURES)
    numbers = tuple(range(1, len(FIGURES) + 1))
    totals = [(_("This period {start} – {end}").format(start=report.start, end=report.end),
               *_figure_cells(cur.total, c), "")]
    for label, start, end, f in ((_("Previous period {start} – {end}"), report.previous_start,
                                  report.previous_end, report.previous),
                                 (_("Same dates last year {start} – {end}"), report.last_year_start,
                                  report.last_year_end, report.last_year)):
        totals.append((label.format(start=start, end=end), *_figure_cells(f, c),
                       change(cur.total.net, f.net if f is not None else None)))
    return [
        Table("period_totals", _("Totals"), (_("Period"), *heads, _("Net change")), tuple(totals),
              numbers + (len(FIGURES) + 1,)),
        Table("period_days", _("By day"), (_("Day"), *heads),
              tuple((d.isoformat(), *_figure_cells(f, c)) for d, f in cur.by_day), numbers),
        Table("period_hours", _("By hour"), (_("Hour"), *heads),
              tuple((f"{h:02d}:00", *_figure_cells(f, c)) for h, f in enumerate(cur.by_hour) if not f.empty),
              numbers),
        Table("period_weekdays", _("By weekday"), (_("Weekday"), *heads),
              tuple((_(WEEKDAYS[i]), *_figure_cells(f, c)) for i, f in enumerate(cur.by_weekday)), numbers),
    ]


def product_tables(report) -> list[Table]:
    c = report.currency
    products = tuple((p.sku, p.name, p.category, qty(p.units), money(p.net, c),
                      "" if p.margin is None else money(p.margin, c), f"{p.share * 100:.1f}%", p.abc)
                     for p in report.products)
    categories = tuple((k.path or _("(no category)"), str(k.products), qty(k.units), money(k.net, c),
                        money(k.margin, c), f"{k.share * 100:.1f}%") for k in report.categories)
    slow = tuple((s.sku, s.name, s.category, qty(s.on_hand), money(s.value, c),
                  _("at cost") if s.at_cost else _("at price"),
                  s.last_sold.date().isoformat() if s.last_sold else _("never"))
                 for s in report.slow_movers)
    return [
        Table("report_products", _("Products"), (_("SKU"), _("Name"), _("Category"), _("Units"), _("Net sales"),
                                                 _("Margin"), _("Share %"), _("ABC class")), products, (3, 4, 5, 6)),
        Table("report_categories", _("Categories"), (_("Category"), _("Products"), _("Units"), _("Net sales"),
                                                     _("Margin"), _("Share %")), categories, (1, 2, 3, 4, 5)),
        Table("report_slow", _("Slow movers"), (_("SKU"), _("Name"), _("Category"), _("On hand"), _("Stock value"),
                                                _("Valued"), _("Last sold")), slow, (3, 4)),
    ]


def payment_tables(report) -> list[Table]:
    c = report.currency
    rows = [(_(t.tender), str(t.sales_count), money(t.sales_amount, c), str(t.refund_count),
             money(t.refund_amount, c), money(t.net, c)) for t in report.tenders]
    rows.append((_("Total"), str(sum(t.sales_count for t in report.tenders)), money(report.taken, c),
                 str(sum(t.refund_count for t in report.tenders)), money(report.refunded, c), money(report.net, c)))
    return [Table("report_payments", _("Payments"), (_("Tender"), _("Sales count"), _("Taken"), _("Refunds count"),
                                                     _("Refunded"), _("Net taken")), tuple(rows), (1, 2, 3, 4, 5))]


def staff_tables(report) -> list[Table]:
    c = report.currency
    rows = tuple((s.name, str(s.sales), money(s.sales_amount, c), money(s.average_basket(report.places), c),
                  str(s.returns), money(s.returned, c), money(s.net, c), str(s.voided_lines), str(s.voided_sales),
                  str(s.overrides), str(s.members), qty(s.hours)) for s in report.staff)
    heads = (_("Cashier"), _("Sales count"), _("Sales"), _("Average basket"), _("Returns"), _("Returned value"),
             _("Net sales"), _("Voided lines"), _("Voided sales"), _("Overrides"), _("Members signed up"), _("Hours"))
    return [Table("report_staff", _("Staff"), heads, rows, tuple(range(1, 12)))]


def promotion_tables(report) -> list[Table]:
    """One row per promotion that ran in the period: what it gave, and its products' units and net sales
    during its window against the same length of time just before (report.text_lines explains both)."""
    from posapp.domain.clock import to_local
    from posapp.reports.promotion_report import KIND_NAMES

    c = report.currency
    local = lambda moment: f"{to_local(moment, report.timezone):%Y-%m-%d %H:%M}"  # noqa: E731
    rows = [(e.code, e.name, _(KIND_NAMES.get(e.kind, e.kind)), f"{local(e.window_start)} – {local(e.window_end)}",
             str(e.uses), "" if e.coupon_uses is None else str(e.coupon_uses), money(e.discount, c),
             qty(e.before.units), qty(e.during.units), change(e.during.units, e.before.units),
             money(e.before.net, c), money(e.during.net, c), change(e.during.net, e.before.net))
            for e in report.promotions]
    if rows:
        rows.append((_("Sum"), "", "", "", "", "", money(report.discount, c)) + ("",) * 6)
    heads = (_("Code"), _("Promotion"), _("Kind"), _("Window"), _("Uses"), _("Coupons used"), _("Discount given"),
             _("Units before"), _("Units during"), _("Units change"), _("Net sales before"), _("Net sales during"),
             _("Net sales change"))
    return [Table("report_promotions", _("Promotions"), heads, tuple(rows), tuple(range(4, 13)))]


TABLES = {"period": period_tables, "products": product_tables, "payments": payment_tables, "staff": staff_tables,
          "promotions": promotion_tables}


def write_csv(path: Path, tables: list[Table]) -> None:
    """Each table under its title, a blank row between; UTF-8 with a BOM so Excel reads the Chinese."""
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        for n, table in enumerate(tables):
            if n:
                writer.writerow([])
            writer.writerow([table.title])
            writer.writerow(table.headers)
            writer.writerows(table.rows)
