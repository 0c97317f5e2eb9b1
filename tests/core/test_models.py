import pytest

from desktop.core import models
from desktop.core.errors import ModelCorrupt, ModelMissing


def test_every_role_resolves_to_a_verified_local_model():
    for role in models.ROLES:
        resolved = models.resolve(role)
        assert resolved.path.exists(), role
        assert models.ready(models.DEFAULTS[role])
    assert (models.resolve(models.TRANSCRIPTION).path / "model.bin").stat().st_size > 50_000_000


def test_the_assembled_chat_model_is_a_gguf_file():
    path = models.resolve(models.CHAT).path
    with open(path, "rb") as f:
        assert f.read(4) == b"GGUF"


def test_a_checksum_mismatch_is_refused_and_leaves_nothing_behind(tmp_path):
    real = models.SPECS["minilm-l6"]
    bad = models.ModelSpec("bad-minilm", real.role, "Broken", real.format, real.main_file, real.main_parts,
                           real.extra_files, sha256="0" * 64)
    with pytest.raises(ModelCorrupt):
        models.prepare(bad, cache=tmp_path)
    assert not (tmp_path / "bad-minilm" / "model.onnx").exists()


def test_a_missing_package_says_how_to_install_it(tmp_path):
    spec = models.ModelSpec("ghost", models.CHAT, "Ghost", "gguf", "model.gguf",
                            (models.Part("no_such_model_package", "x.bin"),), sha256="0" * 64)
    with pytest.raises(ModelMissing, match="not installed"):
        models.prepare(spec, cache=tmp_path)


def test_a_student_added_model_path_is_checked(tmp_path):
    with pytest.raises(ModelMissing):
        models.resolve(models.CHAT, str(tmp_path / "nothing.gguf"))
    txt = tmp_path / "notes.txt"
    txt.write_text("hi")
    with pytest.raises(ModelMissing, match="GGUF"):
        models.resolve(models.CHAT, str(txt))


def test_two_processes_preparing_one_model_at_once_both_end_with_a_verified_copy(tmp_path):
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from desktop.core import models; "
            "print(models.prepare(models.SPECS['minilm-l6'], cache=Path(sys.argv[1])))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    folder = tmp_path / "minilm-l6"
    assert sorted(p.name for p in folder.iterdir()) == [".verified.json", "model.onnx", "tokenizer.json"]
    assert models.prepare(models.SPECS["minilm-l6"], cache=tmp_path) == folder   # verified, not rebuilt
