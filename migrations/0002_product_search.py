"""Name/pinyin/SKU search: a token document per product, indexed by FTS5 or a GIN tsvector.

Backfills the document for products that existed before this migration.
"""
from peewee import *
from playhouse.migrate import SqliteMigrator

from posapp.domain.search_text import document


def up(migrator, db):
    migrator.migrate(migrator.add_column("product", "search_doc", TextField(default="")))
    rows = db.execute_sql("SELECT id, name, name_en, sku FROM product").fetchall()
    param = db.param
    for pid, name, name_en, sku in rows:
        db.execute_sql(f"UPDATE product SET search_doc = {param} WHERE id = {param}",
                       (document(name, name_en, sku), pid))
    if isinstance(migrator, SqliteMigrator):
        _sqlite_fts(db)
    else:
        db.execute_sql(
            "CREATE INDEX product_search_gin ON product USING GIN "
            "(array_to_tsvector(string_to_array(search_doc, ' ')))"
        )


def _sqlite_fts(db):
    # External-content FTS5 kept in step with product by triggers, so no code path can forget.
    db.execute_sql(
        "CREATE VIRTUAL TABLE product_fts USING fts5(search_doc, content='product', "
        "content_rowid='id', tokenize='unicode61', prefix='1 2 3')"
    )
    db.execute_sql(
        "CREATE TRIGGER product_fts_ai AFTER INSERT ON product BEGIN "
        "INSERT INTO product_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )
    db.execute_sql(
        "CREATE TRIGGER product_fts_ad AFTER DELETE ON product BEGIN "
        "INSERT INTO product_fts(product_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); END"
    )
    db.execute_sql(
        "CREATE TRIGGER product_fts_au AFTER UPDATE OF search_doc ON product BEGIN "
        "INSERT INTO product_fts(product_fts, rowid, search_doc) "
        "VALUES ('delete', old.id, old.search_doc); "
        "INSERT INTO product_fts(rowid, search_doc) VALUES (new.id, new.search_doc); END"
    )
    db.execute_sql("INSERT INTO product_fts(product_fts) VALUES ('rebuild')")
