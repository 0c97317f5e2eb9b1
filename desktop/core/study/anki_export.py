"""A deck out to Anki: an ``.apkg`` package (genanki) or CSV/TSV with Anki's header lines.

Notes keep the card's stable ``guid``, so importing a re-export updates the notes instead of
adding copies. Each note carries its source (document, page or second, as a ``lectern://``
link) in a field, and tags for its semester and subject. Only accepted cards are exported.
"""
from __future__ import annotations

import csv
import html
import io
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import genanki
import sqlite_utils

from .. import catalog
from ..errors import StudyError
from ..timefmt import format_duration
from .store import ACTIVE, CLOZE, Card, cards, get_deck

# Fixed ids: Anki recognises our note types across exports by them. Never change them.
QA_MODEL_ID = 1_607_392_319_201
CLOZE_MODEL_ID = 1_607_392_319_202
_CSS = ".card { font-family: sans-serif; font-size: 20px; text-align: center; } .source { font-size: 12px; }"

QA_MODEL = genanki.Model(
    QA_MODEL_ID, "Lectern Q&A",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Source"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Back}}<div class=source>{{Source}}</div>"}],
    css=_CSS)
CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID, "Lectern Cloze",
    fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"}],
    templates=[{"name": "Cloze", "qfmt": "{{cloze:Text}}",
                "afmt": "{{cloze:Text}}<br>{{Back Extra}}<div class=source>{{Source}}</div>"}],
    css=_CSS, model_type=genanki.Model.CLOZE)


@dataclass(frozen=True)
class ExportedNote:
    guid: str
    kind: str
    fields: tuple[str, str, str]
    tags: tuple[str, ...]


def tag(name: str) -> str:
    """An Anki tag from a library name: no spaces (Anki splits tags on them)."""
    return re.sub(r"\s+", "_", name.strip()) or "untitled"


def source_link(db: sqlite_utils.Database, card: Card) -> tuple[str, str]:
    """('Cell Biology, page 3', 'lectern://document/4?page=3') for a card's source ('', '' for none)."""
    if card.document_id is None:
        return "", ""
    doc = catalog.get_document(db, card.document_id)
    title = doc.title if doc is not None else f"Document {card.document_id}"
    if card.page is not None:
        return f"{title}, page {card.page}", f"lectern://document/{card.document_id}?page={card.page}"
    if card.start_s is not None:
        return (f"{title}, {format_duration(card.start_s)}",
                f"lectern://document/{card.document_id}?t={card.start_s:.1f}")
    return title, f"lectern://document/{card.document_id}"


def _tags(db: sqlite_utils.Database, card: Card, deck_node: int | None) -> tuple[str, ...]:
    node = deck_node
    if card.document_id is not None:
        doc = catalog.get_document(db, card.document_id)
        node = doc.node_id if doc is not None else node
    out = ["lectern"]
    if node is not None:
        where = catalog.lineage(db, node)
        if where["semester"]:
            out.append(f"semester::{tag(where['semester'])}")
        if where["subject"]:
            out.append(f"subject::{tag(where['subject'])}")
    return tuple(out)


def notes(db: sqlite_utils.Database, deck_id: int) -> list[ExportedNote]:
    """The deck's accepted cards as notes: fields are HTML (the text escaped)."""
    deck = get_deck(db, deck_id)
    out: list[ExportedNote] = []
    for card in cards(db, deck_id=deck_id, status=ACTIVE):
        label, url = source_link(db, card)
        source = f'<a href="{html.escape(url)}">{html.escape(label)}</a>' if url else ""
        out.append(ExportedNote(card.guid, card.kind, (html.escape(card.front, quote=False),
                                                       html.escape(card.back, quote=False), source),
                                _tags(db, card, deck.node_id)))
    if not out:
        raise StudyError(f"The deck '{deck.name}' has no accepted cards to export.",
                         "Accept some cards first (generated cards are drafts until you accept them).")
    return out


def write_apkg(db: sqlite_utils.Database, deck_id: int, target: Path, at: float | None = None) -> int:
    """Write the deck as an Anki package; returns the number of notes. ``at`` is the notes'
    modification time (Anki updates a note on import when the package's is newer)."""
    deck = get_deck(db, deck_id)
    package_deck = genanki.Deck(deck.anki_id, deck.name)
    exported = notes(db, deck_id)
    for n in exported:
        package_deck.add_note(genanki.Note(model=CLOZE_MODEL if n.kind == CLOZE else QA_MODEL,
                                           fields=list(n.fields), tags=list(n.tags), guid=n.guid))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        genanki.Package(package_deck).write_to_file(str(tmp), timestamp=time.time() if at is None else at)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StudyError(f"The deck could not be written to {target}: {exc.strerror or exc}.") from exc
    return len(exported)


def csv_text(db: sqlite_utils.Database, deck_id: int, separator: str = "\t") -> str:
    """CSV (``,``) or TSV (tab) that Anki imports as is: its header lines name the separator and
    the guid, note type, deck and tags columns. Rows use Anki's stock note types (Basic, Cloze:
    a fresh collection has them), the source following the back."""
    deck = get_deck(db, deck_id)
    buf = io.StringIO()
    buf.write(f"#separator:{'tab' if separator == chr(9) else 'comma'}\n#html:true\n"
              "#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:6\n")
    writer = csv.writer(buf, delimiter=separator, lineterminator="\n")
    for n in notes(db, deck_id):
        front, back, source = n.fields
        extra = f"{back}<br>{source}" if back and source else back or source
        writer.writerow([n.guid, "Cloze" if n.kind == CLOZE else "Basic", deck.name, front, extra, " ".join(n.tags)])
    return buf.getvalue()


def export(db: sqlite_utils.Database, deck_id: int, target: Path, at: float | None = None) -> int:
    """By the file's ending: .apkg, .csv or .tsv/.txt. Returns the number of notes."""
    suffix = target.suffix.lower()
    if suffix == ".apkg":
        return write_apkg(db, deck_id, target, at)
    if suffix not in (".csv", ".tsv", ".txt"):
        raise StudyError(f"Lectern cannot export a deck as '{suffix or target.name}'.",
                         "Choose a file ending in .apkg (Anki), .csv or .tsv.")
    text = csv_text(db, deck_id, "," if suffix == ".csv" else "\t")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StudyError(f"The deck could not be written to {target}: {exc.strerror or exc}.") from exc
    return sum(1 for line in text.splitlines() if line and not line.startswith("#"))
