"""Chats: storage, an unreadable scope, and answers from the student's own material.

Citations, the prompt budget and contents detection are pure and tested on their own
(test_citations.py, test_prompt_budget.py, test_contents_detection.py)."""
import logging
import threading

import pytest

from desktop.core import chat
from desktop.core.models import llm
from desktop.core.storage import settings
from desktop.core.chat import Answerer, Finished, Retrieved, Status, Token
from desktop.core.storage.db import open_db
from desktop.core.errors import LecternError
from desktop.core.search.retrieval import open_store
from desktop.core.search.scope import Scope
from tests.chat_material import add_course

TINY = "smollm2-135m"


# -- storage ---------------------------------------------------------------------------------

def test_chats_are_created_renamed_searched_and_deleted_and_survive_a_restart(paths, db):
    biology = chat.create_chat(db, scope=Scope(node_ids=(7,), document_ids=(12,)))
    chat.add_message(db, biology, chat.USER, "What do mitochondria produce?")
    source = chat.Source(1, 4, "pdf", "Cell Biology", "Mitochondria produce ATP.", page=3, cited=True)
    chat.add_message(db, biology, chat.ASSISTANT, "ATP [1].", [source], {"mode": chat.ANSWER})
    history = chat.create_chat(db)
    chat.rename_chat(db, history, "French revolution")

    assert chat.get_chat(db, biology).title == "What do mitochondria produce?"  # named after its question
    assert [c.id for c in chat.list_chats(db, "mitochondria")] == [biology]
    assert [c.id for c in chat.list_chats(db, "french")] == [history]
    with pytest.raises(LecternError):
        chat.rename_chat(db, history, "   ")

    reopened = open_db(paths.db)  # a restart: a new connection to the same file
    again = chat.get_chat(reopened, biology)
    assert again.scope == Scope(node_ids=(7,), document_ids=(12,)) and not again.needs_scope
    msgs = chat.messages(reopened, biology)
    assert [m.role for m in msgs] == ["user", "assistant"]
    assert msgs[1].cited[0].page == 3 and msgs[1].cited[0].where == "page 3"

    chat.delete_chat(reopened, biology)
    assert [c.id for c in chat.list_chats(reopened)] == [history]
    assert chat.messages(reopened, biology) == []
    with pytest.raises(LecternError):
        chat.get_chat(reopened, biology)


# Damaged on disk: cut short, not JSON at all, a list, ids that are not numbers, an unknown form.
CORRUPT_SCOPES = ['{"node_ids": [3, 4', "Biology!", '["Biology"]', '{"node_ids": ["three"]}',
                  '{"colour": "blue"}']


@pytest.mark.parametrize("raw", CORRUPT_SCOPES)
def test_a_scope_that_cannot_be_read_is_reported_never_read_as_everything(raw):
    scope, problem = chat.parse_scope(raw)
    assert problem, f"{raw!r} was read as {scope}"
    assert chat.parse_scope('{"node_ids": [3], "document_ids": [7]}') == (Scope(node_ids=(3,), document_ids=(7,)), "")
    assert chat.parse_scope("{}") == (Scope(), "")


def test_a_chat_whose_scope_is_corrupt_is_kept_and_answers_wait_for_a_choice(paths, db, caplog):
    chat_id = chat.create_chat(db, scope=Scope(node_ids=(3,)))
    chat.add_message(db, chat_id, chat.USER, "What do mitochondria produce?")
    chat.add_message(db, chat_id, chat.ASSISTANT, "ATP [1].", [], {"mode": chat.ANSWER})
    db.execute("UPDATE chats SET scope = ? WHERE id = ?", ('{"node_ids": [3, 4', chat_id))

    with caplog.at_level(logging.WARNING, logger="desktop.core.chat"):
        damaged = chat.get_chat(db, chat_id)
    assert damaged.needs_scope and damaged.title == "What do mitochondria produce?"
    assert any(f"chat {chat_id}" in r.getMessage() and "could not be read" in r.getMessage()
               for r in caplog.records), "the cause is logged"
    assert [c.id for c in chat.list_chats(db)] == [chat_id]
    assert [m.content for m in chat.messages(db, chat_id)] == ["What do mitochondria produce?", "ATP [1]."]

    answerer = Answerer(db, store=None, use_llm=False)
    for kw in ({}, {"scope": Scope()}, {"regenerate": True}):
        with pytest.raises(chat.ChatScopeUnreadable) as refused:
            list(answerer.ask(chat_id, "Where does photosynthesis happen?", **kw))
        assert refused.value.message == "This chat's scope could not be read; choose what it should look at."
    assert len(chat.messages(db, chat_id)) == 2, "nothing was asked or answered meanwhile"
    assert db.execute("SELECT scope FROM chats WHERE id = ?", [chat_id]).fetchone()[0] == '{"node_ids": [3, 4'

    chat.set_scope(db, chat_id, Scope(node_ids=(4,)))   # the student chooses
    chosen = chat.get_chat(db, chat_id)
    assert not chosen.needs_scope and chosen.scope == Scope(node_ids=(4,))


def test_follow_up_questions_borrow_the_previous_question_without_a_model():
    prev = [chat.ChatMessage(1, 1, chat.USER, "How does photosynthesis work in plants?", [], {}, 0),
            chat.ChatMessage(2, 1, chat.ASSISTANT, "In chloroplasts [1].", [], {}, 0)]
    assert chat.is_follow_up("And what does it release?", True)
    assert not chat.is_follow_up("What does DNA polymerase do?", True)
    assert not chat.is_follow_up("And what does it release?", False)
    rewritten = chat.heuristic_rewrite("And what does it release?", prev)
    assert "photosynthesis" in rewritten and "release" in rewritten


# Asked inside a chat after another question: which lean on it, and which stand on their own.
FOLLOW_UPS = ["what about its default?", "and in R?", "In R?", "Why?", "Examples?", "How do I install it?",
              "Who maintains it?", "Does it work on Windows?", "What does that mean?", "Can you give an example?",
              "Tell me more", "Is that allowed in a business?", "What are those used for?", "And what does it keep?",
              "Is the same true for lists?"]
STANDALONE = ["How do I read a CSV file?", "What is a vector?", "Is there a function that sorts a list?",
              "Is it possible to read Excel files?", "How do vectors store their values?",
              "What is a factor and how do I use it?", "Where does the name R come from?",
              "What is the difference between a list and a vector?", "Why does -2^2 give -4 in R?",
              "Which package provides Trellis graphics in R?", "How do I rotate the x axis labels of a plot?",
              "Data frames?", "Can I call a function that returns nothing?"]


@pytest.mark.parametrize("question", FOLLOW_UPS)
def test_a_question_that_leans_on_the_previous_turn_is_a_follow_up(question):
    assert chat.follow_up_reason(question, True), question
    assert not chat.is_follow_up(question, False), "nothing to lean on in a new chat"


@pytest.mark.parametrize("question", STANDALONE)
def test_a_question_that_stands_on_its_own_is_used_as_it_is(question):
    assert chat.follow_up_reason(question, True) == "", question


def test_a_long_passage_is_cut_to_the_sentences_about_the_question():
    text = " ".join(f"Filler sentence number {i} about nothing in particular." for i in range(30))
    text += " The Krebs cycle happens in the mitochondrial matrix. " + text
    cut = chat.focus(text, "Where does the Krebs cycle happen?", 40, lambda t: len(t.split()))
    assert "Krebs cycle happens" in cut and len(cut.split()) <= 45


# -- answers ---------------------------------------------------------------------------------

@pytest.fixture
def course(paths, services, db):
    store = open_store(paths, db)
    return add_course(db, store), store


def _ask(answerer, chat_id, question, **kw):
    events = list(answerer.ask(chat_id, question, **kw))
    done = events[-1]
    assert isinstance(done, Finished)
    return events, done.message, done.stats


def test_an_answer_streams_and_cites_the_page_and_the_lecture_second(course, db):
    (c, store) = course
    answerer = Answerer(db, store, model=TINY, max_answer_tokens=64)
    chat_id = chat.create_chat(db)
    events, msg, stats = _ask(answerer, chat_id, "What do mitochondria produce?")
    tokens = [e for e in events if isinstance(e, Token)]
    assert len(tokens) > 3, "the answer arrived token by token"
    retrieved = next(e for e in events if isinstance(e, Retrieved))
    assert retrieved.mode == chat.ANSWER and retrieved.sources[0].page == 3
    assert msg.mode == chat.ANSWER and msg.content
    # Whatever the model wrote, only numbers of sources it was given survive.
    _, cited = chat.clean_citations(msg.content, len(msg.sources))
    assert all(1 <= n <= len(msg.sources) for n in cited)
    assert {s.n for s in msg.cited} == set(cited)
    assert stats["first_token_s"] is not None and stats["tokens_per_s"] > 0 and stats["retrieval_s"] > 0

    _, lecture, _ = _ask(answerer, chat_id, "What does Mendel's law of segregation say?")
    top = lecture.sources[0]
    assert top.kind == "lecture" and top.start_s == 130.0 and top.recording_id == c.recording_id
    assert top.where == "2:10"
    # Both answers are in app.db with their sources.
    stored = chat.messages(db, chat_id)
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
    assert stored[3].sources[0].start_s == 130.0


def test_a_question_outside_the_material_gets_not_in_your_material_and_can_widen(course, db):
    (c, store) = course
    answerer = Answerer(db, store, model=TINY, max_answer_tokens=64)
    chat_id = chat.create_chat(db)
    _, msg, _ = _ask(answerer, chat_id, "Who won the football world cup in 1998?")
    assert msg.mode == chat.NOT_FOUND and "not in your material" in msg.content.lower()
    assert msg.sources == [] and not msg.meta["can_widen"]

    # Scoped to Biology, the genetics lecture is out of reach: say so, and offer to widen.
    subject = db.execute("SELECT parent_id FROM nodes WHERE id = (SELECT node_id FROM documents WHERE id = ?)",
                         [c.book_id]).fetchone()[0]
    biology = Scope(node_ids=(subject,))
    _, narrow, _ = _ask(answerer, chat_id, "What does Mendel's law of segregation say?", scope=biology)
    assert narrow.mode == chat.NOT_FOUND and narrow.meta["can_widen"]
    assert "Fall 2025 / Biology" in narrow.content
    _, wide, _ = _ask(answerer, chat_id, "", regenerate=True, scope=Scope())
    assert wide.mode == chat.ANSWER and wide.sources[0].start_s == 130.0
    assert chat.get_chat(db, chat_id).scope.is_everything
    assert [m.role for m in chat.messages(db, chat_id)].count("assistant") == 2  # the narrow answer was replaced


def test_without_a_chat_model_the_best_passages_are_shown_with_how_to_add_one(course, db, tmp_path):
    (_, store) = course
    llm.host().unload()
    answerer = Answerer(db, store, model=str(tmp_path / "gone.gguf"))
    chat_id = chat.create_chat(db)
    events, msg, _ = _ask(answerer, chat_id, "Where does photosynthesis happen?")
    assert not any(isinstance(e, Token) for e in events)
    assert msg.mode == chat.PASSAGES and "Settings → Chat" in msg.meta["how_to"]
    assert msg.cited and msg.cited[0].page == 7 and "[1]" in msg.content
    assert "gone.gguf" in msg.meta["reason"]


def test_a_broken_model_choice_keeps_answering_with_the_previous_model(course, db, tmp_path):
    (_, store) = course
    chat_id = chat.create_chat(db)
    _ask(Answerer(db, store, model=TINY, max_answer_tokens=64), chat_id, "What do ribosomes do?")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 5000)
    again = Answerer(db, store, model=str(broken), max_answer_tokens=48)
    events, msg, _ = _ask(again, chat_id, "What do ribosomes do?")
    warnings = [e.text for e in events if isinstance(e, Status) and "Still using" in e.text]
    assert warnings and "broken.gguf" in warnings[0]
    assert msg.mode == chat.ANSWER and msg.meta["model"] == llm.host().active.label


def test_stop_keeps_the_partial_answer(course, db):
    (_, store) = course
    answerer = Answerer(db, store, model=TINY, max_answer_tokens=64)
    chat_id = chat.create_chat(db)
    cancel = threading.Event()
    got: list[str] = []
    done = None
    for ev in answerer.ask(chat_id, "Explain how ions cross the plasma membrane.", cancel=cancel):
        if isinstance(ev, Token):
            got.append(ev.text)
            if len(got) == 3:
                cancel.set()
        elif isinstance(ev, Finished):
            done = ev
    assert done is not None and done.message.meta["stopped"] and done.stats["tokens"] <= 4
    assert chat.messages(db, chat_id)[-1].content == done.message.content


def test_a_long_chat_is_folded_into_a_summary_so_the_context_never_overflows(course, db):
    (_, store) = course
    settings.update(db, chat_context=1024)
    answerer = Answerer(db, store, model=TINY, max_answer_tokens=64)
    chat_id = chat.create_chat(db)
    questions = ["What do mitochondria produce?", "Where does photosynthesis happen?",
                 "How do ions cross the plasma membrane?", "What do ribosomes do?",
                 "Is DNA replication conservative?", "And what does it keep?"]
    for q in questions:
        _, msg, stats = _ask(answerer, chat_id, q)
        assert stats.get("prompt_tokens", 0) + 32 <= 1024
    folded = chat.get_chat(db, chat_id)
    assert folded.summary and folded.summary_upto > 0
    # The follow-up was searched with what "it" refers to.
    assert "replication" in msg.meta["query"].lower() or "dna" in msg.meta["query"].lower()


# -- keeping the model warm, and saying what is happening --------------------------------------

def _stages(events):
    return [e.stage for e in events if isinstance(e, Status)]


def test_a_question_asked_while_the_model_warms_up_waits_for_that_same_load(course, db, paths):
    (_, store) = course
    settings.update(db, chat_model=TINY)
    host = llm.host()
    host.unload()
    loads = host.loads
    warmed: dict = {}
    warming = threading.Thread(target=lambda: warmed.update(chat.warm_up(open_db(paths.db), store)))
    warming.start()
    events, msg, stats = _ask(Answerer(db, store, max_answer_tokens=32), chat.create_chat(db),
                              "What do mitochondria produce?")
    warming.join(120)
    assert warmed["model"].startswith("SmolLM2") and "error" not in warmed
    assert host.loads == loads + 1, "the question waited for the warm-up's load: nothing was loaded twice"
    assert msg.mode == chat.ANSWER and stats["first_token_s"] is not None
    stages = _stages(events)
    assert stages[0] == chat.SEARCHING and stages[-2:] == [chat.READING, chat.WRITING]
    assert stages.count(chat.LOADING) <= 1

    # Warm now: nothing is loaded, and the answer never says it is loading.
    again = chat.warm_up(db, store)
    assert again["model_was_warm"] and host.loads == loads + 1
    events, msg, stats = _ask(Answerer(db, store, max_answer_tokens=32), chat.create_chat(db),
                              "Where does photosynthesis happen?")
    assert _stages(events) == [chat.SEARCHING, chat.READING, chat.WRITING]
    assert stats["model_was_ready"] and stats["model_wait_s"] < 0.5
    reading = next(e.text for e in events if isinstance(e, Status) and e.stage == chat.READING)
    assert reading == f"Reading {len(msg.sources)} passage{'s' if len(msg.sources) > 1 else ''}…"
    writing = [i for i, e in enumerate(events) if isinstance(e, Status) and e.stage == chat.WRITING][0]
    first_token = next(i for i, e in enumerate(events) if isinstance(e, Token))
    assert writing == first_token - 1, "'Writing…' comes with the first word, not before the prompt is read"


def test_a_cold_question_says_it_loads_the_model_only_while_it_does(course, db):
    (_, store) = course
    llm.host().unload()
    events, msg, stats = _ask(Answerer(db, store, model=TINY, max_answer_tokens=32), chat.create_chat(db),
                              "What do ribosomes do?")
    stages = _stages(events)
    assert not stats["model_was_ready"] and msg.mode == chat.ANSWER
    # The model loaded while the question was searched: "Loading" is said only if it was still loading.
    assert stages[0] == chat.SEARCHING and stages[-2:] == [chat.READING, chat.WRITING]
    assert set(stages) <= {chat.SEARCHING, chat.LOADING, chat.READING, chat.WRITING}


def test_a_standalone_question_inside_a_chat_is_searched_as_it_is_and_a_follow_up_is_rewritten(course, db):
    (_, store) = course
    answerer = Answerer(db, store, model=TINY, max_answer_tokens=32)
    chat_id = chat.create_chat(db)
    _ask(answerer, chat_id, "Is DNA replication conservative?")
    events, msg, stats = _ask(answerer, chat_id, "Where does photosynthesis happen?")
    assert stats["follow_up"] == "" and msg.meta["query"] == "Where does photosynthesis happen?"
    assert chat.UNDERSTANDING not in _stages(events), "no model rewrite for a standalone question"
    events, msg, stats = _ask(answerer, chat_id, "And what does it release?")
    assert stats["follow_up"] and chat.UNDERSTANDING in _stages(events)
    assert "photosynthesis" in msg.meta["query"].lower()


def _prompt_tokens_read(model, ask):
    """Prompt tokens llama.cpp evaluated while ``ask()`` ran (its own counter)."""
    import llama_cpp

    ctx = model.llama._ctx.ctx
    llama_cpp.llama_perf_context_reset(ctx)
    result = ask()
    return llama_cpp.llama_perf_context(ctx).n_p_eval, result


def test_the_conversation_is_read_while_the_answer_is_read_so_the_next_question_reads_only_its_own(course, db):
    (_, store) = course
    answerer = Answerer(db, store, model=TINY, max_answer_tokens=48)
    model = answerer.model().model
    questions = ["Is DNA replication conservative?", "Where does photosynthesis happen?"]

    # Without priming, the second question's prompt re-reads the first turn after the fixed prefix.
    plain = chat.create_chat(db)
    _ask(answerer, plain, questions[0])
    read_plain, (_, _, stats_plain) = _prompt_tokens_read(model, lambda: _ask(answerer, plain, questions[1]))
    assert not stats_plain["history_cached"]
    assert read_plain >= stats_plain["prompt_tokens"] - model.warm_tokens - 12

    primed = chat.create_chat(db)
    _ask(answerer, primed, questions[0])
    turn = sum(model.count_tokens(chat.strip_citations(m.content)) for m in chat.messages(db, primed))
    assert turn > 20
    assert answerer.prime_next(primed)
    read, (_, msg, stats) = _prompt_tokens_read(model, lambda: _ask(answerer, primed, questions[1]))
    assert stats["history_cached"] and msg.mode == chat.ANSWER
    # Only what follows the turn is read: the sources and the question.
    assert read <= stats["prompt_tokens"] - model.warm_tokens - turn + 12
    # A chat with no turns yet has nothing to prime.
    assert not answerer.prime_next(chat.create_chat(db))
