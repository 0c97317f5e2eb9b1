"""Real PDFs for tests, written with fpdf2 (and pypdf for the damaged ones)."""
from __future__ import annotations

import io
from pathlib import Path

TOPICS = [
    ("Cell membranes", "The cell membrane is a phospholipid bilayer that controls what enters and leaves the cell. "
     "Proteins embedded in the membrane act as channels and pumps. Cholesterol keeps the membrane fluid."),
    ("Mitochondria", "Mitochondria produce most of the cell's ATP through oxidative phosphorylation. "
     "They have their own circular DNA, inherited from the mother. The inner membrane folds into cristae."),
    ("Photosynthesis", "Chloroplasts capture light energy and store it in glucose. The light reactions split water "
     "and release oxygen. The Calvin cycle fixes carbon dioxide using the enzyme rubisco."),
    ("Cell division", "Mitosis produces two identical daughter cells in prophase, metaphase, anaphase and telophase. "
     "Meiosis halves the chromosome number and creates genetic diversity by crossing over."),
    ("Enzymes", "Enzymes lower the activation energy of reactions. Each enzyme has an active site that fits its "
     "substrate. Temperature and pH change how fast an enzyme works; too much heat denatures it."),
    ("DNA replication", "DNA polymerase copies each strand of the double helix. Replication is semi-conservative: "
     "every new molecule keeps one old strand. Okazaki fragments form on the lagging strand."),
]


def _pdf(header: str | None = None):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(header or "Test document")
    return pdf


def make_pdf(path: Path, pages: list[str], header: str | None = "Biology 101 - Course reader",
             footer: bool = True, password: str | None = None) -> Path:
    """A real PDF with one page per text, a running header and a 'Page n of N' footer."""
    from fpdf import FPDF

    total = len(pages)

    class Doc(FPDF):
        def header(self) -> None:
            if header:
                self.set_font("helvetica", "I", 9)
                self.cell(0, 8, header, new_x="LMARGIN", new_y="NEXT")

        def footer(self) -> None:
            if footer:
                self.set_y(-15)
                self.set_font("helvetica", "", 9)
                self.cell(0, 10, f"Page {self.page_no()} of {total}", align="C")

    pdf = Doc(format="A4")
    pdf.set_auto_page_break(False)
    for text in pages:
        pdf.add_page()
        pdf.set_font("helvetica", "", 11)
        pdf.multi_cell(0, 5.5, text)
    if password:
        from fpdf.enums import EncryptionMethod

        pdf.set_encryption(owner_password=password + "-owner", user_password=password,
                           encryption_method=EncryptionMethod.RC4)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_aes_pdf(path: Path, user_password: str, n: int = 3) -> Path:
    """The course PDF encrypted with AES-256 (pypdf): opened with `user_password`; an empty one
    opens without asking, as PDFs that only restrict printing do."""
    import pypdf

    plain = make_course_pdf(path.with_name(path.stem + "-plain.pdf"), n=n)
    writer = pypdf.PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password=user_password, owner_password="owner-" + path.stem, algorithm="AES-256")
    with open(path, "wb") as f:
        writer.write(f)
    plain.unlink()
    return path


def topic_pages(n: int = 6) -> list[str]:
    """n pages, each about one biology topic (cycling through TOPICS), with paragraphs."""
    out = []
    for i in range(n):
        title, body = TOPICS[i % len(TOPICS)]
        extra = (f"Section {i + 1} reviews {title.lower()} again with worked examples. " * 3).strip()
        out.append(f"{title}\n\n{body}\n\n{extra}")
    return out


def make_course_pdf(path: Path, n: int = 6, **kw) -> Path:
    return make_pdf(path, topic_pages(n), **kw)


def make_large_pdf(path: Path, n: int = 150) -> Path:
    """Many dense pages (for the kill-mid-ingestion test): about 3 chunks per page."""
    words = ("membrane protein enzyme substrate ribosome nucleus chromosome gene allele mutation osmosis "
             "diffusion gradient receptor hormone neuron synapse axon glucose pyruvate lactate").split()
    pages = []
    for i in range(n):
        paras = []
        for p in range(5):
            sent = " ".join(words[(i * 7 + p * 3 + j) % len(words)] for j in range(14))
            paras.append(f"Page {i + 1} paragraph {p + 1}: {sent}. This sentence mentions item {i * 10 + p}. "
                         f"Another sentence follows about {words[(i + p) % len(words)]} in detail.")
        pages.append("\n\n".join(paras))
    return make_pdf(path, pages, header="Large reader")


def make_scanned_pdf(path: Path, n: int = 2) -> Path:
    """Pages that are only pictures of text: no text layer at all."""
    from PIL import Image, ImageDraw

    pdf = _pdf()
    for i in range(n):
        img = Image.new("RGB", (600, 800), "white")
        d = ImageDraw.Draw(img)
        for y in range(40, 760, 30):
            d.text((40, y), f"Scanned line {y} of page {i + 1}", fill="black")
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        pdf.add_page()
        pdf.image(buf, x=10, y=10, w=190)
    pdf.output(str(path))
    return path


def make_pdf_with_bad_pages(path: Path, bad: tuple[int, ...], n: int = 5) -> Path:
    """A PDF whose pages in ``bad`` (1-based) have undecodable content streams."""
    import pypdf
    from pypdf.generic import EncodedStreamObject, NameObject

    tmp = io.BytesIO()
    make_course_pdf(path, n)
    reader = pypdf.PdfReader(str(path))
    writer = pypdf.PdfWriter(clone_from=reader)
    for number in bad:
        s = EncodedStreamObject()
        s._data = b"this is not compressed data" * 4
        s[NameObject("/Filter")] = NameObject("/FlateDecode")
        writer.pages[number - 1][NameObject("/Contents")] = writer._add_object(s)
    writer.write(tmp)
    path.write_bytes(tmp.getvalue())
    return path


def make_corrupt_pdf(path: Path) -> Path:
    """Starts like a PDF, then garbage: no xref, no objects."""
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8)
    return path
