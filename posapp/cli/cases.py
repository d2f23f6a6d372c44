"""posapp-admin's after-sales commands: cases list|show|open|update|summary."""

from __future__ import annotations

from posapp.cli.common import _open, _out


def _line(c) -> str:
    links = " ".join(x for x in (f"sale {c.sale_number}" if c.sale_number else "",
                                 f"member {c.member_code}" if c.member_code else "") if x)
    return (f"{c.number}  {c.opened_at:%Y-%m-%d %H:%M}  {c.kind:<9} {c.status:<11} "
            f"{c.handler or c.opened_by}  {links}  {c.description[:60]}").rstrip()


def cmd_cases(args) -> int:
    from datetime import timedelta

    from posapp.domain.clock import utcnow
    from posapp.services import cases as svc
    from posapp.services.auth import SYSTEM

    store = _open(args)
    uow, station = store.uow(), store.station
    if args.action == "list":
        found = svc.list_cases(uow, status=args.status, kind=args.kind, sale_number=args.sale, member_code=args.member)
        for c in found:
            _out(_line(c))
        _out(f"{len(found)} case(s)")
    elif args.action == "show":
        c = svc.get_case(uow, args.number)
        _out(_line(c))
        if c.contact:
            _out(f"  contact {c.contact}")
        for n in c.notes:
            _out(f"  {n.at:%Y-%m-%d %H:%M}  {n.status:<11} {n.user}: {n.note}")
    elif args.action == "open":
        c = svc.open_case(uow, station, actor=SYSTEM, kind=args.kind, description=args.description,
                          sale_number=args.sale or "", member_code=args.member or "", contact=args.contact or "")
        _out(f"case {c.number} opened")
    elif args.action == "update":
        c = svc.update_case(uow, station, actor=SYSTEM, number=args.number, status=args.status, note=args.note)
        _out(f"case {c.number} is {c.status}")
    elif args.action == "summary":
        since = utcnow() - timedelta(days=args.days) if args.days else None
        counts = svc.case_summary(uow, actor=SYSTEM, since=since)
        statuses = ("open", "in_progress", "resolved")
        _out(f"{'kind':<10}" + "".join(f"{s:>12}" for s in statuses) + f"{'total':>8}")
        for kind, by in sorted(counts.items()):
            _out(f"{kind:<10}" + "".join(f"{by.get(s, 0):>12}" for s in statuses) + f"{sum(by.values()):>8}")
    return 0


def add_parsers(sub, common) -> None:
    p = sub.add_parser("cases", parents=[common], help="after-sales cases: repairs, complaints, exchanges")
    csub = p.add_subparsers(dest="action", required=True, metavar="action")
    q = csub.add_parser("list", parents=[common], help="cases, oldest open first")
    q.add_argument("--status", default="open", help="open (open and in progress, the default), resolved or all")
    q.add_argument("--kind", help="repair, complaint, exchange, feedback or other")
    q.add_argument("--sale", metavar="RECEIPT")
    q.add_argument("--member", metavar="CODE")
    q = csub.add_parser("show", parents=[common], help="a case with every note")
    q.add_argument("number")
    q = csub.add_parser("open", parents=[common], help="open a case")
    q.add_argument("--kind", required=True)
    q.add_argument("--description", required=True)
    q.add_argument("--sale", metavar="RECEIPT")
    q.add_argument("--member", metavar="CODE")
    q.add_argument("--contact", help="how to reach the customer")
    q = csub.add_parser("update", parents=[common], help="move a case on with a note")
    q.add_argument("number")
    q.add_argument("--status", required=True, help="open, in_progress or resolved")
    q.add_argument("--note", required=True)
    q = csub.add_parser("summary", parents=[common], help="cases by kind and status")
    q.add_argument("--days", type=int, default=0, help="only cases opened in the last N days (default: all)")
    p.set_defaults(func=cmd_cases)
