"""posapp-admin stock count: a stock count (盘点) from start to approval: scans and scanner files,
the review, recounts, approval, the count sheet, the variance report and its CSV."""

from __future__ import annotations

from pathlib import Path

from posapp.cli.common import _fail, _out
from posapp.cli.stock_util import _cell, _utc, _local, _num, _json, _scope_text, _json_flag, _product_args

# --- stock counts ----------------------------------------------------------------------------

def _count_json(c) -> dict:
    return {"number": c.number, "status": c.status, "blind": c.blind, "scope": c.scope.as_dict(),
            "started_at": _utc(c.started_at), "started_by": c.started_by, "note": c.note, "lines": c.lines,
            "approving_by": c.approving_by or None, "approved_at": _utc(c.approved_at),
            "approved_by": c.approved_by or None}


def _line_json(ln) -> dict:
    return {"sku": ln.sku, "name": ln.name, "category": ln.category, "location": ln.location, "unit": ln.unit,
            "barcode": ln.barcode, "snapshot": _num(ln.snapshot), "moved": _num(ln.moved),
            "expected": _num(ln.expected), "counted": _num(ln.counted), "variance": _num(ln.variance),
            "unit_value": _num(ln.unit_value), "value_basis": ln.value_basis,
            "variance_value": _num(ln.variance_value), "round": ln.round, "entries": ln.entries,
            "recount": ln.recount, "posted": _num(ln.posted)}


def _totals_json(t) -> dict:
    return {"lines": t.lines, "counted": t.counted, "not_counted": t.not_counted, "with_variance": t.with_variance,
            "expected_value": str(t.expected_value), "counted_value": str(t.counted_value),
            "gain_value": str(t.gain_value), "loss_value": str(t.loss_value), "net_value": str(t.net_value)}


def _review_lines(review, tz: str, *, variances_only: bool) -> list[str]:
    c, t = review.count, review.totals
    out = [f"count {c.number}: {c.status}, started {_local(c.started_at, tz)} by {c.started_by or '-'}, "
           f"{'blind' if c.blind else 'open view'}; {_scope_text(c.scope)}",
           f"{_cell('SKU', 12)} {_cell('name', 28)} {'location':<9} {'expected':>9} {'counted':>9} "
           f"{'variance':>9} {'value':>10}"]
    for ln in review.lines:
        if variances_only and not ln.variance:
            continue
        counted = "recount" if ln.recount else "-" if ln.counted is None else str(ln.counted)
        out.append(f"{_cell(ln.sku, 12)} {_cell(ln.name, 28)} {ln.location:<9} {ln.expected:>9} {counted:>9} "
                   f"{'' if ln.variance is None else f'{ln.variance:+}':>9} {_num(ln.variance_value) or '':>10}")
    out += [f"{t.lines} line(s): {t.counted} counted, {t.not_counted} not counted, {t.with_variance} with a variance",
            f"value: expected {t.expected_value}, counted {t.counted_value}, gain {t.gain_value}, "
            f"loss {t.loss_value}, net {t.net_value}"]
    for p in review.problems:
        what = "unknown barcode" if p.problem == "unknown" else f"not in this count ({p.sku} {p.name})"
        out.append(f"  entry {p.entry_id}: {p.code} x {p.qty} at {p.location}, {what}, by {p.user or '-'} "
                   f"on {p.terminal} {_local(p.at, tz)}")
    return out


def _count_start(args, store, svc, actor) -> int:
    c = svc.start_count(store.uow(), store.station, actor=actor, categories=args.category or (),
                        locations=args.location or ("sellable",), blind=not args.open_view, note=args.note or "")
    _out(f"count {c.number} started: {c.lines} line(s), {'blind' if c.blind else 'open view'}; {_scope_text(c.scope)}")
    return 0


def _count_list(args, store, svc, actor) -> int:
    found = svc.counts(store.uow(), store.station, actor=actor, status="all" if args.all else "open")
    if args.json:
        _json([_count_json(c) for c in found])
        return 0
    for c in found:
        who = f" (being approved by {c.approving_by})" if c.approving_by else ""
        view = "blind" if c.blind else "open view"
        _out(f"{c.number}  {c.status:<9} {_local(c.started_at, store.station.timezone)}  {c.started_by or '-'}  "
             f"{view}  {c.lines} lines  {_scope_text(c.scope)}{who}  {c.note}".rstrip())
    _out(f"{len(found)} count(s)")
    return 0


def _count_scan(args, store, svc, actor) -> int:
    from posapp.services import stock_files

    uow, station = store.uow(), store.station
    if args.file:
        if args.code or args.sku or args.qty:
            return _fail("give either --file or --code/--sku")
        entries = stock_files.read_count_entries(uow, station, Path(args.file))
        results = stock_files.record_count_entries(uow, station, actor=actor, number=args.number, entries=entries,
                                                   source=Path(args.file).name)
        for r in results:
            if r.problem:
                _out(r.message)
        problems = sum(1 for r in results if r.problem)
        _out(f"{len(results)} entr{'y' if len(results) == 1 else 'ies'} recorded from {args.file}"
             + (f"; {problems} listed for the manager" if problems else ""))
        return 0
    if not (args.code or args.sku):
        return _fail("give --code BARCODE, --sku SKU or --file ENTRIES.csv")
    result = svc.record_entry(uow, station, actor=actor, number=args.number, code=args.code or "", sku=args.sku or "",
                              qty=args.qty, location=args.location)
    _out(f"{result.message} [entry {result.entry.id}]")
    return 0


def _count_entries(args, store, svc, actor) -> int:
    found = svc.my_entries(store.uow(), actor=actor, number=args.number, everyone=True, limit=args.limit)
    if args.json:
        _json([{"id": e.id, "sku": e.sku, "name": e.name, "code": e.code, "location": e.location, "qty": _num(e.qty),
                "line_total": _num(e.line_total), "problem": e.problem, "at": _utc(e.at), "voided": e.voided}
               for e in found])
        return 0
    for e in found:
        state = "void" if e.voided else e.problem or f"= {e.line_total}"
        _out(f"{e.id:>7}  {_local(e.at, store.station.timezone)}  {_cell(e.sku or e.code, 14)} {_cell(e.name, 24)} "
             f"{e.location:<9} {e.qty:>+9}  {state}")
    return 0


def _count_review(args, store, svc, actor) -> int:
    review = svc.review_count(store.uow(), actor=actor, number=args.number)
    if args.json:
        _json({"count": _count_json(review.count), "totals": _totals_json(review.totals),
               "lines": [_line_json(ln) for ln in review.lines if ln.variance or not args.variances_only],
               "problems": [{"entry": p.entry_id, "code": p.code, "problem": p.problem, "qty": _num(p.qty),
                             "location": p.location, "user": p.user, "terminal": p.terminal, "at": _utc(p.at),
                             "sku": p.sku, "name": p.name} for p in review.problems]})
        return 0
    for line in _review_lines(review, store.station.timezone, variances_only=args.variances_only):
        _out(line)
    return 0


def _count_recount(args, store, svc, actor) -> int:
    from posapp.services.stock_files import find_product

    uow, station = store.uow(), store.station
    products = [find_product(uow, station, sku=sku) for sku in args.sku]
    n = svc.recount(uow, station, actor=actor, number=args.number, items=[(p.id, args.location) for p in products])
    _out(f"{n} line(s) of {args.number} to be counted again: {', '.join(p.sku for p in products)}")
    return 0


def _count_approve(args, store, svc, actor) -> int:
    done = svc.approve_count(store.uow(), store.station, actor=actor, number=args.number, uncounted=args.uncounted)
    t = done.review.totals
    kept = "kept as they were" if args.uncounted == "keep" else "set to zero"
    _out(f"count {done.count.number} approved: {done.posted} adjustment(s) posted; gain {t.gain_value}, "
         f"loss {t.loss_value}, net {t.net_value}; {t.not_counted} line(s) not counted were {kept}")
    return 0


def _count_cancel(args, store, svc, actor) -> int:
    c = svc.cancel_count(store.uow(), store.station, actor=actor, number=args.number, reason=args.reason)
    _out(f"count {c.number} cancelled")
    return 0


def _count_void(args, store, svc, actor) -> int:
    svc.void_entry(store.uow(), store.station, actor=actor, number=args.number, entry_id=args.entry)
    _out(f"entry {args.entry} of {args.number} taken back")
    return 0


def _count_paper(args, store, svc, actor) -> int:
    from posapp.services import stock_reports

    uow, station, out, locale = store.uow(), store.station, Path(args.out), store.config.store.locale
    if args.action == "sheet":
        path = stock_reports.count_sheet(uow, station, actor=actor, number=args.number, path=out, locale=locale)
        _out(f"count sheet of {args.number} written to {path}")
    elif args.action == "report":
        path = stock_reports.variance_report(uow, station, actor=actor, number=args.number, path=out, locale=locale)
        _out(f"variance report of {args.number} written to {path}")
    else:
        n = stock_reports.export_variances_csv(uow, actor=actor, number=args.number, path=out,
                                               only_variances=args.variances_only)
        _out(f"{n} line(s) of {args.number} written to {out}")
    return 0


COUNT_ACTIONS = {"start": _count_start, "list": _count_list, "scan": _count_scan, "entries": _count_entries,
                 "void": _count_void, "review": _count_review, "recount": _count_recount,
                 "approve": _count_approve, "cancel": _count_cancel, "sheet": _count_paper,
                 "report": _count_paper, "export": _count_paper}


def cmd_count(args, store) -> int:
    from posapp.services import stock_counts
    from posapp.services.auth import SYSTEM

    return COUNT_ACTIONS[args.action](args, store, stock_counts, SYSTEM)


def _count_parsers(csub, common) -> None:
    q = csub.add_parser("start", parents=[common], help="record what is on hand now and open a count")
    q.add_argument("--category", action="extend", nargs="+", metavar="PATH", help="only these categories")
    q.add_argument("--location", action="extend", nargs="+", metavar="LOCATION", help="default: sellable")
    q.add_argument("--open-view", action="store_true", help="counters may see the expected quantities (not blind)")
    q.add_argument("--note")
    q = csub.add_parser("list", parents=[common], help="open counts (--all: every count)")
    q.add_argument("--all", action="store_true")
    _json_flag(q)
    q = csub.add_parser("scan", parents=[common], help="count one product, or load a scanner's file")
    q.add_argument("number")
    _product_args(q)
    q.add_argument("--qty", help="default: one (a weight label: its weight)")
    q.add_argument("--location", default="sellable")
    q.add_argument("--file", metavar="ENTRIES.csv", help="code[,qty] lines: checked first, then all recorded or none")
    q = csub.add_parser("entries", parents=[common], help="the latest entries of every counter")
    q.add_argument("number")
    q.add_argument("--limit", type=int, default=50)
    _json_flag(q)
    q = csub.add_parser("void", parents=[common], help="take back a mistaken entry")
    q.add_argument("number")
    q.add_argument("entry", type=int, metavar="ENTRY_ID")
    q = csub.add_parser("review", parents=[common], help="expected, counted and variance of every line")
    q.add_argument("number")
    q.add_argument("--variances-only", action="store_true", help="only lines counted with a variance")
    _json_flag(q)
    q = csub.add_parser("recount", parents=[common], help="ask for lines to be counted again")
    q.add_argument("number")
    q.add_argument("--sku", action="extend", nargs="+", required=True)
    q.add_argument("--location", default="sellable")
    q = csub.add_parser("approve", parents=[common], help="post the variances as adjustments and close the count")
    q.add_argument("number")
    q.add_argument("--uncounted", choices=["keep", "zero"], default="keep",
                   help="lines nobody counted: keep them as they are (default) or set them to zero")
    q = csub.add_parser("cancel", parents=[common], help="close a count without posting anything")
    q.add_argument("number")
    q.add_argument("--reason", required=True)
    for action, about in (("sheet", "the count sheet for counters (PDF)"), ("report", "the variance report (PDF)"),
                          ("export", "the count's lines as CSV")):
        q = csub.add_parser(action, parents=[common], help=about)
        q.add_argument("number")
        q.add_argument("--out", required=True, metavar="FILE")
        if action == "export":
            q.add_argument("--variances-only", action="store_true")
