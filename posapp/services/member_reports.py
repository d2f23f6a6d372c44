"""The member report (会员分析报表): every member's A/B/C class from the loyalty rules at a moment, with
their spend, visits and last visit in the 12 months before it, a summary per class, and the files (CSV of
every member, PDF of the top ones) written for a manager."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from posapp.domain.clock import to_local, utcnow
from posapp.domain.errors import PosError, ValidationError
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.reports.member_report import DEFAULT_TOP, MemberReport, classify
from posapp.services.auth import audit, require
from posapp.services.members import YEAR, loyalty_rules
from posapp.services.station import Station
from posapp.storage.member_report_repo import MemberReportRepository

MAX_TOP = 100_000  # more than this per class is no longer a listing anybody reads on paper


def member_report(uow, station: Station, *, actor: User, at: datetime | None = None, top: int = DEFAULT_TOP,
                  csv_path: str | Path | None = None, pdf_path: str | Path | None = None, locale: str = "en",
                  store_name: str = "", approval: Approval | None = None) -> MemberReport:
    """Every member's class, tier, spend, visits, last visit and points at `at` (default: now); with paths,
    also the CSV (every member) and the PDF (the top `top` of each class), audited."""
    now = utcnow()
    at = at or now
    if at > now:
        raise ValidationError(_("The report's moment ({at}) has not come yet").format(
            at=f"{to_local(at, station.timezone):%Y-%m-%d %H:%M}"))
    if isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= MAX_TOP:
        raise ValidationError(_("List 0 to {most} members of each class").format(most=f"{MAX_TOP:,}"))
    files = _targets(csv_path, pdf_path)
    # view_reports, not export_members: the report shows names, masked phones and spending, what a
    # manager sees of a member on screen anyway; full phones are only in the export, which keeps its own
    # permission. A file of every member still leaves the system, so writing one is audited below.
    approver = require(uow, actor, Permission.VIEW_REPORTS, approval)
    rules = loyalty_rules(uow)
    since = at - YEAR
    repo = getattr(uow, "member_reports", None) or MemberReportRepository(station.places)
    # Read outside a transaction: one statement is one consistent snapshot, and the tills keep selling.
    members, classes = classify(repo.member_figures(start=since, end=at), rules=rules, at=at, places=station.places)
    report = MemberReport(store=station.store_code, at=at, since=since, timezone=station.timezone,
                          currency=station.currency, places=station.places, rule=rules.classes, classes=classes,
                          members=members, top=top, printed_at=now)
    if files:
        _write(uow, station, report, files, actor=actor, approver=approver, locale=locale, store_name=store_name)
    return report


def _targets(csv_path, pdf_path) -> dict[str, Path]:
    """The files asked for, checked before anything is read or written."""
    files = {kind: Path(p) for kind, p in (("csv", csv_path), ("pdf", pdf_path)) if p}
    if len(files) == 2 and files["csv"].resolve() == files["pdf"].resolve():
        raise ValidationError(_("The CSV and the PDF cannot be the same file ({path})").format(path=files["csv"]))
    for path in files.values():
        try:
            folder, taken = path.parent.is_dir(), path.is_dir()
        except OSError as exc:  # a name the system refuses (too long, say)
            raise PosError(_("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) from None
        if taken:
            raise ValidationError(_("{path} is a folder; give a file name").format(path=path))
        if not folder:
            raise ValidationError(_("Cannot write {path}: there is no folder {folder}").format(
                path=path, folder=path.parent))
    return files


def _write(uow, station: Station, report: MemberReport, files: dict[str, Path], *, actor: User,
           approver: int | None, locale: str, store_name: str) -> None:
    """Write the files (each whole or not at all), then audit the ones that were written."""
    written = []
    try:
        for kind, path in files.items():
            try:
                if kind == "csv":
                    report.write_csv(path, locale=locale)
                else:
                    report.render_pdf(path, locale=locale, store_name=store_name)
            except OSError as exc:
                raise PosError(_("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror or exc)) \
                    from None
            written.append(path)
    finally:
        if written:
            with uow:
                audit(uow, station, actor=actor, action="member_report_written", approver_id=approver,
                      detail={"files": [p.name for p in written], "members": len(report.members),
                              "at": report.at.isoformat(" ", "seconds"), "top": report.top})
                uow.commit()
