"""Row classes: the tables as peewee sees them. Nothing outside storage/ touches these."""

from __future__ import annotations

from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

from posapp.domain.clock import utcnow
from posapp.storage.db import database


class BaseRow(Model):
    class Meta:
        database = database
        legacy_table_names = False


class TaxClassRow(BaseRow):
    id = AutoField()
    code = CharField(max_length=32, unique=True)
    name = CharField(max_length=100)
    rate_bp = IntegerField()  # hundredths of a percent: 1300 = 13.00%

    class Meta:
        table_name = "tax_class"


class CategoryRow(BaseRow):
    id = AutoField()
    name = CharField(max_length=200)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    path = CharField(max_length=1300, unique=True)

    class Meta:
        table_name = "category"


class ProductRow(BaseRow):
    id = AutoField()
    sku = CharField(max_length=64, unique=True)
    name = CharField(max_length=200)
    name_en = CharField(max_length=200, default="")
    category = ForeignKeyField(CategoryRow, null=True, on_delete="RESTRICT")
    unit = CharField(max_length=16, default="pcs")
    tax_class = ForeignKeyField(TaxClassRow, on_delete="RESTRICT")
    price_minor = BigIntegerField()
    active = BooleanField(default=True)
    weighed = BooleanField(default=False)
    external_id = CharField(max_length=64, null=True, index=True)
    search_doc = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "product"


class BarcodeRow(BaseRow):
    id = AutoField()
    code = CharField(max_length=14, unique=True)  # normalised lookup key (see domain.barcode)
    product = ForeignKeyField(ProductRow, backref="barcodes", on_delete="CASCADE")

    class Meta:
        table_name = "barcode"


class UserRow(BaseRow):
    id = AutoField()
    username = CharField(max_length=32, unique=True)
    name = CharField(max_length=100)
    role = CharField(max_length=16)
    pin_hash = CharField(max_length=200)
    active = BooleanField(default=True)
    failed_pins = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "app_user"


class AuditRow(BaseRow):
    id = AutoField()
    at = DateTimeField(default=utcnow, index=True)
    store_code = CharField(max_length=8)
    terminal_code = CharField(max_length=8)
    actor = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")
    approver = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")
    action = CharField(max_length=64, index=True)
    detail = TextField(default="{}")

    class Meta:
        table_name = "audit_log"


ALL_ROWS = (TaxClassRow, CategoryRow, ProductRow, BarcodeRow, UserRow, AuditRow)
