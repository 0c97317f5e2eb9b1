"""The course glossary: key terms of a subject, each with a grounded definition and its citation.

Terms are found without a model: words and two-word phrases the subject's material repeats
(in more than one place). A term's definition is the sentence of the material that defines
it best ("X is ...", "X are ...", the shortest such sentence), so it always holds the term's
words at the page or second it cites. Related terms are those met in the same passages;
the category is the document the term comes from most.

The glossary is the student's: a rebuild updates only terms they have not edited, keeps
what they marked known, and never brings back a term they deleted (it stays, hidden). A
generated term the rebuild no longer finds (what an earlier version of the finder picked, or
material since removed) is dropped; a term the student wrote, renamed, merged, edited or
marked known is never dropped.
"""
from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any, Iterable

import sqlite_utils

from .. import catalog
from ..chat.text import STOP_WORDS, stem
from ..errors import StudyError
from ..jobs import JobContext, JobStarter
from ..storage.db import write_transaction
from . import cloze, grounding, material, stats
from .material import Piece

JOB_KIND = "study_glossary"
MAX_TERMS = 40
RELATED = 4
_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'-]*")
# Web and mail addresses are no vocabulary ("https", "www").
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\S+@\S+\.\w+|\(?https?:?\s*//\S*")
_DEFINES = re.compile(r"\b(?:is|are|means|refers to|is called|are called|produce|produces|converts?|"
                      r"consists? of|contains?|forms?|makes?)\b", re.IGNORECASE)
# Words that are common in any course text but are no course's vocabulary.
GENERIC = set("""about after again against before between during every first however important later
many most much never often other rather since second still their there these those third through today
together under until usually whereas which while within without would remember exam example examples
lecture lectures chapter section figure table page pages notes course student students
one two three four five six seven eight nine hundred thousand million small large
makes making becoming limited final different available current provided information create created""".split())


@dataclass
class Term:
    id: int
    node_id: int
    term: str
    definition: str
    document_id: int | None
    page: int | None
    start_s: float | None
    support: float
    category: str
    related: list[str]
    known: bool
    edited: bool
    deleted: bool
    frequency: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "term": self.term, "definition": self.definition, "category": self.category,
                "related": self.related, "known": self.known, "edited": self.edited,
                "support": round(self.support, 3), "frequency": self.frequency,
                "citation": {"document_id": self.document_id, "page": self.page, "start_s": self.start_s}}


@dataclass(frozen=True)
class Found:
    term: str
    frequency: int
    definition: str
    piece: Piece | None
    support: float
    category: str
    related: tuple[str, ...]


# -- finding terms (pure) -------------------------------------------------------------------------
# A word right after one of these is used as a noun (a verb like "keeps" never is).
_BEFORE_NOUN = set("the a an of and or in on by to its their each every one two this that these those with from "
                   "into for as".split())


def _candidates(text: str) -> list[tuple[str, bool]]:
    """(word or two-word phrase, used as a noun here) for each candidate of a passage."""
    words = _WORD.findall(_URL.sub(" ", text))
    out: list[tuple[str, bool]] = []
    for i, w in enumerate(words):
        if _good(w):
            nounish = i == 0 or words[i - 1].lower() in _BEFORE_NOUN or w.isupper()
            out.append((w, nounish))
            if i + 1 < len(words) and _good(words[i + 1], 4):
                out.append((f"{w} {words[i + 1]}", True))
    return out


def _good(w: str, min_len: int = 5) -> bool:
    lw = w.lower()
    if w.isupper() and 2 <= len(w) <= 6:       # an acronym: DNA, ATP, RNA
        return True
    return len(lw) >= min_len and lw not in STOP_WORDS and lw not in GENERIC and not lw.endswith("'s")


def _key(term: str) -> str:
    return " ".join(stem(w) for w in term.split())


def find_terms(pieces: list[Piece], titles: dict[int, str], limit: int = MAX_TERMS) -> list[Found]:
    """The subject's key terms, most telling first, each with its definition and citation."""
    tf: Counter[str] = Counter()
    where: dict[str, set[int]] = defaultdict(set)
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    nouns: set[str] = set()
    for i, p in enumerate(pieces):
        for c, nounish in _candidates(p.text):
            k = _key(c)
            if nounish:
                nouns.add(k)
            tf[k] += 1
            where[k].add(i)
            surface[k][c] += 1
    scored = []
    for k, n in tf.items():
        spread = len(where[k])
        if n < 2 or spread < 2 and " " not in k or k not in nouns:
            continue
        phrase_bonus = 1.5 if " " in k else 1.0
        scored.append((n * math.log(1 + spread) * phrase_bonus, k))
    chosen: list[str] = []
    for _, k in sorted(scored, reverse=True):
        # A word inside a chosen phrase seen about as often is the same term.
        if any(k in c.split(" ") or (" " in k and set(k.split()) <= set(c.split())) for c in chosen):
            continue
        if " " in k and all(tf[w] <= tf[k] * 1.2 for w in k.split()):
            chosen = [c for c in chosen if c not in k.split()]
        chosen.append(k)
        if len(chosen) >= limit:
            break
    counts = cloze.term_counts(p.text for p in pieces)
    found = []
    for k in chosen:
        name = _display(surface[k])
        definition, piece = define(name, [pieces[i] for i in sorted(where[k])], counts)
        doc_hits = Counter(pieces[i].document_id for i in where[k])
        category = titles.get(doc_hits.most_common(1)[0][0], "") if doc_hits else ""
        related = _related(k, chosen, where)
        found.append(Found(name, tf[k], definition, piece,
                           grounding.support(definition, piece.text) if piece else 0.0,
                           category, tuple(_display(surface[r]) for r in related)))
    return found


def _display(forms: Counter[str]) -> str:
    """The form the material uses most, lower-cased unless it is a name or an acronym."""
    form = forms.most_common(1)[0][0]
    return form if any(w.isupper() or w[1:] != w[1:].lower() for w in form.split()) else form.lower()


def define(term: str, pieces: list[Piece], counts: Counter[str]) -> tuple[str, Piece | None]:
    """The sentence that defines ``term`` best and the piece it is in: a defining verb right
    after the term first, then any sentence naming it; shorter is better."""
    best: tuple[float, str, Piece] | None = None
    pattern = re.compile(rf"(?<![\w-]){re.escape(term)}", re.IGNORECASE)
    for p in pieces:
        for s in cloze.sentences(p.text):
            m = pattern.search(s)
            if not m or len(s.split()) > 45:
                continue
            after = s[m.end():m.end() + 40]
            score = (3.0 if _DEFINES.search(after) else 0.0) + (1.0 if m.start() < 3 else 0.0) - len(s) / 300
            if best is None or score > best[0]:
                best = (score, s, p)
    return (best[1], best[2]) if best else ("", None)


def _related(k: str, chosen: list[str], where: dict[str, set[int]]) -> list[str]:
    shared = [(len(where[k] & where[o]), o) for o in chosen if o != k and where[k] & where[o]]
    return [o for _, o in sorted(shared, key=lambda x: (-x[0], x[1]))[:RELATED]]


# -- the subject's material -----------------------------------------------------------------------
def subject_node(db: sqlite_utils.Database, subject: str | int) -> int:
    """A subject by id or by name (case-insensitive); StudyError when unknown or ambiguous."""
    if isinstance(subject, int) or str(subject).isdigit():
        node = catalog.get_node(db, int(subject))
        if node.level != "subject":
            raise StudyError(f"'{node.name}' is a {node.level}, not a subject.")
        return node.id
    rows = list(db.query("SELECT id FROM nodes WHERE level = 'subject' AND lower(name) = lower(?)", [subject]))
    if not rows:
        raise StudyError(f"There is no subject called '{subject}'.", "List the library with: lectern library")
    if len(rows) > 1:
        raise StudyError(f"Several semesters have a subject called '{subject}'.", "Give the subject's id instead.")
    return int(rows[0]["id"])


def subject_material(db: sqlite_utils.Database, node_id: int) -> tuple[list[Piece], dict[int, str]]:
    pieces: list[Piece] = []
    titles: dict[int, str] = {}
    for doc in catalog.documents_under(db, node_id):
        try:
            pieces += material.load(db, doc.id)
        except StudyError:
            continue    # not ingested or transcribed yet: the next build takes it
        titles[doc.id] = doc.title
    return pieces, titles


# -- stored terms ----------------------------------------------------------------------------------
def _term(r: dict[str, Any]) -> Term:
    return Term(r["id"], r["node_id"], r["term"], r["definition"], r["document_id"], r["page"], r["start_s"],
                r["support"], r["category"], json.loads(r["related"] or "[]"), bool(r["known"]), bool(r["edited"]),
                bool(r["deleted"]), r["frequency"])


def terms(db: sqlite_utils.Database, node_id: int | None = None, include_known: bool = True) -> list[Term]:
    sql, args = "SELECT * FROM glossary_terms WHERE deleted = 0", []
    if node_id is not None:
        sql, args = sql + " AND node_id = ?", [node_id]
    if not include_known:
        sql += " AND known = 0"
    return [_term(r) for r in db.query(sql + " ORDER BY frequency DESC, term COLLATE NOCASE", args)]


def get_term(db: sqlite_utils.Database, term_id: int) -> Term:
    rows = list(db.query("SELECT * FROM glossary_terms WHERE id = ?", [term_id]))
    if not rows:
        raise StudyError(f"There is no glossary term {term_id}.")
    return _term(rows[0])


def save_found(db: sqlite_utils.Database, node_id: int, found: Iterable[Found]) -> tuple[int, int]:
    """Add new terms and refresh the unedited ones; edited, known and deleted terms keep the
    student's word. Generated terms not found any more are dropped (``stale_generated``).
    Returns how many terms were added and how many dropped."""
    found = list(found)
    added = 0
    now = time.time()
    with write_transaction(db) as conn:
        dropped = 0
        for term_id in stale_generated(conn, node_id, {_key(f.term) for f in found}):
            dropped += conn.execute("DELETE FROM glossary_terms WHERE id = ? AND edited = 0 AND known = 0"
                                    " AND deleted = 0", (term_id,)).rowcount
        for f in found:
            p = f.piece
            cols = (f.definition, p.document_id if p else None, p.page if p else None, p.start_s if p else None,
                    f.support, f.category, json.dumps(list(f.related)), f.frequency)
            row = conn.execute("SELECT id, edited FROM glossary_terms WHERE node_id = ? AND key = ?",
                               (node_id, _key(f.term))).fetchone()
            if row is None:
                conn.execute("INSERT INTO glossary_terms (node_id, term, key, definition, document_id, page, start_s,"
                             " support, category, related, frequency, created_at, updated_at)"
                             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", (node_id, f.term, _key(f.term), *cols, now, now))
                added += 1
            elif not row[1]:
                conn.execute("UPDATE glossary_terms SET definition=?, document_id=?, page=?, start_s=?, support=?,"
                             " category=?, related=?, frequency=?, updated_at=? WHERE id=?", (*cols, now, row[0]))
            else:
                conn.execute("UPDATE glossary_terms SET related=?, frequency=? WHERE id=?",
                             (cols[6], f.frequency, row[0]))
    return added, dropped


def stale_generated(conn: Any, node_id: int, found_keys: set[str]) -> list[int]:
    """Ids of the subject's terms a build made and the student never touched (not edited,
    renamed, merged, written or marked known) that are not among ``found_keys``. A deleted
    term stays: its hidden row is what keeps a later build from bringing it back."""
    rows = conn.execute("SELECT id, key FROM glossary_terms WHERE node_id = ? AND edited = 0 AND known = 0"
                        " AND deleted = 0", (node_id,)).fetchall()
    return [int(r[0]) for r in rows if r[1] not in found_keys]


def add_term(db: sqlite_utils.Database, node_id: int, term: str, definition: str = "", category: str = "") -> Term:
    """A term the student writes themself: it is theirs (``edited``), so no rebuild changes or drops it."""
    name = " ".join((term or "").split())
    if not name:
        raise StudyError("A glossary term needs a name.")
    if catalog.get_node(db, node_id).level != "subject":
        raise StudyError("Glossary terms belong to a subject.")
    row = db.execute("SELECT id, deleted FROM glossary_terms WHERE node_id = ? AND key = ?",
                     (node_id, _key(name))).fetchone()
    if row is not None and not row[1]:
        raise StudyError(f"'{name}' is already in this subject's glossary.", "Edit that term instead.")
    if row is not None:          # written again after it was deleted: the student wants it back
        db.execute("DELETE FROM glossary_terms WHERE id = ?", (row[0],))
    now = time.time()
    cur = db.execute("INSERT INTO glossary_terms (node_id, term, key, definition, category, edited, created_at,"
                     " updated_at) VALUES (?,?,?,?,?,1,?,?)",
                     (node_id, name, _key(name), " ".join(definition.split()), category, now, now))
    return get_term(db, int(cur.lastrowid))


def edit_term(db: sqlite_utils.Database, term_id: int, term: str | None = None, definition: str | None = None,
              category: str | None = None) -> Term:
    """The student's own wording (kept through rebuilds). Renaming onto another term merges them."""
    t = get_term(db, term_id)
    name = " ".join((term if term is not None else t.term).split())
    if not name:
        raise StudyError("A glossary term needs a name.")
    other = db.execute("SELECT id FROM glossary_terms WHERE node_id = ? AND key = ? AND id != ?",
                       (t.node_id, _key(name), term_id)).fetchone()
    if other:
        return merge(db, int(other[0]), term_id)
    db.execute("UPDATE glossary_terms SET term=?, key=?, definition=?, category=?, edited=1, deleted=0, updated_at=?"
               " WHERE id=?", (name, _key(name), " ".join((definition if definition is not None else t.definition)
                                                         .split()),
                               category if category is not None else t.category, time.time(), term_id))
    return get_term(db, term_id)


def merge(db: sqlite_utils.Database, keep_id: int, other_id: int) -> Term:
    """One term from two: ``keep_id`` stays (with the other's definition if it had none);
    the other is hidden as deleted, so a rebuild does not bring it back."""
    keep, other = get_term(db, keep_id), get_term(db, other_id)
    if keep.node_id != other.node_id:
        raise StudyError("Only terms of the same subject can be merged.")
    related = [r for r in dict.fromkeys(keep.related + other.related) if r not in (keep.term, other.term)]
    with write_transaction(db) as conn:
        conn.execute("UPDATE glossary_terms SET definition=?, related=?, frequency=frequency+?, known=?, edited=1,"
                     " updated_at=? WHERE id=?", (keep.definition or other.definition, json.dumps(related),
                                                  other.frequency, int(keep.known or other.known), time.time(),
                                                  keep_id))
        conn.execute("UPDATE glossary_terms SET deleted=1, updated_at=? WHERE id=?", (time.time(), other_id))
    return get_term(db, keep_id)


def delete_term(db: sqlite_utils.Database, term_id: int) -> None:
    get_term(db, term_id)
    db.execute("UPDATE glossary_terms SET deleted=1, updated_at=? WHERE id=?", (time.time(), term_id))


def set_known(db: sqlite_utils.Database, term_id: int, known: bool = True) -> Term:
    get_term(db, term_id)
    db.execute("UPDATE glossary_terms SET known=?, updated_at=? WHERE id=?", (int(known), time.time(), term_id))
    return get_term(db, term_id)


def occurrences(db: sqlite_utils.Database, term_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """Where else the term appears in its subject's indexed material (full-text phrase search):
    document, page or second, best matches first."""
    t = get_term(db, term_id)
    docs = [d.id for d in catalog.documents_under(db, t.node_id)]
    if not docs:
        return []
    phrase = '"' + t.term.replace('"', '""') + '"'
    rows = db.query("SELECT c.document_id, c.page, c.start_s FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid"
                    f" WHERE chunks_fts MATCH ? AND c.document_id IN ({','.join('?' * len(docs))})"
                    " ORDER BY bm25(chunks_fts) LIMIT ?", [phrase, *docs, limit * 3])
    seen: list[dict[str, Any]] = []
    for r in rows:
        where = {"document_id": r["document_id"], "page": r["page"], "start_s": r["start_s"]}
        if where not in seen:
            seen.append(where)
    return seen[:limit]


def concept_map(db: sqlite_utils.Database, node_id: int) -> dict[str, Any]:
    """The subject's terms as a graph for the concept map: nodes by term id, an edge between
    two terms met in the same passages (each pair once)."""
    found = terms(db, node_id)
    by_name = {t.term: t.id for t in found}
    edges = sorted({tuple(sorted((t.id, by_name[r]))) for t in found for r in t.related if r in by_name})
    return {"nodes": [{"id": t.id, "term": t.term, "category": t.category, "known": t.known,
                       "weight": t.frequency} for t in found],
            "edges": [{"source": a, "target": b} for a, b in edges]}


def hotwords(db: sqlite_utils.Database, node_id: int, limit: int = 30, max_chars: int = 600) -> str:
    """The subject's terms as Whisper hotwords / initial prompt: the most frequent first, within
    a length Whisper's prompt (half its 448-token context) keeps."""
    out: list[str] = []
    size = 0
    for t in terms(db, node_id)[:limit]:
        if size + len(t.term) + 2 > max_chars:
            break
        out.append(t.term)
        size += len(t.term) + 2
    return ", ".join(out)


def hotwords_for_node(db: sqlite_utils.Database, node_id: int | None) -> str:
    """All the terms of the subject a folder is in (a lecture's folder), for the transcription to
    choose from: '' when it is filed in no subject or the subject has no terms yet."""
    subject = stats.subject_ids(db).get(node_id) if node_id is not None else None
    return hotwords(db, subject, limit=MAX_TERMS, max_chars=1200) if subject is not None else ""


# -- the job --------------------------------------------------------------------------------------
def build(db: sqlite_utils.Database, node_id: int) -> dict[str, Any]:
    pieces, titles = subject_material(db, node_id)
    if not pieces:
        raise StudyError("This subject has no ingested books or transcribed lectures yet.",
                         "Add material to the subject, then build its glossary.")
    found = find_terms(pieces, titles)
    added, dropped = save_found(db, node_id, found)
    supports = [f.support for f in found if f.piece is not None]
    return {"node_id": node_id, "terms": len(found), "added": added, "dropped": dropped,
            "grounding": grounding.report(supports).as_dict()}


def submit(db: sqlite_utils.Database, starter: JobStarter, node_id: int) -> int:
    name = catalog.get_node(db, node_id).name
    return starter.submit(JOB_KIND, {"node_id": node_id}, target=f"glossary:{node_id}", title=f"Glossary of {name}")


def run(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0.1, "Finding key terms", force=True)
    ctx.check_cancelled()
    return build(ctx.db, int(ctx.payload["node_id"]))
