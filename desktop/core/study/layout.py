"""Where the concept map draws each term: a small force-directed layout, pure and repeatable.

Terms start on a circle (in the order given, so the same glossary always gives the same
picture), then linked terms pull together and all terms push apart for a fixed number of
rounds (Fruchterman-Reingold with a cooling step). Positions fit in a square of ``size``
centred on the origin; a lone term stays put.
"""
from __future__ import annotations

import math
from typing import Iterable

ROUNDS = 120
GRAVITY = 0.1


def circle(ids: list[int], radius: float) -> dict[int, tuple[float, float]]:
    n = max(1, len(ids))
    return {i: (radius * math.cos(2 * math.pi * k / n), radius * math.sin(2 * math.pi * k / n))
            for k, i in enumerate(ids)}


def force_layout(ids: list[int], edges: Iterable[tuple[int, int]], size: float = 800.0,
                 rounds: int = ROUNDS) -> dict[int, tuple[float, float]]:
    """Positions for ``ids`` (x, y within ±size/2): linked terms near each other, none on top of another."""
    if not ids:
        return {}
    pos = {i: list(p) for i, p in circle(ids, size / 3).items()}
    if len(ids) == 1:
        return {ids[0]: (0.0, 0.0)}
    links = [(a, b) for a, b in edges if a in pos and b in pos and a != b]
    k = math.sqrt(size * size / len(ids)) * 0.6       # the distance terms settle at
    step = size / 10
    for _ in range(rounds):
        move = {i: [0.0, 0.0] for i in ids}
        for a_idx, a in enumerate(ids):
            ax, ay = pos[a]
            for b in ids[a_idx + 1:]:
                dx, dy = ax - pos[b][0], ay - pos[b][1]
                d = math.hypot(dx, dy) or 0.01
                push = k * k / d
                move[a][0] += dx / d * push
                move[a][1] += dy / d * push
                move[b][0] -= dx / d * push
                move[b][1] -= dy / d * push
        for a, b in links:
            dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            d = math.hypot(dx, dy) or 0.01
            pull = d * d / k
            move[a][0] -= dx / d * pull
            move[a][1] -= dy / d * pull
            move[b][0] += dx / d * pull
            move[b][1] += dy / d * pull
        for i in ids:
            # A gentle pull to the centre keeps terms without links from drifting off.
            mx, my = move[i][0] - pos[i][0] * GRAVITY, move[i][1] - pos[i][1] * GRAVITY
            length = math.hypot(mx, my) or 1.0
            pos[i][0] += mx / length * min(length, step)
            pos[i][1] += my / length * min(length, step)
        step = max(step * 0.95, 1.0)
    return _fit(pos, size)


def _fit(pos: dict[int, list[float]], size: float) -> dict[int, tuple[float, float]]:
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = size / span
    return {i: ((p[0] - cx) * scale, (p[1] - cy) * scale) for i, p in pos.items()}


def concept_layout(graph: dict, size: float = 800.0) -> dict[int, tuple[float, float]]:
    """Positions for the nodes of ``glossary.concept_map``'s graph."""
    ids = [n["id"] for n in graph["nodes"]]
    return force_layout(ids, [(e["source"], e["target"]) for e in graph["edges"]], size)
