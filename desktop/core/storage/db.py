"""app.db: one SQLite file (WAL) opened through sqlite-utils, with forward migrations.

Every process (UI, worker, CLI) opens its own connection with ``open_db``; SQLite in
WAL mode with a busy timeout lets them share the file safely.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from .identity_migration import migrate_identity_by_id

log = logging.getLogger(__name__)

# Each migration is one SQL script or one function of the connection, applied
# atomically (BEGIN IMMEDIATE ... COMMIT). Append new ones at the end; never edit one
# that has shipped. Before a data folder made by an older release is migrated, its
# app.db is copied to ``app.db.bak-v<its version>``.
M1_INITIAL = """
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            target TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            payload TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL DEFAULT 'queued',
            progress REAL NOT NULL DEFAULT 0,
            stage TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            result TEXT NOT NULL DEFAULT '{}',
            attempts INTEGER NOT NULL DEFAULT 0,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX jobs_updated ON jobs(updated_at);
        CREATE INDEX jobs_state ON jobs(state);
        CREATE INDEX jobs_target ON jobs(target);

        -- Semester -> Subject -> Book, one table; level says which.
        CREATE TABLE nodes (
            id INTEGER PRIMARY KEY,
            parent_id INTEGER REFERENCES nodes(id),
            level TEXT NOT NULL CHECK (level IN ('semester', 'subject', 'book')),
            name TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX nodes_unique_name ON nodes(coalesce(parent_id, 0), name);

        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            node_id INTEGER NOT NULL REFERENCES nodes(id),
            kind TEXT NOT NULL,               -- pdf | note | lecture
            title TEXT NOT NULL,
            filename TEXT NOT NULL,
            path TEXT NOT NULL,               -- relative to <data>
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL DEFAULT 0,
            pages INTEGER,
            state TEXT NOT NULL DEFAULT 'queued',
            error TEXT NOT NULL DEFAULT '',
            job_id INTEGER,
            recording_id INTEGER,
            added_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX documents_sha ON documents(sha256);
        CREATE INDEX documents_node ON documents(node_id);

        CREATE TABLE recordings (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            node_id INTEGER REFERENCES nodes(id),
            path TEXT NOT NULL,               -- relative to <data>
            source TEXT NOT NULL DEFAULT 'microphone',  -- microphone | import
            state TEXT NOT NULL DEFAULT 'recording',
            duration_s REAL NOT NULL DEFAULT 0,
            samplerate INTEGER NOT NULL DEFAULT 16000,
            channels INTEGER NOT NULL DEFAULT 1,
            language TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL DEFAULT '',
            document_id INTEGER,
            created_at REAL NOT NULL
        );

        CREATE TABLE segments (
            id INTEGER PRIMARY KEY,
            recording_id INTEGER NOT NULL REFERENCES recordings(id),
            idx INTEGER NOT NULL,
            start_s REAL NOT NULL,
            end_s REAL NOT NULL,
            text TEXT NOT NULL,
            edited INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX segments_order ON segments(recording_id, idx);

        -- Passages of every document with their provenance; mirrored in FTS5 for BM25.
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL,
            ordinal INTEGER NOT NULL,
            kind TEXT NOT NULL,
            page INTEGER,
            start_s REAL,
            end_s REAL,
            semester TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL DEFAULT '',
            book TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL
        );
        CREATE UNIQUE INDEX chunks_doc ON chunks(document_id, ordinal);
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            text, content='chunks', content_rowid='id', tokenize='porter unicode61'
        );
        CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
        END;
        CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END;
        CREATE TRIGGER chunks_au AFTER UPDATE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
        END;

        CREATE TABLE chats (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            scope TEXT NOT NULL DEFAULT '{}',
            summary TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            chat_id INTEGER NOT NULL REFERENCES chats(id),
            role TEXT NOT NULL,
            content TEXT NOT NULL,
            citations TEXT NOT NULL DEFAULT '[]',
            meta TEXT NOT NULL DEFAULT '{}',
            created_at REAL NOT NULL
        );
        CREATE INDEX messages_chat ON messages(chat_id, id);

        CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            synced_at REAL NOT NULL
        );
"""

# How many times a job was left running by a worker that died under it (a graceful stop is
# not counted). After a few, the job ends failed instead of stopping the worker again.
M2_JOB_CRASHES = """
        ALTER TABLE jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
"""

# The sync manifest: what this data folder and one bucket (target) last agreed on, by key.
# (The sync_state table of migration 1 was never used; it stays for old data folders.)
M4_SYNC_MANIFEST = """
        CREATE TABLE sync_manifest (
            target TEXT NOT NULL,
            key TEXT NOT NULL,
            document_id INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            mtime REAL NOT NULL DEFAULT 0,
            etag TEXT NOT NULL DEFAULT '',
            synced_at REAL NOT NULL,
            PRIMARY KEY (target, key)
        );
        CREATE INDEX sync_manifest_document ON sync_manifest(target, document_id);
"""

# Study: decks and cards (drafts until the student accepts them; ``edited`` cards are never
# overwritten by a regeneration), each review (FSRS state after it), and saved summaries.
M5_STUDY = """
        CREATE TABLE decks (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            node_id INTEGER,
            anki_id INTEGER NOT NULL,          -- stable deck id in Anki
            created_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX decks_name ON decks(name);
        CREATE TABLE cards (
            id INTEGER PRIMARY KEY,
            deck_id INTEGER NOT NULL REFERENCES decks(id),
            guid TEXT NOT NULL,                -- stable Anki note guid
            kind TEXT NOT NULL CHECK (kind IN ('qa', 'cloze')),
            front TEXT NOT NULL,
            back TEXT NOT NULL DEFAULT '',
            document_id INTEGER,
            page INTEGER,
            start_s REAL,
            support REAL NOT NULL DEFAULT 0,   -- share of the card's words found at its source
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'discarded')),
            edited INTEGER NOT NULL DEFAULT 0,
            fsrs TEXT NOT NULL DEFAULT '',     -- fsrs.Card as JSON
            due REAL,
            job_id INTEGER,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX cards_guid ON cards(guid);
        CREATE INDEX cards_deck ON cards(deck_id, status);
        CREATE INDEX cards_due ON cards(status, due);
        CREATE INDEX cards_document ON cards(document_id);
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            card_id INTEGER NOT NULL REFERENCES cards(id),
            rating INTEGER NOT NULL,
            reviewed_at REAL NOT NULL,
            due_after REAL NOT NULL,
            duration_ms INTEGER
        );
        CREATE INDEX reviews_time ON reviews(reviewed_at);
        CREATE TABLE summaries (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL,
            page_from INTEGER,
            page_to INTEGER,
            points TEXT NOT NULL DEFAULT '[]', -- key points with their citations, as JSON
            grounded_share REAL NOT NULL DEFAULT 0,
            model TEXT NOT NULL DEFAULT '',
            job_id INTEGER,
            created_at REAL NOT NULL
        );
        CREATE INDEX summaries_document ON summaries(document_id, id);
"""

# Multipart uploads a sync started and has not finished: resumed (only the missing parts are
# sent) by the next sync after an interruption, aborted when the file no longer needs them.
M6_SYNC_UPLOADS = """
        CREATE TABLE sync_uploads (
            target TEXT NOT NULL,
            key TEXT NOT NULL,
            upload_id TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            part_size INTEGER NOT NULL,
            started_at REAL NOT NULL,
            PRIMARY KEY (target, key)
        );
"""

# The course glossary: key terms per subject with a grounded definition and its citation.
# ``key`` is the term's stemmed form (one term per subject); ``edited`` terms keep the student's
# wording through a rebuild; ``deleted`` ones stay hidden so a rebuild does not bring them back.
M7_GLOSSARY = """
        CREATE TABLE glossary_terms (
            id INTEGER PRIMARY KEY,
            node_id INTEGER NOT NULL,
            term TEXT NOT NULL,
            key TEXT NOT NULL,
            definition TEXT NOT NULL DEFAULT '',
            document_id INTEGER,
            page INTEGER,
            start_s REAL,
            support REAL NOT NULL DEFAULT 0,
            category TEXT NOT NULL DEFAULT '',
            related TEXT NOT NULL DEFAULT '[]',
            frequency INTEGER NOT NULL DEFAULT 0,
            known INTEGER NOT NULL DEFAULT 0,
            edited INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE UNIQUE INDEX glossary_terms_key ON glossary_terms(node_id, key);
"""

# Transcription while recording: the audio position (seconds into the file) up to which the
# segments are final, and the model that made them; a later job resumes from there.
M8_LIVE_TRANSCRIPT = """
        ALTER TABLE recordings ADD COLUMN live_until_s REAL NOT NULL DEFAULT 0;
        ALTER TABLE recordings ADD COLUMN live_model TEXT NOT NULL DEFAULT '';
"""

# A numbered part inside a chunk's page: an EPUB chapter's § 2 ("chapter 3, § 2").
M9_CHUNK_SECTION = """
        ALTER TABLE chunks ADD COLUMN section INTEGER;
"""

# The student's notes in a lecture, each at the second of the lecture its typing started;
# written as it is typed, so a crash keeps them.
M10_LECTURE_NOTES = """
        CREATE TABLE lecture_notes (
            id INTEGER PRIMARY KEY,
            recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
            at_s REAL NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            updated_at REAL NOT NULL
        );
        CREATE INDEX lecture_notes_recording ON lecture_notes(recording_id, at_s);
"""

# Structure and language in search: each chunk's section title (from the PDF outline or
# headings) and, for documents not in English, a copy of its words stemmed in the
# document's language; a document's language; FTS5 indexes all three (accents folded).
M11_HEADINGS_LANGUAGES = """
        ALTER TABLE chunks ADD COLUMN heading TEXT NOT NULL DEFAULT '';
        ALTER TABLE chunks ADD COLUMN stems TEXT NOT NULL DEFAULT '';
        ALTER TABLE documents ADD COLUMN language TEXT NOT NULL DEFAULT '';
        DROP TRIGGER IF EXISTS chunks_ai;
        DROP TRIGGER IF EXISTS chunks_ad;
        DROP TRIGGER IF EXISTS chunks_au;
        DROP TABLE IF EXISTS chunks_fts;
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            text, heading, stems, content='chunks', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts(rowid, text, heading, stems) VALUES (new.id, new.text, new.heading, new.stems);
        END;
        CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text, heading, stems)
                VALUES ('delete', old.id, old.text, old.heading, old.stems);
        END;
        CREATE TRIGGER chunks_au AFTER UPDATE OF text, heading, stems ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text, heading, stems)
                VALUES ('delete', old.id, old.text, old.heading, old.stems);
            INSERT INTO chunks_fts(rowid, text, heading, stems) VALUES (new.id, new.text, new.heading, new.stems);
        END;
        INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');
"""

# A summary of a subject's week: all its lectures of one ISO week, so a summary is of a document
# (``document_id``, as before) or of a subject's week (``node_id`` and ``week`` like '2026-W48',
# no document). SQLite cannot drop a NOT NULL, so the table is copied into its new shape, every
# row with its id.
M12_WEEK_SUMMARIES = """
        CREATE TABLE summaries_new (
            id INTEGER PRIMARY KEY,
            document_id INTEGER,               -- the document summarised; NULL for a subject's week
            node_id INTEGER,                   -- the subject of a week's summary
            week TEXT,                         -- its ISO week, '2026-W48'
            page_from INTEGER,
            page_to INTEGER,
            points TEXT NOT NULL DEFAULT '[]', -- key points with their citations, as JSON
            grounded_share REAL NOT NULL DEFAULT 0,
            model TEXT NOT NULL DEFAULT '',
            job_id INTEGER,
            created_at REAL NOT NULL,
            CHECK (document_id IS NOT NULL OR (node_id IS NOT NULL AND week IS NOT NULL))
        );
        INSERT INTO summaries_new (id, document_id, page_from, page_to, points, grounded_share, model, job_id,
                                   created_at)
            SELECT id, document_id, page_from, page_to, points, grounded_share, model, job_id, created_at
            FROM summaries;
        DROP TABLE summaries;
        ALTER TABLE summaries_new RENAME TO summaries;
        CREATE INDEX summaries_document ON summaries(document_id, id);
        CREATE INDEX summaries_week ON summaries(node_id, week, id);
"""

Migration = str | Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = [M1_INITIAL, M2_JOB_CRASHES, migrate_identity_by_id, M4_SYNC_MANIFEST, M5_STUDY,
                               M6_SYNC_UPLOADS, M7_GLOSSARY, M8_LIVE_TRANSCRIPT,
                               M9_CHUNK_SECTION, M10_LECTURE_NOTES, M11_HEADINGS_LANGUAGES, M12_WEEK_SUMMARIES]


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def schema_version(db: sqlite_utils.Database) -> int:
    if "schema_version" not in db.table_names():
        return 0
    row = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def backup_file(path: Path, version: int) -> Path:
    return path.with_name(f"{path.name}.bak-v{version}")


def backup(db: sqlite_utils.Database, version: int) -> Path | None:
    """Copy app.db (with what its WAL holds) to ``app.db.bak-v<version>`` via SQLite's backup API.

    Written under a unique temporary name, then renamed: a crash never leaves a half
    backup under the final name. An existing backup of that version is kept.
    """
    path = Path(db.execute("PRAGMA database_list").fetchone()[2] or "")
    if not path.name:
        return None       # an in-memory database has nothing to lose
    target = backup_file(path, version)
    if target.exists():   # made by an earlier, interrupted start: it is the older release's state
        return target
    tmp = target.with_name(f"{target.name}.{os.getpid()}-{time.monotonic_ns()}.tmp")
    dest = sqlite3.connect(str(tmp))
    try:
        db.conn.backup(dest)
        dest.execute("PRAGMA journal_mode=DELETE")   # one self-contained file, no -wal beside it
    finally:
        dest.close()
    os.replace(tmp, target)
    log.info("app.db (schema version %d) backed up to %s before migrating", version, target.name)
    return target


def _apply(conn: sqlite3.Connection, version: int, step: Migration) -> None:
    if isinstance(step, str):
        conn.executescript(
            f"BEGIN IMMEDIATE;\n{step}\n;INSERT INTO schema_version VALUES ({version}, {time.time()});\nCOMMIT;")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        step(conn)
        conn.execute("INSERT INTO schema_version VALUES (?, ?)", (version, time.time()))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(db: sqlite_utils.Database) -> int:
    """Apply pending migrations, each in its own transaction. Returns the new version.

    A data folder made by an older release is backed up first (``backup``).
    """
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at REAL)")
    current = schema_version(db)
    if 0 < current < len(MIGRATIONS):
        backup(db, current)
    for version, step in enumerate(MIGRATIONS, start=1):
        if version <= current:
            continue
        conn = db.conn
        try:
            _apply(conn, version, step)
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # Another process may have applied it while we waited for the write lock.
            if schema_version(db) >= version:
                continue
            raise
    return schema_version(db)


def open_db(path: Path, migrate_schema: bool = True) -> sqlite_utils.Database:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(connect(path))
    if migrate_schema:
        migrate(db)
    return db


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One write transaction (BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error).

    Keep it short: no network call, no model call and no file copy inside, since
    every other process waits for the write lock until it ends.
    """
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
