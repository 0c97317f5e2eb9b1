"""Writes the sample course shipped in resources/sample/ (run once; the outputs are committed).

    .venv/bin/python resources/make_sample.py

- ``cell-biology-primer.pdf``: a short course reader (fpdf2), one topic per page, with a
  running header and page numbers like a real reader;
- ``lecture-photosynthesis.ogg``: a ~30 s spoken mini lecture (espeak-ng, then sox to
  16 kHz mono Ogg Vorbis), so transcription has something real to chew on.

Everything is written for the project; nothing is downloaded.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent / "sample"
PDF_NAME = "cell-biology-primer.pdf"
LECTURE_NAME = "lecture-photosynthesis.ogg"
SEMESTER, SUBJECT, BOOK = "Sample semester", "Biology 101", "Cell biology primer"
LECTURE_TITLE = "Lecture 1: Photosynthesis"

CHAPTERS = [
    ("1. The cell theory",
     ["All living things are made of cells, the cell is the basic unit of life, and every cell comes from a "
      "pre-existing cell. These three statements, put together by Schleiden, Schwann and Virchow in the "
      "nineteenth century, are known as the cell theory.",
      "Cells come in two broad kinds. Prokaryotic cells, such as bacteria, have no nucleus: their DNA lies in "
      "a region called the nucleoid. Eukaryotic cells, found in plants, animals and fungi, keep their DNA "
      "inside a nucleus wrapped in a double membrane and contain many membrane-bound organelles.",
      "Most cells are between 1 and 100 micrometres across. They stay small because a small cell has a large "
      "surface area compared with its volume, so nutrients and waste can cross the membrane fast enough."]),
    ("2. Membranes and transport",
     ["The plasma membrane is a phospholipid bilayer. Each phospholipid has a hydrophilic head that faces the "
      "water and two hydrophobic tails that hide inside the layer. Proteins float in this fluid mosaic; "
      "cholesterol keeps it from becoming too stiff or too runny.",
      "Small non-polar molecules such as oxygen and carbon dioxide diffuse straight through the bilayer. "
      "Ions and larger polar molecules need channel or carrier proteins. Osmosis is the diffusion of water "
      "across a partially permeable membrane toward the side with more dissolved solute.",
      "Active transport moves substances against their concentration gradient and costs energy in the form "
      "of ATP. The sodium-potassium pump, for example, pushes three sodium ions out of the cell and brings "
      "two potassium ions in for every ATP it uses."]),
    ("3. Mitochondria and cellular respiration",
     ["Mitochondria are the sites of aerobic respiration. They have an outer membrane and a folded inner "
      "membrane whose folds, the cristae, hold the enzymes of the electron transport chain. Mitochondria "
      "carry their own small circular DNA, inherited from the mother.",
      "Respiration starts with glycolysis in the cytoplasm, which splits one glucose into two pyruvate and "
      "makes two ATP. In the mitochondrial matrix the Krebs cycle oxidises the products further and loads "
      "the carriers NADH and FADH2 with electrons.",
      "Oxidative phosphorylation uses those electrons to pump protons across the inner membrane. The protons "
      "flow back through ATP synthase, which makes most of the cell's ATP: about 30 to 32 molecules per "
      "glucose. Oxygen is the final electron acceptor and becomes water."]),
    ("4. Photosynthesis",
     ["Photosynthesis takes place in chloroplasts. Light is absorbed by chlorophyll in the thylakoid "
      "membranes, which are stacked into grana; the fluid around them is the stroma.",
      "In the light-dependent reactions, water is split, oxygen is released, and the energy of light is "
      "stored in ATP and NADPH. In the Calvin cycle, which runs in the stroma, the enzyme rubisco fixes "
      "carbon dioxide onto a five-carbon sugar, and ATP and NADPH are used to build glucose.",
      "The rate of photosynthesis is limited by light intensity, carbon dioxide concentration and "
      "temperature. Whichever factor is in shortest supply sets the pace: this is the idea of a limiting "
      "factor."]),
    ("5. Cell division",
     ["Before a cell divides it copies its DNA during the S phase of interphase. Mitosis then separates the "
      "copies into two identical nuclei in four stages: prophase, metaphase, anaphase and telophase. "
      "Cytokinesis finally splits the cytoplasm.",
      "Meiosis makes gametes. It has two divisions and halves the chromosome number, so a human egg or "
      "sperm carries 23 chromosomes instead of 46. Crossing over and the independent assortment of "
      "chromosomes make every gamete genetically different.",
      "Checkpoints stop the cycle when DNA is damaged. When these controls fail, cells can divide without "
      "limit, which is what happens in cancer."]),
    ("6. DNA and protein synthesis",
     ["DNA is a double helix of two antiparallel strands held together by base pairs: adenine with thymine "
      "and guanine with cytosine. Replication is semi-conservative: each new molecule keeps one old strand "
      "and gains one new strand built by DNA polymerase.",
      "A gene is read in two steps. In transcription, RNA polymerase copies the gene into messenger RNA in "
      "the nucleus. In translation, ribosomes read the messenger RNA three bases at a time; each codon "
      "calls for one amino acid, brought by a transfer RNA.",
      "A mutation changes the base sequence. A substitution may change a single amino acid, as in sickle "
      "cell anaemia, while an insertion or deletion shifts the reading frame and usually ruins the protein."]),
]

LECTURE = (
    "Good morning everyone. Today's lecture is about photosynthesis. "
    "Plants capture light energy in their chloroplasts, using the green pigment chlorophyll. "
    "In the light dependent reactions, water is split and oxygen is released. "
    "The energy is stored in two molecules, A T P and N A D P H. "
    "Then, in the Calvin cycle, the enzyme rubisco fixes carbon dioxide from the air, "
    "and the plant builds glucose. "
    "Remember the three limiting factors: light intensity, carbon dioxide, and temperature. "
    "Next week we will compare this with cellular respiration in the mitochondria."
)


def make_pdf(out: Path) -> None:
    from fpdf import FPDF

    class Reader(FPDF):
        def header(self) -> None:
            self.set_font("helvetica", "I", 9)
            self.set_text_color(110, 110, 110)
            self.cell(0, 8, "Biology 101 - Cell biology primer", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("helvetica", "", 9)
            self.cell(0, 10, f"Page {self.page_no()} of {len(CHAPTERS)}", align="C")

    pdf = Reader(format="A4")
    pdf.set_title("Cell biology primer")
    pdf.set_author("Lectern sample course")
    pdf.set_creation_date(__import__("datetime").datetime(2024, 9, 1))
    pdf.set_auto_page_break(False)
    for title, paragraphs in CHAPTERS:
        pdf.add_page()
        pdf.set_font("helvetica", "B", 16)
        pdf.multi_cell(0, 10, title)
        pdf.ln(2)
        pdf.set_font("helvetica", "", 11.5)
        for p in paragraphs:
            pdf.multi_cell(0, 6, p)
            pdf.ln(3)
    pdf.output(str(out))


def make_lecture(out: Path) -> None:
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install espeak-ng sox")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(wav), LECTURE], check=True)
        subprocess.run(["sox", str(wav), "-r", "16000", "-c", "1", "-C", "2", str(out)], check=True)


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    make_pdf(HERE / PDF_NAME)
    make_lecture(HERE / LECTURE_NAME)
    for f in (PDF_NAME, LECTURE_NAME):
        print(f"{HERE / f}: {(HERE / f).stat().st_size} bytes")


if __name__ == "__main__":
    main()
