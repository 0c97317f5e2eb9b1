"""A small course, indexed through the real index writer (real SQLite + real Chroma +
real embedder), for chat tests that do not need PDF ingestion or transcription."""
from __future__ import annotations

import time
from dataclasses import dataclass

from desktop.core import library
from desktop.core.models.embeddings import get_embedder
from desktop.core.search.index import ChunkIn, DocumentScope, add_chunks

BOOK_PAGES = {
    3: "Mitochondria are the organelles that produce most of the cell's ATP through cellular respiration. "
       "Their inner membrane is folded into cristae, which increase the surface available for the electron "
       "transport chain. Mitochondria carry their own circular DNA.",
    7: "Photosynthesis takes place in the chloroplasts of plant cells. Light energy is converted into chemical "
       "energy: carbon dioxide and water become glucose, and oxygen is released as a by-product. The "
       "light-dependent reactions happen in the thylakoid membranes.",
    12: "The plasma membrane is a phospholipid bilayer with embedded proteins. It is selectively permeable: "
        "small non-polar molecules cross it freely, while ions need channels or pumps such as the "
        "sodium-potassium pump.",
    15: "Ribosomes translate messenger RNA into proteins. Free ribosomes make proteins for the cytosol, while "
        "ribosomes bound to the rough endoplasmic reticulum make proteins for export.",
}

LECTURE_SEGMENTS = [
    (0.0, 60.0, "Welcome back everyone. Today we continue with genetics and talk about how DNA is copied."),
    (65.0, 128.0, "DNA replication is semi-conservative: each new double helix keeps one original strand and "
                  "one newly made strand. The enzyme DNA polymerase adds nucleotides only in the five prime to "
                  "three prime direction."),
    (130.0, 190.0, "Mendel's law of segregation says that the two alleles of a gene separate during the "
                   "formation of gametes, so each gamete carries only one allele."),
]


@dataclass
class Course:
    book_id: int
    lecture_id: int
    recording_id: int


def add_course(db, store) -> Course:
    embed = get_embedder().embed
    book_node = library.ensure_path(db, "Fall 2025", "Biology", "Cell Biology")
    book_id = library.add_document(db, book_node, "pdf", "Cell Biology", "cell-biology.pdf",
                                   "library/cell-biology.pdf", "sha-book", 1000, state="ready")
    add_chunks(db, store, DocumentScope(book_id, "pdf"),
               [ChunkIn(text, page=page) for page, text in BOOK_PAGES.items()], 0, embed)

    subject_node = library.ensure_path(db, "Fall 2025", "Genetics")
    cur = db.execute("INSERT INTO recordings (title, node_id, path, state, duration_s, created_at)"
                     " VALUES (?,?,?,?,?,?)",
                     ("Genetics lecture 3", subject_node, "recordings/1.wav", "ready", 200.0, time.time()))
    recording_id = int(cur.lastrowid)
    lecture_id = library.add_document(db, subject_node, "lecture", "Genetics lecture 3", "1.wav",
                                      "recordings/1.wav", "sha-lecture", 1000, recording_id=recording_id,
                                      state="ready")
    db.execute("UPDATE recordings SET document_id = ? WHERE id = ?", (lecture_id, recording_id))
    add_chunks(db, store, DocumentScope(lecture_id, "lecture"),
               [ChunkIn(text, start_s=s, end_s=e) for s, e, text in LECTURE_SEGMENTS], 0, embed)
    return Course(book_id, lecture_id, recording_id)
