"""Course files made on the spot for end-to-end chat tests: a small PDF reader and a
spoken lecture (espeak-ng) whose second topic starts about a minute in."""
from __future__ import annotations

import subprocess
from pathlib import Path

READER_PAGES = [
    ("Enzymes", "Enzymes are proteins that speed up chemical reactions without being used up. Each enzyme has an "
     "active site that fits its substrate, like a key in a lock. High temperatures denature enzymes and stop "
     "them working."),
    ("The nervous system", "Neurons carry electrical impulses. The impulse travels along the axon, and at the "
     "synapse a chemical called a neurotransmitter carries the signal to the next neuron. The myelin sheath "
     "makes impulses travel faster."),
    ("Blood and circulation", "Red blood cells carry oxygen bound to haemoglobin, an iron-containing protein. "
     "They have no nucleus, which leaves more room for haemoglobin. White blood cells defend the body "
     "against infection, and platelets help the blood to clot."),
    ("Hormones", "Hormones are chemical messengers carried in the blood. Insulin, made by the pancreas, lowers "
     "the blood glucose level, while adrenaline prepares the body for fight or flight."),
]
ANSWER_PAGE = 3   # "What protein carries oxygen in red blood cells?"

LECTURE_PARTS = [
    "Good morning. Today we look at the history of the microscope. In the sixteen sixties, Robert Hooke looked "
    "at thin slices of cork and saw tiny boxes, which he called cells. A few years later, Antonie van "
    "Leeuwenhoek ground his own lenses and was the first person to see bacteria and single celled animals, "
    "which he called animalcules. His simple microscopes magnified about two hundred times. For a long time, "
    "light microscopes improved slowly, because the wavelength of light limits how much detail they can show.",
    "Now the second part of today's lecture: the electron microscope. The first electron microscope was built "
    "by Ernst Ruska and Max Knoll in nineteen thirty one. Instead of light it uses a beam of electrons, whose "
    "wavelength is much shorter, so it can show the inside of a cell, such as ribosomes and membranes. "
    "The specimen has to be placed in a vacuum, so living cells cannot be watched this way.",
]


def make_reader(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for i, (title, text) in enumerate(READER_PAGES, start=1):
        pdf.add_page()
        pdf.set_font("helvetica", "B", 14)
        pdf.multi_cell(0, 8, f"Chapter {i}. {title}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 11)
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def make_lecture(path: Path) -> Path:
    """About 70 s of speech; the electron microscope part starts after about 40 s."""
    parts = []
    for i, text in enumerate(LECTURE_PARTS):
        wav = path.with_name(f"{path.stem}-part{i}.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(wav), text], check=True)
        part16 = path.with_name(f"{path.stem}-part{i}-16k.wav")
        # 16 kHz mono; a pause after the first part, as a lecturer changing slides.
        pad = ["pad", "0", "4"] if i == 0 else []
        subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", str(part16), *pad], check=True)
        parts.append(str(part16))
    subprocess.run(["sox", *parts, str(path)], check=True)
    return path


def add_course_files(paths, tmp_path: Path) -> dict:
    """The reader (Year 1 / Biology / Reader) and the lecture (Year 1 / History of science),
    through the real CLI: ingestion and transcription run as real jobs in the worker."""
    import json

    from desktop.core.storage.db import open_db
    from tests.conftest import lectern

    def run(*args: str) -> dict:
        result = lectern(*args, "--json", data_dir=paths.root)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    reader = make_reader(tmp_path / "biology-reader.pdf")
    lecture = make_lecture(tmp_path / "microscopes.wav")
    out = run("ingest", str(reader), "--semester", "Year 1", "--subject", "Biology", "--book", "Reader", "--wait")
    assert [d["state"] for d in out["documents"]] == ["ready"]
    run("transcribe", str(lecture), "--semester", "Year 1", "--subject", "History of science",
        "--title", "Microscopes", "--model", "tiny.en", "--wait")
    db = open_db(paths.db)
    rec = db.execute("SELECT id FROM recordings WHERE title = 'Microscopes'").fetchone()[0]
    doc = db.execute("SELECT id FROM documents WHERE kind = 'pdf'").fetchone()[0]
    return {"recording_id": rec, "document_id": doc, "db": db}
