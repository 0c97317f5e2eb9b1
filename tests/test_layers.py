"""The picture of the code holds: layers by import-linter, and core imports its own modules at the top."""
import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    out = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_core_imports_its_own_modules_at_the_top():
    """No function-level import of Lectern's own modules in core (they hide cycles); heavy
    third-party libraries may still load lazily."""
    inside: list[str] = []
    for path in sorted((REPO / "desktop" / "core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("desktop")):
                    inside.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert inside == []
