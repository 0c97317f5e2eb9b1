"""Small questions the library pane asks: which book, where to move, a name."""
from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QInputDialog, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from ..core import library


class ChooseBookDialog(QDialog):
    """'Where should these files go?': semester, subject and book, existing or new.

    Each box lists what exists under the level above and accepts a new name, so the
    same dialog files things into an existing book or creates the missing levels.
    """

    def __init__(self, db, start_node: int | None, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setWindowTitle("Choose a book")
        self.setMinimumWidth(440)
        intro = QLabel(f"Where should {what} go? Pick a book, or type a new name to create it.")
        intro.setWordWrap(True)
        self.semester = self._combo()
        self.subject = self._combo()
        self.book = self._combo()
        form = QFormLayout()
        form.addRow("Semester", self.semester)
        form.addRow("Subject", self.subject)
        form.addRow("Book", self.book)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("File them here")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        lin = library.lineage(db, start_node) if start_node is not None else {"semester": "", "subject": "",
                                                                            "book": ""}
        self._fill(self.semester, [n.name for n in library.children(db, None)], lin["semester"])
        self.semester.currentTextChanged.connect(self._semester_changed)
        self.subject.currentTextChanged.connect(self._subject_changed)
        self._semester_changed(self.semester.currentText(), lin["subject"], lin["book"])
        for box in (self.semester, self.subject, self.book):
            box.currentTextChanged.connect(self._validate)
        self._validate()

    @staticmethod
    def _combo() -> QComboBox:
        c = QComboBox()
        c.setEditable(True)
        c.setInsertPolicy(QComboBox.NoInsert)
        c.setMinimumWidth(280)
        return c

    @staticmethod
    def _fill(box: QComboBox, names: list[str], current: str) -> None:
        box.blockSignals(True)
        box.clear()
        box.addItems(names)
        box.setCurrentText(current or (names[0] if names else ""))
        box.blockSignals(False)

    def _child_names(self, parent: int | None) -> list[str]:
        return [n.name for n in library.children(self.db, parent)]

    def _find(self, parent: int | None, name: str) -> int | None:
        for n in library.children(self.db, parent):
            if n.name.lower() == name.strip().lower():
                return n.id
        return None

    def _semester_changed(self, name: str, subject: str = "", book: str = "") -> None:
        sem = self._find(None, name)
        self._fill(self.subject, self._child_names(sem) if sem else [], subject)
        self._subject_changed(self.subject.currentText(), book)

    def _subject_changed(self, name: str, book: str = "") -> None:
        sem = self._find(None, self.semester.currentText())
        sub = self._find(sem, name) if sem else None
        self._fill(self.book, self._child_names(sub) if sub else [], book)
        self._validate()

    def _validate(self) -> None:
        ok = all(b.currentText().strip() for b in (self.semester, self.subject, self.book))
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ok)

    def names(self) -> tuple[str, str, str]:
        return (self.semester.currentText().strip(), self.subject.currentText().strip(),
                self.book.currentText().strip())


def choose_book(db, start_node: int | None, what: str, parent: QWidget | None = None) -> int | None:
    """Ask for a book (creating missing levels); its node id, or None if cancelled."""
    dlg = ChooseBookDialog(db, start_node, what, parent)
    if dlg.exec() != QDialog.Accepted:
        return None
    return library.ensure_path(db, *dlg.names())


def choose_parent(db, node: library.Node, parent: QWidget | None = None) -> int | None:
    """Where to move a subject (to which semester) or a book (to which subject)."""
    want = "semester" if node.level == "subject" else "subject"
    options: list[tuple[str, int]] = []
    for n in library.all_nodes(db):
        if n.level == want and n.id != node.parent_id:
            options.append((library.where_is(db, n.id), n.id))
    options.sort(key=lambda t: t[0].lower())
    if not options:
        return None
    label, ok = QInputDialog.getItem(parent, f"Move {node.name}", f"Move the {node.level} '{node.name}' into:",
                                     [o[0] for o in options], 0, False)
    if not ok:
        return None
    return dict(options)[label]


def choose_book_for_move(db, current_book: int, parent: QWidget | None = None) -> int | None:
    options = [(library.where_is(db, n.id), n.id) for n in library.all_nodes(db)
               if n.level == "book" and n.id != current_book]
    options.sort(key=lambda t: t[0].lower())
    if not options:
        return None
    label, ok = QInputDialog.getItem(parent, "Move to another book", "Move to:", [o[0] for o in options], 0, False)
    return dict(options)[label] if ok else None


def ask_name(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    name, ok = QInputDialog.getText(parent, title, label, QLineEdit.Normal, text)
    name = " ".join((name or "").split())
    return name if ok and name else None


def ask_password(parent: QWidget | None, filename: str, wrong: bool = False) -> str | None:
    msg = ("That password did not open it. Try again:" if wrong else
           f"{filename} is protected by a password. Enter it to read the PDF.\n"
           "Lectern uses it once and does not store it.")
    pw, ok = QInputDialog.getText(parent, "Password needed", msg, QLineEdit.Password)
    return pw if ok else None
