"""Where things live in the bucket, and which keys from the bucket Lectern accepts.

Layout (the prototype's)::

    users/<user>/raw_data/<semester>/<subject>/<book>/<file>
    users/<user>/lectures/<semester>/<subject>/<book>/<title>.<audio ext>
    users/<user>/lectures/<semester>/<subject>/<book>/<title>.<audio ext>.lecture.json   (transcript)
    users/<user>/lectures/<semester>/<subject>/<book>/<title>.<audio ext>.notes.json     (the student's notes)

Names appear only in keys: locally everything is identified by id and the manifest
maps ids to keys. A key read from the bucket is checked before any part of it can
name a folder or a file here (``parse_key``); one that could escape the library is
refused with a plain reason and never touches the disk.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..errors import SyncError

ROOT = "users"
RAW_DATA = "raw_data"
LECTURES = "lectures"
MAX_KEY_BYTES = 1024          # S3's limit
_USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


class RefusedKey(SyncError):
    """A key from the bucket that Lectern will not turn into a file."""


def check_user(user: str) -> str:
    """A user id that is one safe key segment (letters, digits, ``.``, ``_``, ``-``)."""
    if not _USER_RE.match(user or "") or user in (".", ".."):
        raise SyncError(f"'{user}' cannot be a sync user id.",
                        "Use letters, digits, dots, dashes or underscores (at most 63), starting with a letter or digit.")
    return user


def user_prefix(user: str) -> str:
    """Everything Lectern lists, reads or writes for this user is under this prefix."""
    return f"{ROOT}/{check_user(user)}/"


def raw_prefix(user: str) -> str:
    return f"{user_prefix(user)}{RAW_DATA}/"


def segment(name: str, default: str = "_") -> str:
    """One key segment from a library name: separators become ``-``, control characters
    spaces, whitespace is collapsed; ``.``/``..``/empty become ``default``."""
    out = []
    for ch in name:
        if ch in "/\\":
            out.append("-")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    text = " ".join("".join(out).split())
    return default if text in ("", ".", "..") else text


def split_name(filename: str) -> tuple[str, str]:
    """(stem, extension with its dot) of a file name; no extension for ``.hidden`` names."""
    stem, dot, ext = filename.rpartition(".")
    if not dot or not stem or " " in ext or len(ext) > 16:
        return filename, ""
    return stem, "." + ext


def document_key(user: str, semester: str, subject: str, book: str, title: str, ext: str, area: str = RAW_DATA) -> str:
    """The key of a book or note (``raw_data``) or of a lecture's audio (``lectures``): the
    file part is its title (what the student sees and renames) with the extension of its file."""
    file = segment(title, "Untitled") + ext.lower()
    return f"{user_prefix(user)}{area}/" + "/".join((segment(semester), segment(subject), segment(book), file))


def with_suffix(key: str, suffix: str) -> str:
    """``…/Reader.pdf`` → ``…/Reader<suffix>.pdf`` (for duplicates and conflict copies)."""
    folder, _, file = key.rpartition("/")
    stem, ext = split_name(file)
    return f"{folder}/{segment(stem + suffix)}{ext}"


def same_place(a: str, b: str) -> bool:
    """Do two keys name the same place once the library's own rules are applied (folder
    names match without case and are cut at 120 characters, titles at 200)? Then a document
    keeps the key it was agreed under instead of renaming it back and forth between two
    computers whose folders differ only in case."""
    pa, pb = a.split("/"), b.split("/")
    if len(pa) != len(pb):
        return False

    def norm(parts: list[str]) -> list[str]:
        out = [" ".join(p.split()).casefold() for p in parts]
        stem, ext = split_name(out[-1])
        return [p[:120] for p in out[:-1]] + [stem[:200] + ext]
    return norm(pa) == norm(pb)


@dataclass(frozen=True)
class ParsedKey:
    key: str
    area: str                       # raw_data | lectures | other
    parts: tuple[str, ...]          # the segments after the area

    @property
    def semester(self) -> str:
        return self.parts[0]

    @property
    def subject(self) -> str:
        return self.parts[1]

    @property
    def book(self) -> str:
        return self.parts[2]

    @property
    def filename(self) -> str:
        return self.parts[-1]

    @property
    def title(self) -> str:
        return split_name(self.filename)[0]

    @property
    def ext(self) -> str:
        return split_name(self.filename)[1].lower()


def key_problem(key: str, user: str) -> str:
    """Why ``key`` is refused ("" when it is acceptable). Nothing is decoded or normalised
    first: a key is judged exactly as the bucket gave it."""
    prefix = user_prefix(user)
    if not key:
        return "it is empty"
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return "it is longer than 1024 bytes"
    if key.startswith("/"):
        return "it is an absolute path"
    if "\\" in key:
        return "it contains a backslash"
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in key):
        return "it contains control characters"
    if not key.startswith(prefix):
        return f"it is outside {prefix}"
    segments = key.split("/")
    if any(s in (".", "..") for s in segments):
        return "it contains '.' or '..'"
    if any(s == "" for s in segments):
        return "it contains an empty folder name"
    if any(s != s.strip() or len(s.encode("utf-8")) > 255 for s in segments):
        return "a folder or file name in it has spaces at an end or is too long"
    return ""


def parse_key(key: str, user: str) -> ParsedKey:
    """A checked key of this user. Raises RefusedKey with the reason otherwise.

    ``raw_data`` keys must be exactly semester/subject/book/file."""
    problem = key_problem(key, user)
    if problem:
        raise RefusedKey(f"The bucket key {key!r} was refused: {problem}.")
    rest = key[len(user_prefix(user)):].split("/")
    area, parts = rest[0], tuple(rest[1:])
    if area in (RAW_DATA, LECTURES):
        if len(parts) != 4:
            raise RefusedKey(f"The bucket key {key!r} was refused: it is not semester/subject/book/file.")
        return ParsedKey(key, area, parts)
    return ParsedKey(key, "other", parts)
