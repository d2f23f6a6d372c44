"""Membership and points: members get the fields the till and the online shop need (external id,
marketing consent, customer class), phone numbers become unique, sales remember their member, and
points live in a ledger of entries that are only ever added. Loyalty rules are a setting."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Member(Base):
        class Meta:
            table_name = "member"

    class User(Base):
        class Meta:
            table_name = "app_user"

    class PointsEntry(Base):
        member = ForeignKeyField(Member, on_delete="RESTRICT")
        kind = CharField(max_length=8)  # earn, redeem, expire, adjust, reverse
        points = BigIntegerField()  # + brings points, - takes them
        at = DateTimeField()
        expires_at = DateTimeField(null=True)
        sale_number = CharField(max_length=32, default="", index=True)
        reason = CharField(max_length=200, default="")
        user = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        store_code = CharField(max_length=8, default="")

        class Meta:
            table_name = "points_entry"

    class Setting(Base):
        key = CharField(max_length=40, primary_key=True)
        value = TextField()  # JSON
        updated_at = DateTimeField()

        class Meta:
            table_name = "setting"

    db.create_tables([PointsEntry, Setting])
    migrator.migrate(
        migrator.add_column("member", "external_id", CharField(max_length=64, null=True)),
        migrator.add_column("member", "consent", BooleanField(default=False)),
        migrator.add_column("member", "customer_class", CharField(max_length=1, default="C")),
        migrator.add_column("member", "updated_at", DateTimeField(null=True)),
        migrator.add_column("sale", "member_code", CharField(max_length=32, null=True)),
    )
    db.execute_sql("CREATE UNIQUE INDEX member_external_id ON member (external_id)")
    # Unique phones; members without a phone (older cards) may be many.
    db.execute_sql("CREATE UNIQUE INDEX member_phone_unique ON member (phone) WHERE phone <> ''")
    db.execute_sql("CREATE INDEX sale_member_time ON sale (member_code, created_at)")
    db.execute_sql("CREATE INDEX points_entry_member_time ON points_entry (member_id, at)")
