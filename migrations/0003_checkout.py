"""Checkout: shifts, gapless sequences, sales with lines/taxes/payments, stock movements,
the tamper-evident journal, the sync outbox, the print queue, parked baskets, cash movements."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AppUser(Base):
        class Meta:
            table_name = "app_user"

    class Product(Base):
        class Meta:
            table_name = "product"

    class Sequence(Base):
        name = CharField(max_length=64, primary_key=True)
        value = BigIntegerField(default=0)

        class Meta:
            table_name = "sequence"

    class Shift(Base):
        store_code = CharField(max_length=8)
        terminal_code = CharField(max_length=8)
        number = IntegerField()
        status = CharField(max_length=8, default="open")
        opened_by = ForeignKeyField(AppUser, on_delete="RESTRICT")
        opened_at = DateTimeField()
        opening_float_minor = BigIntegerField()
        closed_by = ForeignKeyField(AppUser, null=True, on_delete="RESTRICT")
        closed_at = DateTimeField(null=True)
        expected_cash_minor = BigIntegerField(null=True)
        counted_cash_minor = BigIntegerField(null=True)
        counted_detail = TextField(default="{}")
        z_number = IntegerField(null=True)

        class Meta:
            table_name = "shift"
            indexes = ((("store_code", "terminal_code", "number"), True),
                       (("store_code", "terminal_code", "z_number"), True))

    class Sale(Base):
        number = CharField(max_length=32, unique=True)
        store_code = CharField(max_length=8)
        terminal_code = CharField(max_length=8)
        shift = ForeignKeyField(Shift, on_delete="RESTRICT")
        cashier = ForeignKeyField(AppUser, on_delete="RESTRICT")
        created_at = DateTimeField(index=True)
        currency = CharField(max_length=3)
        subtotal_minor = BigIntegerField()
        basket_discount_minor = BigIntegerField()
        total_minor = BigIntegerField()
        rounding_minor = BigIntegerField()
        change_minor = BigIntegerField()

        class Meta:
            table_name = "sale"

    class SaleLine(Base):
        sale = ForeignKeyField(Sale, on_delete="CASCADE")
        line_no = IntegerField()
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        sku = CharField(max_length=64)
        name = CharField(max_length=200)
        unit = CharField(max_length=16)
        qty_milli = BigIntegerField()
        unit_price_minor = BigIntegerField()
        list_price_minor = BigIntegerField()
        discount_minor = BigIntegerField()
        total_minor = BigIntegerField()
        tax_class = CharField(max_length=32)
        tax_rate_bp = IntegerField()
        weighed = BooleanField(default=False)
        barcode = CharField(max_length=14, default="")

        class Meta:
            table_name = "sale_line"
            indexes = ((("sale", "line_no"), True),)

    class SaleTax(Base):
        sale = ForeignKeyField(Sale, on_delete="CASCADE")
        rate_bp = IntegerField()
        gross_minor = BigIntegerField()
        tax_minor = BigIntegerField()
        net_minor = BigIntegerField()

        class Meta:
            table_name = "sale_tax"

    class Payment(Base):
        sale = ForeignKeyField(Sale, on_delete="CASCADE")
        tender = CharField(max_length=16)
        amount_minor = BigIntegerField()
        tendered_minor = BigIntegerField()
        reference = CharField(max_length=64, default="")

        class Meta:
            table_name = "payment"

    class StockMovement(Base):
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        store_code = CharField(max_length=8)
        qty_milli = BigIntegerField()  # negative out, positive in
        reason = CharField(max_length=16)
        sale = ForeignKeyField(Sale, null=True, on_delete="RESTRICT")
        at = DateTimeField()

        class Meta:
            table_name = "stock_movement"

    class JournalEntry(Base):
        sale = ForeignKeyField(Sale, unique=True, on_delete="RESTRICT")
        terminal_code = CharField(max_length=8)
        prev_hash = CharField(max_length=64)
        content_hash = CharField(max_length=64)
        entry_hash = CharField(max_length=64, unique=True)
        content = TextField()

        class Meta:
            table_name = "journal_entry"

    class OutboxEvent(Base):
        topic = CharField(max_length=32)
        key = CharField(max_length=64)
        payload = TextField()
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True, index=True)
        attempts = IntegerField(default=0)
        last_error = TextField(default="")

        class Meta:
            table_name = "outbox_event"

    class PrintJob(Base):
        terminal_code = CharField(max_length=8)
        kind = CharField(max_length=16)
        ref = CharField(max_length=32)
        payload = BlobField()
        created_at = DateTimeField()
        status = CharField(max_length=8, default="pending", index=True)
        attempts = IntegerField(default=0)
        last_error = TextField(default="")
        printed_at = DateTimeField(null=True)

        class Meta:
            table_name = "print_job"

    class ParkedBasket(Base):
        terminal_code = CharField(max_length=8, index=True)
        cashier = ForeignKeyField(AppUser, on_delete="RESTRICT")
        parked_at = DateTimeField()
        label = CharField(max_length=64, default="")
        payload = TextField()

        class Meta:
            table_name = "parked_basket"

    class CashMovement(Base):
        shift = ForeignKeyField(Shift, on_delete="RESTRICT")
        kind = CharField(max_length=16)  # paid_in | paid_out | no_sale
        amount_minor = BigIntegerField(default=0)
        reason = CharField(max_length=200, default="")
        user = ForeignKeyField(AppUser, on_delete="RESTRICT")
        approver = ForeignKeyField(AppUser, null=True, on_delete="RESTRICT")
        at = DateTimeField()

        class Meta:
            table_name = "cash_movement"

    db.create_tables([Sequence, Shift, Sale, SaleLine, SaleTax, Payment, StockMovement,
                      JournalEntry, OutboxEvent, PrintJob, ParkedBasket, CashMovement])
