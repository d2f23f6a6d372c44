"""Sync with the online shop.

- outbox_event: each event's state (pending, sent, parked for a person, held until something else is
  ready, skipped with a reason), when to try it next, the shop's id for what it created, and when it
  was first sent (the look-before-create scan starts there).
- product: the shop's parent id (a variation's product), the sale price and its dates, the stock the
  shop last reported and when it was pulled.
- stock_movement: when the shop acknowledged the movement (its event reached the shop).
- member: email, to match the shop's customers.
- sync_lease: one sync worker at a time in a store with several terminals."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class SyncLease(Base):
        name = CharField(max_length=32, primary_key=True)
        holder = CharField(max_length=64)
        expires_at = DateTimeField()
        renewed_at = DateTimeField()

        class Meta:
            table_name = "sync_lease"

    db.create_tables([SyncLease])
    migrator.migrate(
        migrator.add_column("outbox_event", "state", CharField(max_length=8, default="pending",
                                                              constraints=[SQL("DEFAULT 'pending'")])),
        migrator.add_column("outbox_event", "next_attempt_at", DateTimeField(null=True)),
        migrator.add_column("outbox_event", "first_sent_at", DateTimeField(null=True)),
        migrator.add_column("outbox_event", "remote_id", CharField(max_length=64, null=True)),
        migrator.add_column("product", "external_parent", CharField(max_length=64, null=True)),
        migrator.add_column("product", "sale_price_minor", BigIntegerField(null=True)),
        migrator.add_column("product", "sale_from", DateTimeField(null=True)),
        migrator.add_column("product", "sale_to", DateTimeField(null=True)),
        migrator.add_column("product", "remote_stock_milli", BigIntegerField(null=True)),
        migrator.add_column("product", "stock_pulled_at", DateTimeField(null=True)),
        migrator.add_column("stock_movement", "synced_at", DateTimeField(null=True)),
        migrator.add_column("member", "email", CharField(max_length=120, default="",
                                                         constraints=[SQL("DEFAULT ''")])),
    )
    # Events already sent before this migration are sent.
    db.execute_sql("UPDATE outbox_event SET state = 'sent' WHERE sent_at IS NOT NULL")
    db.execute_sql("CREATE INDEX outbox_event_state ON outbox_event (state, id)")
    db.execute_sql("CREATE INDEX outbox_event_key ON outbox_event (key)")
    db.execute_sql("CREATE INDEX member_email ON member (email)")
    db.execute_sql("CREATE INDEX product_external_parent ON product (external_parent)")
