"""After-sales cases: repairs, complaints and exchanges that need follow-up, linked to a sale and a
member, with every change of status and note kept (who, when)."""
from peewee import *


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        class Meta:
            table_name = "app_user"

    class AfterSalesCase(Base):
        number = CharField(max_length=24, unique=True)  # C-S001-000001
        store_code = CharField(max_length=8)
        kind = CharField(max_length=16)  # repair, complaint, exchange, feedback, other
        status = CharField(max_length=16, index=True)  # open, in_progress, resolved
        sale_number = CharField(max_length=32, default="", index=True)
        member_code = CharField(max_length=32, default="", index=True)
        contact = CharField(max_length=64, default="")
        description = TextField()
        opened_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")  # none: posapp-admin
        opened_at = DateTimeField()
        handler = ForeignKeyField(User, null=True, on_delete="RESTRICT")  # who has it now
        updated_at = DateTimeField()
        resolved_at = DateTimeField(null=True)

        class Meta:
            table_name = "after_sales_case"

    class CaseNote(Base):
        case = ForeignKeyField(AfterSalesCase, on_delete="RESTRICT")
        at = DateTimeField()
        user = ForeignKeyField(User, null=True, on_delete="RESTRICT")
        status = CharField(max_length=16)  # the status after this note
        note = TextField()

        class Meta:
            table_name = "case_note"

    db.create_tables([AfterSalesCase, CaseNote])
