"""posapp-admin's promotion commands: import-promotions, export-promotions, promotions list|end,
price-basket, and report promotions."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from posapp.cli.common import _fail, _open, _out
from posapp.domain.errors import PosError


def report_promotions(args) -> int:
    """`report promotions`: text, JSON or CSV (stdout or --out), or a PDF (--format pdf --out); the older
    --pdf PATH writes the PDF as well as the text or JSON."""
    from posapp.cli.report_common import emit, period_of, report_pdf, station_for, store_name
    from posapp.services.auth import SYSTEM
    from posapp.services.promotion_reports import promotion_report

    period = period_of(args)
    if period is None:
        return 1
    start, end = period
    if args.format == "pdf":
        return report_pdf(args, "promotions", start, end, out=args.out or args.pdf, code=args.code)
    store = _open(args)
    cfg = store.config
    station = station_for(args, store)
    report = promotion_report(store.uow(), station, actor=SYSTEM, start=start, end=end, code=args.code)
    if args.format == "json":
        text = json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n"
    elif args.format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(report.csv_rows())
        text = buffer.getvalue()
    else:
        text = "\n".join(report.text_lines(locale=cfg.store.locale)) + "\n"
    if args.pdf:  # first: a PDF that cannot be written stops the command before any output
        from posapp.services.report_files import write_report_pdf

        write_report_pdf(store.uow(), station, actor=SYSTEM, name="promotions", start=start, end=end,
                         path=args.pdf, store=store_name(store, station), locale=cfg.store.locale, code=args.code)
    if emit(args, text):
        return 1
    if args.pdf:  # on stderr when stdout carries JSON or CSV, so that it stays parseable
        print(f"pdf written to {args.pdf}", file=sys.stdout if args.format == "text" and not args.out else sys.stderr,
              flush=True)
    return 0


def _promotions_file(path: Path, station):
    from posapp.domain.promotion_files import MAX_BYTES, parse_promotions

    if not path.is_file():
        raise PosError(f"{path}: no such file")
    if path.stat().st_size > MAX_BYTES:
        raise PosError(f"{path}: the file is larger than 10 MB; nothing was imported")
    return parse_promotions(path.read_bytes(), timezone=station.timezone, places=station.places)


def _refused(path: Path, problems: list[str]) -> int:
    for line in problems:
        print(f"  {line}", file=sys.stderr)
    return _fail(f"{path}: {len(problems)} problem(s); nothing was imported")


def cmd_import_promotions(args) -> int:
    from posapp.services import promotions as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    path = Path(args.path)
    parsed = _promotions_file(path, store.station)
    if parsed.errors:
        return _refused(path, [str(e) for e in parsed.errors])
    uow = store.uow()
    known = {p.code for p in svc.list_promotions(uow)}
    index = {}  # with no parse error, the n-th promotion is the file's entry [n]
    for n, p in enumerate(parsed.promotions):
        index.setdefault(p.code, n)
    try:
        saved = svc.save_promotions(uow, store.station, actor=SYSTEM, promotions=parsed.promotions, source="import")
    except svc.PromotionsRejected as exc:
        problems = sorted(exc.problems, key=lambda p: index.get(p.code, -1))
        return _refused(path, [f"promotion [{index[p.code]}] ({p.code}): {p.reason}" if p.code in index
                               else str(p) for p in problems])
    new = sum(p.code not in known for p in saved)
    _out(f"imported {len(saved)} promotions ({new} new, {len(saved) - new} updated)")
    categories = set(store.uow().catalog.category_ids())  # a misspelt category is legal but never applies
    for p in saved:
        for path in dict.fromkeys(c for c in (*p.categories, *p.exclude_categories) if c not in categories):
            _out(f"warning  promotion [{index[p.code]}] ({p.code}): no category {path} in the catalog yet")
    return 0


def cmd_export_promotions(args) -> int:
    from posapp.domain.promotion_files import write_promotions
    from posapp.services import promotions as svc

    store = _open(args)
    found = svc.list_promotions(store.uow())
    text = write_promotions(found, timezone=store.station.timezone)
    if args.path == "-":
        sys.stdout.write(text)
        return 0
    Path(args.path).write_text(text, encoding="utf-8")
    _out(f"exported {len(found)} promotions to {args.path}")
    return 0


def _local(moment, timezone: str) -> str:
    from posapp.domain.clock import to_local

    return f"{to_local(moment, timezone):%Y-%m-%d %H:%M}" if moment else "-"


def cmd_promotions(args) -> int:
    from posapp.devices.textwidth import pad_right
    from posapp.domain.clock import utcnow
    from posapp.domain.promotion_files import promotion_entry
    from posapp.services import promotions as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    tz = store.station.timezone
    if args.action == "end":
        ended = svc.end_promotion(store.uow(), store.station, actor=SYSTEM, code=args.code)
        _out(f"ended {ended.code} at {_local(ended.ends_at, tz)}")
        return 0
    found = svc.list_promotions(store.uow())
    if args.json:
        _out(json.dumps([promotion_entry(p, timezone=tz) for p in found], ensure_ascii=False, indent=1))
        return 0
    now = utcnow()
    for p in found:
        state = ("ended" if not p.active else "over" if p.ends_at and p.ends_at <= now
                 else "scheduled" if p.starts_at and p.starts_at > now else "running")
        _out(f"{pad_right(p.code, 16, ambiguous=1)} {p.kind.value:<13} {state:<9} "
             f"{_local(p.starts_at, tz):<16} {_local(p.ends_at, tz):<16} {p.name}")
    return 0


def cmd_price_basket(args) -> int:
    from posapp.domain.promotion_files import parse_time
    from posapp.services import promotions as svc

    store = _open(args)
    tz = store.station.timezone
    items = svc.parse_items(args.items)
    at = parse_time(args.at, timezone=tz) if args.at else None
    quote = svc.price_basket(store.uow(), store.station, items=items, member_code=args.member,
                             coupons=tuple(args.coupon or ()), at=at)
    data = svc.quote_json(quote)
    if args.format == "json":
        _out(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        for line in _quote_lines(data, quote, tz):
            _out(line)
    return 0


def _quote_lines(data: dict, quote, tz: str) -> list[str]:
    """The simulator's answer for a person: a table whose columns line up with Chinese names."""
    from posapp.devices.textwidth import pad_left, pad_right, truncate

    def cell(text, width: int) -> str:
        return pad_right(truncate(str(text), width, ambiguous=1, ellipsis="…"), width, ambiguous=1)

    def total(label: str, amount: str) -> str:
        return f"{cell(label, 78)} {pad_left(amount, 10, ambiguous=1)}"

    who = f"member {quote.member.code} ({quote.member.tier or '-'})" if quote.member else "no member"
    coupons = f", coupons {' '.join(data['coupons'])}" if data["coupons"] else ""
    out = [f"priced at {_local(quote.at, tz)} ({tz}), {who}{coupons}; nothing was sold", "",
           f"{'#':>3} {cell('SKU', 12)} {cell('name', 30)} {'qty':>8} {'unit price':>10} {'amount':>10} {'net':>10}"]
    for ln in data["lines"]:
        name = ln["name"] + (" (gift)" if ln["gift"] else "")
        out.append(f"{ln['line']:>3} {cell(ln['sku'], 12)} {cell(name, 30)} {ln['qty']:>8} {ln['unit_price']:>10} "
                   f"{ln['amount']:>10} {ln['net']:>10}")
        for p in ln["promotions"]:
            label = f"- {p['code']} {p['name']} ({p['kind']})"
            out.append(f"    {cell(label, 63)} {'-' + p['amount']:>10}")
    out += ["-" * 89, total("subtotal", data["subtotal"])]
    out += [total(f"  {p['code']} {p['name']}", "-" + p["amount"]) for p in data["promotions"]]
    out += [total("discounts", "-" + data["discounts"]), total("total", data["total"])]
    out += [total(f"tax {t['rate']}% (on {t['net']})", t["tax"]) for t in data["tax"]]
    return out + [f"note: {n}" for n in data["notes"]]


def add_report_parser(rsub, common) -> None:
    """`report promotions`, under the report command."""
    from posapp.cli.report_common import period_arguments

    q = rsub.add_parser("promotions", parents=[common],
                        help="each promotion's uses, discount, units and net sales, during against before")
    period_arguments(q)
    q.add_argument("--code", metavar="CODE", help="only this promotion (default: every one running then)")
    q.add_argument("--pdf", metavar="PATH", help="also write the report as an A4 PDF (as --format pdf --out PATH)")
    q.set_defaults(report_func=report_promotions)


def add_parsers(sub, common) -> None:
    """The promotion commands, on posapp-admin's command list."""
    p = sub.add_parser("import-promotions", parents=[common],
                       help="add or update promotions (by code) from a JSON file: all or nothing")
    p.add_argument("path")
    p.set_defaults(func=cmd_import_promotions)
    p = sub.add_parser("export-promotions", parents=[common], help="write every promotion as a JSON file")
    p.add_argument("path", help="the file to write, or - for stdout")
    p.set_defaults(func=cmd_export_promotions)
    p = sub.add_parser("promotions", parents=[common], help="list promotions, or end one now")
    psub = p.add_subparsers(dest="action", required=True, metavar="action")
    q = psub.add_parser("list", parents=[common], help="every promotion with its state and dates")
    q.add_argument("--json", action="store_true", help="as the entries of a promotions file")
    q = psub.add_parser("end", parents=[common], help="stop a promotion now (it stays, for the reports)")
    q.add_argument("code")
    p.set_defaults(func=cmd_promotions)
    p = sub.add_parser("price-basket", parents=[common],
                       help="price a basket with the promotions running, without selling anything")
    p.add_argument("--items", required=True, metavar="SKU:QTY[,SKU:QTY...]")
    p.add_argument("--member", metavar="CODE", help="price for this member (card code or phone)")
    p.add_argument("--coupon", action="append", metavar="CODE", help="a coupon code; may be repeated")
    p.add_argument("--at", metavar="ISO-TIME", help="store-local time, or with an offset or Z (default: now)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_price_basket)
