"""Barcode checks against real codes a cashier would scan, plus properties over all codes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posapp.domain.barcode import (
    DEFAULT_EMBEDDED_RULES,
    EmbeddedRule,
    EmbeddedValue,
    ScannedCode,
    base_code,
    embed_value,
    expand_upce,
    gtin_check_digit,
    is_valid_gtin,
    normalize_gtin,
    parse_embedded_rules,
    parse_scan,
)
from posapp.domain.errors import ValidationError

PRICE_21 = next(r for r in DEFAULT_EMBEDDED_RULES if r.prefix == "21")
WEIGHT_25 = next(r for r in DEFAULT_EMBEDDED_RULES if r.prefix == "25")
# Some scales print a price check digit before the price: X marks it as ignored.
X_RULE = EmbeddedRule(prefix="22", pattern="PPIIIIIXVVVVC", kind="price", decimals=2)


# --- check digits and plain retail codes -------------------------------------------


@pytest.mark.parametrize(
    ("body", "check"),
    [("400638133393", "1"), ("03600029145", "2"), ("9638507", "4"), ("501234567890", "0")],
)
def test_check_digit_of_known_codes(body, check):
    assert gtin_check_digit(body) == check


@pytest.mark.parametrize(
    ("scanned", "key", "symbology"),
    [
        ("4006381333931", "4006381333931", "EAN-13"),
        ("036000291452", "0036000291452", "UPC-A"),
        ("0036000291452", "0036000291452", "EAN-13"),
        ("96385074", "96385074", "EAN-8"),
        ("04252614", "0042100005264", "UPC-E"),
        ("  4006381333931\r\n", "4006381333931", "EAN-13"),
        # A scanner typing through an input method in full-width mode.
        ("４００６３８１３３３９３１", "4006381333931", "EAN-13"),
    ],
)
def test_known_codes_give_the_catalog_key(scanned, key, symbology):
    assert normalize_gtin(scanned) == key
    assert is_valid_gtin(scanned)
    assert parse_scan(scanned) == ScannedCode(key=key, symbology=symbology)


def test_upca_and_its_ean13_form_find_the_same_product():
    assert normalize_gtin("036000291452") == normalize_gtin("0036000291452")


@pytest.mark.parametrize(
    ("upce", "upca"),
    [
        ("04252614", "042100005264"),  # last digit 0-2: manufacturer 42x00
        ("01234565", "012345000065"),  # last digit 5-9: product digit kept at the end
        ("01234531", "012300000451"),  # last digit 3
        ("01234543", "012340000053"),  # last digit 4
    ],
)
def test_expand_upce(upce, upca):
    assert expand_upce(upce) == upca
    assert is_valid_gtin(upca)


def test_expand_upce_refuses_a_wrong_check_digit():
    with pytest.raises(ValidationError, match=r"^04252615 has a wrong check digit \(expected 4\)$"):
        expand_upce("04252615")


def test_expand_upce_refuses_number_system_2_and_wrong_length():
    with pytest.raises(ValidationError, match="must start with 0 or 1"):
        expand_upce("24252614")
    with pytest.raises(ValidationError, match="has 8 digits; this one has 12"):
        expand_upce("036000291452")


def test_eight_digits_valid_as_both_upce_and_ean8_is_read_as_upce():
    code = "03252888"
    assert gtin_check_digit("0325288") == "8"  # the EAN-8 check fits ...
    assert expand_upce(code) == "032528000088"  # ... and so does the UPC-E one
    assert parse_scan(code) == ScannedCode(key="0032528000088", symbology="UPC-E")


def test_eight_digits_starting_with_0_that_only_fit_ean8_stay_ean8():
    # 0425261 has EAN-8 check 0 but UPC-E check 4.
    assert parse_scan("04252610") == ScannedCode(key="04252610", symbology="EAN-8")


def test_eight_digits_fitting_neither_name_both_expected_digits():
    msg = r"^04252615 has a wrong check digit \(expected 4 for UPC-E or 0 for EAN-8\)$"
    with pytest.raises(ValidationError, match=msg):
        normalize_gtin("04252615")


@pytest.mark.parametrize(
    ("scanned", "message"),
    [
        ("4006381333932", r"^4006381333932 has a wrong check digit \(expected 1\)$"),
        ("036000291453", r"^036000291453 has a wrong check digit \(expected 2\)$"),
        ("96385075", r"^96385075 has a wrong check digit \(expected 4\)$"),
        ("12ab", r"^'12ab' is not a barcode: only digits$"),
        ("4006 381333931", "only digits"),
        ("-4006381333931", "only digits"),
        ("²³", "only digits"),  # superscripts are not digits a scanner sends
        ("4006381333", r"^a barcode has 8, 12 or 13 digits; this one has 10$"),
        ("40063813339310", "this one has 14"),
        ("", r"^nothing was scanned: the barcode is empty$"),
        ("   \t", "the barcode is empty"),
    ],
)
def test_bad_scans_are_refused_with_a_plain_message(scanned, message):
    with pytest.raises(ValidationError, match=message):
        normalize_gtin(scanned)
    with pytest.raises(ValidationError, match=message):
        parse_scan(scanned)
    assert not is_valid_gtin(scanned)


def test_a_long_garbage_scan_is_cut_short_in_the_message():
    with pytest.raises(ValidationError) as caught:
        normalize_gtin("https://example.com/" + "x" * 500)
    assert len(str(caught.value)) < 80


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_any_12_digit_body_plus_its_check_digit_is_valid(body):
    assert is_valid_gtin(body + gtin_check_digit(body))


@given(
    st.text(alphabet="0123456789", min_size=12, max_size=12),
    st.integers(min_value=0, max_value=12),
    st.integers(min_value=1, max_value=9),
)
def test_changing_any_single_digit_makes_it_invalid(body, position, shift):
    code = body + gtin_check_digit(body)
    wrong = str((int(code[position]) + shift) % 10)
    assert not is_valid_gtin(code[:position] + wrong + code[position + 1 :])


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_any_upca_is_keyed_as_its_ean13_form(body):
    upca = body + gtin_check_digit(body)
    assert normalize_gtin(upca) == "0" + upca
    assert parse_scan(upca).symbology == "UPC-A"


def _upce_check_digit(seven: str) -> str:
    """The one check digit that makes seven digits a valid UPC-E (found by trying all ten)."""
    fits = []
    for digit in "0123456789":
        try:
            expand_upce(seven + digit)
        except ValidationError:
            continue
        fits.append(digit)
    assert len(fits) == 1
    return fits[0]


@given(st.sampled_from("01"), st.text(alphabet="0123456789", min_size=6, max_size=6))
def test_any_upce_expands_to_a_valid_upca_it_is_keyed_by(system, middle):
    check = _upce_check_digit(system + middle)
    upca = expand_upce(system + middle + check)
    assert len(upca) == 12 and is_valid_gtin(upca)
    assert normalize_gtin(system + middle + check) == "0" + upca


# --- in-store codes with a price or a weight ---------------------------------------


def test_default_rules():
    assert [r.prefix for r in DEFAULT_EMBEDDED_RULES] == [str(n) for n in range(20, 30)]
    assert {(r.kind, r.decimals) for r in DEFAULT_EMBEDDED_RULES[:5]} == {("price", 2)}
    assert {(r.kind, r.decimals) for r in DEFAULT_EMBEDDED_RULES[5:]} == {("weight", 3)}
    assert {r.pattern for r in DEFAULT_EMBEDDED_RULES} == {"PPIIIIIVVVVVC"}


def test_price_code_gives_the_price_and_the_base_key():
    scanned = parse_scan("2112345012346")
    assert scanned == ScannedCode(
        key="2112345000008",
        symbology="EAN-13 in-store",
        embedded=EmbeddedValue(kind="price", value=Decimal("12.34")),
    )
    assert str(scanned.embedded.value) == "12.34"


def test_weight_code_gives_kilograms():
    scanned = parse_scan("2500123004551")
    assert scanned.key == "2500123000003"
    assert scanned.embedded == EmbeddedValue(kind="weight", value=Decimal("0.455"))
    assert str(scanned.embedded.value) == "0.455"


def test_embedded_code_with_a_bad_check_digit_is_refused():
    msg = r"^2112345012347 has a wrong check digit \(expected 6\)$"
    with pytest.raises(ValidationError, match=msg):
        parse_scan("2112345012347")


def test_custom_rule_ignores_the_x_digit():
    rules = (X_RULE,)
    for scanned in ("2201234712341", "2201234012342"):  # same price, different X digit
        result = parse_scan(scanned, rules=rules)
        assert result.key == "2201234000004"
        assert result.embedded == EmbeddedValue(kind="price", value=Decimal("12.34"))


def test_prefix_without_a_rule_is_an_ordinary_ean13():
    assert parse_scan("2112345012346", rules=()) == ScannedCode(
        key="2112345012346", symbology="EAN-13"
    )


def test_base_code_and_embed_value_build_what_a_scale_prints():
    base = base_code(prefix="25", item="00123", rule=WEIGHT_25)
    assert base == "2500123000003"
    assert embed_value(base=base, value=Decimal("0.455"), rule=WEIGHT_25) == "2500123004551"
    price_base = base_code(prefix="21", item="12345", rule=PRICE_21)
    assert embed_value(base=price_base, value=Decimal("12.34"), rule=PRICE_21) == "2112345012346"
    assert embed_value(base=price_base, value=Decimal("12.3"), rule=PRICE_21) == "2112345012308"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (Decimal("1000.00"), r"^1000.00 does not fit this barcode \(0 to 999.99\)$"),
        (Decimal("12.345"), r"^12.345 has too many decimals \(at most 2\)$"),
        (Decimal("-1"), "does not fit"),
        (Decimal("NaN"), "does not fit"),
        (Decimal("Infinity"), "does not fit"),
        (12.34, "not a Decimal"),
    ],
)
def test_embed_value_refuses_what_the_digits_cannot_hold(value, message):
    with pytest.raises(ValidationError, match=message):
        embed_value(base="2112345000008", value=value, rule=PRICE_21)


def test_embed_value_names_kilograms_for_weights():
    msg = r"^100 kg does not fit this barcode \(0 to 99\.999 kg\)$"
    with pytest.raises(ValidationError, match=msg):
        embed_value(base="2500123000003", value=Decimal("100"), rule=WEIGHT_25)


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("2112345012346", "not a base code"),  # already carries a price
        ("2500123000003", "starting with 21"),  # another rule's prefix
        ("2112345000009", r"expected 8"),
        ("211234500000", "13-digit"),
    ],
)
def test_embed_value_refuses_a_bad_base(base, message):
    with pytest.raises(ValidationError, match=message):
        embed_value(base=base, value=Decimal("1"), rule=PRICE_21)


def test_base_code_refuses_a_wrong_prefix_or_item():
    with pytest.raises(ValidationError, match="does not match"):
        base_code(prefix="26", item="00123", rule=WEIGHT_25)
    with pytest.raises(ValidationError, match="exactly 5 digits"):
        base_code(prefix="25", item="0123", rule=WEIGHT_25)
    with pytest.raises(ValidationError, match="exactly 5 digits"):
        base_code(prefix="25", item="12a45", rule=WEIGHT_25)


@st.composite
def rules_and_items(draw):
    """A valid rule, an item code for it and a value its V digits can hold."""
    middle = draw(st.lists(st.sampled_from("IVX"), min_size=10, max_size=10))
    middle[draw(st.integers(0, 4))] = "I"
    middle[draw(st.integers(5, 9))] = "V"
    rule = EmbeddedRule(
        prefix=draw(st.sampled_from([str(n) for n in range(20, 30)])),
        pattern="PP" + "".join(middle) + "C",
        kind=draw(st.sampled_from(["price", "weight"])),
        decimals=draw(st.integers(0, 3)),
    )
    width = middle.count("I")
    item = draw(st.text(alphabet="0123456789", min_size=width, max_size=width))
    raw = draw(st.integers(0, 10 ** middle.count("V") - 1))
    return rule, item, Decimal(raw).scaleb(-rule.decimals)


@given(rules_and_items())
def test_embed_then_scan_gives_back_base_and_value(case):
    rule, item, value = case
    base = base_code(prefix=rule.prefix, item=item, rule=rule)
    printed = embed_value(base=base, value=value, rule=rule)
    scanned = parse_scan(printed, rules=(rule,))
    assert is_valid_gtin(printed) and is_valid_gtin(base)
    assert scanned.key == base
    assert scanned.embedded == EmbeddedValue(kind=rule.kind, value=value)
    assert scanned.embedded.value.as_tuple().exponent == -rule.decimals


# --- rules from the configuration file ---------------------------------------------


def test_parse_embedded_rules_reads_config_tables():
    rules = parse_embedded_rules(
        [
            {"prefix": "21", "pattern": "PPIIIIIVVVVVC", "kind": "weight", "decimals": 3},
            {"prefix": "22", "pattern": "PPIIIIIXVVVVC", "kind": "price", "decimals": 2},
            {"prefix": "23", "kind": "price", "decimals": 0},  # pattern left at the default
        ]
    )
    assert rules == (
        EmbeddedRule(prefix="21", pattern="PPIIIIIVVVVVC", kind="weight", decimals=3),
        X_RULE,
        EmbeddedRule(prefix="23", pattern="PPIIIIIVVVVVC", kind="price", decimals=0),
    )
    assert parse_embedded_rules([]) == ()


BAD_FIELDS = {
    "prefix": ["2", "210", "19", "30", "ab", 21, None, "２１"],
    "pattern": [
        "PPIIIIIVVVVV",  # 12 letters
        "PPIIIIIVVVVVCC",  # 14 letters
        "PPIIIIIVVVVVZ",  # unknown letter
        "ppiiiiivvvvvc",  # lower case
        "PIIIIIIVVVVVC",  # one P
        "PPPIIIIVVVVVC",  # three P
        "IPPIIIIVVVVVC",  # P not first
        "PPIIIIIVVVVCV",  # C not last
        "PPIIICIVVVVVC",  # two C
        "PPVVVVVVVVVVC",  # no item digit
        "PPIIIIIIIIIIC",  # no value digit
        13,
    ],
    "kind": ["Price", "count", "", None, 2],
    "decimals": [-1, 4, "2", 2.0, True, None],
}
GOOD = {"prefix": "24", "pattern": "PPIIIIIVVVVVC", "kind": "price", "decimals": 2}


@given(
    st.sampled_from(sorted(BAD_FIELDS)).flatmap(
        lambda field: st.tuples(st.just(field), st.sampled_from(BAD_FIELDS[field]))
    ),
    st.integers(0, 2),
)
def test_bad_config_field_is_named_with_its_index(bad, index):
    field, value = bad
    items = [dict(GOOD, prefix=p) for p in ("27", "28", "29")]
    items.insert(index, dict(GOOD, **{field: value}))
    with pytest.raises(ValidationError, match=rf"^barcodes\.embedded\[{index}\]\.{field}: "):
        parse_embedded_rules(items)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [GOOD, dict(GOOD)],
            r"^barcodes\.embedded\[1\]\.prefix: 24 is already used by barcodes\.embedded\[0\]$",
        ),
        (
            [{k: v for k, v in GOOD.items() if k != "kind"}],
            r"^barcodes\.embedded\[0\]\.kind: missing$",
        ),
        ([dict(GOOD, decimal=2)], r"^barcodes\.embedded\[0\]\.decimal: unknown setting"),
        ([GOOD, "21"], r"^barcodes\.embedded\[1\]: must be a table"),
        ({"prefix": "21"}, r"^barcodes\.embedded: must be a list"),
    ],
)
def test_bad_config_shapes_are_refused(items, message):
    with pytest.raises(ValidationError, match=message):
        parse_embedded_rules(items)


def test_pattern_message_says_what_is_wrong():
    with pytest.raises(ValidationError, match=r"^barcodes\.embedded\[0\]\.pattern: .* needs 13"):
        parse_embedded_rules([dict(GOOD, pattern="PPIIIIIVVVVC")])


def test_a_hand_built_bad_rule_is_refused_too():
    with pytest.raises(ValidationError, match="pattern"):
        EmbeddedRule(prefix="21", pattern="PPIIIIIVVVVV", kind="price", decimals=2)
