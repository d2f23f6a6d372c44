"""Promotions: their definitions, coupon uses, each sale line's promotions and what was paid for
it, the sale's promotion discount, and members (code and tier, which member-only promotions need)."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Sale(Base):
        class Meta:
            table_name = "sale"

    class SaleLine(Base):
        class Meta:
            table_name = "sale_line"

    class Member(Base):
        code = CharField(max_length=32, unique=True)
        name = CharField(max_length=80, default="")
        phone = CharField(max_length=32, default="", index=True)
        tier = CharField(max_length=32, default="")
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            table_name = "member"

    class Promotion(Base):
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
        definition = TextField()  # products, conditions and what it gives: JSON, money in minor units
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            table_name = "promotion"

    class CouponUse(Base):
        promotion = ForeignKeyField(Promotion, on_delete="RESTRICT")
        code = CharField(max_length=32)
        sale = ForeignKeyField(Sale, on_delete="CASCADE")
        member_code = CharField(max_length=32, null=True, index=True)
        used_at = DateTimeField()

        class Meta:
            table_name = "coupon_use"

    class SaleLinePromotion(Base):
        sale_line = ForeignKeyField(SaleLine, on_delete="CASCADE")
        promotion = ForeignKeyField(Promotion, on_delete="RESTRICT")
        code = CharField(max_length=40)  # as it was when sold
        name = CharField(max_length=80)
        kind = CharField(max_length=16)
        amount_minor = BigIntegerField()

        class Meta:
            table_name = "sale_line_promotion"

    db.create_tables([Member, Promotion, CouponUse, SaleLinePromotion])
    migrator.migrate(
        migrator.add_column("sale", "promo_discount_minor", BigIntegerField(default=0)),
        migrator.add_column("sale_line", "paid_minor", BigIntegerField(null=True)),
    )
    db.execute_sql("CREATE INDEX promotion_kind_dates ON promotion (active, kind, starts_at, ends_at)")
