"""What the report commands share: the period, store and output arguments, reading the period, the
station of the store reported on, writing the result (a CSV file gets a BOM, so Excel opens the Chinese
right) and the PDF of any report."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
from datetime import date
from pathlib import Path

from posapp.cli.common import _fail, _open
from posapp.services.station import Station


def period_arguments(q) -> None:
    q.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--store", metavar="CODE",
                   help="report this store's data (a store server holds several); default: this till's store")
    q.add_argument("--format", choices=["text", "json", "csv", "pdf"], default="text")
    q.add_argument("--out", metavar="PATH", help="write to this file instead of stdout (needed for pdf)")


def period_of(args) -> tuple[date, date] | None:
    """The --from and --to days, or None after saying why they are not days."""
    try:
        return date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError as exc:
        _fail(f"dates must be YYYY-MM-DD ({exc})")
        return None


def station_for(args, store) -> Station:
    """This till's station, or (--store CODE) the same for another store this database holds sales of.

    Raises NotFound for a code the database has never seen: a typo must not give an empty report."""
    from posapp.domain.errors import NotFound
    from posapp.storage.report_repo import ReportRepository

    code = (getattr(args, "store", None) or "").strip()
    if not code or code == store.station.store_code:
        return store.station
    repo = ReportRepository(store.station.places)
    if not repo.store_seen(code):
        known = ", ".join(repo.stores_seen()) or store.station.store_code
        raise NotFound(f"no store {code} in this database: no sale, shift or till of it (stores here: {known})")
    return dataclasses.replace(store.station, store_code=code)


def store_name(store, station: Station) -> str:
    """The name a report's header shows: this store's name from the config, or nothing for another store
    (its code is shown; this till's config does not know its name)."""
    return store.config.store.name if station.store_code == store.station.store_code else ""


def emit(args, text: str) -> int:
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8", newline="")
        except OSError as exc:
            return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
        print(f"written to {args.out}", file=sys.stderr, flush=True)
    else:
        sys.stdout.write(("\ufeff" if args.format == "csv" else "") + text)
        sys.stdout.flush()
    return 0


def report_pdf(args, name: str, start, end, *, out: str | None = None, **options) -> int:
    """`--format pdf --out PATH` of the report commands: services.report_files.write_report_pdf, for the
    store --store names (this till's by default)."""
    from posapp.domain.errors import PosError
    from posapp.services.auth import SYSTEM
    from posapp.services.report_files import write_report_pdf

    out = out or args.out
    if not out:
        return _fail("--format pdf needs --out PATH")
    store = _open(args)
    try:
        station = station_for(args, store)
        path = write_report_pdf(store.uow(), station, actor=SYSTEM, name=name, start=start, end=end,
                                path=out, store=store_name(store, station), locale=store.config.store.locale,
                                **options)
    except PosError as exc:
        return _fail(str(exc))
    print(f"written to {path}", file=sys.stderr, flush=True)
    return 0


def run_report(args, name: str, build, *, text, table, **pdf_options) -> int:
    """What every analysis report command does: read the period; for a PDF, write it through report_pdf;
    else build the report for the chosen store and print (or --out) it as JSON (report.to_json()), CSV
    (table(report, t): rows, a head row first) or text (text(report, t, station): lines), with t the words
    of the store's language. build(uow, station, start, end) -> report."""
    from posapp.domain.errors import PosError
    from posapp.reports.words import words

    period = period_of(args)
    if period is None:
        return 1
    start, end = period
    if args.format == "pdf":
        return report_pdf(args, name, start, end, **pdf_options)
    store = _open(args)
    try:
        station = station_for(args, store)
        report = build(store.uow(), station, start, end)
    except PosError as exc:
        return _fail(str(exc))
    t = words(store.config.store.locale)
    if args.format == "json":
        out = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(table(report, t))
        out = buffer.getvalue()
    else:
        out = "\n".join(text(report, t, station)) + "\n"
    return emit(args, out)
