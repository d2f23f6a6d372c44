"""Members: one customer base for the stores and the online shop.

A member has a card number (code, scanned or typed at the till), usually a mobile phone number
(unique), a tier from what they spent in the last 12 months, an A/B/C customer class, and points in a
ledger (posapp.domain.points). Phone numbers are shown masked (138****5678) on screens and receipts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from posapp.domain.errors import ValidationError
from posapp.i18n import N_, _

# Mainland China mobile numbers (11 digits from 13x to 19x); +86 and spaces or dashes are tidied away.
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_CODE = re.compile(r"[A-Za-z0-9]{4,32}")


@dataclass(frozen=True)
class Member:
    id: int
    code: str  # printed on the card, scanned at the till
    name: str
    phone: str
    tier: str  # "" for the base tier; promotions may be limited to tiers
    active: bool = True
    consent: bool = False  # agreed to marketing
    customer_class: str = "C"  # A, B or C
    external_id: str | None = None  # the online shop's customer id
    created_at: datetime | None = None
    email: str = ""  # lower case (normal_email); how the online shop's customers are matched

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


@dataclass(frozen=True)
class MemberCard:
    """What the till shows of a member attached to a sale."""

    member: Member
    balance: int  # points
    expiring: int  # points expiring soon
    expiring_on: datetime | None
    visits: tuple[tuple[datetime, str, Decimal], ...]  # last visits: (when, store, total)
    spend_12m: Decimal


# The default tiers' names, translated where shown; tiers a store names itself show as named.
TIER_NAMES = {"silver": N_("silver"), "gold": N_("gold"), "platinum": N_("platinum")}


def tier_label(tier: str) -> str:
    """A tier as the cashier and the customer read it ("" is the base tier)."""
    if not tier:
        return _("standard")
    return _(TIER_NAMES[tier]) if tier in TIER_NAMES else tier


def normal_phone(text: str) -> str:
    """A mobile number as stored: 11 digits (+86, spaces and dashes removed), or a clear refusal."""
    raw = str(text or "").strip()
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not _CN_MOBILE.fullmatch(digits):
        raise ValidationError(_("{phone} is not a mobile number (11 digits, starting 13 to 19)").format(phone=raw))
    return digits


def normal_email(text: str) -> str:
    """An email as stored and matched: trimmed, lower case ("" for none)."""
    return str(text or "").strip().lower()


def looks_like_phone(text: str) -> bool:
    try:
        normal_phone(text)
    except ValidationError:
        return False
    return True


def mask_phone(phone: str) -> str:
    """138****5678: enough for the customer to recognise, not enough to read out."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def check_code(text: str) -> str:
    code = str(text or "").strip()
    if not _CODE.fullmatch(code):
        raise ValidationError(_("{code} is not a member card number (4 to 32 letters or digits)").format(code=code))
    return code


def check_member_name(text: str) -> str:
    name = " ".join(str(text or "").split())
    if len(name) > 80:
        raise ValidationError(_("a member's name is at most 80 characters"))
    return name
