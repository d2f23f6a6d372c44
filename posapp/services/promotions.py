"""Promotions: managers save, import and end them (a permission, audited); the till prices with
them; coupons are checked when entered and consumed when the sale completes; the simulator prices
a basket without selling anything."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from posapp.domain.basket import Basket
from posapp.domain.basket_lines import Totals
from posapp.domain.clock import to_local, utcnow
from posapp.domain.errors import NotFound, ValidationError
from posapp.domain.members import Member
from posapp.domain.pricing import PromotionSet
from posapp.domain.promotions import Kind, Promotion, check_promotion, normal_coupon
from posapp.domain.sale import SaleLine
from posapp.domain.users import Approval, Permission, User
from posapp.i18n import _
from posapp.services import members as member_service
from posapp.services.auth import audit, require
from posapp.services.station import Station


@dataclass(frozen=True)
class PromotionProblem:
    code: str  # the promotion's code ("" if it has none)
    reason: str

    def __str__(self) -> str:
        return f"{self.code or '?'}: {self.reason}"


class PromotionsRejected(ValidationError):
    """A set of promotions refused as a whole, with every reason."""

    def __init__(self, problems: list[PromotionProblem]):
        self.problems = problems
        super().__init__(_("{count} promotions have problems; nothing was saved").format(count=len(problems)))


def clock_for(station: Station):
    """() -> (naive UTC now, store-local now): what a basket prices promotions at."""
    def now() -> tuple[datetime, datetime]:
        at = utcnow()
        return at, to_local(at, station.timezone)
    return now


def fixed_clock(at_utc: datetime, station: Station):
    local = to_local(at_utc, station.timezone)
    return lambda: (at_utc, local)


# --- managing -------------------------------------------------------------------------------------

def _problems(uow, promotions: list[Promotion], places: int) -> list[PromotionProblem]:
    """Every reason a set of promotions cannot be saved, as a set and against the database."""
    problems = [PromotionProblem(p.code, reason) for p in promotions for reason in check_promotion(p, places=places)]
    seen_codes: set[str] = set()
    seen_coupons: dict[str, str] = {}
    for p in promotions:
        if p.code in seen_codes:
            problems.append(PromotionProblem(p.code, _("the code is used twice in this set")))
        seen_codes.add(p.code)
        if p.kind is Kind.COUPON and p.coupon_code:
            coupon = normal_coupon(p.coupon_code)
            other = seen_coupons.get(coupon)
            stored = uow.promotions.by_coupon(coupon)
            if other is not None or (stored is not None and stored.code != p.code):
                problems.append(PromotionProblem(p.code, _("coupon code {coupon} is already used by {other}")
                                                 .format(coupon=coupon, other=other or stored.code)))
            seen_coupons[coupon] = p.code
        if p.kind is Kind.GIFT and p.gift_sku and uow.catalog.by_sku(p.gift_sku) is None:
            problems.append(PromotionProblem(p.code, _("the gift {sku} is not in the catalog").format(sku=p.gift_sku)))
    for p in promotions:
        missing = sorted(sku for sku in p.products if uow.catalog.by_sku(sku) is None)[:5]
        if missing:
            problems.append(PromotionProblem(p.code, _("unknown SKUs: {skus}").format(skus=", ".join(missing))))
    return problems


def save_promotions(uow, station: Station, *, actor: User, promotions: list[Promotion], source: str | None = None,
                    approval: Approval | None = None) -> list[Promotion]:
    """Save new or changed promotions (matched by code) all together, or none if any is wrong.
    source (manual, import, online, demo) replaces the promotions' own when given."""
    promotions = [replace(p, source=source or p.source, code=p.code.strip()) for p in promotions]
    with uow:
        approver = require(uow, actor, Permission.MANAGE_PROMOTIONS, approval)
        problems = _problems(uow, promotions, station.places)
        if problems:
            raise PromotionsRejected(problems)
        saved = [uow.promotions.save(p) for p in promotions]
        audit(uow, station, actor=actor, action="promotions_saved", approver_id=approver,
              detail={"source": source or "manual", "codes": [p.code for p in saved][:50], "count": len(saved)})
        uow.commit()
    return saved


def end_promotion(uow, station: Station, *, actor: User, code: str, approval: Approval | None = None) -> Promotion:
    """Stop a promotion now (it stays, for the reports)."""
    with uow:
        approver = require(uow, actor, Permission.MANAGE_PROMOTIONS, approval)
        found = uow.promotions.by_code(code.strip())
        if found is None:
            raise NotFound(_("No promotion {code}").format(code=code))
        now = utcnow()
        # Ended now, unless it had already ended or has not started (its dates then stay as they were).
        running = (found.starts_at is None or found.starts_at < now) and (found.ends_at is None or found.ends_at > now)
        uow.promotions.end(found.id, now if running else found.ends_at)
        audit(uow, station, actor=actor, action="promotion_ended", approver_id=approver, detail={"code": found.code})
        uow.commit()
        return uow.promotions.get(found.id)


def list_promotions(uow) -> list[Promotion]:
    return uow.promotions.all()


# --- the till -------------------------------------------------------------------------------------

def load_offers(uow, station: Station, *, at: datetime | None = None) -> PromotionSet:
    """The promotions a till prices with from now on, with their gift products."""
    current = uow.promotions.current(at or utcnow())
    gifts = {}
    for p in current:
        if p.kind is Kind.GIFT and p.gift_sku not in gifts:
            product = uow.catalog.by_sku(p.gift_sku)
            if product is not None:
                gifts[p.gift_sku] = product
    return PromotionSet(current, gift_products=gifts, places=station.places)


def offers_version(uow) -> tuple:
    return uow.promotions.version()


def find_member(uow, text: str) -> Member:
    """The member the simulator prices for: found as at the till (card or phone, active only)."""
    return member_service.find_member(uow, text)


def check_coupon(uow, station: Station, code: str, *, member_code: str | None = None,
                 at: datetime | None = None) -> Promotion:
    """The coupon promotion for a code typed or scanned at the till, if it can be used now."""
    at = at or utcnow()
    found = uow.promotions.by_coupon(code)
    if found is None:
        raise NotFound(_("No coupon {code}").format(code=normal_coupon(code)))
    if not found.running(at, to_local(at, station.timezone)):
        raise ValidationError(_("Coupon {code} is not valid now").format(code=normal_coupon(code)))
    _check_uses(uow, found, member_code)
    return found


def _check_uses(uow, p: Promotion, member_code: str | None) -> None:
    if p.max_uses is not None and uow.promotions.coupon_uses(p.id) >= p.max_uses:
        raise ValidationError(_("Coupon {code} has been used up").format(code=p.coupon_code))
    if p.max_uses_per_member is not None:
        if member_code is None:
            raise ValidationError(_("Coupon {code} is for members: identify the member first")
                                  .format(code=p.coupon_code))
        if uow.promotions.coupon_uses(p.id, member_code=member_code) >= p.max_uses_per_member:
            raise ValidationError(_("Member {member} has already used coupon {code}")
                                  .format(member=member_code, code=p.coupon_code))


def consume_coupons(uow, *, sale_id: int, lines: tuple[SaleLine, ...], member_code: str | None,
                    at: datetime) -> tuple[str, ...]:
    """Inside the sale's transaction: record each coupon the sale used, refusing one used up since."""
    used: dict[int, str] = {}
    for line in lines:
        for p in line.promotions:
            if p.kind == Kind.COUPON.value:
                used.setdefault(p.promotion_id, p.code)
    codes = []
    for promotion_id in used:
        promotion = uow.promotions.get(promotion_id)
        _check_uses(uow, promotion, member_code)
        uow.promotions.add_coupon_use(promotion_id=promotion_id, code=promotion.coupon_code, sale_id=sale_id,
                                      member_code=member_code, at=at)
        codes.append(normal_coupon(promotion.coupon_code))
    return tuple(codes)


# --- the simulator --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quote:
    at: datetime  # naive UTC
    member: Member | None
    coupons: tuple[str, ...]
    lines: tuple[SaleLine, ...]
    totals: Totals
    notes: tuple[str, ...]


def parse_items(text: str) -> list[tuple[str, Decimal]]:
    """'SKU:QTY,SKU:QTY' (QTY defaults to 1) as (sku, qty) pairs."""
    items = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        sku, _sep, qty = part.rpartition(":") if ":" in part else (part, "", "1")
        try:
            value = Decimal(qty.strip())
        except ArithmeticError:
            raise ValidationError(_("{part}: the quantity {qty} is not a number").format(part=part, qty=qty)) from None
        items.append((sku.strip(), value))
    if not items:
        raise ValidationError(_("Give at least one item as SKU:QTY"))
    return items


def price_basket(uow, station: Station, *, items: list[tuple[str, Decimal]], member_code: str | None = None,
                 coupons: tuple[str, ...] = (), at: datetime | None = None) -> Quote:
    """Price a basket with the promotions running at `at` (naive UTC; default now); nothing is sold."""
    at = at or utcnow()
    member = find_member(uow, member_code) if member_code else None
    basket = Basket(currency_places=station.places, prices_include_tax=station.prices_include_tax,
                    offers=load_offers(uow, station, at=at), clock=fixed_clock(at, station))
    basket.set_member_tier(member.tier if member else None)
    for sku, qty in items:
        product = uow.catalog.by_sku(sku)
        if product is None:
            raise NotFound(_("No product with SKU {sku}").format(sku=sku))
        basket.add(product, qty=qty)
    for code in coupons:
        check_coupon(uow, station, code, member_code=member.code if member else None, at=at)
        basket.add_coupon(code)
    pricing = basket.pricing()
    return Quote(at=at, member=member, coupons=basket.coupons, lines=basket.to_sale_lines(),
                 totals=basket.totals(), notes=pricing.notes if pricing else ())


def quote_json(quote: Quote) -> dict:
    """The simulator's answer for machines: every line, each promotion on it, and the totals."""
    t = quote.totals
    return {
        "at": quote.at.isoformat() + "Z",
        "member": quote.member.code if quote.member else None,
        "coupons": list(quote.coupons),
        "lines": [{"line": ln.line_no, "sku": ln.sku, "name": ln.name, "qty": str(ln.qty),
                   "unit_price": str(ln.unit_price), "amount": str(ln.total + ln.promotion_saving + ln.discount),
                   "promotions": [{"code": p.code, "name": p.name, "kind": p.kind, "level": p.level,
                                   "amount": str(p.amount)} for p in ln.promotions],
                   "net": str(ln.paid), "gift": _is_gift(ln)}
                  for ln in quote.lines],
        "subtotal": str(sum((ln.total + ln.promotion_saving + ln.discount for ln in quote.lines
                             if not _is_gift(ln)), Decimal(0))),
        "promotions": [{"code": s.code, "name": s.name, "kind": s.kind.value, "level": s.level,
                        "amount": str(s.amount)} for s in t.promotions],
        "discounts": str(sum((s.amount for s in t.promotions if s.level != "gift"), Decimal(0))
                         + sum((ln.discount for ln in quote.lines), Decimal(0)) + t.basket_discount),
        "promo_discount": str(t.promo_discount),
        "total": str(t.total),
        "tax": [{"rate": str(x.rate), "net": str(x.net), "tax": str(x.tax), "gross": str(x.gross)} for x in t.taxes],
        "notes": list(quote.notes),
    }


def _is_gift(line: SaleLine) -> bool:
    return any(p.level == "gift" for p in line.promotions)
