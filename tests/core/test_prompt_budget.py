"""Prompt budget: what fits the context and the first-token target, and what is folded into
the running summary. Pure: a constructed token counter stands in for the model's tokenizer."""
from dataclasses import dataclass

from desktop.core import chat
from desktop.core.chat import Budget, ChatMessage, Source


@dataclass
class WordModel:
    """Counts one token per word, like a tokenizer would count (roughly), with a context size."""

    n_ctx: int

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def count_messages(self, msgs: list[dict[str, str]]) -> int:
        return sum(self.count_tokens(m["content"]) + 6 for m in msgs)


def passage(i: int, words: int = 200) -> Source:
    sentences = [f"Passage {i} sentence {j} tells about topic{i} and more words here." for j in range(words // 10)]
    return Source(i, 100 + i, "pdf", f"Book {i}", " ".join(sentences), page=i)


def test_a_big_context_gets_the_full_budget_and_a_small_one_a_scaled_one():
    assert Budget.for_context(8192) == Budget()
    small = Budget.for_context(1024)
    assert (small.answer, small.per_source, small.sources, small.history, small.summary) == (307, 84, 244, 210, 42)
    assert small.fresh is None


def test_a_slow_computer_gets_fewer_fresh_tokens_so_the_first_word_comes_in_time():
    slow = Budget.for_model(4096, prompt_tps=100.0)   # 100 tokens/s × 1.2 s target, floored at 4 passages
    assert slow.fresh == 4 * chat.MIN_SOURCE_TOKENS == 240
    assert (slow.sources, slow.history, slow.summary) == (240, 60, 28)
    fast = Budget.for_model(4096, prompt_tps=1000.0)
    assert fast.fresh == 1200 and fast.sources == 700 and fast.history == 300
    assert Budget.for_model(4096, prompt_tps=None) == Budget()   # not measured yet: the context decides
    # What is left for passages once the history is in, never under two passages.
    assert slow.sources_after(used=100) == 2 * chat.MIN_SOURCE_TOKENS
    assert fast.sources_after(used=100) == 700
    assert Budget(fresh=500).sources_after(used=100) == 360


def test_the_prompt_gives_as_many_passages_as_the_speed_allows_and_always_fits():
    sources = [passage(i) for i in range(1, 7)]
    model = WordModel(n_ctx=4096)
    _, _, fast_given = chat.build_prompt(model, "What is topic1?", sources, "", [], Budget.for_model(4096, 1000.0))
    _, _, slow_given = chat.build_prompt(model, "What is topic1?", sources, "", [], Budget.for_model(4096, 100.0))
    # Fast: 700 tokens of passages hold all six. Slow: 240 fresh tokens - question - overhead = 197 → 3.
    assert len(fast_given) == 6 and len(slow_given) == 3
    assert [s.n for s in slow_given] == [1, 2, 3] and slow_given[0].document_id == 101
    # Each 200-word passage is cut to its share (700 / 6 = 116), whole sentences plus "…" marks.
    assert all(100 <= model.count_tokens(s.quote) <= 118 for s in fast_given)

    tiny = WordModel(n_ctx=400)
    turns = [{"role": "user", "content": "word " * 60}, {"role": "assistant", "content": "word " * 60}]
    msgs, max_tokens, given = chat.build_prompt(tiny, "What is topic1?", sources, "", turns, Budget())
    assert tiny.count_messages(msgs) + max_tokens <= tiny.n_ctx
    assert max_tokens >= 32 and given
    assert msgs[-1]["content"].startswith("Sources:\n\nSource [1] (Book 1, page 1):")
    assert msgs[-1]["content"].endswith("Question: What is topic1?")


def _msg(i: int, role: str, words: int) -> ChatMessage:
    return ChatMessage(i, 1, role, " ".join(f"w{i}x{j}" for j in range(words)) + " [1].", [], {}, 0)


def test_older_turns_go_to_the_summary_and_the_recent_window_starts_with_a_question():
    history = [_msg(i, chat.USER if i % 2 else chat.ASSISTANT, 20) for i in range(1, 9)]
    count = lambda t: len(t.split())  # noqa: E731
    recent, older = chat.recent_turns(history, 60, count)   # room for two 26-token turns
    assert [m.id for m in recent] == [7, 8] and recent[0].role == chat.USER
    assert [m.id for m in older] == [1, 2, 3, 4, 5, 6]
    recent, older = chat.recent_turns(history, 90, count)   # three would fit, but not a dangling answer first
    assert [m.id for m in recent] == [7, 8] and len(older) == 6
    recent, _ = chat.recent_turns(history, 10_000, count)    # never more than six messages word for word
    assert [m.id for m in recent] == [3, 4, 5, 6, 7, 8]


def test_older_turns_fold_into_the_questions_asked_with_their_answers_first_sentence_cut_to_the_budget():
    older = [ChatMessage(1, 1, chat.USER, "What do mitochondria produce?", [], {}, 0),
             ChatMessage(2, 1, chat.ASSISTANT, "ATP, mostly [1]. They also store calcium [2].", [], {}, 0),
             ChatMessage(3, 1, chat.USER, "Where is photosynthesis?", [], {}, 0)]
    text = chat.fold_turns("", older, 120)
    assert text == ("Earlier the student asked: What do mitochondria produce? (ATP, mostly.) | "
                    "Where is photosynthesis?")
    cut = chat.fold_turns("long " * 200, older, 20)
    assert len(cut.split()) == 14 and cut.endswith("Where is photosynthesis?")


def test_the_prompt_speed_is_the_median_of_the_latest_prompts_not_the_best_one_seen():
    from pathlib import Path

    from desktop.core.models.llm import PROMPT_SPEEDS_KEPT, ChatModel, ModelChoice

    model = ChatModel(ModelChoice(Path("unused.gguf"), "test"))
    assert model.prompt_tps is None
    model.note_prompt_speed(600, 2.0)     # the warm-up: 300 tokens/s at the first positions
    model.note_prompt_speed(400, 2.0)     # answers after the cached prefix: 200 tokens/s
    model.note_prompt_speed(420, 2.0)
    assert model.prompt_tps == 210.0
    model.note_prompt_speed(10, 0.01)     # too short to tell anything
    assert model.prompt_tps == 210.0
    model.note_prompt_speed(200, 2.0)     # one busy moment
    assert model.prompt_tps == 205.0
    for _ in range(PROMPT_SPEEDS_KEPT):   # the computer got slower for good
        model.note_prompt_speed(240, 2.0)
    assert model.prompt_tps == 120.0


def test_turns_read_before_the_question_leave_the_passages_their_whole_share():
    sources = [passage(i) for i in range(1, 7)]
    model = WordModel(n_ctx=4096)
    budget = Budget.for_model(4096, 100.0)
    turns = [{"role": "user", "content": "word " * 40}, {"role": "assistant", "content": "word " * 40}]
    _, _, alone = chat.build_prompt(model, "What is topic1?", sources, "", [], budget)
    _, _, after_turns = chat.build_prompt(model, "What is topic1?", sources, "", turns, budget)
    _, _, primed = chat.build_prompt(model, "What is topic1?", sources, "", turns, budget, history_cached=True)
    # The turns cost fresh tokens unless they were evaluated while the student read the last answer.
    assert len(after_turns) == 2 < len(alone) == len(primed) == 3
