"""The analysis reports written as PDF files (issue 10): the one way the CLI, the back office window and
the benchmark make them.

The report's service checks the permission and builds the figures; the PDF is drawn into a temporary
file next to path and renamed over it, so a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from posapp.domain.errors import StorageError, ValidationError
from posapp.domain.users import User
from posapp.i18n import _
from posapp.services.station import Station

NAMES = ("period", "products", "payments", "staff", "promotions", "members")


def write_report_pdf(uow, station: Station, *, actor: User, name: str, start: date, end: date, path,
                     **options) -> Path:
    """Writes report name ("period", "products", "payments", "staff", "promotions" or "members") for start..end
    (store-local days, inclusive) of station's store to path as a PDF and returns it. options: store (the
    name the header shows; the store's code by default), locale ("zh_CN"), slow_days (products), code (only
    this promotion), now (staff, promotions, members)."""
    from posapp.reports import analysis_pdf
    from posapp.services.people_reports import payments_report, staff_report
    from posapp.services.product_reports import product_report
    from posapp.services.promotion_reports import promotion_report
    from posapp.services.sales_reports import period_sales

    if name not in NAMES:
        raise ValidationError(_("Unknown report {name}; one of {names}").format(name=name, names=", ".join(NAMES)))
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise StorageError(_("Cannot write the report: folder {folder} does not exist").format(folder=folder))
    store = options.get("store") or station.store_code
    if options.get("store") and options["store"] != station.store_code:
        store = f"{options['store']} ({station.store_code})"
    common = dict(store=store, currency=station.currency, tz=station.timezone,
                  locale=options.get("locale", "zh_CN"))
    if name == "period":
        report = period_sales(uow, station, actor=actor, start=start, end=end)
        before = None
        if report.previous is not None:  # the previous period's days: the second series of the day chart
            before = period_sales(uow, station, actor=actor, start=report.previous_start,
                                  end=report.previous_end).current.by_day
        draw = lambda p: analysis_pdf.period_pdf(report, path=p, previous_by_day=before, **common)  # noqa: E731
    elif name == "products":
        extra = {"slow_days": options["slow_days"]} if options.get("slow_days") else {}
        report = product_report(uow, station, actor=actor, start=start, end=end, **extra)
        draw = lambda p: analysis_pdf.products_pdf(report, path=p, **common)  # noqa: E731
    elif name == "payments":
        report = payments_report(uow, station, actor=actor, start=start, end=end)
        draw = lambda p: analysis_pdf.payments_pdf(report, path=p, places=station.places, **common)  # noqa: E731
    elif name == "members":
        from posapp.reports.member_analysis_pdf import members_pdf
        from posapp.services.member_analysis import member_analysis

        extra = {"now": options["now"]} if options.get("now") else {}
        report = member_analysis(uow, station, actor=actor, start=start, end=end, **extra)
        draw = lambda p: members_pdf(report, path=p, **common)  # noqa: E731
    elif name == "staff":
        extra = {"now": options["now"]} if options.get("now") else {}
        report = staff_report(uow, station, actor=actor, start=start, end=end, **extra)
        draw = lambda p: analysis_pdf.staff_pdf(report, path=p, **common)  # noqa: E731
    else:
        report = promotion_report(uow, station, actor=actor, start=start, end=end, code=options.get("code"),
                                  now=options.get("now"))
        # Its own layout (A4 landscape, one wide table and a chart); its header shows the code, then the name.
        name_shown = options.get("store") if options.get("store") != station.store_code else ""
        draw = lambda p: report.render_pdf(p, locale=common["locale"], store_name=name_shown or "")  # noqa: E731
    try:
        fd, temp = tempfile.mkstemp(prefix=".report-", suffix=".pdf.part", dir=folder)
    except OSError as exc:
        raise StorageError(_("Cannot write the report in {folder}: {error}").format(folder=folder, error=exc)) from exc
    os.close(fd)
    try:
        draw(temp)
        os.replace(temp, target)
    except OSError as exc:
        raise StorageError(_("Cannot write the report to {path}: {error}").format(path=target, error=exc)) from exc
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return target
