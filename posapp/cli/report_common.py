"""What the report commands share: the period and output arguments, reading the period, writing the
result (a CSV file gets a BOM, so Excel opens the Chinese right) and the PDF of any report."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from posapp.cli.common import _fail, _open


def period_arguments(q) -> None:
    q.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    q.add_argument("--format", choices=["text", "json", "csv", "pdf"], default="text")
    q.add_argument("--out", metavar="PATH", help="write to this file instead of stdout (needed for pdf)")


def period_of(args) -> tuple[date, date] | None:
    """The --from and --to days, or None after saying why they are not days."""
    try:
        return date.fromisoformat(args.start), date.fromisoformat(args.end)
    except ValueError as exc:
        _fail(f"dates must be YYYY-MM-DD ({exc})")
        return None


def emit(args, text: str) -> int:
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8", newline="")
        print(f"written to {args.out}", file=sys.stderr, flush=True)
    else:
        sys.stdout.write(("\ufeff" if args.format == "csv" else "") + text)
        sys.stdout.flush()
    return 0


def report_pdf(args, name: str, start, end, **options) -> int:
    """`--format pdf --out PATH` of the report commands: services.report_files.write_report_pdf."""
    from posapp.domain.errors import PosError
    from posapp.services.auth import SYSTEM
    from posapp.services.report_files import write_report_pdf

    if not args.out:
        return _fail("--format pdf needs --out PATH")
    store = _open(args)
    try:
        path = write_report_pdf(store.uow(), store.station, actor=SYSTEM, name=name, start=start, end=end,
                                path=args.out, store=store.config.store.name, locale=store.config.store.locale,
                                **options)
    except PosError as exc:
        return _fail(str(exc))
    print(f"written to {path}", file=sys.stderr, flush=True)
    return 0
