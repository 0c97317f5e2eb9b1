"""Summaries of a lecture, a page range, or a subject's week: map-reduce over parts, key points
with citations.

Map: each part of the material (``writer.WINDOW_CHARS`` of text) gives a few key points.
Reduce: while there are more points than a summary should hold, groups of them are merged
by the model, so no prompt ever holds more than one part's worth of text, however long the
lecture or book. Each final point cites the page or second whose text holds most of its
words (for a lecture, a segment read with the next one, as sentences run over segments);
the share of points whose citation really holds their words is measured and stored.

A subject's week is all its lectures recorded in one ISO week, with the student's notes
(``material.load_week``): each part is of one lecture, the parts' points are merged as above,
and each final point cites its lecture and second.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from .. import catalog
from ..errors import StudyError
from ..storage import atomic
from ..jobs import JobContext, JobStarter
from . import cloze, grounding, material, weeks
from .material import Piece
from .weeks import Week
from .writer import WINDOW_CHARS, Writer, bullet_lines, open_writer

JOB_KIND = "study_summary"
MAX_POINTS = 10
POINTS_PER_PART = 3
MERGE_GROUP = 12
MIN_POINT_WORDS = 5
# A merged point "comes from" a part's point that holds at least this share of its words.
ORIGIN_OVERLAP = 0.25
SYSTEM = "You summarise course material for a student. Use only what the text says."
MAP_PROMPT = ("Text:\n{text}\n\nWrite the {n} most important key points of this text, "
              "one per line, each starting with '- '. Reuse the text's own words.")
REDUCE_PROMPT = ("Key points:\n{points}\n\nMerge these into at most {n} key points, one per line, "
                 "each starting with '- '. Keep their wording; drop repeats.")


@dataclass
class KeyPoint:
    text: str
    document_id: int
    page: int | None
    start_s: float | None
    support: float

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "support": round(self.support, 3),
                "citation": {"document_id": self.document_id, "page": self.page, "start_s": self.start_s}}


@dataclass
class Summary:
    id: int
    document_id: int | None        # None for a subject's week
    pages: tuple[int, int] | None
    points: list[KeyPoint]
    grounded_share: float
    model: str
    created_at: float
    subject_id: int | None = None  # a week's summary: its subject and ISO week
    week: Week | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "document_id": self.document_id, "pages": list(self.pages) if self.pages else None,
                "subject_id": self.subject_id, "week": str(self.week) if self.week else None,
                "lectures": sorted({p.document_id for p in self.points}) if self.week else None,
                "grounded_share": round(self.grounded_share, 3), "model": self.model,
                "key_points": [p.as_dict() for p in self.points]}


def cite_texts(pieces: list[Piece]) -> list[str]:
    """What each piece's citation covers: a page, or a lecture segment with the one after it
    in the same lecture."""
    def covers(i: int, p: Piece) -> str:
        after = pieces[i + 1] if i + 1 < len(pieces) else None
        if p.start_s is None or after is None or after.document_id != p.document_id:
            return p.text
        return f"{p.text} {after.text}"
    return [covers(i, p) for i, p in enumerate(pieces)]


def cite(point: str, pieces: list[Piece], texts: list[str]) -> KeyPoint:
    best, score = grounding.best_piece(point, texts)
    p = pieces[max(best, 0)]
    return KeyPoint(point, p.document_id, p.page, p.start_s, score if best >= 0 else 0.0)


def cited_points(texts: list[str], parts: list[str], pieces: list[Piece],
                 cite_with: list[str]) -> tuple[list[KeyPoint], int]:
    """Each final point with its citation. A point a merge reworded beyond what the source says
    gives way to the part's own point it came from, when that one is better supported.
    Returns the points and how many were replaced so."""
    points: list[KeyPoint] = []
    replaced = 0
    for t in texts:
        point = cite(t, pieces, cite_with)
        if point.support < grounding.SUPPORT_THRESHOLD and parts:
            origin = max(parts, key=lambda o: grounding.support(t, o))
            alternative = cite(origin, pieces, cite_with)
            came_from = grounding.support(t, origin) >= ORIGIN_OVERLAP
            if came_from and alternative.support > point.support and all(alternative.text != p.text for p in points):
                point = alternative
                replaced += 1
        points.append(point)
    return points, replaced


def dedupe(points: list[str]) -> list[str]:
    out: list[str] = []
    for p in points:
        if all(grounding.support(p, q) < 0.8 for q in out):
            out.append(p)
    return out


def groups_of(points: list[str], size: int = MERGE_GROUP) -> list[list[str]]:
    """Points in consecutive groups of about ``size`` (the last group is never a lone point)."""
    groups = [points[i:i + size] for i in range(0, len(points), size)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        last = groups.pop()
        groups[-1] = groups[-1] + last
    return groups


def map_reduce(writer: Writer, pieces: list[Piece], progress: Any = None,
               check: Any = None) -> tuple[list[str], dict[str, int]]:
    """Key points of the whole material; ``stats`` says how many parts and merge rounds it took."""
    texts, stats, _ = map_reduce_parts(writer, pieces, progress, check)
    return texts, stats


def map_reduce_parts(writer: Writer, pieces: list[Piece], progress: Any = None, check: Any = None,
                     names: dict[int, str] | None = None) -> tuple[list[str], dict[str, int], list[str]]:
    """``map_reduce``, with the points of the parts before any merge. With ``names`` (document
    id -> title) the progress says whose part is read (a week's lectures)."""
    windows = material.windows(pieces, WINDOW_CHARS)
    counts = cloze.term_counts(p.text for p in pieces)
    points: list[str] = []
    for i, window in enumerate(windows):
        if check:
            check()
        if progress:
            whose = f" ({names[window[0].document_id]})" if names and window[0].document_id in names else ""
            progress(0.8 * i / len(windows), f"Reading part {i + 1} of {len(windows)}{whose}")
        text = writer.fit(" ".join(p.text for p in window), 60 * POINTS_PER_PART)
        said = bullet_lines(writer.ask(SYSTEM, MAP_PROMPT.format(text=text, n=POINTS_PER_PART),
                                       max_tokens=60 * POINTS_PER_PART))[:POINTS_PER_PART]
        # A part the model says nothing usable about still counts: its most telling sentence.
        points += said or cloze.key_sentences(text, counts)[:1]
    points = dedupe(points)
    parts = list(points)
    rounds = 0
    while len(points) > MAX_POINTS:
        rounds += 1
        merged: list[str] = []
        groups = groups_of(points)
        for j, group in enumerate(groups):
            if check:
                check()
            if progress:
                progress(0.8 + 0.15 * j / len(groups), f"Merging key points (round {rounds})")
            keep = max(2, MAX_POINTS // len(groups)) if len(groups) > 1 else MAX_POINTS
            lines = bullet_lines(writer.ask(SYSTEM, REDUCE_PROMPT.format(
                points="\n".join(f"- {p}" for p in group), n=keep), max_tokens=50 * keep))[:keep]
            # A merge that says nothing usable keeps the group's first points instead.
            merged += lines or group[:keep]
        points = dedupe(merged)
        if rounds >= 4:          # each round shrinks the list; never loop on a stubborn model
            points = points[:MAX_POINTS]
    return points, {"parts": len(windows), "reduce_rounds": rounds}, parts


def summarise(db: sqlite_utils.Database, writer: Writer, document_id: int, pages: tuple[int, int] | None = None,
              job_id: int | None = None, progress: Any = None, check: Any = None) -> tuple[Summary, dict[str, Any]]:
    pieces = material.load(db, document_id, pages)
    points, stats = key_points(writer, pieces, progress, check)
    share = grounding.report([p.support for p in points]).share
    cur = db.execute("INSERT INTO summaries (document_id, page_from, page_to, points, grounded_share, model, job_id,"
                     " created_at) VALUES (?,?,?,?,?,?,?,?)",
                     (document_id, pages[0] if pages else None, pages[1] if pages else None,
                      json.dumps([asdict(p) for p in points]), share, writer.label, job_id, time.time()))
    return get_summary(db, int(cur.lastrowid)), stats


def summarise_week(db: sqlite_utils.Database, writer: Writer, subject_id: int, week: Week,
                   job_id: int | None = None, progress: Any = None,
                   check: Any = None) -> tuple[Summary, dict[str, Any]]:
    """All the subject's lectures of ``week`` (and the student's notes in them) in one summary."""
    pieces = material.load_week(db, subject_id, week)
    names = {d.id: d.title for d in weeks.lectures(db, subject_id, week)}
    points, stats = key_points(writer, pieces, progress, check, names)
    stats["lectures"] = len({p.document_id for p in pieces})
    share = grounding.report([p.support for p in points]).share
    cur = db.execute("INSERT INTO summaries (node_id, week, points, grounded_share, model, job_id, created_at)"
                     " VALUES (?,?,?,?,?,?,?)", (subject_id, str(week), json.dumps([asdict(p) for p in points]),
                                                 share, writer.label, job_id, time.time()))
    return get_summary(db, int(cur.lastrowid)), stats


def key_points(writer: Writer, pieces: list[Piece], progress: Any = None, check: Any = None,
               names: dict[int, str] | None = None) -> tuple[list[KeyPoint], dict[str, Any]]:
    """The material's key points, each citing the piece that holds its words, and how they were made."""
    texts, stats, parts = map_reduce_parts(writer, pieces, progress, check, names)
    if not texts:
        raise StudyError("The model wrote no key points for this material.", "Try again, or a longer page range.")
    if check:
        check()   # cancelled during the last answer: store nothing half-made
    all_texts = cite_texts(pieces)
    written, replaced = cited_points(texts, parts, pieces, all_texts)
    # A point the material does not say (a small model adds what it "knows") is left out:
    # a student revises from this.
    supported = [p for p in written if p.support >= grounding.SUPPORT_THRESHOLD]
    # A heading ("ATP and NADPH") is no key point: a point says something in a few words at least.
    points = [p for p in supported if len(p.text.split()) >= MIN_POINT_WORDS]
    stats.update({"points_written": len(written), "points_unsupported_left_out": len(written) - len(supported),
                  "headings_left_out": len(supported) - len(points),
                  "reworded_points_replaced": replaced})
    if len(points) < POINTS_PER_PART:       # too few left: the material's most telling sentences join them
        counts = cloze.term_counts(p.text for p in pieces)
        best = [t for t in cloze.key_sentences(" ".join(p.text for p in pieces), counts)
                if all(grounding.support(t, p.text) < 0.8 for p in points)]
        points += [cite(t, pieces, all_texts) for t in best[:POINTS_PER_PART - len(points)]]
    if not points:
        raise StudyError("No key point of this material could be checked against it.",
                         "Try a longer page range.")
    return points, stats


def get_summary(db: sqlite_utils.Database, summary_id: int) -> Summary:
    rows = list(db.query("SELECT * FROM summaries WHERE id = ?", [summary_id]))
    if not rows:
        raise StudyError(f"There is no summary {summary_id}.")
    r = rows[0]
    pages = (r["page_from"], r["page_to"]) if r["page_from"] is not None else None
    return Summary(r["id"], r["document_id"], pages, [KeyPoint(**p) for p in json.loads(r["points"])],
                   r["grounded_share"], r["model"], r["created_at"], r["node_id"],
                   Week.parse(r["week"]) if r["week"] else None)


def latest(db: sqlite_utils.Database, document_id: int) -> Summary | None:
    row = db.execute("SELECT max(id) FROM summaries WHERE document_id = ?", (document_id,)).fetchone()
    return get_summary(db, int(row[0])) if row and row[0] is not None else None


def latest_week(db: sqlite_utils.Database, subject_id: int, week: Week) -> Summary | None:
    row = db.execute("SELECT max(id) FROM summaries WHERE node_id = ? AND week = ?",
                     (subject_id, str(week))).fetchone()
    return get_summary(db, int(row[0])) if row and row[0] is not None else None


def title(db: sqlite_utils.Database, summary: Summary) -> str:
    """'Genetics lecture 3', 'Cell Biology (pages 2–4)' or 'Genetics — week 48 (23–29 Nov 2026)'."""
    if summary.week is not None and summary.subject_id is not None:
        rows = list(db.query("SELECT name FROM nodes WHERE id = ?", [summary.subject_id]))
        name = rows[0]["name"] if rows else f"Subject {summary.subject_id}"
        return f"{name} — {summary.week.label}"
    doc = catalog.get_document(db, summary.document_id) if summary.document_id is not None else None
    name = doc.title if doc is not None else f"Document {summary.document_id}"
    return name + (f" (pages {summary.pages[0]}–{summary.pages[1]})" if summary.pages else "")


def to_markdown(db: sqlite_utils.Database, summary: Summary) -> str:
    """The summary as Markdown: one bullet per key point, its citation as a link (a week's
    points name their lecture too)."""
    lines = [f"# {title(db, summary)}", ""]
    names: dict[int, str] = {}
    for p in summary.points:
        piece = Piece(p.document_id, p.text, p.page, p.start_s)
        query = f"page={p.page}" if p.page is not None else f"t={p.start_s:.1f}" if p.start_s is not None else ""
        where = piece.where
        if summary.week is not None:
            if p.document_id not in names:
                doc = catalog.get_document(db, p.document_id)
                names[p.document_id] = doc.title if doc is not None else f"Lecture {p.document_id}"
            where = f"{names[p.document_id]}, {where}"
        lines.append(f"- {p.text} ([{where}](lectern://document/{p.document_id}?{query}))")
    lines += ["", f"*{round(summary.grounded_share * 100)} % of the key points were found on the page or at "
                  f"the moment they cite. Written by {summary.model}.*", ""]
    return "\n".join(lines)


def write_markdown(db: sqlite_utils.Database, summary: Summary, path: Path) -> Path:
    """The summary as Markdown in ``path``: written under a temporary name and renamed, so a
    failed export never leaves half a file (nor half of an earlier export)."""
    path = Path(path)
    text = to_markdown(db, summary)
    try:
        atomic.write_text(path, text)
    except OSError as exc:
        raise StudyError(f"The summary could not be written to {path} ({exc.strerror or exc}).",
                         "Choose another folder.") from exc
    return path


def submit(db: sqlite_utils.Database, starter: JobStarter, document_id: int, pages: tuple[int, int] | None = None,
           model: str = "") -> int:
    material.load(db, document_id, pages)  # a bad request fails here, not in the job
    where = f" pages {pages[0]}–{pages[1]}" if pages else ""
    return starter.submit(JOB_KIND, {"document_id": document_id, "pages": list(pages) if pages else None,
                                     "model": model}, target=f"document:{document_id}", title=f"Summarising{where}")


def submit_week(db: sqlite_utils.Database, starter: JobStarter, subject_id: int, week: Week, model: str = "") -> int:
    """Queue the summary of a subject's week (checked first: an empty week fails here, not in the job)."""
    pieces = material.load_week(db, subject_id, week)
    name = catalog.get_node(db, subject_id).name
    lectures = len({p.document_id for p in pieces})
    return starter.submit(JOB_KIND, {"node_id": subject_id, "week": str(week), "model": model},
                          target=f"week:{subject_id}:{week}",
                          title=f"Summarising {name}, {week.label}: {lectures} lecture{'s' if lectures != 1 else ''}")


def run(ctx: JobContext) -> dict[str, Any]:
    t0 = time.perf_counter()
    p = ctx.payload
    pages = tuple(p["pages"]) if p.get("pages") else None
    ctx.progress(0.0, "Loading the model", force=True)
    writer = open_writer(ctx.db, p.get("model", ""), ctx.cancelled)
    progress = lambda f, s: ctx.progress(f, s, force=True)  # noqa: E731
    if p.get("week"):
        summary, stats = summarise_week(ctx.db, writer, int(p["node_id"]), Week.parse(p["week"]), ctx.job_id,
                                        progress, ctx.check_cancelled)
    else:
        summary, stats = summarise(ctx.db, writer, int(p["document_id"]), pages, ctx.job_id,  # type: ignore[arg-type]
                                   progress, ctx.check_cancelled)
    elapsed = time.perf_counter() - t0
    return {"summary_id": summary.id, "key_points": len(summary.points),
            "grounded_share": round(summary.grounded_share, 3), **stats, "model_calls": writer.calls,
            "elapsed_s": round(elapsed, 2), "model_s": round(writer.model_s, 2),
            "model_share": round(writer.model_s / elapsed, 3) if elapsed else 0.0}
