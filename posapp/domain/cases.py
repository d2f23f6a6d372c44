"""After-sales cases (售后): repairs, complaints, exchanges and customer feedback that need follow-up,
linked to a sale and a member. A case is open, in progress or resolved; every change is a note with who
made it and when, and nothing is deleted. The seed policies ask that after-sales service and customer
feedback be recorded and reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from posapp.domain.errors import ValidationError
from posapp.i18n import N_, _

KINDS = {"repair": N_("repair"), "complaint": N_("complaint"), "exchange": N_("exchange"),
         "feedback": N_("feedback"), "other": N_("other")}
STATUSES = {"open": N_("open"), "in_progress": N_("in progress"), "resolved": N_("resolved")}
MAX_TEXT = 2000


@dataclass(frozen=True)
class CaseNote:
    at: datetime
    user: str
    status: str
    note: str


@dataclass(frozen=True)
class Case:
    id: int
    number: str
    store_code: str
    kind: str
    status: str
    sale_number: str
    member_code: str
    contact: str
    description: str
    opened_by: str
    opened_at: datetime
    handler: str | None
    updated_at: datetime
    resolved_at: datetime | None
    notes: tuple[CaseNote, ...] = ()


def check_kind(kind: str) -> str:
    kind = str(kind or "").strip().lower()
    if kind not in KINDS:
        raise ValidationError(_("{kind} is not a kind of case; use one of {kinds}").format(
            kind=repr(kind), kinds=", ".join(KINDS)))
    return kind


def check_status(status: str) -> str:
    status = str(status or "").strip().lower().replace(" ", "_").replace("-", "_")
    if status not in STATUSES:
        raise ValidationError(_("{status} is not a case status; use one of {statuses}").format(
            status=repr(status), statuses=", ".join(STATUSES)))
    return status


def check_text(text: str, *, what: str, required: bool = True) -> str:
    text = str(text or "").strip()
    if required and not text:
        raise ValidationError(_("Write the {what}").format(what=what))
    if len(text) > MAX_TEXT:
        raise ValidationError(_("The {what} is longer than {most} characters").format(what=what, most=MAX_TEXT))
    return text


def check_contact(text: str) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > 64:
        raise ValidationError(_("The contact is longer than 64 characters"))
    return text
