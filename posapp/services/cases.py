"""After-sales cases: open one from the till or the back office (linked to a sale and a member when
there is one), move it along with a note, list what is open, and count them for the report. Every
change is checked here, written with its note in one transaction, and audited."""

from __future__ import annotations

from datetime import datetime

from posapp.domain.cases import Case, check_contact, check_kind, check_status, check_text
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.users import Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, current, require
from posapp.services.station import Station

# The way a case moves: a resolved case may be reopened (in progress), with a note saying why.
MOVES = {"open": {"in_progress", "resolved"}, "in_progress": {"open", "resolved"}, "resolved": {"in_progress"}}


def open_case(uow, station: Station, *, actor: User, kind: str, description: str, sale_number: str = "",
              member_code: str = "", contact: str = "", at: datetime | None = None) -> Case:
    """A new case. The sale and the member, when given, must exist; a sale's member is taken from it."""
    kind = check_kind(kind)
    description = check_text(description, what=_("description"))
    contact = check_contact(contact)
    sale_number = "".join(str(sale_number or "").split()).upper()
    member_code = str(member_code or "").strip()
    at = at or utcnow()
    with uow:
        require(uow, actor, Permission.SELL)
        user = current(uow, actor)
        if sale_number:
            sale = uow.sales.get(number=sale_number)
            if sale is None:
                raise NotFound(_("No sale with receipt number {number}").format(number=sale_number))
            if sale.member_code and member_code and sale.member_code != member_code:
                raise ValidationError(_("Sale {number} was member {code}'s").format(number=sale_number,
                                                                                   code=sale.member_code))
            member_code = member_code or sale.member_code or ""
        if member_code and uow.members.by_code(member_code) is None:
            raise NotFound(_("No member with card or phone {text}").format(text=member_code))
        number = f"C-{station.store_code}-{uow.sales.next_number(f'case:{station.store_code}'):06d}"
        case = uow.cases.add(number=number, store_code=station.store_code, kind=kind, sale_number=sale_number,
                             member_code=member_code, contact=contact, description=description,
                             user_id=user.id or None, at=at)
        audit(uow, station, actor=user, action="case_opened",
              detail={"case": number, "kind": kind, "sale": sale_number, "member": member_code})
        uow.commit()
    return case


def update_case(uow, station: Station, *, actor: User, number: str, status: str, note: str,
                at: datetime | None = None) -> Case:
    """Move a case on (or just add a note, keeping its status); whoever does it handles it now."""
    status = check_status(status)
    note = check_text(note, what=_("note"))
    at = at or utcnow()
    with uow:
        require(uow, actor, Permission.SELL)
        user = current(uow, actor)
        case = uow.cases.get(str(number or "").strip().upper())
        if case is None:
            raise NotFound(_("No after-sales case {number}").format(number=number))
        if status != case.status and status not in MOVES[case.status]:
            raise ValidationError(_("A {old} case cannot become {new}").format(old=_(case.status.replace("_", " ")),
                                                                              new=_(status.replace("_", " "))))
        updated = uow.cases.update(case.number, status=status, note=note, user_id=user.id or None, at=at,
                                   handler_id=user.id or None)
        audit(uow, station, actor=user, action="case_updated",
              detail={"case": case.number, "from": case.status, "to": status})
        uow.commit()
    return updated


def get_case(uow, number: str) -> Case:
    case = uow.cases.get(str(number or "").strip().upper())
    if case is None:
        raise NotFound(_("No after-sales case {number}").format(number=number))
    return case


def list_cases(uow, *, status: str = "open", kind: str | None = None, sale_number: str | None = None,
               member_code: str | None = None) -> list[Case]:
    """status: open (open and in progress: what needs doing), resolved, or all."""
    statuses = {"open": ("open", "in_progress"), "resolved": ("resolved",), "all": ()}.get(status)
    if statuses is None:
        statuses = (check_status(status),)
    return uow.cases.find(statuses=statuses, kind=check_kind(kind) if kind else None, sale_number=sale_number,
                          member_code=member_code)


def case_summary(uow, *, actor: User, since: datetime | None = None) -> dict[str, dict[str, int]]:
    """Cases by kind and status (opened since a moment): what the store reports on after-sales service."""
    require(uow, actor, Permission.VIEW_REPORTS)
    found: dict[str, dict[str, int]] = {}
    for kind, status, n in uow.cases.summary(since):
        found.setdefault(kind, {})[status] = int(n)
    return found
