"""Job kind -> the core function that does the work. Add new kinds here."""
from __future__ import annotations

from typing import Any, Callable

from ..core.jobs import JobContext

Handler = Callable[[JobContext], dict[str, Any] | None]


def _selfcheck(ctx: JobContext) -> dict[str, Any] | None:
    from ..core import selfcheck

    return selfcheck.run(ctx)


HANDLERS: dict[str, Handler] = {
    "selfcheck": _selfcheck,
}
