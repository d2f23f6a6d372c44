"""posapp-admin stock: the ledger check, levels and lists, receiving, adjustments, transfers, reorder
levels, stock counts (盘点) from start to approval, and shelf labels. Acts as posapp-admin (SYSTEM),
like the other commands; the services check, write and audit."""

from __future__ import annotations

import argparse
from pathlib import Path

from posapp.cli.common import _fail, _open, _out
from posapp.cli.stock_counts import _count_parsers, cmd_count
from posapp.cli.stock_util import (_cell, _json, _json_flag, _level_json, _level_line, _local, _num, _product,
                                   _product_args, _qty, _utc)



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
