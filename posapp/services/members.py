"""Members and points: finding and signing up members at the till, their card (tier, points, visits),
the points a sale earns and redeems (written in the sale's own transaction), managers' adjustments,
expiry, tiers and customer classes, the loyalty rules, and exporting member data.

Every change is checked here, whatever screen or command asked for it: permissions, then the rules
(posapp.domain.points and posapp.domain.members); anything wrong raises before a row is written.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from posapp.domain import points as pts
from posapp.domain.clock import utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.members import Member, MemberCard, check_code, check_member_name, looks_like_phone, normal_phone
from posapp.domain.sale import Sale, SaleMember
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services.auth import audit, current, require
from posapp.services.catalog import categories_of
from posapp.services.station import Station

RULES_KEY = "loyalty"
EXPIRED_KEY = "points_expired_until"  # the moment the last expiry run covered
YEAR = timedelta(days=365)


# --- the rules ------------------------------------------------------------------------------------

def rules_to_json(rules: pts.LoyaltyRules) -> dict:
    data = asdict(rules)
    data["points_per_unit"] = str(rules.points_per_unit)
    data["max_share"] = str(rules.max_share)
    data["no_earn_categories"] = list(rules.no_earn_categories)
    data["tiers"] = [{"name": t.name, "spend": str(t.spend), "multiplier": str(t.multiplier)} for t in rules.tiers]
    data["classes"] = {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(rules.classes).items()}
    return data


def rules_from_json(data: dict) -> pts.LoyaltyRules:
    """Loyalty rules from their JSON form (missing keys keep their defaults), or a clear refusal."""
    if not isinstance(data, dict):
        raise ValidationError(_("loyalty rules must be a JSON object"))
    base = pts.LoyaltyRules()
    known = set(rules_to_json(base))
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationError(_("unknown loyalty settings: {names}").format(names=", ".join(unknown)))
    try:
        tiers = tuple(pts.Tier(name=str(t["name"]).strip(), spend=Decimal(str(t["spend"])),
                               multiplier=Decimal(str(t.get("multiplier", "1"))))
                      for t in data.get("tiers", [asdict(t) for t in base.tiers]))
        classes = dict(asdict(base.classes), **data.get("classes", {}))
        rules = pts.LoyaltyRules(
            points_per_unit=Decimal(str(data.get("points_per_unit", base.points_per_unit))),
            rate=int(data.get("rate", base.rate)),
            min_redeem=int(data.get("min_redeem", base.min_redeem)),
            max_share=Decimal(str(data.get("max_share", base.max_share))),
            expiry_months=int(data.get("expiry_months", base.expiry_months)),
            no_earn_categories=tuple(str(c).strip() for c in data.get("no_earn_categories", ())),
            tiers=tiers,
            classes=pts.ClassRule(a_spend=Decimal(str(classes["a_spend"])), a_visits=int(classes["a_visits"]),
                                  a_days=int(classes["a_days"]), b_spend=Decimal(str(classes["b_spend"])),
                                  b_visits=int(classes["b_visits"]), b_days=int(classes["b_days"])),
            expiring_days=int(data.get("expiring_days", base.expiring_days)))
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValidationError(_("loyalty rules are not readable: {problem}").format(problem=exc)) from None
    problems = pts.check_rules(rules)
    if problems:
        raise ValidationError("; ".join(problems))
    return rules


def loyalty_rules(uow) -> pts.LoyaltyRules:
    raw = uow.settings.get(RULES_KEY)
    return pts.LoyaltyRules() if raw is None else rules_from_json(json.loads(raw))


def save_loyalty_rules(uow, station: Station, *, actor: User, rules: pts.LoyaltyRules,
                       approval: Approval | None = None) -> pts.LoyaltyRules:
    problems = pts.check_rules(rules)
    if problems:
        raise ValidationError("; ".join(problems))
    with uow:
        approver = require(uow, actor, Permission.CONFIGURE, approval)
        data = rules_to_json(rules)
        uow.settings.put(RULES_KEY, json.dumps(data, ensure_ascii=False, sort_keys=True))
        audit(uow, station, actor=actor, action="loyalty_rules_saved", approver_id=approver, detail=data)
        uow.commit()
    return rules


# --- finding and signing up -----------------------------------------------------------------------

def find_member(uow, text: str, *, active_only: bool = True) -> Member:
    """A member by card number or mobile number (however it was typed), or a clear refusal."""
    text = str(text or "").strip()
    if not text:
        raise ValidationError(_("Scan the member card or type its number or the phone number"))
    member = uow.members.by_code(text)
    if member is None and looks_like_phone(text):
        member = uow.members.by_phone(normal_phone(text))
    if member is None:
        raise NotFound(_("No member with card or phone {text}").format(text=text))
    if active_only and not member.active:
        raise ValidationError(_("Member {code} is disabled").format(code=member.code))
    return member


def search_members(uow, text: str, *, limit: int = 100) -> list[Member]:
    """The back office's member list: an exact card or phone first, then card numbers starting with the
    text, phones and names containing it (disabled members included, so they can be enabled again)."""
    text = str(text or "").strip()
    if len(text) > 80:
        raise ValidationError(_("Type at most 80 characters to search members"))
    exact = None
    if text:
        exact = uow.members.by_code(text) or (uow.members.by_phone(normal_phone(text))
                                              if looks_like_phone(text) else None)
    found = uow.members.search(text, limit=limit)
    if exact is not None:
        found = [exact] + [m for m in found if m.id != exact.id][: limit - 1]
    return found


def member_card(uow, station: Station, member: Member, *, at: datetime | None = None) -> MemberCard:
    """What the till shows: tier, points (those whose time is up already left out), what expires soon,
    the last visits and the spend of the last 12 months."""
    at = at or utcnow()
    rules = loyalty_rules(uow)
    entries = uow.members.entries(member.id)
    due = pts.due_to_expire(entries, at)
    soon, first = pts.expiring_soon(entries, at, rules.expiring_days)
    spend, _visits, _last = uow.members.spend(member.code, at - YEAR, station.places)
    return MemberCard(member=member, balance=pts.balance(entries) - due, expiring=soon, expiring_on=first,
                      visits=tuple(uow.members.visits(member.code, 5, station.places)), spend_12m=spend)


def sign_up(uow, station: Station, *, actor: User, phone: str, name: str = "", consent: bool = False,
            code: str | None = None, external_id: str | None = None) -> Member:
    """A new member from the till (phone, name, consent) or the back office; the card number is the
    card handed over, or a new one. Duplicate phones and cards are refused."""
    phone = normal_phone(phone)
    name = check_member_name(name)
    code = check_code(code) if code else None
    with uow:
        require(uow, actor, Permission.SELL)
        actor = current(uow, actor)
        taken = uow.members.by_phone(phone)
        if taken is not None:
            raise ValidationError(_("{phone} is already member {code}'s phone").format(
                phone=taken.masked_phone, code=taken.code))
        if code and uow.members.by_code(code) is not None:
            raise ValidationError(_("Card {code} is already a member's").format(code=code))
        if external_id and uow.members.by_external_id(external_id) is not None:
            raise ValidationError(_("The online customer {id} is already a member").format(id=external_id))
        member = uow.members.add(code=code or uow.members.next_code(), name=name, phone=phone, consent=consent,
                                 external_id=external_id)
        audit(uow, station, actor=actor, action="member_created", detail={"code": member.code})
        uow.commit()
    return member


def update_member(uow, station: Station, *, actor: User, code: str, name: str | None = None,
                  phone: str | None = None, consent: bool | None = None, active: bool | None = None,
                  approval: Approval | None = None) -> Member:
    """A manager's change to a member's details (back office)."""
    changes: dict = {}
    if name is not None:
        changes["name"] = check_member_name(name)
    if phone is not None:
        changes["phone"] = normal_phone(phone)
    if consent is not None:
        changes["consent"] = bool(consent)
    if active is not None:
        changes["active"] = bool(active)
    with uow:
        approver = require(uow, actor, Permission.MANAGE_MEMBERS, approval)
        member = find_member(uow, code, active_only=False)
        if "phone" in changes:
            taken = uow.members.by_phone(changes["phone"])
            if taken is not None and taken.id != member.id:
                raise ValidationError(_("{phone} is already member {code}'s phone").format(
                    phone=taken.masked_phone, code=taken.code))
        updated = uow.members.update(member.id, **changes) if changes else member
        audit(uow, station, actor=actor, action="member_updated", approver_id=approver,
              detail={"code": member.code, "fields": sorted(changes)})
        uow.commit()
    return updated


# --- points ---------------------------------------------------------------------------------------

def _expire_due(uow, station: Station, member: Member, at: datetime, user_id: int | None) -> int:
    """Write the expiry of a member's points whose time is up; the points expired."""
    due = pts.due_to_expire(uow.members.entries(member.id), at)
    if due:
        uow.members.add_entry(member.id, pts.Entry(kind=pts.EntryKind.EXPIRE, points=-due, at=at,
                                                   reason="expired"),
                              user_id=user_id, store_code=station.store_code)
    return due


def available_points(uow, member: Member, *, at: datetime | None = None) -> int:
    entries = uow.members.entries(member.id)
    return pts.balance(entries) - pts.due_to_expire(entries, at or utcnow())


def record_sale_points(uow, station: Station, *, sale: Sale, member_code: str, tier: str = "") -> SaleMember:
    """Inside the sale's transaction: expire what is due, take the points that paid, add the points
    the sale earned. Refuses (so the whole sale is rolled back) when the points paid are more than the
    member has."""
    rules = loyalty_rules(uow)
    member = find_member(uow, member_code)
    at = sale.created_at
    _expire_due(uow, station, member, at, sale.cashier_id or None)
    paid = sum((p.amount for p in sale.payments if p.tender == "points"), Decimal(0))
    # The rules for paying with points (balance, minimum, share of the sale) hold whatever screen took it.
    redeemed = pts.check_redeem(paid, total=sale.total, already=Decimal(0), available=uow.members.balance(member.id),
                                rules=rules, places=station.places) if paid else 0
    if redeemed:
        uow.members.add_entry(member.id, pts.Entry(kind=pts.EntryKind.REDEEM, points=-redeemed, at=at,
                                                   sale_number=sale.number),
                              user_id=sale.cashier_id or None, store_code=station.store_code)
    categories = categories_of(uow, sale.lines)
    lines = [(categories[line.sku], line.paid if line.paid is not None else line.total) for line in sale.lines]
    payments = [(p.tender, p.amount) for p in sale.payments]
    earned = pts.points_earned(lines, payments, rules, tier=tier or member.tier)
    if earned:
        uow.members.add_entry(member.id, pts.Entry(kind=pts.EntryKind.EARN, points=earned, at=at,
                                                   sale_number=sale.number, expires_at=pts.expiry_for(at, rules)),
                              user_id=sale.cashier_id or None, store_code=station.store_code)
    return SaleMember(code=member.code, name=member.name, phone=member.masked_phone, earned=earned,
                      redeemed=redeemed, balance=uow.members.balance(member.id))


def adjust_points(uow, station: Station, *, actor: User, code: str, points: int, reason: str,
                  approval: Approval | None = None, at: datetime | None = None) -> int:
    """A manager's adjustment, with its reason, in the audit log; the new balance."""
    at = at or utcnow()
    with uow:
        approver = require(uow, actor, Permission.ADJUST_POINTS, approval)
        actor = current(uow, actor)
        member = find_member(uow, code, active_only=False)
        _expire_due(uow, station, member, at, actor.id or None)
        points, reason = pts.check_adjustment(points, reason, uow.members.balance(member.id))
        rules = loyalty_rules(uow)
        uow.members.add_entry(member.id, pts.Entry(kind=pts.EntryKind.ADJUST, points=points, at=at, reason=reason,
                                                   expires_at=pts.expiry_for(at, rules) if points > 0 else None),
                              user_id=actor.id or None, store_code=station.store_code)
        audit(uow, station, actor=actor, action="points_adjusted", approver_id=approver,
              detail={"code": member.code, "points": points, "reason": reason})
        balance = uow.members.balance(member.id)
        uow.commit()
    return balance


def expire_points(uow, station: Station, *, actor: User, at: datetime | None = None) -> tuple[int, int]:
    """Expire every member's points whose time is up: (members, points). Run daily (posapp-admin)."""
    at = at or utcnow()
    members = points = 0
    with uow:
        require(uow, actor, Permission.ADJUST_POINTS)
        actor = current(uow, actor)
        # Lots that expired before the last run were expired then (or by a sale or an adjustment,
        # which expire what is due first): only those expiring since need looking at.
        raw = uow.settings.get(EXPIRED_KEY)
        done = datetime.fromisoformat(json.loads(raw)) if raw else None
        for member_id in uow.members.with_points_due(at, after=done):
            gone = _expire_due(uow, station, uow.members.get(member_id), at, actor.id or None)
            if gone:
                members, points = members + 1, points + gone
        if done is None or at > done:
            uow.settings.put(EXPIRED_KEY, json.dumps(at.isoformat()))
        audit(uow, station, actor=actor, action="points_expired", detail={"members": members, "points": points})
        uow.commit()
    return members, points


def history(uow, code: str) -> tuple[Member, list[pts.Entry]]:
    member = find_member(uow, code, active_only=False)
    return member, uow.members.entries(member.id)


def sale_member(uow, sale: Sale) -> SaleMember | None:
    """A stored sale's member and points, as its receipt prints them."""
    if not sale.member_code:
        return None
    member = uow.members.by_code(sale.member_code)
    if member is None:
        return SaleMember(code=sale.member_code, name="", phone="", earned=0, redeemed=0, balance=0)
    found = [e for _m, e in uow.members.sale_entries(sale.number)]
    # A return's entries are reversals: points given back count as negative redeemed, taken back as
    # negative earned.
    earned = sum(e.points for e in found if e.kind is pts.EntryKind.EARN or
                 (e.kind is pts.EntryKind.REVERSE and e.points < 0))
    redeemed = -sum(e.points for e in found if e.kind is pts.EntryKind.REDEEM or
                    (e.kind is pts.EntryKind.REVERSE and e.points > 0))
    # The balance as it was right after this sale, so a reprint says what the original said.
    balance = uow.members.balance_after(member.id, found[-1].id) if found else uow.members.balance(member.id)
    return SaleMember(code=member.code, name=member.name, phone=member.masked_phone, earned=earned,
                      redeemed=redeemed, balance=balance)


# --- tiers and classes ----------------------------------------------------------------------------

def refresh_tiers(uow, station: Station, *, actor: User, at: datetime | None = None) -> dict[str, int]:
    """Every member's tier (from the last 12 months' spend) and A/B/C class; how many are in each class."""
    at = at or utcnow()
    counts = {"A": 0, "B": 0, "C": 0}
    with uow:
        require(uow, actor, Permission.MANAGE_MEMBERS)
        rules = loyalty_rules(uow)
        bought = uow.members.all_spend(at - YEAR, station.places, until=at)
        nothing = (Decimal(0), 0, None)
        changes: dict[tuple[str, str], list[int]] = {}
        for member_id, code, old_tier, old_class in uow.members.tier_rows():
            spend, visits, last = bought.get(code, nothing)
            tier = pts.tier_for(spend, rules)
            klass = pts.customer_class(spend=spend, visits=visits, last_visit=last, at=at, rule=rules.classes)
            counts[klass] += 1
            if (tier, klass) != (old_tier, old_class or "C"):
                changes.setdefault((tier, klass), []).append(member_id)
        uow.members.set_tiers(changes)
        changed = sum(map(len, changes.values()))
        audit(uow, station, actor=actor, action="member_tiers_refreshed", detail={**counts, "changed": changed})
        uow.commit()
    return counts


# --- export ---------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("code", "name", "phone", "tier", "class", "points", "consent", "active", "external_id",
                  "spend_12m", "visits_12m", "last_visit")


def export_members(uow, station: Station, *, actor: User, path: Path, at: datetime | None = None,
                   approval: Approval | None = None) -> int:
    """Write every member to a CSV file (full phone numbers: personal data, so it needs its own
    permission and is audited); how many."""
    at = at or utcnow()
    with uow:
        approver = require(uow, actor, Permission.EXPORT_MEMBERS, approval)
        bought = uow.members.all_spend(at - YEAR, station.places, until=at)
        members = uow.members.all()
        tmp = Path(path).with_suffix(Path(path).suffix + ".part")
        with open(tmp, "w", newline="", encoding="utf-8-sig") as fh:  # with a BOM, so spreadsheets read Chinese
            out = csv.writer(fh)
            out.writerow(EXPORT_COLUMNS)
            for m in members:
                spend, visits, last = bought.get(m.code, (Decimal(0), 0, None))
                out.writerow([m.code, m.name, m.phone, m.tier, m.customer_class, uow.members.balance(m.id),
                              int(m.consent), int(m.active), m.external_id or "", spend, visits,
                              last.isoformat(" ", "seconds") if last else ""])
        tmp.replace(path)
        audit(uow, station, actor=actor, action="members_exported", approver_id=approver,
              detail={"count": len(members), "file": Path(path).name})
        uow.commit()
    return len(members)


def with_member(sale: Sale, member: SaleMember | None) -> Sale:
    return replace(sale, member=member) if member else sale
