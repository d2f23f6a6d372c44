"""posapp-admin report: payments and staff (issue 10)."""

from __future__ import annotations

from posapp.cli.report_common import period_arguments, run_report
from posapp.reports.columns import aligned
from posapp.reports.words import _


def add_report_parsers(rsub, common) -> None:
    """Adds its reports under `posapp-admin report`; each sets report_func, which cmd_report calls."""
    for kind, help_text in (("payments", "takings, refunds and net by tender, cash rounding, counts"),
                            ("staff", "per cashier: sales, returns, voids, overrides, members signed up, hours")):
        q = rsub.add_parser(kind, parents=[common], help=help_text)
        period_arguments(q)
        q.set_defaults(report_func=report_people)


def report_people(args) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.people_reports import payments_report, staff_report

    make = payments_report if args.kind == "payments" else staff_report
    return run_report(args, args.kind, lambda uow, station, start, end: make(
        uow, station, actor=SYSTEM, start=start, end=end), text=_text, table=lambda report, _t: report.rows())


PAYMENT_HEADS = (_("Tenders"), _("Sales"), _("Amount"), _("Returns"), _("Refunded"), _("Net"))
STAFF_HEADS = (_("Cashier"), _("Sales"), _("Amount"), _("Average basket"), _("Returns"), _("Returned"),
               _("Net"), _("Void line"), _("Void sale"), _("Overrides"), _("Members"), _("Hours"))


def _text(report, t, station) -> list[str]:
    """An aligned table in the store's language (CSV and JSON keep the machine column names)."""
    from posapp.domain.people_report import PaymentsReport
    from posapp.reports.shift_report import TENDER_NAMES

    lines = [f"{station.store_code} {report.start} - {report.end} ({report.currency})"]
    rows = report.rows()[1:]
    if isinstance(report, PaymentsReport):
        lines.append(f"{t(_('Sales'))}: {report.sales}   {t(_('Returns'))}: {report.returns}   "
                     f"{t(_('Cash rounding'))}: {report.rounding}")
        heads = [t(h) for h in PAYMENT_HEADS]
        rows = [[t(TENDER_NAMES[r[0]]) if r[0] in TENDER_NAMES else t(_("Total")) if r is rows[-1] else r[0], *r[1:]]
                for r in rows]
    else:
        heads = [t(h) for h in STAFF_HEADS]
    return lines + aligned([heads] + [[str(v) for v in r] for r in rows])
