import json
import logging

from desktop.core.storage import settings


def _raw(db, key="settings"):
    row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def test_settings_round_trip(db):
    settings.update(db, chat_model="my.gguf", chat_context=2048, extra_models=("a.gguf",))
    loaded = settings.load(db)
    assert (loaded.chat_model, loaded.chat_context, loaded.extra_models) == ("my.gguf", 2048, ("a.gguf",))
    assert settings.pending_notice(db) == ""


def test_unreadable_settings_are_kept_aside_and_the_student_is_told(db, paths, caplog):
    broken = '{"chat_model": "my.gguf", "chat_context": 40'   # cut off mid-write
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('settings', ?)", (broken,))
    with caplog.at_level(logging.WARNING, logger="desktop.core.storage.settings"):
        loaded = settings.load(db)
    assert loaded == settings.Settings()
    assert "not readable" in caplog.text, "the cause is logged"
    kept = [r["key"] for r in db.query("SELECT key FROM settings WHERE key LIKE 'settings.bad-%'")]
    assert len(kept) == 1 and _raw(db, kept[0]) == broken
    copy = paths.root / f"{kept[0]}.json"
    assert copy.read_text() == broken, "a readable copy sits next to app.db"
    notice = settings.pending_notice(db)
    assert "could not be read" in notice and copy.name in notice
    # The next save does not lose the old settings, and loading again finds nothing new to keep.
    settings.update(db, live_captions=False)
    assert settings.load(db).live_captions is False
    assert _raw(db, kept[0]) == broken
    assert db.execute("SELECT count(*) FROM settings WHERE key LIKE 'settings.bad-%'").fetchone()[0] == 1
    settings.dismiss_notice(db)
    assert settings.pending_notice(db) == ""


def test_one_bad_value_keeps_the_others(db, paths):
    saved = {"chat_model": "my.gguf", "chat_context": "lots", "extra_models": 5, "live_captions": False}
    db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('settings', ?)", (json.dumps(saved),))
    loaded = settings.load(db)
    assert (loaded.chat_model, loaded.live_captions) == ("my.gguf", False), "readable values are kept"
    assert (loaded.chat_context, loaded.extra_models) == (4096, ()), "bad ones fall back to defaults"
    notice = settings.pending_notice(db)
    assert "chat_context" in notice and "extra_models" in notice
    kept = [r["value"] for r in db.query("SELECT value FROM settings WHERE key LIKE 'settings.bad-%'")]
    assert [json.loads(v) for v in kept] == [saved]
    assert json.loads(_raw(db))["chat_context"] == 4096
