"""Row classes: the tables as peewee sees them. Nothing outside storage/ touches these."""

from __future__ import annotations

from peewee import (
    BlobField,
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
    external_parent = CharField(max_length=64, null=True)  # a variation: the shop's product id (0009)
    sale_price_minor = BigIntegerField(null=True)  # the shop's sale price, between sale_from and sale_to
    sale_from = DateTimeField(null=True)
    sale_to = DateTimeField(null=True)
    remote_stock_milli = BigIntegerField(null=True)  # stock the shop last reported; None: not tracked
    stock_pulled_at = DateTimeField(null=True)
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


class SequenceRow(BaseRow):
    name = CharField(max_length=64, primary_key=True)
    value = BigIntegerField(default=0)

    class Meta:
        table_name = "sequence"


class ShiftRow(BaseRow):
    id = AutoField()
    store_code = CharField(max_length=8)
    terminal_code = CharField(max_length=8)
    number = IntegerField()
    status = CharField(max_length=8, default="open")
    opened_by = ForeignKeyField(UserRow, on_delete="RESTRICT")
    opened_at = DateTimeField(default=utcnow)
    opening_float_minor = BigIntegerField()
    closed_by = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")
    closed_at = DateTimeField(null=True)
    expected_cash_minor = BigIntegerField(null=True)
    counted_cash_minor = BigIntegerField(null=True)
    counted_detail = TextField(default="{}")
    z_number = IntegerField(null=True)

    class Meta:
        table_name = "shift"


class SaleRow(BaseRow):
    id = AutoField()
    number = CharField(max_length=32, unique=True)
    store_code = CharField(max_length=8)
    terminal_code = CharField(max_length=8)
    shift = ForeignKeyField(ShiftRow, on_delete="RESTRICT")
    cashier = ForeignKeyField(UserRow, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)
    currency = CharField(max_length=3)
    subtotal_minor = BigIntegerField()
    basket_discount_minor = BigIntegerField()
    total_minor = BigIntegerField()
    rounding_minor = BigIntegerField()
    change_minor = BigIntegerField()
    promo_discount_minor = BigIntegerField(default=0)
    member_code = CharField(max_length=32, null=True)
    kind = CharField(max_length=8, default="sale")  # or "return" (migration 0007)
    original_id = IntegerField(null=True)  # a return: the sale it returns

    class Meta:
        table_name = "sale"


class JournalRow(BaseRow):
    id = AutoField()
    sale = ForeignKeyField(SaleRow, unique=True, on_delete="RESTRICT")
    terminal_code = CharField(max_length=8)
    prev_hash = CharField(max_length=64)
    content_hash = CharField(max_length=64)
    entry_hash = CharField(max_length=64, unique=True)
    content = TextField()

    class Meta:
        table_name = "journal_entry"


class PrintJobRow(BaseRow):
    id = AutoField()
    terminal_code = CharField(max_length=8)
    kind = CharField(max_length=16)
    ref = CharField(max_length=32)
    payload = BlobField()
    created_at = DateTimeField(default=utcnow)
    status = CharField(max_length=8, default="pending")
    attempts = IntegerField(default=0)
    last_error = TextField(default="")
    printed_at = DateTimeField(null=True)

    class Meta:
        table_name = "print_job"


class ParkedBasketRow(BaseRow):
    id = AutoField()
    terminal_code = CharField(max_length=8)
    cashier = ForeignKeyField(UserRow, on_delete="RESTRICT")
    parked_at = DateTimeField(default=utcnow)
    label = CharField(max_length=64, default="")
    payload = TextField()

    class Meta:
        table_name = "parked_basket"


class CashMovementRow(BaseRow):
    id = AutoField()
    shift = ForeignKeyField(ShiftRow, on_delete="RESTRICT")
    kind = CharField(max_length=16)
    amount_minor = BigIntegerField(default=0)
    reason = CharField(max_length=200, default="")
    user = ForeignKeyField(UserRow, on_delete="RESTRICT")
    approver = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")
    at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "cash_movement"


class MemberRow(BaseRow):
    id = AutoField()
    code = CharField(max_length=32, unique=True)  # the card's number
    name = CharField(max_length=80, default="")
    phone = CharField(max_length=32, default="")  # unique when given (partial index, migration 0005)
    tier = CharField(max_length=32, default="")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    external_id = CharField(max_length=64, null=True)  # the online shop's customer id (sync)
    consent = BooleanField(default=False)  # agreed to marketing
    customer_class = CharField(max_length=1, default="C")  # A, B or C
    updated_at = DateTimeField(null=True)
    email = CharField(max_length=120, default="")  # to match the shop's customers (0009)

    class Meta:
        table_name = "member"


class PointsEntryRow(BaseRow):
    id = AutoField()
    member = ForeignKeyField(MemberRow, on_delete="RESTRICT")
    kind = CharField(max_length=8)
    points = BigIntegerField()
    at = DateTimeField(default=utcnow)
    expires_at = DateTimeField(null=True)
    sale_number = CharField(max_length=32, default="", index=True)
    reason = CharField(max_length=200, default="")
    user = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")
    store_code = CharField(max_length=8, default="")

    class Meta:
        table_name = "points_entry"


class SettingRow(BaseRow):
    key = CharField(max_length=40, primary_key=True)
    value = TextField()
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "setting"


class PromotionRow(BaseRow):
    id = AutoField()
    code = CharField(max_length=40, unique=True)
    name = CharField(max_length=80)
    name_en = CharField(max_length=80, default="")
    kind = CharField(max_length=16)
    starts_at = DateTimeField(null=True)
    ends_at = DateTimeField(null=True)
    active = BooleanField(default=True)
    priority = IntegerField(default=0)
    stackable = BooleanField(default=False)
    group_name = CharField(max_length=40, default="")
    coupon_code = CharField(max_length=32, null=True, unique=True)
    source = CharField(max_length=16, default="manual")
    definition = TextField()
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "promotion"


class CouponUseRow(BaseRow):
    id = AutoField()
    promotion = ForeignKeyField(PromotionRow, on_delete="RESTRICT")
    code = CharField(max_length=32)
    sale = ForeignKeyField(SaleRow, on_delete="CASCADE")
    member_code = CharField(max_length=32, null=True, index=True)
    used_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "coupon_use"


class CaseRow(BaseRow):
    id = AutoField()
    number = CharField(max_length=24, unique=True)
    store_code = CharField(max_length=8)
    kind = CharField(max_length=16)
    status = CharField(max_length=16)
    sale_number = CharField(max_length=32, default="")
    member_code = CharField(max_length=32, default="")
    contact = CharField(max_length=64, default="")
    description = TextField()
    opened_by = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")  # none: posapp-admin
    opened_at = DateTimeField()
    handler = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")
    updated_at = DateTimeField()
    resolved_at = DateTimeField(null=True)

    class Meta:
        table_name = "after_sales_case"


class CaseNoteRow(BaseRow):
    id = AutoField()
    case = ForeignKeyField(CaseRow, on_delete="RESTRICT")
    at = DateTimeField()
    user = ForeignKeyField(UserRow, null=True, on_delete="RESTRICT")
    status = CharField(max_length=16)
    note = TextField()

    class Meta:
        table_name = "case_note"


class SyncLeaseRow(BaseRow):
    name = CharField(max_length=32, primary_key=True)
    holder = CharField(max_length=64)
    expires_at = DateTimeField()
    renewed_at = DateTimeField()

    class Meta:
        table_name = "sync_lease"
