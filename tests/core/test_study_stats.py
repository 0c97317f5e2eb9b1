"""Study statistics from real rows: recordings, indexed pages, questions, reviews; streaks."""
from __future__ import annotations

import time
from datetime import date

from desktop.core import chat
from desktop.core.study import review, stats, store
from desktop.core.study.store import NewCard
from tests.core.test_study_material import add_book, add_lecture

DAY = 86400.0


def test_streak_counts_days_in_a_row_up_to_today_or_yesterday():
    d = date(2026, 3, 10)
    assert stats.streak({date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 10)}, d) == 3
    assert stats.streak({date(2026, 3, 8), date(2026, 3, 9)}, d) == 2, "today is not over yet"
    assert stats.streak({date(2026, 3, 7), date(2026, 3, 9)}, d) == 1
    assert stats.streak(set(), d) == 0


def test_statistics_add_up_per_subject_and_week(db, tmp_path):
    now = time.time()
    book = add_book(db, tmp_path, n=4)
    lecture = add_lecture(db)    # 190 s, transcribed, in Genetics
    db.execute("INSERT INTO recordings (title, node_id, path, state, duration_s, created_at) VALUES (?,?,?,?,?,?)",
               ("untranscribed", None, "recordings/2.wav", "ready", 3600.0, now))
    chat_id = chat.create_chat(db)
    chat.add_message(db, chat_id, chat.USER, "What do mitochondria produce?")
    chat.add_message(db, chat_id, chat.ASSISTANT, "ATP.")

    deck = store.deck_for_document(db, book)
    ids = [store.add_card(db, deck, NewCard("qa", f"Q{i}?", f"A{i}.", book, page=1)) for i in range(3)]
    ids.append(store.add_card(db, deck, NewCard("qa", "Replication?", "Semi-conservative.", lecture, start_s=65.0)))
    store.add_card(db, deck, NewCard("qa", "Draft?", "Draft."), status=store.DRAFT, edited=False)
    # Card 0 answered "good" five times (ending mature), one review a day for the last days.
    t = now - 200 * DAY
    for _ in range(6):
        c = review.review(db, ids[0], "good", at=t)
        t = c.due
    review.review(db, ids[1], "good", at=now - 2 * DAY)
    review.review(db, ids[1], "good", at=now - 1 * DAY)
    review.review(db, ids[3], "again", at=now)

    later = time.time() + 1          # the cards added above are due from the moment they were added
    s = stats.collect(db, later)
    assert s["hours_recorded"] == round((190 + 3600) / 3600, 2)
    assert s["hours_transcribed"] == round(190 / 3600, 2)
    assert s["pages_indexed"] == 4 and s["lectures_indexed"] == 0   # the test lecture has no chunks
    assert s["questions_asked"] == 1
    assert s["cards_reviewed"] == 9 and s["cards_active"] == 4 and s["cards_draft"] == 1
    assert s["cards_mature"] == (1 if review.is_mature(store.get_card(db, ids[0])) else 0) == 1
    due_now = [c.id for c in review.due_cards(db, later)]
    assert s["cards_due"] == len(due_now) and ids[2] in due_now and ids[0] not in due_now
    assert s["streak_days"] == 3
    bio, gen = s["per_subject"]["Biology"], s["per_subject"]["Genetics"]
    assert bio["pages_indexed"] == 4 and bio["cards"] == 3 and bio["cards_reviewed"] == 8
    assert gen["hours_transcribed"] == round(190 / 3600, 2) and gen["cards_reviewed"] == 1
    assert sum(w.get("cards_reviewed", 0) for w in s["per_week"].values()) == 9
    assert sum(w.get("questions_asked", 0) for w in s["per_week"].values()) == 1
