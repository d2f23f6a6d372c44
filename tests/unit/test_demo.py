"""The demo catalog, staff and store: sizes, determinism, valid codes, prices and names."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest

from posapp.demo import DEMO_STORE, DEMO_USERS, demo_products
from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, embed_value, is_valid_gtin, parse_scan
from posapp.domain.catalog import check_category_path, check_name, check_sku, check_unit
from posapp.domain.money import parse_price
from posapp.domain.users import Role, check_pin, check_username

HAN = re.compile(r"[\u4e00-\u9fff]")
RULES = {r.prefix: r for r in DEFAULT_EMBEDDED_RULES}
DEPARTMENTS = {"乳制品", "饮料", "零食", "粮油", "调味品", "日用品", "个人护理", "生鲜果蔬", "肉禽蛋", "酒类", "冷冻食品"}


@pytest.fixture(scope="module")
def catalog():
    return demo_products()


@pytest.mark.parametrize("count", [0, 1, 10, 49, 50, 3000, 5000])
def test_exact_count_and_sequential_skus(count):
    products = demo_products(count)
    assert len(products) == count
    assert [p.sku for p in products] == [f"D{n:07d}" for n in range(1, count + 1)]


def test_same_seed_same_catalog_other_seed_other_catalog():
    assert demo_products(500, seed=7) == demo_products(500, seed=7)
    assert demo_products(500, seed=7) != demo_products(500, seed=8)


def test_a_short_catalog_is_the_start_of_a_long_one():
    assert demo_products(40) == demo_products(3000)[:40]


def test_skus_and_barcodes_are_unique(catalog):
    codes = [code for p in catalog for code in p.barcodes]
    assert len({p.sku for p in catalog}) == len(catalog)
    assert len(set(codes)) == len(codes)


def test_uniqueness_holds_past_every_combination():
    products = demo_products(30_000, seed=3)
    codes = [code for p in products for code in p.barcodes]
    assert len(set(codes)) == len(codes)
    assert len({p.name for p in products}) > 0.99 * len(products)


def test_packaged_goods_have_valid_chinese_ean13s(catalog):
    for p in catalog:
        if p.weighed:
            continue
        assert 1 <= len(p.barcodes) <= 2
        for code in p.barcodes:
            assert len(code) == 13 and code[:3] in {f"69{d}" for d in range(10)}, (p.sku, code)
            assert is_valid_gtin(code), (p.sku, code)
            assert parse_scan(code).key == code


def test_some_products_have_a_second_barcode(catalog):
    share = sum(len(p.barcodes) == 2 for p in catalog) / len(catalog)
    assert 0.03 < share < 0.07


def test_prices_are_positive_cents_with_shop_endings(catalog):
    for p in catalog:
        assert isinstance(p.price, Decimal) and p.price > 0, p
        assert p.price.as_tuple().exponent == -2, p
        assert parse_price(str(p.price)) == p.price
    endings = {str(p.price)[-3:] for p in catalog}
    assert endings <= {".00", ".50", ".80", ".90"}
    assert len(endings) == 4


def test_prices_are_plausible_for_the_product():
    products = demo_products(3000)
    water = [p.price for p in products if "饮用天然水" in p.name and p.name.endswith(" 550ml")]
    rice_5kg = [p.price for p in products if p.category == "粮油/大米" and p.name.endswith(" 5kg")]
    baijiu_500ml = [p.price for p in products if p.category == "酒类/白酒" and p.name.endswith(" 500ml")]
    assert water and all(Decimal("1") <= x <= Decimal("4") for x in water)
    assert rice_5kg and all(Decimal("25") <= x <= Decimal("70") for x in rice_5kg)
    assert baijiu_500ml and all(Decimal("300") <= x <= Decimal("800") for x in baijiu_500ml)


def test_vat_is_9_for_basic_foods_and_13_otherwise(catalog):
    assert {p.tax_rate for p in catalog} == {Decimal("9"), Decimal("13")}
    by_category = {p.category: p.tax_rate for p in catalog}
    for category in ("乳制品/牛奶", "粮油/大米", "粮油/食用油", "生鲜果蔬/水果", "肉禽蛋/蛋类", "肉禽蛋/猪肉"):
        assert by_category[category] == Decimal("9"), category
    for category in ("饮料/饮用水", "零食/薯片", "酒类/白酒", "日用品/纸品", "乳制品/酸奶"):
        assert by_category[category] == Decimal("13"), category


def test_names_categories_and_units_pass_the_catalog_checks(catalog):
    for p in catalog:
        check_sku(p.sku)
        assert check_name(p.name) == p.name and check_name(p.name_en) == p.name_en
        assert HAN.search(p.name), p.name
        assert p.name_en.isascii() and p.name_en[0].isalpha(), p.name_en
        assert check_category_path(p.category) == p.category and p.category.count("/") == 1
        assert p.category.split("/")[0] in DEPARTMENTS
        assert check_unit(p.unit) == p.unit
        assert p.active


def test_every_department_appears(catalog):
    assert {p.category.split("/")[0] for p in catalog} == DEPARTMENTS


def test_a_ten_product_demo_is_varied():
    products = demo_products(10)
    assert len({p.category.split("/")[0] for p in products}) == 10
    assert sum(p.weighed for p in products) >= 3
    assert len({p.unit for p in products}) >= 4


def test_about_two_percent_are_weighed():
    products = demo_products(20_000)
    share = sum(p.weighed for p in products) / len(products)
    assert 0.015 < share < 0.03
    assert any(p.weighed for p in demo_products(50))


def test_weighed_goods_are_per_kg_with_one_base_code(catalog):
    weighed = [p for p in catalog if p.weighed]
    assert weighed
    assert {p.category.split("/")[0] for p in weighed} == {"生鲜果蔬", "肉禽蛋", "零食"}
    items = [p.barcodes[0][2:7] for p in weighed]
    assert len(set(items)) == len(items)
    for p in weighed:
        assert p.unit == "kg" and len(p.barcodes) == 1
        assert p.barcodes[0].startswith("25")
        assert Decimal("1") < p.price < Decimal("200")


@pytest.mark.parametrize("weight", [Decimal("0.001"), Decimal("0.456"), Decimal("1.5"), Decimal("12.345")])
def test_a_scale_label_scans_back_to_the_weighed_product(catalog, weight):
    by_code = {code: p for p in catalog for code in p.barcodes}
    for p in (p for p in catalog if p.weighed):
        base = p.barcodes[0]
        label = embed_value(base=base, value=weight, rule=RULES["25"])
        scanned = parse_scan(label)
        assert scanned.key == base
        assert by_code[scanned.key] is p
        assert scanned.embedded.kind == "weight" and scanned.embedded.value == weight


def test_non_weighed_goods_use_packaged_units(catalog):
    units = {p.unit for p in catalog if not p.weighed}
    assert "kg" not in units
    assert {"瓶", "袋", "盒", "包", "支"} <= units


def test_demo_users_cover_every_role_with_distinct_names_and_pins():
    assert len({u.username for u in DEMO_USERS}) == len(DEMO_USERS)
    assert len({u.pin for u in DEMO_USERS}) == len(DEMO_USERS)
    assert {u.role for u in DEMO_USERS} == set(Role)
    assert sum(u.role is Role.CASHIER for u in DEMO_USERS) == 2
    for user in DEMO_USERS:
        assert check_username(user.username) == user.username
        assert check_pin(user.pin) == user.pin and 4 <= len(user.pin) <= 8
        assert user.name


def test_demo_store_settings():
    assert DEMO_STORE["code"] == "S001"
    assert DEMO_STORE["currency"] == "CNY"
    assert DEMO_STORE["locale"] == "zh_CN"
    assert DEMO_STORE["timezone"] == "Asia/Shanghai"
    assert DEMO_STORE["address"].startswith("上海市")
    tax_id = DEMO_STORE["tax_id"]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert len(tax_id) == 18 and set(tax_id) <= set(alphabet)
    total = sum(alphabet.index(c) * w for c, w in zip(tax_id, weights))
    assert tax_id[-1] == alphabet[-total % 31]


def test_negative_count_is_refused():
    with pytest.raises(ValueError):
        demo_products(-1)


def test_a_hundred_thousand_products_are_quick():
    start = time.perf_counter()
    products = demo_products(100_000)
    elapsed = time.perf_counter() - start
    assert len(products) == 100_000
    assert len({p.barcodes[0] for p in products}) == 100_000
    assert elapsed < 10, f"{elapsed:.1f} s"
