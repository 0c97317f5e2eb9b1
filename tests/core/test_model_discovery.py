"""Finding GGUF chat models other local-AI apps already put on this computer."""
import json
import os

from desktop.core.models import discovery as model_discovery
from desktop.core import models


def _link(target, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)
    return path


def test_models_of_lm_studio_gpt4all_jan_and_ollama_are_found_with_size_and_load_check(tmp_path):
    home = tmp_path / "home"
    real = models.locate("smollm2-135m")
    lm = _link(real, home / ".lmstudio/models/HuggingFaceTB/SmolLM2/SmolLM2-135M-Instruct.Q4_1.gguf")
    gpt = _link(real, home / ".local/share/nomic.ai/GPT4All/smollm2-copy.gguf")
    # Jan keeps a damaged download next to a projector file that is not a chat model.
    jan = home / "jan/models/broken/broken.gguf"
    jan.parent.mkdir(parents=True)
    jan.write_bytes(b"GGUF" + os.urandom(4096))
    (home / "jan/models/broken/mmproj-model-f16.gguf").write_bytes(b"GGUF" + os.urandom(64))
    (home / "jan/models/broken/readme.gguf").write_text("not a model")
    # Ollama: blobs without extension; the manifest names the model layer.
    ollama = home / ".ollama/models"
    blob = _link(real, ollama / "blobs/sha256-aaaa")
    (ollama / "blobs/sha256-bbbb").write_text("{\"license\": \"apache\"}")
    manifest = ollama / "manifests/registry.ollama.ai/library/smollm2/135m"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"layers": [
        {"mediaType": "application/vnd.ollama.image.license", "digest": "sha256:bbbb"},
        {"mediaType": "application/vnd.ollama.image.model", "digest": "sha256:aaaa"}]}))
    # A second Ollama model whose blob is not GGUF at all.
    (ollama / "blobs/sha256-cccc").write_bytes(b"\x00" * 100)
    other = ollama / "manifests/registry.ollama.ai/library/other/latest"
    other.parent.mkdir(parents=True)
    other.write_text(json.dumps({"layers": [{"mediaType": "application/vnd.ollama.image.model",
                                             "digest": "sha256:cccc"}]}))

    found = model_discovery.discover(home)
    # The same file behind several links counts once; the first app that has it wins.
    assert [(m.app, m.path) for m in found] == [("LM Studio", lm), ("Jan", jan)]
    assert found[0].size == real.stat().st_size and found[0].loads is None

    checked = {m.app: m for m in model_discovery.check(found)}
    assert checked["LM Studio"].loads is True and checked["LM Studio"].error == ""
    assert checked["Jan"].loads is False and "damaged" in checked["Jan"].error

    # Without the LM Studio and GPT4All copies, the Ollama blob is found under its model name.
    lm.unlink()
    gpt.unlink()
    again = model_discovery.discover(home)
    assert [(m.app, m.name, m.path) for m in again] == [("Jan", "broken", jan), ("Ollama", "smollm2:135m", blob)]


def test_a_computer_without_other_apps_finds_nothing(tmp_path):
    assert model_discovery.discover(tmp_path) == []
    assert model_discovery.check([]) == []
