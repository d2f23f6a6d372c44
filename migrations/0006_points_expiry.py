"""Points expiry finds its work without reading the whole ledger: entries that brought points, by
the moment they expire."""


def up(migrator, db):
    db.execute_sql("CREATE INDEX points_entry_expiry ON points_entry (expires_at, member_id) WHERE points > 0")

