"""posapp-admin stock: the ledger check, levels and lists, receiving, adjustments, transfers, reorder
levels, stock counts (盘点) from start to approval, and shelf labels. Acts as posapp-admin (SYSTEM),
like the other commands; the services check, write and audit."""

from __future__ import annotations

import argparse
import json
from decimal import Decimal
from pathlib import Path

from posapp.cli.common import _fail, _open, _out


# --- output helpers --------------------------------------------------------------------------

def _cell(text, width: int) -> str:
    from posapp.devices.textwidth import pad_right, truncate

    return pad_right(truncate(str(text), width, ambiguous=1, ellipsis="…"), width, ambiguous=1)


def _utc(at) -> str | None:
    return f"{at:%Y-%m-%dT%H:%M:%S}Z" if at else None


def _local(at, tz: str) -> str:
    from posapp.domain.clock import to_local

    return f"{to_local(at, tz):%Y-%m-%d %H:%M}" if at else "-"


def _num(value) -> str | None:
    return None if value is None else str(value)


def _json(data) -> None:
    _out(json.dumps(data, ensure_ascii=False, indent=1))


def _level_json(lv) -> dict:
    return {"sku": lv.sku, "name": lv.name, "category": lv.category, "location": lv.location, "unit": lv.unit,
            "qty": _num(lv.qty), "reorder_level": _num(lv.reorder_level)}


def _level_line(lv) -> str:
    reorder = f"reorder at {lv.reorder_level}" if lv.reorder_level is not None else ""
    return f"{_cell(lv.sku, 12)} {_cell(lv.name, 30)} {lv.location:<9} {lv.qty:>10} {lv.unit:<4} {reorder}".rstrip()


def _scope_text(scope) -> str:
    return f"{', '.join(scope.categories) or 'all categories'} / {', '.join(scope.locations)}"


def _product(uow, station, args):
    from posapp.domain.errors import ValidationError
    from posapp.services.stock_files import find_product

    if not (args.sku or getattr(args, "code", None)):
        raise ValidationError("give the product: --sku SKU or --code BARCODE")
    return find_product(uow, station, sku=args.sku or "", code=getattr(args, "code", None) or "")


def _qty(text: str, product, *, signed: bool = False, allow_zero: bool = False) -> Decimal:
    from posapp.domain.stock import parse_qty

    text, sign = str(text).strip(), 1
    if signed and text[:1] in ("+", "-"):
        text, sign = text[1:], -1 if text[0] == "-" else 1
    return sign * parse_qty(text, weighed=product.weighed, allow_zero=allow_zero)


# --- the ledger, levels and lists ------------------------------------------------------------

def cmd_check(args, store) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import check_ledger

    result = check_ledger(store.uow(), store.station, repair=args.repair, actor=SYSTEM)
    if args.json:
        _json({"ok": result.ok, "repaired": result.repaired,
               "mismatches": [{"sku": m.sku, "product_id": m.product_id, "location": m.location,
                               "cached": _num(m.cached), "ledger": _num(m.ledger)} for m in result.mismatches]})
    else:
        for m in result.mismatches:
            _out(f"{_cell(m.sku or m.product_id, 12)} {m.location:<9} cached {m.cached}, ledger {m.ledger}")
        if result.ok:
            _out("ok: every cached stock level equals the sum of its movements")
        elif result.repaired:
            _out(f"{len(result.mismatches)} mismatch(es) repaired: the cached levels were rebuilt from the ledger")
    if result.ok or result.repaired:
        return 0
    return _fail(f"{len(result.mismatches)} cached level(s) differ from the ledger; "
                 "`posapp-admin stock check --repair` rebuilds them from the movements")


def cmd_levels(args, store) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import product_stock

    uow, station = store.uow(), store.station
    product = _product(uow, station, args)
    levels, moves = product_stock(uow, station, actor=SYSTEM, product_id=product.id, limit=args.limit)
    if args.json:
        _json({"sku": product.sku, "name": product.name, "category": product.category, "unit": product.unit,
               "weighed": product.weighed, "levels": [{"location": lv.location, "qty": _num(lv.qty)} for lv in levels],
               "reorder_level": _num(levels[0].reorder_level) if levels else None,
               "cost": _num(levels[0].cost) if levels else None, "price": _num(product.price),
               "movements": [{"at": _utc(m.at), "location": m.location, "qty": _num(m.qty), "reason": m.reason,
                              "ref": m.ref, "user": m.user, "note": m.note} for m in moves]})
        return 0
    _out(f"{product.sku} {product.name} ({product.category or '-'}), price {product.price}"
         + (f", cost {levels[0].cost}" if levels and levels[0].cost is not None else ""))
    for lv in levels or []:
        _out(f"  {lv.location:<9} {lv.qty:>10} {lv.unit}")
    if not levels:
        _out("  no stock has ever moved")
    elif levels[0].reorder_level is not None:
        _out(f"  reorder at {levels[0].reorder_level}")
    if moves:
        _out("latest movements:")
    for m in moves:
        _out(f"  {_local(m.at, station.timezone)}  {m.location:<9} {m.qty:>+10}  {m.reason:<10} "
             f"{m.ref:<26} {m.user}  {m.note}".rstrip())
    return 0


def cmd_list(args, store) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import below_zero, low_stock

    found = (low_stock if args.stock == "low" else below_zero)(store.uow(), store.station, actor=SYSTEM)
    if args.json:
        _json([_level_json(lv) for lv in found])
        return 0
    for lv in found:
        _out(_level_line(lv))
    what = "at or below their reorder level" if args.stock == "low" else "below zero"
    _out(f"{len(found)} product(s) {what}")
    return 0


# --- receiving, adjustments, transfers, reorder levels ---------------------------------------

def cmd_receive(args, store) -> int:
    from posapp.domain.money import parse_price
    from posapp.domain.stock import DocLine
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import receive_stock
    from posapp.services.stock_files import read_delivery_note

    uow, station = store.uow(), store.station
    if args.file:
        if args.sku or args.code or args.qty or args.cost:
            return _fail("give either --file or --sku with --qty")
        lines = read_delivery_note(uow, station, Path(args.file))
    else:
        if not ((args.sku or args.code) and args.qty):
            return _fail("give --file DELIVERY.csv, or --sku (or --code) and --qty")
        product = _product(uow, station, args)
        cost = parse_price(args.cost, places=station.places, what="cost") if args.cost else None
        lines = [DocLine(product_id=product.id, qty=_qty(args.qty, product), location=args.location, cost=cost)]
    doc = receive_stock(uow, station, actor=SYSTEM, lines=lines, supplier=args.supplier or "",
                        delivery_note=args.note_number or "", note=args.note or "")
    origin = f" from {doc.supplier}" if doc.supplier else ""
    origin += f", note {doc.delivery_note}" if doc.delivery_note else ""
    _out(f"receiving {doc.number} posted: {len(doc.lines)} line(s){origin}")
    for ln in doc.lines:
        diff = ""
        if ln.expected is not None and ln.expected != ln.qty:
            gap = ln.qty - ln.expected
            diff = f"  (note says {ln.expected}: {abs(gap)} {'over' if gap > 0 else 'short'})"
        cost = f"  cost {ln.cost}" if ln.cost is not None else ""
        _out(f"  {_cell(ln.sku, 12)} {_cell(ln.name, 30)} {ln.qty:>+10} {ln.location}{cost}{diff}")
    return 0


def cmd_adjust(args, store) -> int:
    from posapp.domain.stock import DocLine, check_reason
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import adjust_stock

    uow, station = store.uow(), store.station
    reason = check_reason(args.reason)
    product = _product(uow, station, args)
    qty = _qty(args.qty, product, signed=reason == "correction")
    doc = adjust_stock(uow, station, actor=SYSTEM, reason=reason, note=args.note or "",
                       lines=[DocLine(product_id=product.id, qty=qty, location=args.location)])
    for ln in doc.lines:
        _out(f"adjustment {doc.number} ({reason}): {ln.sku} {ln.name} {ln.qty:+} at {ln.location}")
    return 0


def cmd_transfer(args, store) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import transfer_stock

    uow, station = store.uow(), store.station
    product = _product(uow, station, args)
    doc = transfer_stock(uow, station, actor=SYSTEM, product_id=product.id, qty=_qty(args.qty, product),
                         source=args.source, target=args.target, note=args.note or "")
    moved = doc.lines[-1]
    _out(f"transfer {doc.number}: {moved.sku} {moved.name} {moved.qty} from {doc.lines[0].location} "
         f"to {moved.location}")
    return 0


def cmd_reorder(args, store) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import set_reorder_level
    from posapp.services.stock_files import read_reorder_levels, save_reorder_levels

    uow, station = store.uow(), store.station
    if args.file:
        if args.sku or args.code or args.level or args.clear:
            return _fail("give either --file or --sku with --level or --clear")
        n = save_reorder_levels(uow, station, actor=SYSTEM, levels=read_reorder_levels(uow, station, Path(args.file)))
        _out(f"{n} reorder level(s) saved from {args.file}")
        return 0
    if not (args.sku or args.code) or (args.level is None) == (not args.clear):
        return _fail("give --sku with --level N or --clear, or --file LEVELS.csv")
    product = _product(uow, station, args)
    level = None if args.clear else _qty(args.level, product, allow_zero=True)
    set_reorder_level(uow, station, actor=SYSTEM, product_id=product.id, level=level)
    _out(f"{product.sku}: reorder level {'cleared' if level is None else f'set to {level}'}")
    return 0


def cmd_adopt(args, store) -> int:
    from posapp.services.auth import SYSTEM
    from posapp.services.stock import adopt_shop_stock

    if not args.yes:
        return _fail("this sets every product's sellable stock to what the online shop last reported; "
                     "it is for a store's first day only: add --yes to go ahead")
    n = adopt_shop_stock(store.uow(), store.station, actor=SYSTEM)
    _out(f"{n} product(s) moved to the online shop's stock")
    return 0


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


# --- shelf labels ----------------------------------------------------------------------------

def _since(args, tz: str):
    """--changed-since (a store-local day) or --changed-days as a naive UTC moment, or None."""
    from datetime import UTC, date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from posapp.domain.clock import utcnow
    from posapp.domain.errors import ValidationError

    if args.changed_days is not None:
        return utcnow() - timedelta(days=args.changed_days)
    if not args.changed_since:
        return None
    try:
        day = date.fromisoformat(args.changed_since)
    except ValueError:
        raise ValidationError(f"--changed-since {args.changed_since!r}: give a day as YYYY-MM-DD") from None
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC).replace(tzinfo=None)


def cmd_labels(args, store) -> int:
    from posapp.services import stock_reports
    from posapp.services.auth import SYSTEM

    if args.layouts:
        from posapp.reports.labels_pdf import LAYOUTS

        for name, layout in LAYOUTS.items():
            _out(f"{name:<8} {layout.title}")
        return 0
    if not (args.category or args.sku or args.changed_since or args.changed_days is not None):
        return _fail("choose the products: --category PATH, --sku SKU, --changed-since YYYY-MM-DD or --changed-days N")
    if not (args.layout and args.out):
        return _fail("give --layout NAME (see --layouts) and --out LABELS.pdf")
    uow, station = store.uow(), store.station
    items = stock_reports.label_items(uow, station, actor=SYSTEM, categories=tuple(args.category or ()),
                                      skus=tuple(args.sku or ()), price_changed_since=_since(args, station.timezone))
    if not items:
        return _fail("no product matches: no labels written")
    run = stock_reports.print_labels(uow, station, actor=SYSTEM, items=items, layout=args.layout, path=Path(args.out),
                                     locale=store.config.store.locale)
    _out(f"{run.labels} label(s) on {run.pages} page(s), layout {run.layout}, written to {run.path}")
    return 0


# --- parser ----------------------------------------------------------------------------------

def cmd_stock(args) -> int:
    store = _open(args)
    commands = {"check": cmd_check, "levels": cmd_levels, "low": cmd_list, "negative": cmd_list,
                "receive": cmd_receive, "adjust": cmd_adjust, "transfer": cmd_transfer, "reorder": cmd_reorder,
                "adopt-shop-stock": cmd_adopt, "count": cmd_count, "labels": cmd_labels}
    return commands[args.stock](args, store)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= days <= 3650:
        raise argparse.ArgumentTypeError("give 0 to 3650")
    return days


def _json_flag(q) -> None:
    q.add_argument("--json", action="store_true", help="machine-readable output")


def _product_args(q, *, code: bool = True) -> None:
    q.add_argument("--sku")
    if code:
        q.add_argument("--code", metavar="BARCODE", help="a barcode instead of --sku")


def add_parsers(sub, common) -> None:
    p = sub.add_parser("stock", parents=[common], help="stock levels, receiving, adjustments, counts, labels")
    ssub = p.add_subparsers(dest="stock", required=True, metavar="action")

    q = ssub.add_parser("check", parents=[common], help="compare the cached stock levels with the ledger")
    q.add_argument("--repair", action="store_true", help="rebuild the cached levels from the ledger (audited)")
    _json_flag(q)
    q = ssub.add_parser("levels", parents=[common], help="a product's stock at each location and its latest movements")
    _product_args(q)
    q.add_argument("--limit", type=int, default=20, help="movements shown (default 20)")
    _json_flag(q)
    q = ssub.add_parser("low", parents=[common], help="products at or below their reorder level")
    _json_flag(q)
    q = ssub.add_parser("negative", parents=[common], help="products sold below zero")
    _json_flag(q)

    q = ssub.add_parser("receive", parents=[common], help="goods in: a delivery note file, or one product")
    q.add_argument("--file", metavar="DELIVERY.csv", help="sku or barcode, qty, cost, expected, location")
    _product_args(q)
    q.add_argument("--qty")
    q.add_argument("--cost", help="unit cost (averaged into the product's cost)")
    q.add_argument("--location", default="sellable", help="sellable (default) or damaged")
    q.add_argument("--supplier")
    q.add_argument("--note-number", help="the supplier's delivery note number")
    q.add_argument("--note")
    q = ssub.add_parser("adjust", parents=[common], help="write off, find or correct stock (audited)")
    q.add_argument("--reason", required=True, help="damaged, expired, theft (out), found (in), correction (+N or -N)")
    _product_args(q)
    q.add_argument("--qty", required=True)
    q.add_argument("--location", default="sellable")
    q.add_argument("--note")
    q = ssub.add_parser("transfer", parents=[common], help="move stock between locations")
    _product_args(q)
    q.add_argument("--qty", required=True)
    q.add_argument("--from", dest="source", required=True, metavar="LOCATION")
    q.add_argument("--to", dest="target", required=True, metavar="LOCATION")
    q.add_argument("--note")
    q = ssub.add_parser("reorder", parents=[common], help="reorder levels: one product, or a file")
    _product_args(q)
    q.add_argument("--level", help="list the product as low at or below this")
    q.add_argument("--clear", action="store_true", help="take the product's reorder level away")
    q.add_argument("--file", metavar="LEVELS.csv", help="sku (or barcode), reorder_level: all rows or none")

    q = ssub.add_parser("adopt-shop-stock", parents=[common],
                        help="a store's first day: make its sellable stock what the online shop last reported")
    q.add_argument("--yes", action="store_true", help="go ahead")
    q = ssub.add_parser("count", parents=[common], help="stock counts: start, scan, review, recount, approve")
    _count_parsers(q.add_subparsers(dest="action", required=True, metavar="action"), common)

    q = ssub.add_parser("labels", parents=[common],
                        help="shelf labels as a PDF; the choices given together narrow each other")
    q.add_argument("--category", action="extend", nargs="+", metavar="PATH", help="products of these categories")
    q.add_argument("--sku", action="extend", nargs="+", metavar="SKU")
    since = q.add_mutually_exclusive_group()
    since.add_argument("--changed-since", metavar="YYYY-MM-DD", help="products whose price changed since that day")
    since.add_argument("--changed-days", type=_days, metavar="N", help="products whose price changed in N days")
    q.add_argument("--layout", metavar="NAME", help="see --layouts")
    q.add_argument("--out", metavar="LABELS.pdf")
    q.add_argument("--layouts", action="store_true", help="list the label layouts")
    p.set_defaults(func=cmd_stock)


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
