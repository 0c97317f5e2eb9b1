"""Real course files of every kind, made with the maintained libraries that write them."""
from __future__ import annotations

from pathlib import Path


def make_pptx(path: Path, slides: list[tuple[str, str, str]]) -> Path:
    """A deck: one (title, body, speaker notes) per slide, with a table on slide 2 when there is one."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    layout = deck.slide_layouts[1]          # "Title and Content"
    for i, (title, body, notes) in enumerate(slides, start=1):
        slide = deck.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        if i == 2:
            table = slide.shapes.add_table(2, 2, Inches(1), Inches(5), Inches(4), Inches(1)).table
            table.cell(0, 0).text, table.cell(0, 1).text = "Organelle", "Role"
            table.cell(1, 0).text, table.cell(1, 1).text = "Ribosome", "makes proteins"
    deck.save(str(path))
    return path


def make_docx(path: Path, sections: list[tuple[str, list[str]]]) -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading("Course reader", level=0)
    for title, paragraphs in sections:
        doc.add_heading(title, level=1)
        for p in paragraphs:
            doc.add_paragraph(p)
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Term", "Meaning"
    table.cell(1, 0).text, table.cell(1, 1).text = "Osmosis", "water crossing a membrane"
    doc.save(str(path))
    return path


def make_odt(path: Path, sections: list[tuple[str, list[str]]]) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    doc = OpenDocumentText()
    for title, paragraphs in sections:
        doc.text.addElement(H(outlinelevel=1, text=title))
        for p in paragraphs:
            doc.text.addElement(P(text=p))
    doc.save(str(path))
    return path


def make_odp(path: Path, slides: list[tuple[str, str]]) -> Path:
    from odf.draw import Frame, Page, TextBox
    from odf.opendocument import OpenDocumentPresentation
    from odf.presentation import Notes
    from odf.style import MasterPage, PageLayout, PageLayoutProperties
    from odf.text import P

    doc = OpenDocumentPresentation()
    layout = PageLayout(name="L")
    layout.addElement(PageLayoutProperties(pagewidth="28cm", pageheight="21cm"))
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="M", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    for title, notes in slides:
        page = Page(masterpagename=master)
        frame = Frame(width="20cm", height="3cm", x="2cm", y="2cm")
        box = TextBox()
        box.addElement(P(text=title))
        frame.addElement(box)
        page.addElement(frame)
        if notes:
            n = Notes()
            nf = Frame(width="20cm", height="5cm", x="2cm", y="12cm")
            nb = TextBox()
            nb.addElement(P(text=notes))
            nf.addElement(nb)
            n.addElement(nf)
            page.addElement(n)
        doc.presentation.addElement(page)
    doc.save(str(path))
    return path


def make_epub(path: Path, chapters: list[tuple[str, str]], drm: bool = False) -> Path:
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("lectern-test-book")
    book.set_title("Plant physiology")
    book.set_language("en")
    items = []
    for i, (title, text) in enumerate(chapters, start=1):
        c = epub.EpubHtml(title=title, file_name=f"chap_{i}.xhtml", lang="en")
        c.content = f"<html><body><h1>{title}</h1><p>{text}</p></body></html>"
        book.add_item(c)
        items.append(c)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = ["nav", *items]
    epub.write_epub(str(path), book)
    if drm:
        _add_adept_encryption(path, [f"EPUB/chap_{i}.xhtml" for i in range(1, len(chapters) + 1)])
    return path


def _add_adept_encryption(path: Path, names: list[str]) -> None:
    """What a shop's DRM leaves: encryption.xml naming AES-encrypted chapters (scrambled bytes)."""
    import os
    import zipfile

    refs = "".join(
        '<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#">'
        '<EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>'
        f'<CipherData><CipherReference URI="{n}"/></CipherData></EncryptedData>' for n in names)
    xml = f'<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container">{refs}</encryption>'
    src = path.read_bytes()
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in names:
                data = os.urandom(len(data))
            zout.writestr(info, data)
        zout.writestr("META-INF/encryption.xml", xml)
    tmp.replace(path)
    assert path.read_bytes() != src


def encrypt_office(src: Path, dst: Path, password: str = "s3cret") -> Path:
    """A password-protected copy, encrypted the way Office does it (msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(src, "rb") as fi, open(dst, "wb") as fo:
        OOXMLFile(fi).encrypt(password, fo)
    return dst
