"""posapp-admin's member commands: members add|find|set|refresh|export|report, points history|adjust|expire, and
loyalty show|set (the points rules)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from posapp.cli.common import _fail, _open, _out


def _at(text: str | None, station) -> datetime | None:
    """--at as naive UTC: store-local unless it carries an offset or Z."""
    from posapp.domain.promotion_files import parse_time

    return parse_time(text, timezone=station.timezone) if text else None


def _yes_no(text: str | None) -> bool | None:
    if text is None:
        return None
    return text == "yes"


def _card_lines(card) -> list[str]:
    m = card.member
    lines = [f"{m.code}  {m.name}  {m.masked_phone}",
             f"  tier {m.tier or '-'}, class {m.customer_class}, {'active' if m.active else 'DISABLED'}, "
             f"marketing consent {'yes' if m.consent else 'no'}",
             f"  points {card.balance}" + (f", {card.expiring} expiring by {card.expiring_on:%Y-%m-%d}"
                                           if card.expiring else ""),
             f"  spend in the last 12 months {card.spend_12m}"]
    lines += [f"  visit {at:%Y-%m-%d %H:%M} {store} {total}" for at, store, total in card.visits]
    return lines


def cmd_members(args) -> int:
    from posapp.services import members as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    uow, station = store.uow(), store.station
    if args.action == "add":
        member = svc.sign_up(uow, station, actor=SYSTEM, phone=args.phone, name=args.name or "",
                             consent=args.consent, code=args.code)
        _out(f"member {member.code} added ({member.masked_phone})")
    elif args.action == "find":
        for line in _card_lines(svc.member_card(uow, station, svc.find_member(uow, args.text, active_only=False))):
            _out(line)
    elif args.action == "set":
        member = svc.update_member(uow, station, actor=SYSTEM, code=args.code, name=args.name, phone=args.phone,
                                   consent=_yes_no(args.consent), active=_yes_no(args.active))
        _out(f"member {member.code} updated")
    elif args.action == "refresh":
        counts = svc.refresh_tiers(uow, station, actor=SYSTEM, at=_at(args.at, station))
        _out(f"tiers and classes refreshed: A {counts['A']}, B {counts['B']}, C {counts['C']}")
    elif args.action == "export":
        n = svc.export_members(uow, station, actor=SYSTEM, path=Path(args.path))
        _out(f"{n} members written to {args.path}")
    elif args.action == "report":
        return _report(args, store)
    return 0


def _report(args, store) -> int:
    """members report: the A/B/C member analysis as text or JSON, and optionally its CSV and PDF."""
    import sys

    from posapp.domain.errors import ValidationError
    from posapp.services.auth import SYSTEM
    from posapp.services.member_reports import member_report

    cfg, station = store.config, store.station
    try:
        at = _at(args.at, station)
    except ValidationError as exc:
        return _fail(f"--at: {exc} (for example 2026-11-30T18:00, store-local, or with +08:00)")
    report = member_report(store.uow(), station, actor=SYSTEM, at=at, top=args.top, csv_path=args.csv,
                           pdf_path=args.pdf, locale=cfg.store.locale, store_name=cfg.store.name)
    if args.json:
        _out(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        for line in report.text_lines(locale=cfg.store.locale):
            _out(line)
    # JSON on stdout stays parseable: the notes go to stderr then.
    note = sys.stderr if args.json else sys.stdout
    if args.csv:
        print(f"csv written to {args.csv} ({len(report.members)} members)", file=note, flush=True)
    if args.pdf:
        print(f"pdf written to {args.pdf}", file=note, flush=True)
    return 0


def _top(text: str) -> int:
    import argparse

    try:
        top = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= top <= 100_000:
        raise argparse.ArgumentTypeError("give 0 to 100000")
    return top


def cmd_points(args) -> int:
    from posapp.services import members as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    uow, station = store.uow(), store.station
    if args.action == "history":
        member, entries = svc.history(uow, args.code)
        total = 0
        _out(f"{member.code} {member.name}: {len(entries)} entries")
        for e in entries:
            total += e.points
            detail = e.sale_number or e.reason
            _out(f"  {e.at:%Y-%m-%d %H:%M}  {e.kind.value:<7} {e.points:>+8}  = {total:>8}  {detail}")
    elif args.action == "adjust":
        try:
            points = int(args.points)
        except ValueError:
            return _fail(f"{args.points!r} is not a whole number of points")
        balance = svc.adjust_points(uow, station, actor=SYSTEM, code=args.code, points=points, reason=args.reason)
        _out(f"{args.code}: {points:+} points; balance {balance}")
    elif args.action == "expire":
        members, points = svc.expire_points(uow, station, actor=SYSTEM, at=_at(args.at, station))
        _out(f"{points} points expired for {members} members")
    return 0


def cmd_loyalty(args) -> int:
    from posapp.services import members as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    uow, station = store.uow(), store.station
    if args.action == "show":
        _out(json.dumps(svc.rules_to_json(svc.loyalty_rules(uow)), ensure_ascii=False, indent=1))
        return 0
    path = Path(args.path)
    if not path.is_file():
        return _fail(f"{path}: no such file")
    try:
        data = json.loads(path.read_bytes()[:1_000_000].decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        return _fail(f"{path}: not a JSON file ({exc}); nothing changed")
    svc.save_loyalty_rules(uow, station, actor=SYSTEM, rules=svc.rules_from_json(data))
    _out("loyalty rules saved")
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("members", parents=[common], help="find, add, change, classify and export members")
    msub = p.add_subparsers(dest="action", required=True, metavar="action")
    q = msub.add_parser("add", parents=[common], help="sign up a member (mobile number, name, consent)")
    q.add_argument("--phone", required=True)
    q.add_argument("--name", default="")
    q.add_argument("--consent", action="store_true", help="agreed to marketing")
    q.add_argument("--code", help="the card handed over (default: a new card number)")
    q = msub.add_parser("find", parents=[common], help="a member's card: tier, class, points, visits")
    q.add_argument("text", help="card number or mobile number")
    q = msub.add_parser("set", parents=[common], help="change a member's details")
    q.add_argument("code")
    q.add_argument("--name")
    q.add_argument("--phone")
    q.add_argument("--consent", choices=["yes", "no"])
    q.add_argument("--active", choices=["yes", "no"])
    q = msub.add_parser("refresh", parents=[common], help="tiers and A/B/C classes from the last 12 months")
    q.add_argument("--at", metavar="ISO-TIME")
    q = msub.add_parser("export", parents=[common], help="every member as CSV (personal data: audited)")
    q.add_argument("path")
    q = msub.add_parser("report", parents=[common],
                        help="members by A/B/C class with spend, visits, last visit (text/JSON, CSV, PDF)")
    q.add_argument("--at", metavar="ISO-TIME", help="the report's moment, store-local or with an offset (default: now)")
    q.add_argument("--pdf", metavar="FILE", help="also write an A4 PDF: summary, charts, the top members of each class")
    q.add_argument("--csv", metavar="FILE", help="also write every member as CSV (UTF-8 with BOM, phones masked)")
    q.add_argument("--top", type=_top, default=200, metavar="N",
                   help="members of each class listed in the text, JSON and PDF (default 200; the CSV has all)")
    q.add_argument("--json", action="store_true", help="print JSON instead of the text table")
    p.set_defaults(func=cmd_members)

    p = sub.add_parser("points", parents=[common], help="a member's points: history, adjust, expire")
    psub = p.add_subparsers(dest="action", required=True, metavar="action")
    q = psub.add_parser("history", parents=[common], help="every entry of a member's points ledger")
    q.add_argument("code")
    q = psub.add_parser("adjust", parents=[common], help="add or take points, with a reason (audited)")
    q.add_argument("code")
    q.add_argument("points", help="e.g. 500 or -200")
    q.add_argument("--reason", required=True)
    q = psub.add_parser("expire", parents=[common], help="expire every member's points whose time is up")
    q.add_argument("--at", metavar="ISO-TIME")
    p.set_defaults(func=cmd_points)

    p = sub.add_parser("loyalty", parents=[common], help="the points rules: show, or set from a JSON file")
    lsub = p.add_subparsers(dest="action", required=True, metavar="action")
    lsub.add_parser("show", parents=[common], help="the rules in force, as JSON")
    q = lsub.add_parser("set", parents=[common], help="replace the rules from a JSON file (audited)")
    q.add_argument("path")
    p.set_defaults(func=cmd_loyalty)
