"""Promotion files: the JSON document managers import and export (docs/promotions-file.md).

Parsing is all-or-nothing like catalog files: every bad entry is reported (where, field, reason)
and the caller saves nothing unless the list is empty. Money is read as Decimal, never float.
"""

from __future__ import annotations

import codecs
import difflib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posapp.domain.catalog import check_category_path, check_sku
from posapp.domain.catalog_files import RowError
from posapp.domain.errors import ValidationError
from posapp.domain.money import MAX_PRICE
from posapp.domain.promotions import Kind, Promotion, Tier, check_promotion, normal_coupon
from posapp.i18n import _

MAX_BYTES = 10 * 1024 * 1024
MAX_ERRORS = 1000
COMMON = ("code", "name", "name_en", "kind", "starts", "ends", "active", "priority", "stackable", "group",
          "products", "categories", "exclude_products", "exclude_categories", "members_only", "member_tiers",
          "weekdays", "hours")
BY_KIND = {
    Kind.SPECIAL_PRICE: ("price",),
    Kind.PERCENT_OFF: ("percent",),
    Kind.BUY_X_GET_Y: ("buy", "get", "percent"),
    Kind.THRESHOLD: ("tiers", "repeating"),
    Kind.COUPON: ("coupon_code", "amount", "percent", "min_spend", "max_uses", "max_uses_per_member"),
    Kind.GIFT: ("gift_sku", "gift_qty", "threshold"),
}
REQUIRED = {Kind.SPECIAL_PRICE: ("price",), Kind.PERCENT_OFF: ("percent",), Kind.BUY_X_GET_Y: ("buy", "get"),
            Kind.THRESHOLD: ("tiers",), Kind.COUPON: ("coupon_code",), Kind.GIFT: ("gift_sku", "threshold")}
KNOWN = COMMON + tuple(dict.fromkeys(k for keys in BY_KIND.values() for k in keys))
TIER_KEYS = ("threshold", "amount")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class ParsedPromotions:
    promotions: list[Promotion]  # id 0: matched by code when saved
    errors: list[RowError]


# --- values ----------------------------------------------------------------------------------

def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("unknown time zone {zone}").format(zone=timezone)) from None


def parse_time(text: object, *, timezone: str) -> datetime:
    """ISO 8601 with an offset (or Z), or store-local time without one, as naive UTC."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(_("expected a date and time like 2026-11-01T09:00 or 2026-11-01T09:00+08:00"))
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(_("{text} is not an ISO 8601 date and time").format(text=text)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone(timezone))
    return moment.astimezone(UTC).replace(tzinfo=None)


def format_time(moment: datetime, *, timezone: str) -> str:
    """Naive UTC as store-local ISO 8601 with its offset (what parse_time reads back)."""
    return moment.replace(tzinfo=UTC).astimezone(_zone(timezone)).isoformat()


def _number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValidationError(_("expected a number such as \"12.50\""))
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(_("{value} is not a number").format(value=value)) from None
    if not number.is_finite():
        raise ValidationError(_("{value} is not a number").format(value=value))
    return number


def _amount(value: object, places: int) -> Decimal:
    """A number of at most `places` decimals; whether it must be above 0 is the domain's rule."""
    number = _number(value)
    if abs(number) > MAX_PRICE:
        raise ValidationError(_("{value} is more than {limit}").format(value=value, limit=MAX_PRICE))
    if number != round(number, places):
        raise ValidationError(_("{value} has more than {places} decimal places").format(value=value, places=places))
    return number


def _int(value: object) -> int:
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,9}\s*", value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("expected a whole number"))
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("expected true or false"))
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("expected a text"))
    return value.strip()


def _list(value: object) -> list:
    if not isinstance(value, list):
        raise ValidationError(_("expected a list"))
    return value


def _skus(value: object) -> frozenset[str]:
    return frozenset(check_sku(_text(v)) for v in _list(value))


def _categories(value: object) -> tuple[str, ...]:
    paths = tuple(check_category_path(_text(v)) for v in _list(value))
    if "" in paths:
        raise ValidationError(_("a category path is empty"))
    return tuple(dict.fromkeys(paths))


def _tiers_of_members(value: object) -> frozenset[str]:
    tiers = frozenset(_text(v) for v in _list(value))
    if "" in tiers:
        raise ValidationError(_("a member tier is empty"))
    return tiers


def _weekdays(value: object) -> frozenset[int]:
    days = [v for v in _list(value)]
    if any(isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        raise ValidationError(_("days of the week are 1 (Monday) to 7 (Sunday)"))
    return frozenset(days)


def _hours(value: object) -> tuple[time, time]:
    pair = _list(value)
    if len(pair) != 2 or not all(isinstance(h, str) and HHMM.match(h.strip()) for h in pair):
        raise ValidationError(_("expected two times like [\"08:00\", \"10:30\"]"))
    return time.fromisoformat(pair[0].strip()), time.fromisoformat(pair[1].strip())


def _tiers(value: object, places: int) -> tuple[Tier, ...]:
    tiers = []
    for index, item in enumerate(_list(value)):
        if not isinstance(item, dict):
            raise ValidationError(_("tier [{index}] is not an object").format(index=index))
        unknown = sorted(set(item) - set(TIER_KEYS))
        missing = [k for k in TIER_KEYS if k not in item]
        if unknown or missing:
            raise ValidationError(_("tier [{index}] needs exactly threshold and amount").format(index=index))
        try:
            tiers.append(Tier(_amount(item["threshold"], places), _amount(item["amount"], places)))
        except ValidationError as exc:
            raise ValidationError(_("tier [{index}]: {reason}").format(index=index, reason=exc)) from None
    return tuple(tiers)


# The file's key -> (Promotion field, how its value is read); null is never read: it means the default.
# Times, money, percents and tiers depend on the store: see _values.
READERS = {
    "name_en": ("name_en", _text), "active": ("active", _bool), "priority": ("priority", _int),
    "stackable": ("stackable", _bool), "group": ("group", _text), "products": ("products", _skus),
    "categories": ("categories", _categories), "exclude_products": ("exclude_products", _skus),
    "exclude_categories": ("exclude_categories", _categories), "members_only": ("members_only", _bool),
    "member_tiers": ("member_tiers", _tiers_of_members), "weekdays": ("weekdays", _weekdays),
    "hours": ("hours", _hours), "repeating": ("repeating", _bool), "buy": ("buy", _int), "get": ("get", _int),
    "coupon_code": ("coupon_code", lambda v: normal_coupon(_text(v))), "max_uses": ("max_uses", _int),
    "max_uses_per_member": ("max_uses_per_member", _int),
    "gift_sku": ("gift_sku", lambda v: check_sku(_text(v))), "gift_qty": ("gift_qty", _int),
}


# --- reading ---------------------------------------------------------------------------------

def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(_("the file is not UTF-8 text (byte {offset})").format(offset=exc.start)) from None


def _no_constant(name: str):
    raise ValueError(_("{value} is not a number").format(value=name))


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(_("the key {key} appears twice in one object").format(key=key))
        found[key] = value
    return found


def parse_promotions(text: str | bytes, *, timezone: str, places: int = 2) -> ParsedPromotions:
    """Promotions from a file's text (or bytes: UTF-8), and every problem: save none unless there is none."""
    if len(text) > MAX_BYTES or (isinstance(text, str) and len(text.encode("utf-8", "replace")) > MAX_BYTES):
        return ParsedPromotions([], [RowError("file", "size", _("the file is larger than 10 MB"))])
    try:
        _zone(timezone)
    except ValidationError as exc:
        return ParsedPromotions([], [RowError("file", "timezone", str(exc))])
    try:
        text = _decode(text) if isinstance(text, bytes) else text
    except ValidationError as exc:
        return ParsedPromotions([], [RowError("file", "encoding", str(exc))])
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        reason = _("not valid JSON: {reason} (column {column})").format(reason=exc.msg, column=exc.colno)
        return ParsedPromotions([], [RowError(f"line {exc.lineno}", "json", reason)])
    except ValueError as exc:
        return ParsedPromotions([], [RowError("file", "json", str(exc))])
    if not isinstance(data, dict) or not isinstance(data.get("promotions"), list):
        return ParsedPromotions([], [RowError("file", "promotions",
                                              _("expected an object with a \"promotions\" list"))])
    errors = [RowError("file", key, _unknown_reason(key, ("promotions",))) for key in data if key != "promotions"]
    promotions: list[tuple[str, Promotion]] = []
    for index, entry in enumerate(data["promotions"]):
        where = _where(index, entry)
        if not isinstance(entry, dict):
            errors.append(RowError(where, "promotion", _("is not an object")))
            continue
        promotion = _entry(entry, where, errors, timezone=timezone, places=places)
        if promotion is not None:
            promotions.append((where, promotion))
        if len(errors) >= MAX_ERRORS:
            break
    _check_duplicates(promotions, errors)
    return ParsedPromotions([p for _w, p in promotions], errors[:MAX_ERRORS])


def _where(index: int, entry: object) -> str:
    code = entry.get("code") if isinstance(entry, dict) else None
    return f"promotion [{index}] ({code.strip()})" if isinstance(code, str) and code.strip() else f"promotion [{index}]"


def _unknown_reason(key: str, known) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return _("unknown key; did you mean {key}?").format(key=close[0])
    return _("unknown key")


def _entry(entry: dict, where: str, errors: list[RowError], *, timezone: str, places: int) -> Promotion | None:
    before = len(errors)
    kind = _kind(entry, where, errors)
    allowed = COMMON + (BY_KIND[kind] if kind else KNOWN)
    for key in entry:
        if key not in KNOWN:
            errors.append(RowError(where, key, _unknown_reason(key, allowed)))
        elif key not in allowed:
            errors.append(RowError(where, key, _("is not used by a {kind} promotion").format(kind=kind.value)))
    for key in ("code", "name") + (REQUIRED[kind] if kind else ()):
        if entry.get(key) is None:
            errors.append(RowError(where, key, _("is required")))
    if kind is Kind.COUPON and entry.get("amount") is None and entry.get("percent") is None:
        errors.append(RowError(where, "amount", _("a coupon takes off either an amount or a percent")))
    values = _values(entry, where, errors, allowed, timezone, places)
    if kind is None:
        return None
    # The domain's checks too, on what could be read, for fields not already reported.
    promotion = Promotion(id=0, kind=kind, **{"code": "", "name": "", **values})
    reported = {e.field for e in errors[before:]}
    for problem in check_promotion(promotion, places=places):
        field = _field_of(problem, promotion)
        if field not in reported:
            errors.append(RowError(where, field, problem))
    return promotion if len(errors) == before else None


_FAILED = object()


def _values(entry: dict, where: str, errors: list[RowError], allowed, timezone: str, places: int) -> dict:
    """Promotion fields read from an entry's keys (those that could not be read left out)."""
    def money(v):
        return _amount(v, places)

    readers = dict(READERS, code=("code", _text), name=("name", _text),
                   starts=("starts_at", lambda v: parse_time(v, timezone=timezone)),
                   ends=("ends_at", lambda v: parse_time(v, timezone=timezone)),
                   price=("price", money), amount=("amount", money), min_spend=("threshold", money),
                   threshold=("threshold", money), percent=("percent", lambda v: _amount(v, 2)),
                   tiers=("tiers", lambda v: _tiers(v, places)))
    values = {}
    for key, value in entry.items():
        if key in readers and key in allowed and value is not None:
            field, read = readers[key]
            got = _read(errors, where, key, read, value)
            if got is not _FAILED:
                values[field] = got
    return values


def _kind(entry: dict, where: str, errors: list[RowError]) -> Kind | None:
    value = entry.get("kind")
    if value is None:
        errors.append(RowError(where, "kind", _("is required")))
        return None
    try:
        return Kind(value) if isinstance(value, str) else Kind("?")
    except ValueError:
        errors.append(RowError(where, "kind", _("{value} is not one of {kinds}")
                               .format(value=value, kinds=", ".join(k.value for k in Kind))))
        return None


def _read(errors: list[RowError], where: str, key: str, read, value):
    try:
        return read(value)
    except ValidationError as exc:
        errors.append(RowError(where, key, str(exc)))
        return _FAILED


# check_promotion's reasons, by the file key a person should look at.
_DOMAIN_FIELDS = {
    "the code must be 1 to 40 characters": "code", "the name must be 1 to 80 characters": "name",
    "it ends before it starts": "ends", "days of the week are 1 (Monday) to 7 (Sunday)": "weekdays",
    "the hours start and end at the same time": "hours", "the priority must be between -1000 and 1000": "priority",
    "only special prices and percent-off promotions can be stackable": "stackable",
    "a product is both included and excluded": "exclude_products",
    "a coupon takes off either an amount or a percent": "amount",
    "a special price needs a price above 0": "price", "the percent off must be more than 0 and at most 100": "percent",
    "buy X get Y needs X and Y from 1 to 99": "buy", "a coupon needs a code of 1 to 32 letters, digits, - or _":
        "coupon_code", "the coupon amount must be above 0": "amount", "the minimum spend cannot be negative":
        "min_spend", "a usage limit must be at least 1": "max_uses", "the gift quantity must be 1 to 99": "gift_qty",
    "a gift promotion needs the gift's SKU": "gift_sku", "a gift promotion needs a subtotal to reach, above 0":
        "threshold",
}


def _field_of(problem: str, p: Promotion) -> str:
    if problem == _("a usage limit must be at least 1"):
        return "max_uses" if p.max_uses is not None and p.max_uses < 1 else "max_uses_per_member"
    if problem == _("buy X get Y needs X and Y from 1 to 99"):
        return "buy" if not 1 <= p.buy <= 99 else "get"
    for msgid, key in _DOMAIN_FIELDS.items():
        if problem == _(msgid):
            return key
    return "tiers" if p.kind is Kind.THRESHOLD else "promotion"


def _check_duplicates(promotions: list[tuple[str, Promotion]], errors: list[RowError]) -> None:
    codes: dict[str, str] = {}
    coupons: dict[str, str] = {}
    for where, p in promotions:
        if p.code in codes:
            errors.append(RowError(where, "code", _("also used by {where}").format(where=codes[p.code])))
        codes.setdefault(p.code, where)
        if p.kind is Kind.COUPON:
            if p.coupon_code in coupons:
                errors.append(RowError(where, "coupon_code", _("{coupon} is also used by {where}")
                                       .format(coupon=p.coupon_code, where=coupons[p.coupon_code])))
            coupons.setdefault(p.coupon_code, where)


# --- writing ---------------------------------------------------------------------------------

def _money(value: Decimal) -> str:
    return f"{value:f}"


def promotion_entry(p: Promotion, *, timezone: str) -> dict:
    """One promotion as the file has it; keys left at their defaults are left out."""
    entry: dict = {"code": p.code, "name": p.name}
    if p.name_en:
        entry["name_en"] = p.name_en
    entry["kind"] = p.kind.value
    optional = {
        "starts": format_time(p.starts_at, timezone=timezone) if p.starts_at else None,
        "ends": format_time(p.ends_at, timezone=timezone) if p.ends_at else None,
        "active": False if not p.active else None, "priority": p.priority or None,
        "stackable": p.stackable or None, "group": p.group or None,
        "products": sorted(p.products) or None, "categories": list(p.categories) or None,
        "exclude_products": sorted(p.exclude_products) or None,
        "exclude_categories": list(p.exclude_categories) or None,
        "members_only": p.members_only or None, "member_tiers": sorted(p.member_tiers) or None,
        "weekdays": sorted(p.weekdays) or None,
        "hours": [h.strftime("%H:%M") for h in p.hours] if p.hours else None,
    }
    entry.update({k: v for k, v in optional.items() if v is not None})
    entry.update(_kind_entry(p))
    return entry


def _kind_entry(p: Promotion) -> dict:
    money = {k: _money(v) for k, v in (("price", p.price), ("percent", p.percent), ("amount", p.amount),
                                        ("threshold", p.threshold)) if v is not None}
    if p.kind is Kind.SPECIAL_PRICE:
        return {"price": money.get("price")}
    if p.kind is Kind.PERCENT_OFF:
        return {"percent": money.get("percent")}
    if p.kind is Kind.BUY_X_GET_Y:
        return {"buy": p.buy, "get": p.get, **({"percent": money["percent"]} if "percent" in money else {})}
    if p.kind is Kind.THRESHOLD:
        tiers = [{"threshold": _money(t.threshold), "amount": _money(t.amount)} for t in p.tiers]
        return {"tiers": tiers, **({"repeating": True} if p.repeating else {})}
    if p.kind is Kind.COUPON:
        entry = {"coupon_code": p.coupon_code}
        entry.update({k: money[k] for k in ("amount", "percent") if k in money})
        if p.threshold is not None:
            entry["min_spend"] = money["threshold"]
        entry.update({k: v for k, v in (("max_uses", p.max_uses), ("max_uses_per_member", p.max_uses_per_member))
                      if v is not None})
        return entry
    return {"gift_sku": p.gift_sku, "gift_qty": p.gift_qty, "threshold": money.get("threshold")}


def write_promotions(promotions, *, timezone: str) -> str:
    """The file for these promotions; parse_promotions reads it back to equal promotions."""
    def compact(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))

    entries = [",\n".join(f"      {compact(k)}: {compact(v)}" for k, v in promotion_entry(p, timezone=timezone).items())
               for p in promotions]
    body = ",\n".join("    {\n" + e + "\n    }" for e in entries)
    return '{\n  "promotions": [\n' + body + "\n  ]\n}\n" if body else '{\n  "promotions": []\n}\n'
