"""Returns: a return is a document in the same per-terminal receipt sequence as sales, with negative
lines and payments, pointing at the sale it returns; its lines say why and whether the goods go back
on the shelf; refunds say which payment they go back to; what the kept items lost of the sale's
promotions (and the points a member had already spent) is kept with the return; stock has a location
(sellable, or damaged goods kept apart)."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Sale(Base):
        class Meta:
            table_name = "sale"

    class ReturnDeduction(Base):
        sale = ForeignKeyField(Sale, on_delete="RESTRICT")  # the return
        promotion_id = IntegerField(null=True)  # none: points the member had already spent
        name = CharField(max_length=120)
        kind = CharField(max_length=16)  # threshold, coupon, gift, points
        amount_minor = BigIntegerField()  # > 0 off the refund, < 0 given back
        points = BigIntegerField(default=0)  # kind points: how many

        class Meta:
            table_name = "return_deduction"

    db.create_tables([ReturnDeduction])
    migrator.migrate(
        # Defaults in the database too, so rows written without these columns (older code, tools) stay valid.
        migrator.add_column("sale", "kind", CharField(max_length=8, default="sale",
                                                      constraints=[SQL("DEFAULT 'sale'")])),
        migrator.add_column("sale", "original_id", IntegerField(null=True)),
        migrator.add_column("sale_line", "original_line_no", IntegerField(null=True)),
        migrator.add_column("sale_line", "reason", CharField(max_length=32, default="",
                                                             constraints=[SQL("DEFAULT ''")])),
        migrator.add_column("sale_line", "damaged", BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])),
        migrator.add_column("sale_line", "tax_minor", BigIntegerField(null=True)),
        migrator.add_column("payment", "refund_of", IntegerField(null=True)),
        migrator.add_column("stock_movement", "location", CharField(max_length=16, default="sellable",
                                                                    constraints=[SQL("DEFAULT 'sellable'")])),
    )
    db.execute_sql("CREATE INDEX sale_original ON sale (original_id)")
