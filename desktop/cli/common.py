from __future__ import annotations

import json
import sys
from typing import Any

from ..core.errors import LecternError


def emit(data: Any, as_json: bool, text: str | None = None) -> None:
    if as_json:
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text if text is not None else json.dumps(data, indent=2, default=str))


def fail(exc: LecternError, as_json: bool) -> int:
    if as_json:
        emit({"error": exc.message, "hint": exc.hint}, True)
    print(f"lectern: {exc}", file=sys.stderr)
    return 1
