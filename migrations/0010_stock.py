"""Stock ledger, stock counts (盘点), receiving and adjustments, labels.

- stock_movement: who made it, the document it belongs to (ref: "count:C-S001-000001",
  "receiving:R-...", "adjustment:A-..."), a note and a unit cost (receiving); an index to sum a
  product's movements at a location between two moments (what a count's expected quantity needs).
- stock_level: on-hand per product, store and location, kept in step with the ledger by a trigger
  on every insert into stock_movement, so no code path can forget (`posapp-admin stock check`
  proves it equals the ledger). Backfilled from the movements already there.
- product: cost (value of stock and of count variances), reorder level (the low-stock list),
  content ("500g", "1.5L": the unit price on shelf labels) and when the price last changed (a
  trigger sets it, so labels can be chosen "by recent price change" whoever changed the price).
- stock_doc / stock_doc_line: receivings, adjustments, write-offs and transfers, with their lines.
- stock_count / stock_count_line / stock_count_entry: a count, its expected quantities as they were
  when it started, and every scan or typed quantity of every counter (they add up)."""
from peewee import *
from playhouse.migrate import SqliteMigrator


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class StockLevel(Base):
        product_id = IntegerField()
        store_code = CharField(max_length=8)
        location = CharField(max_length=16)
        qty_milli = BigIntegerField(default=0)

        class Meta:
            table_name = "stock_level"
            primary_key = CompositeKey("product_id", "store_code", "location")

    class StockDoc(Base):
        id = AutoField()
        number = CharField(max_length=32, unique=True)
        kind = CharField(max_length=16)  # receiving, adjustment, transfer
        store_code = CharField(max_length=8)
        user_id = IntegerField(null=True)
        approver_id = IntegerField(null=True)
        at = DateTimeField()
        reason = CharField(max_length=16, default="")  # adjustment: damaged, expired, theft, found, correction
        supplier = CharField(max_length=100, default="")
        delivery_note = CharField(max_length=64, default="")
        note = CharField(max_length=200, default="")

        class Meta:
            table_name = "stock_doc"

    class StockDocLine(Base):
        id = AutoField()
        doc = ForeignKeyField(StockDoc, on_delete="CASCADE", index=True)
        product_id = IntegerField()
        location = CharField(max_length=16)
        qty_milli = BigIntegerField()
        expected_milli = BigIntegerField(null=True)  # receiving against a delivery note: what it said
        cost_minor = BigIntegerField(null=True)

        class Meta:
            table_name = "stock_doc_line"

    class StockCount(Base):
        id = AutoField()
        number = CharField(max_length=32, unique=True)
        store_code = CharField(max_length=8)
        status = CharField(max_length=12, default="open")  # open, approving, approved, cancelled
        scope = TextField(default="{}")  # {"categories": [...], "locations": [...]}
        blind = BooleanField(default=True)
        note = CharField(max_length=200, default="")
        started_by = IntegerField(null=True)
        started_at = DateTimeField()
        # The last movement in the snapshot: what is written after it moved during the count, whatever
        # time it carries (a sale stamped just before the start but committed after the snapshot).
        start_movement_id = BigIntegerField(default=0)
        approving_by = IntegerField(null=True)
        approving_since = DateTimeField(null=True)
        approved_by = IntegerField(null=True)
        approved_at = DateTimeField(null=True)
        closed_note = CharField(max_length=200, default="")

        class Meta:
            table_name = "stock_count"

    class StockCountLine(Base):
        id = AutoField()
        count = ForeignKeyField(StockCount, on_delete="CASCADE")
        product_id = IntegerField()
        location = CharField(max_length=16)
        snapshot_milli = BigIntegerField()  # on hand when the count started
        unit_value_minor = BigIntegerField()  # cost if known, else price, when the line was made
        value_basis = CharField(max_length=8)  # cost or price
        round = IntegerField(default=1)  # a recount starts a new round; earlier entries no longer count
        posted_milli = BigIntegerField(null=True)  # the adjustment the approval posted

        class Meta:
            table_name = "stock_count_line"
            indexes = ((("count", "product_id", "location"), True),)

    class StockCountEntry(Base):
        id = AutoField()
        count = ForeignKeyField(StockCount, on_delete="CASCADE")
        product_id = IntegerField(null=True)  # None: a code the catalog does not know
        code = CharField(max_length=64, default="")
        location = CharField(max_length=16)
        qty_milli = BigIntegerField()
        round = IntegerField(default=1)
        problem = CharField(max_length=16, default="")  # unknown, out_of_scope
        user_id = IntegerField(null=True)
        terminal_code = CharField(max_length=8, default="")
        at = DateTimeField()
        voided_by = IntegerField(null=True)

        class Meta:
            table_name = "stock_count_entry"
            indexes = ((("count", "product_id", "location"), False),)

    db.create_tables([StockLevel, StockDoc, StockDocLine, StockCount, StockCountLine, StockCountEntry])
    migrator.migrate(
        migrator.add_column("stock_movement", "user_id", IntegerField(null=True)),
        migrator.add_column("stock_movement", "cost_minor", BigIntegerField(null=True)),
        migrator.add_column("product", "cost_minor", BigIntegerField(null=True)),
        migrator.add_column("product", "reorder_milli", BigIntegerField(null=True)),
        migrator.add_column("product", "price_changed_at", DateTimeField(null=True)),
    )
    # Plain ALTER TABLE for the NOT NULL columns: peewee's SQLite migrator would rebuild the table to
    # add the constraint, and a rebuilt product table loses the search index's triggers (0002).
    for table, column, size in (("stock_movement", "ref", 40), ("stock_movement", "note", 200),
                                ("product", "content", 16)):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR({size}) NOT NULL DEFAULT ''")
    db.execute_sql("CREATE INDEX stock_movement_product_at ON stock_movement (product_id, location, at)")
    db.execute_sql("CREATE INDEX stock_movement_ref ON stock_movement (ref)")
    db.execute_sql("CREATE INDEX stock_count_entry_line ON stock_count_entry (count_id, product_id, location, round)")
    db.execute_sql("CREATE INDEX product_price_changed ON product (price_changed_at)")
    db.execute_sql(
        "INSERT INTO stock_level (product_id, store_code, location, qty_milli) "
        "SELECT product_id, store_code, location, SUM(qty_milli) FROM stock_movement "
        "GROUP BY product_id, store_code, location")
    if isinstance(migrator, SqliteMigrator):
        _sqlite_triggers(db)
    else:
        _postgres_triggers(db)


_UPSERT = ("INSERT INTO stock_level (product_id, store_code, location, qty_milli) "
           "VALUES (NEW.product_id, NEW.store_code, NEW.location, NEW.qty_milli) "
           "ON CONFLICT (product_id, store_code, location) "
           "DO UPDATE SET qty_milli = stock_level.qty_milli + excluded.qty_milli;")


def _sqlite_triggers(db):
    db.execute_sql(f"CREATE TRIGGER stock_level_ai AFTER INSERT ON stock_movement BEGIN {_UPSERT} END")
    db.execute_sql(
        "CREATE TRIGGER product_price_changed AFTER UPDATE OF price_minor, sale_price_minor ON product "
        "WHEN OLD.price_minor IS NOT NEW.price_minor OR OLD.sale_price_minor IS NOT NEW.sale_price_minor "
        "BEGIN UPDATE product SET price_changed_at = strftime('%Y-%m-%d %H:%M:%f', 'now') "
        "WHERE id = NEW.id; END")


def _postgres_triggers(db):
    db.execute_sql(
        "CREATE FUNCTION stock_level_ai() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{_UPSERT} RETURN NULL; END $$")
    db.execute_sql("CREATE TRIGGER stock_level_ai AFTER INSERT ON stock_movement "
                   "FOR EACH ROW EXECUTE FUNCTION stock_level_ai()")
    db.execute_sql(
        "CREATE FUNCTION product_price_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF OLD.price_minor IS DISTINCT FROM NEW.price_minor "
        "OR OLD.sale_price_minor IS DISTINCT FROM NEW.sale_price_minor THEN "
        "NEW.price_changed_at := now() AT TIME ZONE 'UTC'; END IF; RETURN NEW; END $$")
    db.execute_sql("CREATE TRIGGER product_price_changed BEFORE UPDATE ON product "
                   "FOR EACH ROW EXECUTE FUNCTION product_price_changed()")
