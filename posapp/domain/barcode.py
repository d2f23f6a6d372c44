"""Scanned barcodes: GTIN check digits, UPC-E, and in-store codes carrying a price or weight."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from posapp.domain.errors import ValidationError
from posapp.i18n import _

DEFAULT_PATTERN = "PPIIIIIVVVVVC"
KINDS = ("price", "weight")
RULE_FIELDS = ("prefix", "pattern", "kind", "decimals")
STORE_PREFIXES = tuple(str(n) for n in range(20, 30))


def _digits(code: str) -> str:
    """Strip a scanned string and return its digits as ASCII, refusing anything else."""
    if not isinstance(code, str):
        raise ValidationError(f"a barcode must be text, not {type(code).__name__}")
    text = code.strip()
    if not text:
        raise ValidationError(_("nothing was scanned: the barcode is empty"))
    if not text.isdecimal():
        # Cut short so a scanned web address does not flood the till's message line.
        raise ValidationError(_("{text} is not a barcode: only digits").format(text=repr(text[:40])))
    # A scanner typing through an input method left in full-width mode sends "４００６…".
    return "".join(str(unicodedata.decimal(c)) for c in text)


def gtin_check_digit(body: str) -> str:
    """GS1 mod-10 check digit for the digits that come before it."""
    digits = _digits(body)
    # Weights 3,1,3,… counted from the right, so one rule fits EAN-8, UPC-A and EAN-13.
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


def _require_check(code: str, body: str) -> None:
    """Refuse code unless its last digit is the check digit of body."""
    expected = gtin_check_digit(body)
    if code[-1] != expected:
        raise ValidationError(_("{code} has a wrong check digit (expected {expected})").format(
            code=code, expected=expected))


def _upce_body(code: str) -> str:
    """The 11 UPC-A digits (no check digit) that an 8-digit UPC-E code stands for."""
    system, d, last = code[0], code[1:7], code[6]
    if last in "012":
        middle = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        middle = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        middle = d[0:4] + "00000" + d[4]
    else:
        middle = d[0:5] + "0000" + last
    return system + middle


def expand_upce(code: str) -> str:
    """The 12-digit UPC-A for an 8-digit UPC-E code (number system 0 or 1)."""
    digits = _digits(code)
    if len(digits) != 8:
        raise ValidationError(f"a UPC-E code has 8 digits; this one has {len(digits)}")
    if digits[0] not in "01":
        raise ValidationError(f"{digits} is not a UPC-E code: it must start with 0 or 1")
    body = _upce_body(digits)
    _require_check(digits, body)
    return body + digits[7]


def _classify_eight(digits: str) -> tuple[str, str]:
    """Key and symbology of an 8-digit code, which may be UPC-E or EAN-8."""
    # Both are 8 digits. A code starting with 0 or 1 whose UPC-E check digit fits is
    # UPC-E, even when the EAN-8 check also fits: GS1 keeps EAN-8 codes starting with 0
    # for in-store numbers, while such UPC-E codes are printed on real US/Canadian goods.
    ean8 = gtin_check_digit(digits[:7])
    if digits[0] in "01":
        body = _upce_body(digits)
        upce = gtin_check_digit(body)
        if digits[7] == upce:
            return "0" + body + upce, "UPC-E"
        if digits[7] != ean8 and upce != ean8:
            raise ValidationError(
                _("{code} has a wrong check digit (expected {upce} for UPC-E or {ean8} for EAN-8)")
                .format(code=digits, upce=upce, ean8=ean8)
            )
    _require_check(digits, digits[:7])
    return digits, "EAN-8"


def _classify(code: str) -> tuple[str, str]:
    """Catalog key and symbology of a retail code, after checking it."""
    digits = _digits(code)
    if len(digits) == 8:
        return _classify_eight(digits)
    if len(digits) not in (12, 13):
        raise ValidationError(_("a barcode has 8, 12 or 13 digits; this one has {count}").format(
            count=len(digits)))
    _require_check(digits, digits[:-1])
    return ("0" + digits, "UPC-A") if len(digits) == 12 else (digits, "EAN-13")


def normalize_gtin(code: str) -> str:
    """Check a scanned code and return its catalog key (13 digits, or 8 for EAN-8)."""
    return _classify(code)[0]


def is_valid_gtin(code: str) -> bool:
    """True exactly when normalize_gtin accepts code."""
    try:
        normalize_gtin(code)
    except ValidationError:
        return False
    return True


def _prefix_problem(value: object) -> str | None:
    """Why value is not a store prefix, or None."""
    if isinstance(value, str) and value in STORE_PREFIXES:
        return None
    return f'{value!r} is not a store prefix: use two digits from "20" to "29", in quotes'


def _pattern_problem(value: object) -> str | None:
    """Why value is not a digit layout, or None."""
    if not isinstance(value, str):
        return f"{value!r} is not a pattern: use 13 letters like {DEFAULT_PATTERN!r}"
    if len(value) != 13:
        return f"{value!r} has {len(value)} letters; it needs 13, one per digit"
    if set(value) - set("PIVXC"):
        return f"{value!r} may only use the letters P, I, V, X and C"
    if not value.startswith("PP") or value.count("P") != 2:
        return f"{value!r} must start with PP (the prefix) and have no other P"
    if not value.endswith("C") or value.count("C") != 1:
        return f"{value!r} must end with C (the check digit) and have no other C"
    if "I" not in value or "V" not in value:
        return f"{value!r} needs at least one I (item digit) and one V (value digit)"
    return None


def _rule_problem(values: Mapping[str, object]) -> tuple[str, str] | None:
    """The first (field, reason) that makes values a bad rule, or None."""
    kind, decimals = values["kind"], values["decimals"]
    # type() not isinstance(): bool is an int, and "decimals = true" is a typo, not 1.
    decimals_ok = type(decimals) is int and 0 <= decimals <= 3
    problems = {
        "prefix": _prefix_problem(values["prefix"]),
        "pattern": _pattern_problem(values["pattern"]),
        "kind": None if kind in KINDS else f'{kind!r} is not a kind: use "price" or "weight"',
        "decimals": None if decimals_ok else f"{decimals!r} is not allowed: use 0, 1, 2 or 3",
    }
    return next(((name, why) for name, why in problems.items() if why), None)


@dataclass(frozen=True)
class EmbeddedRule:
    """How an in-store EAN-13 (prefix 20-29) lays out its item code and price or weight."""

    prefix: str
    pattern: str
    kind: str
    decimals: int  # price: minor-unit digits; weight: 3 means the digits are grams

    def __post_init__(self) -> None:
        # Checked here too, so a hand-built rule cannot make parse_scan misread digits.
        problem = _rule_problem({name: getattr(self, name) for name in RULE_FIELDS})
        if problem:
            raise ValidationError(f"embedded rule: {problem[0]}: {problem[1]}")


DEFAULT_EMBEDDED_RULES: tuple[EmbeddedRule, ...] = tuple(
    EmbeddedRule(prefix=p, pattern=DEFAULT_PATTERN, kind="price", decimals=2)
    if p < "25"
    else EmbeddedRule(prefix=p, pattern=DEFAULT_PATTERN, kind="weight", decimals=3)
    for p in STORE_PREFIXES
)


def _parse_rule(index: int, item: object) -> EmbeddedRule:
    """One rule from one config table, with messages naming where it went wrong."""
    where = f"barcodes.embedded[{index}]"
    if not isinstance(item, Mapping):
        raise ValidationError(f"{where}: must be a table with prefix, pattern, kind and decimals")
    unknown = [key for key in item if key not in RULE_FIELDS]
    if unknown:
        known = ", ".join(RULE_FIELDS)
        raise ValidationError(f"{where}.{unknown[0]}: unknown setting (known: {known})")
    values = {"pattern": DEFAULT_PATTERN, **item}  # pattern alone may be left out
    missing = [name for name in RULE_FIELDS if name not in values]
    if missing:
        raise ValidationError(f"{where}.{missing[0]}: missing")
    problem = _rule_problem(values)
    if problem:
        raise ValidationError(f"{where}.{problem[0]}: {problem[1]}")
    return EmbeddedRule(**values)


def parse_embedded_rules(items: list[dict]) -> tuple[EmbeddedRule, ...]:
    """Rules from the barcodes.embedded config tables; refuses the whole list on any fault."""
    if not isinstance(items, (list, tuple)):
        raise ValidationError("barcodes.embedded: must be a list of tables")
    seen: dict[str, int] = {}  # prefix -> index of the table that used it
    rules = tuple(_parse_rule(index, item) for index, item in enumerate(items))
    for index, rule in enumerate(rules):
        if rule.prefix in seen:
            earlier = f"barcodes.embedded[{seen[rule.prefix]}]"
            where = f"barcodes.embedded[{index}].prefix"
            raise ValidationError(f"{where}: {rule.prefix} is already used by {earlier}")
        seen[rule.prefix] = index
    return rules


@dataclass(frozen=True)
class EmbeddedValue:
    kind: str  # "price" or "weight"
    value: Decimal  # currency units, or kg for a weight


@dataclass(frozen=True)
class ScannedCode:
    key: str  # what the catalog is searched by
    symbology: str  # "EAN-13", "EAN-8", "UPC-A", "UPC-E" or "EAN-13 in-store"
    embedded: EmbeddedValue | None = None


def _letters(code: str, pattern: str, letter: str) -> str:
    """The digits of code that pattern marks with letter."""
    return "".join(d for d, p in zip(code, pattern) if p == letter)


def _fill(*, rule: EmbeddedRule, item: str, value: str) -> str:
    """Lay out prefix, item and value digits as rule says, 0 for X, then the check digit."""
    feeds = {"P": iter(rule.prefix), "I": iter(item), "V": iter(value), "X": iter("0" * 13)}
    body = "".join(next(feeds[letter]) for letter in rule.pattern[:-1])
    return body + gtin_check_digit(body)


def _base_of(code: str, rule: EmbeddedRule) -> str:
    """Code with its value and X digits zeroed: how the catalog stores the item."""
    return _fill(rule=rule, item=_letters(code, rule.pattern, "I"), value="0" * 13)


def parse_scan(
    text: str, *, rules: tuple[EmbeddedRule, ...] = DEFAULT_EMBEDDED_RULES
) -> ScannedCode:
    """Check a scanned code and say what to look up, with any price or weight it carries."""
    digits = _digits(text)
    rule = next((r for r in rules if len(digits) == 13 and r.prefix == digits[:2]), None)
    if rule is None:
        key, symbology = _classify(digits)
        return ScannedCode(key=key, symbology=symbology)
    _require_check(digits, digits[:-1])
    raw = int(_letters(digits, rule.pattern, "V"))
    embedded = EmbeddedValue(kind=rule.kind, value=Decimal(raw).scaleb(-rule.decimals))
    return ScannedCode(key=_base_of(digits, rule), symbology="EAN-13 in-store", embedded=embedded)


def _value_digits(value: Decimal, rule: EmbeddedRule) -> str:
    """value written as the rule's V digits, refusing what they cannot hold exactly."""
    if not isinstance(value, (Decimal, int)) or isinstance(value, bool):
        raise ValidationError(f"{value!r} is not a Decimal; prices and weights are never floats")
    value = Decimal(value)
    width = rule.pattern.count("V")
    largest = Decimal(10**width - 1).scaleb(-rule.decimals)
    unit = " kg" if rule.kind == "weight" else ""
    # is_finite first: comparing NaN would raise instead of refusing politely.
    if not value.is_finite() or not 0 <= value <= largest:
        raise ValidationError(f"{value}{unit} does not fit this barcode (0 to {largest}{unit})")
    exact = value.quantize(Decimal(1).scaleb(-rule.decimals))
    if exact != value:
        raise ValidationError(f"{value}{unit} has too many decimals (at most {rule.decimals})")
    return str(int(exact.scaleb(rule.decimals))).zfill(width)


def embed_value(*, base: str, value: Decimal, rule: EmbeddedRule) -> str:
    """The code a scale prints for base code and value (X digits printed as 0)."""
    code = _digits(base)
    if len(code) != 13 or code[:2] != rule.prefix:
        raise ValidationError(f"{code} is not a 13-digit code starting with {rule.prefix}")
    _require_check(code, code[:-1])
    if _base_of(code, rule) != code:
        raise ValidationError(f"{code} is not a base code: its value digits must all be 0")
    digits = _value_digits(value, rule)
    return _fill(rule=rule, item=_letters(code, rule.pattern, "I"), value=digits)


def base_code(*, prefix: str, item: str, rule: EmbeddedRule) -> str:
    """The zero-value code the catalog stores for item code item under rule."""
    if prefix != rule.prefix:
        raise ValidationError(f"prefix {prefix!r} does not match this rule's {rule.prefix}")
    width = rule.pattern.count("I")
    if not (isinstance(item, str) and item.isascii() and item.isdigit() and len(item) == width):
        raise ValidationError(f"item code {item!r} must be exactly {width} digits")
    return _fill(rule=rule, item=item, value="0" * 13)
