"""The chat model: loads lazily with its own template, streams, counts tokens, and a bad
file never replaces a working model."""
import os

import pytest

from desktop.core.models import llm
from desktop.core import models
from desktop.core.errors import LecternError


@pytest.fixture(scope="module")
def tiny() -> llm.ModelChoice:
    return llm.choose("smollm2-135m", n_ctx=2048, n_threads=2)


def test_the_model_loads_only_when_first_used_and_streams_an_answer(tiny):
    model = llm.ChatModel(tiny)
    assert not model.loaded
    assert model.count_tokens("The mitochondria is the powerhouse of the cell.") > 5  # estimate, still unloaded
    assert not model.loaded
    pieces = list(model.stream([{"role": "user", "content": "Say hello to a student in one short sentence."}],
                               max_tokens=24, temperature=0.0))
    assert model.loaded and model.llama.n_ctx() == 2048
    assert len(pieces) > 1, "the answer arrives piece by piece"
    assert "".join(pieces).strip()
    # Its own chat template, read from the GGUF, not a guessed format.
    assert model.llama.chat_format == "chat_template.default"
    exact = model.count_tokens("The mitochondria is the powerhouse of the cell.")
    assert 8 <= exact <= 16
    assert model.truncate("word " * 500, 50).endswith("…")
    assert model.count_tokens(model.truncate("word " * 500, 50)) <= 52
    model.close()


def test_stop_ends_the_stream_early(tiny):
    model = llm.ChatModel(tiny)
    seen: list[str] = []
    for piece in model.stream([{"role": "user", "content": "Count from one to one hundred in words."}],
                              max_tokens=200, should_stop=lambda: len(seen) >= 5):
        seen.append(piece)
    assert len(seen) == 5
    # The model is free again for the next answer.
    assert model.complete([{"role": "user", "content": "Say yes."}], max_tokens=4)
    model.close()


def test_a_damaged_model_file_is_refused_and_the_previous_model_stays(tiny, tmp_path):
    host = llm.ModelHost()
    working = host.get(tiny)
    broken = tmp_path / "broken.gguf"
    with open(tiny.path, "rb") as f:
        broken.write_bytes(f.read(3_000_000))  # a download cut short: header but no weights
    with pytest.raises(LecternError) as err:
        host.get(llm.ModelChoice(broken, "Broken model"))
    assert "broken.gguf" in str(err.value) and "damaged" in str(err.value)
    assert host.active is working
    assert working.complete([{"role": "user", "content": "Say yes."}], max_tokens=4)
    host.unload()


def test_a_file_that_is_not_a_model_says_so(tmp_path):
    notes = tmp_path / "notes.gguf"
    notes.write_text("my lecture notes, not a model")
    with pytest.raises(LecternError) as err:
        llm.ChatModel(llm.ModelChoice(notes, "Notes")).load()
    assert "not a GGUF model file" in str(err.value)


def test_a_model_too_big_for_memory_is_refused_in_plain_words(tiny, tmp_path):
    huge = tmp_path / "huge-70b.gguf"
    with open(huge, "wb") as f:  # sparse: takes no disk space, but claims a terabyte
        f.write(b"GGUF")
        f.truncate(1 << 40)
    host = llm.ModelHost()
    working = host.get(tiny)
    with pytest.raises(LecternError) as err:
        host.get(llm.ModelChoice(huge, "Huge"))
    assert "too big for this computer's memory" in str(err.value)
    assert host.active is working
    host.unload()


def test_settings_choose_the_context_size_and_threads():
    choice = llm.choose("", n_ctx=3072, n_threads=1)
    assert choice.id == models.DEFAULTS[models.CHAT] and choice.n_ctx == 3072 and choice.threads == 1
    assert llm.choose("smollm2-135m", n_ctx=100).n_ctx == llm.MIN_CONTEXT
    assert llm.choose("smollm2-135m").threads == (os.cpu_count() or 1)
    with pytest.raises(LecternError):
        llm.choose("/nowhere/model.gguf")


def test_a_vocabulary_check_tells_loadable_chat_models_apart(tiny, tmp_path):
    ok = llm.check_loads(tiny.path)
    assert ok["loads"] and ok["chat"] and ok["error"] == ""
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + os.urandom(2000))
    info = llm.check_loads(bad)
    assert not info["loads"] and info["error"]
