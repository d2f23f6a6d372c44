"""Catalog (tax classes, categories, products, barcodes), staff users and the audit log.

Frozen copies of the row classes as they were at this migration; never edit once released.
"""
import datetime

from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class TaxClass(Base):
        code = CharField(max_length=32, unique=True)
        name = CharField(max_length=100)
        rate_bp = IntegerField()

        class Meta:
            table_name = "tax_class"

    class Category(Base):
        name = CharField(max_length=200)
        parent = ForeignKeyField("self", null=True, on_delete="RESTRICT")
        path = CharField(max_length=1300, unique=True)

        class Meta:
            table_name = "category"

    class Product(Base):
        sku = CharField(max_length=64, unique=True)
        name = CharField(max_length=200)
        name_en = CharField(max_length=200, default="")
        category = ForeignKeyField(Category, null=True, on_delete="RESTRICT")
        unit = CharField(max_length=16, default="pcs")
        tax_class = ForeignKeyField(TaxClass, on_delete="RESTRICT")
        price_minor = BigIntegerField()
        active = BooleanField(default=True)
        weighed = BooleanField(default=False)
        external_id = CharField(max_length=64, null=True, index=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "product"

    class Barcode(Base):
        code = CharField(max_length=14, unique=True)
        product = ForeignKeyField(Product, on_delete="CASCADE")

        class Meta:
            table_name = "barcode"

    class AppUser(Base):
        username = CharField(max_length=32, unique=True)
        name = CharField(max_length=100)
        role = CharField(max_length=16)
        pin_hash = CharField(max_length=200)
        active = BooleanField(default=True)
        failed_pins = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "app_user"

    class AuditLog(Base):
        at = DateTimeField(index=True)
        store_code = CharField(max_length=8)
        terminal_code = CharField(max_length=8)
        actor = ForeignKeyField(AppUser, null=True, on_delete="RESTRICT")
        approver = ForeignKeyField(AppUser, null=True, on_delete="RESTRICT")
        action = CharField(max_length=64, index=True)
        detail = TextField(default="{}")

        class Meta:
            table_name = "audit_log"

    db.create_tables([TaxClass, Category, Product, Barcode, AppUser, AuditLog])
    # China's VAT rates; a CSV import adds any other rate it meets. Codes match the
    # online shop's tax class slugs, the standard class being the shop's default ("").
    TaxClass.insert_many(
        [
            ("standard", "VAT 13%", 1300),
            ("reduced-rate", "VAT 9%", 900),
            ("service-rate", "VAT 6%", 600),
            ("zero-rate", "VAT 0%", 0),
        ],
        fields=[TaxClass.code, TaxClass.name, TaxClass.rate_bp],
    ).execute()
