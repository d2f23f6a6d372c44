"""The shop's customers as members: one customer base for the stores and the online shop.

A customer is matched to a member by the shop id the member is linked to, else by email, else by mobile
number; the member keeps the shop id. A customer matching no one becomes a new member with card number
W + the shop id, so pulling again finds the same member. Members are never deleted, and a customer whose
email or phone is another linked member's is left as it is, with a warning."""

from __future__ import annotations

from collections.abc import Iterable

from posapp.domain.members import Member, looks_like_phone, mask_phone, normal_phone
from posapp.domain.sync_records import ShopCustomer
from posapp.sync.pull_products import Written


def member_code(customer_id: int) -> str:
    """The card number of a member made from a shop customer (deterministic: re-pulls find it)."""
    return f"W{customer_id:07d}"


def _phone(text: str) -> str:
    """A mobile number as members keep it, or "" (landlines and foreign numbers are not matched on)."""
    return normal_phone(text) if text and looks_like_phone(text) else ""


class _Known:
    """The members a page can touch, kept up to date as the page is written."""

    def __init__(self, members, customers: list[ShopCustomer]):
        self.linked = members.by_external_ids([str(c.id) for c in customers])
        self.email = members.by_emails([c.email for c in customers if c.email])
        self.phone = members.by_phones([_phone(c.phone) for c in customers])
        self.code = members.by_codes([member_code(c.id) for c in customers])

    def remember(self, member: Member) -> None:
        for index, key in ((self.linked, member.external_id), (self.email, member.email),
                           (self.phone, member.phone), (self.code, member.code)):
            if key:
                index[key] = member


def _free(member: Member | None, customer_id: str) -> bool:
    """Whether a member found by email or phone may be this customer's (not linked to another)."""
    return member is not None and member.external_id in (None, customer_id)


def write_customers(uow, customers: Iterable[ShopCustomer]) -> Written:
    """Write one page of customers (inside the caller's transaction)."""
    members, customers = uow.members, list(customers)
    known = _Known(members, customers)
    done = Written()
    for customer in customers:
        ext, phone = str(customer.id), _phone(customer.phone)
        member = known.linked.get(ext)
        if member is None:
            by_email, by_phone = known.email.get(customer.email), known.phone.get(phone)
            member = next((m for m in (by_email, by_phone) if _free(m, ext)), None)
        holder = known.phone.get(phone)
        phone_taken = holder is not None and (member is None or holder.id != member.id)
        if member is None:
            code = member_code(customer.id)
            if code in known.code or phone_taken:
                why = (f"card number {code} is already member {known.code[code].code}'s" if code in known.code
                       else f"phone {mask_phone(phone)} is member {holder.code}'s, linked to customer "
                            f"{holder.external_id}")
                done.warnings.append(f"customer {ext} skipped: {why}")
                continue
            known.remember(members.add(code=code, name=customer.name, phone=phone, email=customer.email,
                                       external_id=ext))
            done.created += 1
            continue
        changes = {"external_id": ext, "email": customer.email or member.email, "name": customer.name or member.name,
                   "phone": phone or member.phone}
        if phone and phone_taken:
            done.warnings.append(f"customer {ext}: phone {mask_phone(phone)} is member {holder.code}'s; member "
                            f"{member.code} keeps {mask_phone(member.phone) or 'no phone'}")
            changes["phone"] = member.phone
        changes = {k: v for k, v in changes.items() if getattr(member, k) != v}
        if changes:
            known.remember(members.update(member.id, **changes))
            done.updated += 1
    return done
