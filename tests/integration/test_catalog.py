"""Catalog import, export, lookup and search against real SQLite and PostgreSQL databases."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from posapp.domain.barcode import DEFAULT_EMBEDDED_RULES, embed_value
from posapp.domain.errors import NotFound, PermissionDenied, ValidationError
from posapp.domain.users import Role, User
from posapp.services import catalog
from posapp.services.auth import SYSTEM, hash_pin

HEADER = "sku,barcodes,name,category,price,tax_rate,unit,weighed\n"
ROWS = (
    "M1,6901234567892|6920152400012,光明 鲜牛奶 950ml,乳制品/牛奶,13.90,9,瓶,false\n"
    "W1,036000291452,Coca-Cola 330ml 可口可乐,饮料/汽水,3.50,13,罐,false\n"
    "A1,2500001000002,红富士苹果 散称,生鲜果蔬/水果,12.80,9,kg,true\n"
    "T1,4006381333931,Stabilo pen,文具,5.00,6.5,支,false\n"
)


def _write(tmp_path, text: str, name="catalog.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _import(uow, station, path, **kw):
    return catalog.import_catalog(uow, station, actor=SYSTEM, path=path, **kw)


def test_csv_import_then_lookup_by_barcode_sku_and_name(uow, station, tmp_path):
    result = _import(uow, station, _write(tmp_path, HEADER + ROWS))
    assert (result.created, result.updated) == (4, 0)
    assert result.new_tax_classes == ["vat-6.5"]

    milk = catalog.lookup_scan(uow, station, "6920152400012").product
    assert (milk.sku, milk.price, milk.tax_rate, milk.tax_class, milk.unit, milk.category) == \
        ("M1", Decimal("13.90"), Decimal("9.00"), "reduced-rate", "瓶", "乳制品/牛奶")
    assert milk.barcodes == ("6901234567892", "6920152400012")
    # A UPC-A is stored as its EAN-13 form and found by either spelling.
    assert catalog.lookup_scan(uow, station, "036000291452").product.sku == "W1"
    assert catalog.lookup_scan(uow, station, "0036000291452").product.sku == "W1"
    assert catalog.find_sku(uow, "T1").tax_rate == Decimal("6.50")
    for query, expected in [("nn", "M1"), ("牛奶", "M1"), ("鲜牛奶", "M1"), ("xnn", "M1"),
                            ("niunai", "M1"), ("kkkl", "W1"), ("coca", "W1"), ("可乐", "W1"),
                            ("pgsc", "A1"), ("stab", "T1"), ("t1", "T1")]:
        assert [p.sku for p in catalog.search_products(uow, query)] == [expected], query
    assert catalog.search_products(uow, "nothing-like-this") == []


def test_scale_label_sells_the_weighed_product(uow, station, tmp_path):
    _import(uow, station, _write(tmp_path, HEADER + ROWS))
    rule = next(r for r in DEFAULT_EMBEDDED_RULES if r.prefix == "25")
    label = embed_value(base="2500001000002", value=Decimal("0.455"), rule=rule)
    scan = catalog.lookup_scan(uow, station, label)
    assert scan.product.sku == "A1" and scan.product.weighed
    assert scan.code.embedded.kind == "weight" and scan.code.embedded.value == Decimal("0.455")


@pytest.mark.parametrize("text, message", [
    ("6901234567893", "wrong check digit"),
    ("69012345", "check digit"),
    ("12ab", "digits"),
    ("", "empty"),
])
def test_bad_scans_are_refused_with_a_reason(uow, station, text, message):
    with pytest.raises(ValidationError, match=message):
        catalog.lookup_scan(uow, station, text)


def test_unknown_and_inactive_products(uow, station, tmp_path):
    _import(uow, station, _write(tmp_path, HEADER + ROWS + "X1,9780201379624,停售商品,,1,13,个,false\n"))
    with pytest.raises(NotFound, match="No product has barcode 4006381333948"):
        catalog.lookup_scan(uow, station, "4006381333948")
    _import(uow, station, _write(tmp_path, "sku,barcodes,name,category,price,tax_rate,unit,weighed,active\n"
                                 "X1,9780201379624,停售商品,,1,13,个,false,false\n", name="x.csv"))
    with pytest.raises(NotFound, match="not for sale"):
        catalog.lookup_scan(uow, station, "9780201379624")
    assert catalog.search_products(uow, "停售") == []
    assert [p.sku for p in catalog.search_products(uow, "停售", include_inactive=True)] == ["X1"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_as_excel_writes_them(uow, station, tmp_path, encoding):
    _import(uow, station, _write(tmp_path, HEADER + ROWS, encoding=encoding))
    assert catalog.find_sku(uow, "M1").name == "光明 鲜牛奶 950ml"


def test_reimport_updates_by_sku_and_replaces_barcodes(uow, station, tmp_path):
    _import(uow, station, _write(tmp_path, HEADER + ROWS))
    changed = HEADER + "M1,6901234567892,光明 鲜牛奶 1L,乳制品/鲜奶,15.50,9,瓶,false\n"
    result = _import(uow, station, _write(tmp_path, changed, name="again.csv"))
    assert (result.created, result.updated) == (0, 1)
    milk = catalog.find_sku(uow, "M1")
    assert (milk.name, milk.price, milk.category, milk.barcodes) == \
        ("光明 鲜牛奶 1L", Decimal("15.50"), "乳制品/鲜奶", ("6901234567892",))
    with pytest.raises(NotFound):
        catalog.lookup_scan(uow, station, "6920152400012")
    assert [p.sku for p in catalog.search_products(uow, "1l")] == ["M1"]
    assert uow.catalog.count() == 4


def test_bad_file_lists_every_bad_row_and_imports_nothing(uow, station, tmp_path):
    _import(uow, station, _write(tmp_path, HEADER + ROWS))
    bad = HEADER + (
        "N1,6901234567892,新品,,2.00,13,个,false\n"          # line 2: barcode owned by M1 (not in file)
        "N2,6901234567893,新品二,,2.00,13,个,false\n"        # line 3: wrong check digit
        "N3,,新品三,,-1,13,个,false\n"                       # line 4: negative price
        "N4,,,,2.00,13,个,false\n"                           # line 5: no name
        "N5,,新品五,,2.001,113,个,maybe\n"                   # line 6: 3 decimals, rate, weighed
        "M1,,光明 鲜牛奶,,abc,9,瓶,false\n"                   # line 7: price not a number
    )
    with pytest.raises(catalog.ImportRejected) as rejected:
        _import(uow, station, _write(tmp_path, bad, name="bad.csv"))
    where = [(e.where, e.field) for e in rejected.value.errors]
    assert where == [("line 3", "barcodes"), ("line 4", "price"), ("line 5", "name"),
                     ("line 6", "price"), ("line 6", "tax_rate"), ("line 6", "weighed"),
                     ("line 7", "price")]
    assert "expected 2" in str(rejected.value.errors[0])
    assert "nothing was imported" in str(rejected.value)
    assert uow.catalog.count() == 4
    assert catalog.find_sku(uow, "M1").price == Decimal("13.90")
    # Only the database can tell that line 2's barcode already belongs to another product.
    fixed = HEADER + "N1,6901234567892,新品,,2.00,13,个,false\n"
    with pytest.raises(catalog.ImportRejected, match="6901234567892 already belongs to SKU M1"):
        _import(uow, station, _write(tmp_path, fixed, name="fixed.csv"))
    assert uow.catalog.count() == 4


@pytest.mark.parametrize("text, reason", [
    ("", "the file is empty"),
    ("sku,name\nA,b\n", "missing column"),
    (HEADER.strip() + ",colour\n", "unknown column"),
    (HEADER + "A1,,x,,1,13,个\n", "has 7 fields"),
    (HEADER + "A1,,x,,1,13,个,false\nA1,,y,,1,13,个,false\n", "more than once"),
    (HEADER + "A1,6901234567892,x,,1,13,个,false\nA2,6901234567892,y,,1,13,个,false\n", "also given to"),
    (HEADER + "A 1,,x,,1,13,个,false\n", "SKU"),
    (HEADER + "A1,,x,Dairy//Milk,1,13,个,false\n", "empty level"),
    (HEADER + "A1,,x,,99999999,13,个,false\n", "larger than"),
    (HEADER + "A1,,x,,NaN,13,个,false\n", "not a number"),
])
def test_broken_exports_are_refused(uow, station, tmp_path, text, reason):
    with pytest.raises(catalog.ImportRejected, match=reason):
        _import(uow, station, _write(tmp_path, text))
    assert uow.catalog.count() == 0


def test_undecodable_file_and_wrong_encoding(uow, station, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(HEADER.encode() + b"A1,,\xff\xfe\xfa,,1,13,x,false\n")
    with pytest.raises(ValidationError, match="not valid utf-8"):
        _import(uow, station, path, encoding="utf-8")
    with pytest.raises(ValidationError, match="unknown encoding"):
        _import(uow, station, path, encoding="klingon")
    with pytest.raises(ValidationError, match="cannot read"):
        _import(uow, station, tmp_path / "missing.csv")


def _woo(**over):
    item = {"id": 101, "name": "伊利 纯牛奶 250ml", "sku": "Y250", "type": "simple", "status": "publish",
            "regular_price": "3.50", "sale_price": "", "tax_class": "reduced-rate",
            "global_unique_id": "6907992500010", "categories": [{"id": 9, "name": "牛奶", "slug": "milk"}],
            "meta_data": [{"id": 1, "key": "_ean", "value": "6907992500027"}]}
    item.update(over)
    return item


def test_woocommerce_json_import(uow, station, tmp_path):
    items = [_woo(), _woo(id=102, sku="DRAFT", name="草稿商品", status="draft", global_unique_id="",
                          meta_data=[], tax_class=""),
             {"id": 103, "name": "T-shirt", "type": "variable", "sku": "TS", "status": "publish"}]
    path = tmp_path / "products.json"
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    result = _import(uow, station, path)
    assert (result.created, result.updated) == (2, 0)
    assert len(result.skipped) == 1 and "variable" in result.skipped[0]
    milk = catalog.lookup_scan(uow, station, "6907992500027").product
    assert (milk.sku, milk.price, milk.tax_class, milk.external_id, milk.category, milk.active) == \
        ("Y250", Decimal("3.50"), "reduced-rate", "101", "牛奶", True)
    draft = catalog.find_sku(uow, "DRAFT")
    assert draft.active is False and draft.tax_class == "standard"


@pytest.mark.parametrize("item, field", [
    (_woo(tax_class="luxury-rate"), "tax_class"),
    (_woo(regular_price="free"), "regular_price"),
    (_woo(global_unique_id="123"), "global_unique_id"),
    (_woo(sku=""), "sku"),
    (_woo(meta_data="oops"), "meta_data"),
    ("not an object", "product"),
])
def test_woocommerce_bad_products(uow, station, tmp_path, item, field):
    path = tmp_path / "products.json"
    path.write_text(json.dumps([_woo(sku="OK1", global_unique_id="", meta_data=[]), item]), encoding="utf-8")
    with pytest.raises(catalog.ImportRejected) as rejected:
        _import(uow, station, path)
    assert [e.field for e in rejected.value.errors] == [field]
    assert rejected.value.errors[0].where.startswith(("product [1]", "SKU"))
    assert uow.catalog.count() == 0


def test_malformed_json_is_refused(uow, station, tmp_path):
    path = tmp_path / "products.json"
    path.write_text('[{"sku": "A"', encoding="utf-8")
    with pytest.raises(catalog.ImportRejected, match="not valid JSON"):
        _import(uow, station, path)
    path.write_text('{"sku": "A"}', encoding="utf-8")
    with pytest.raises(catalog.ImportRejected, match="array of products"):
        _import(uow, station, path)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_reimports_to_the_same_catalog(uow, station, tmp_path, fmt):
    from posapp.demo import demo_products

    specs = demo_products(300)
    catalog.save_products(uow, station, actor=SYSTEM, specs=specs, source="demo")
    first = list(uow.catalog.iter_all())
    out = tmp_path / f"export.{fmt}"
    assert catalog.export_catalog(uow, path=out) == 300
    # Wipe prices and names, then restore everything from the export.
    uow.db.obj.execute_sql("UPDATE product SET price_minor = 1, name = 'x', active = " +
                           ("0" if uow.db.obj.param == "?" else "false"))
    result = _import(uow, station, out)
    assert (result.created, result.updated) == (0, 300)
    again = list(uow.catalog.iter_all())
    strip = [(p.sku, p.name, p.name_en, p.price, p.tax_class, p.unit, p.weighed, p.active, p.category,
              p.barcodes) for p in first]
    assert strip == [(p.sku, p.name, p.name_en, p.price, p.tax_class, p.unit, p.weighed, p.active,
                      p.category, p.barcodes) for p in again]
    out2 = tmp_path / f"export2.{fmt}"
    catalog.export_catalog(uow, path=out2)
    assert out2.read_bytes() == out.read_bytes()


def test_only_catalog_managers_may_import(uow, station, tmp_path):
    cashier = uow.users.add(username="c1", name="收银员", role=Role.CASHIER, pin_hash=hash_pin("1111"))
    with pytest.raises(PermissionDenied, match="manage catalog"):
        catalog.import_catalog(uow, station, actor=cashier, path=_write(tmp_path, HEADER + ROWS))
    assert uow.catalog.count() == 0
    manager = uow.users.add(username="m1", name="店长", role=Role.MANAGER, pin_hash=hash_pin("2222"))
    catalog.import_catalog(uow, station, actor=manager, path=_write(tmp_path, HEADER + ROWS))
    entry = uow.audit.recent(limit=1)[0]
    assert (entry.action, entry.actor, entry.detail["created"]) == ("catalog_imported", "m1", 4)
    gone = User(id=9999, username="ghost", name="ghost", role=Role.ADMIN)
    with pytest.raises(PermissionDenied, match="no longer an active user"):
        catalog.import_catalog(uow, station, actor=gone, path=_write(tmp_path, HEADER + ROWS))


def test_json_export_carries_tax_classes_to_a_new_store(uow, station, tmp_path):
    _import(uow, station, _write(tmp_path, HEADER + ROWS))  # 6.5% creates class vat-6.5
    out = tmp_path / "export.json"
    catalog.export_catalog(uow, path=out)
    uow.db.obj.execute_sql("DELETE FROM barcode")
    uow.db.obj.execute_sql("DELETE FROM product")
    uow.db.obj.execute_sql("DELETE FROM tax_class WHERE code = 'vat-6.5'")
    result = _import(uow, station, out)
    assert result.new_tax_classes == ["vat-6.5"]
    assert catalog.find_sku(uow, "T1").tax_rate == Decimal("6.50")
    # A class that means another rate here is a conflict, not a silent change of VAT.
    uow.db.obj.execute_sql("UPDATE tax_class SET rate_bp = 700 WHERE code = 'vat-6.5'")
    with pytest.raises(catalog.ImportRejected, match="'vat-6.5' is 7.00% here, the file says 6.50%"):
        _import(uow, station, out)


def test_a_large_import_is_searchable_and_keeps_the_index_in_step(uow, station, tmp_path):
    from posapp.demo import demo_products

    specs = demo_products(2500)  # above the bulk threshold: FTS is filled in one statement
    catalog.save_products(uow, station, actor=SYSTEM, specs=specs, source="demo")
    first = specs[0]
    assert [p.sku for p in catalog.search_products(uow, first.sku)][:1] == [first.sku]
    assert catalog.search_products(uow, first.name_en.split()[0], limit=5)
    # The per-row trigger is back: a product added later is found too.
    path = _write(tmp_path, HEADER + "NEW1,,独角兽饼干,,9.90,13,盒,false\n")
    _import(uow, station, path)
    assert [p.sku for p in catalog.search_products(uow, "djs")] == ["NEW1"]
    if uow.db.obj.param == "?":
        assert uow.db.obj.execute_sql(
            "INSERT INTO product_fts(product_fts) VALUES ('integrity-check')").fetchall() == []
