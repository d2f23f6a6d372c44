"""Promotions on the till page: the set the basket prices with, coupons typed or scanned into the
scan field, the member (F3), and what the cashier sees of them under the total."""

from __future__ import annotations

import gc

from posapp.domain.clock import to_local
from posapp.domain.errors import NotFound
from posapp.domain.members import tier_label
from posapp.domain.promotions import normal_coupon
from posapp.i18n import _, money
from posapp.services import catalog
from posapp.services import members as member_service
from posapp.services import promotions as promotion_service


class OfferControl:
    """Mixed into TillPage, which provides store, runner, basket, _ask, refresh, info, refuse."""

    offers = None
    offers_version = None
    member_name = ""
    member_text = ""
    member_points = None  # (available points, loyalty rules) of the attached member, for paying with points

    def load_offers(self) -> None:
        """(Re)load the running promotions off the UI thread when a manager changed them; the
        basket is repriced when they come."""
        store, known = self.store, self.offers_version

        def load():
            version = promotion_service.offers_version(store.uow())
            if version == known:
                return None
            offers = promotion_service.load_offers(store.uow(), store.station)
            # The promotions (and what the till loaded before them) live until the next change: the
            # collector need not walk them again, which keeps its rare full passes short mid-basket.
            gc.collect()
            gc.freeze()
            return version, offers

        self.runner.run(load, self._offers_loaded, self.refuse)

    def _offers_loaded(self, loaded) -> None:
        if loaded is None:
            return
        self.offers_version, self.offers = loaded
        self.basket.set_offers(self.offers, self.clock)
        self.refresh()

    # --- coupons --------------------------------------------------------------------------------
    def coupon_or_search(self, code: str, qty) -> None:
        """Text that is not a barcode: a coupon code if one matches, else a product search."""
        store, member = self.store, self.basket.member_code

        def find():
            try:
                return promotion_service.check_coupon(store.uow(), store.station, code, member_code=member), None
            except NotFound:
                return None, catalog.search_products(store.uow(), code, limit=2)

        self.runner.run(find, lambda found: self._coupon_or_products(found, qty, code), self.refuse)

    def scan_barcode(self, code: str, qty) -> None:
        """A scanned code: a product, or else a printed coupon (the product's refusal if neither)."""
        store, member = self.store, self.basket.member_code

        def find():
            try:
                return catalog.lookup_scan(store.uow(), store.station, code), None
            except NotFound as not_product:
                if qty is not None:
                    raise
                try:
                    return None, promotion_service.check_coupon(store.uow(), store.station, code,
                                                                member_code=member)
                except NotFound:
                    raise not_product from None

        self.runner.run(find, lambda found: self._scanned(found, qty), self.refuse)

    def _scanned(self, found, qty) -> None:
        result, coupon = found
        if coupon is not None:
            self._apply_coupon(coupon)
        else:
            self._add(result.product, qty, result.code.key, result.code.embedded)

    def _coupon_or_products(self, found, qty, code) -> None:
        coupon, products = found
        if coupon is not None:
            self._apply_coupon(coupon)
        else:
            self._add_found(products, qty, code)

    def _apply_coupon(self, promotion) -> None:
        self.basket.add_coupon(promotion.coupon_code)
        self.refresh()
        used = any(s.promotion_id == promotion.id for s in self.basket.totals().promotions)
        if used:
            self.info(_("Coupon {code}: {name}").format(code=promotion.coupon_code, name=promotion.name))
        else:
            self.info(_("Coupon {code} kept: it applies once the basket qualifies ({name})")
                      .format(code=promotion.coupon_code, name=promotion.name))

    # --- the member -----------------------------------------------------------------------------
    def member(self) -> None:
        text = self._ask(_("Member"), _("Member card or phone number"))
        if text:
            self.find_member(text)

    def find_member(self, text: str) -> None:
        """Attach the member with this card or phone (or offer to sign them up)."""
        store = self.store

        def find():
            uow = store.uow()
            try:
                member = member_service.find_member(uow, text)
            except NotFound:
                return None, text  # not a member yet: the cashier may sign them up
            return member_service.member_card(uow, store.station, member), member_service.loyalty_rules(uow)

        self.runner.run(find, self._member_found, self.refuse)

    def sign_up(self, **values) -> None:
        """The new-member form (F3 found nobody); a refusal (a phone already taken) reopens it."""
        from posapp.ui.dialogs import SignUpDialog

        dialog = SignUpDialog(parent=self, **values)
        if not dialog.exec():
            self.scan.setFocus()
            return
        store, user, chosen = self.store, self.user, dialog.values

        def create():
            uow = store.uow()
            member = member_service.sign_up(uow, store.station, actor=user, **chosen)
            return member_service.member_card(uow, store.station, member), member_service.loyalty_rules(uow)

        def refused(problem: str) -> None:
            self.refuse(problem)
            self.sign_up(phone=chosen["phone"], name=chosen["name"], card=chosen["code"] or "",
                         consent=chosen["consent"], problem=problem)

        self.runner.run(create, self._member_found, refused)

    def _member_found(self, found) -> None:
        card, rules = found
        if card is None:
            self.sign_up(typed=rules)
            return
        member = card.member
        self.basket.set_member(member.code, member.tier)
        self.member_name = member.name or member.code
        self.member_points = (card.balance, rules)
        # What the cashier tells the customer: who, tier, points, what is about to expire, last visits.
        self.member_text = _("Member {name} ({code}) {phone} · tier {tier} · {points} points").format(
            name=self.member_name, code=member.code, phone=member.masked_phone, tier=tier_label(member.tier),
            points=card.balance)
        if card.expiring:
            self.member_text += " · " + _("{points} expire by {day}").format(
                points=card.expiring, day=f"{card.expiring_on:%Y-%m-%d}")
        tz = self.store.station.timezone
        visits = [f"{to_local(at, tz):%m-%d} {money(total, self.currency)}" for at, _store, total in card.visits[:3]]
        self.member_text += "\n" + (_("Last visits: {visits}").format(visits=", ".join(visits)) if visits
                                     else _("First visit"))
        self.refresh()
        self.info(self.member_text.replace("\n", " · "))

    def forget_member(self) -> None:
        self.member_name = self.member_text = ""
        self.member_points = None

    # --- what the cashier sees ------------------------------------------------------------------
    def offer_summary(self, totals) -> list[str]:
        """Lines under the total: basket promotions with their savings, gifts, coupons waiting, member."""
        parts = [f"{s.name} -{money(s.amount, self.currency)}" for s in totals.promotions if s.level == "basket"]
        parts += [_("Gift: {name} x{qty}").format(name=self._gift_name(g.sku), qty=g.qty) for g in totals.gifts]
        applied = {normal_coupon(p.coupon_code) for p in self._coupon_promos()
                   if any(s.promotion_id == p.id for s in totals.promotions)}
        waiting = [c for c in self.basket.coupons if c not in applied]
        if waiting:
            parts.append(_("Coupons not yet applying: {codes}").format(codes=", ".join(waiting)))
        if self.basket.member_code:
            parts.append(self.member_text or _("Member {name} ({code})").format(
                name=self.member_name, code=self.basket.member_code))
        return parts

    def _coupon_promos(self):
        return [p for p in (self.offers.basket_level if self.offers else ()) if p.coupon_code]

    def _gift_name(self, sku: str) -> str:
        product = self.offers.gift_products.get(sku) if self.offers else None
        return product.name if product else sku
