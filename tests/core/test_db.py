from desktop.core.storage.db import MIGRATIONS, migrate, open_db, schema_version


def test_fresh_database_is_migrated_to_the_latest_version(paths):
    db = open_db(paths.db)
    assert schema_version(db) == len(MIGRATIONS)
    for table in ("jobs", "nodes", "documents", "recordings", "segments", "chunks", "chats", "messages"):
        assert table in db.table_names()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_migrating_twice_changes_nothing_and_keeps_data(paths):
    db = open_db(paths.db)
    db.execute("INSERT INTO settings VALUES ('k', 'v')")
    assert migrate(db) == len(MIGRATIONS)
    again = open_db(paths.db)
    assert again.execute("SELECT value FROM settings WHERE key='k'").fetchone()[0] == "v"
    assert again.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_fts_mirror_follows_chunks(db):
    db.execute("INSERT INTO chunks (document_id, ordinal, kind, page, text) VALUES (1, 0, 'pdf', 3, 'osmosis across membranes')")
    hits = db.execute("SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH 'membrane'").fetchall()
    assert len(hits) == 1
    db.execute("DELETE FROM chunks WHERE document_id = 1")
    assert db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'membrane'").fetchone()[0] == 0
