"""Key layout and the checks on keys that come from the bucket."""
import pytest

from desktop.core.errors import SyncError
from desktop.core.sync.keys import RefusedKey, check_user, document_key, parse_key, with_suffix


def test_a_document_key_follows_the_layout_and_names_cannot_add_levels():
    key = document_key("ana", "Fall 2026", "Bio/Chem", "Reader\\1", "Cell..bio\x07logy", ".PDF")
    assert key == "users/ana/raw_data/Fall 2026/Bio-Chem/Reader-1/Cell..bio logy.pdf"
    assert parse_key(key, "ana").parts == ("Fall 2026", "Bio-Chem", "Reader-1", "Cell..bio logy.pdf")
    assert document_key("ana", "..", ".", " ", "", ".md") == "users/ana/raw_data/_/_/_/Untitled.md"


def test_a_parsed_key_gives_its_names_back():
    p = parse_key("users/ana/raw_data/S/Sub/Book/Week 1 (notes).md", "ana")
    assert (p.semester, p.subject, p.book, p.title, p.ext) == ("S", "Sub", "Book", "Week 1 (notes)", ".md")


@pytest.mark.parametrize("key, why", [
    ("users/u/raw_data/../../x", "'..'"),
    ("users/u/raw_data/a/./b/c.pdf", "'..'"),
    ("/users/u/raw_data/a/b/c/d.pdf", "absolute"),
    ("users/u/raw_data/a\\b/c/d/e.pdf", "backslash"),
    ("users/u/raw_data/a/b/c/d\n.pdf", "control"),
    ("users/u/raw_data/a/b/c/d\x00.pdf", "control"),
    ("users/v/raw_data/a/b/c/d.pdf", "outside users/u/"),
    ("users/uv/raw_data/a/b/c/d.pdf", "outside users/u/"),
    ("users/u/raw_data/a//c/d.pdf", "empty"),
    ("users/u/raw_data/a/b/d.pdf", "semester/subject/book/file"),
    ("users/u/raw_data/a/b/c/d/e.pdf", "semester/subject/book/file"),
    ("users/u/raw_data/a/b/c/" + "x" * 300 + ".pdf", "too long"),
    ("", "empty"),
])
def test_keys_that_could_escape_the_library_are_refused_with_the_reason(key, why):
    with pytest.raises(RefusedKey) as err:
        parse_key(key, "u")
    assert why in str(err.value)
    assert isinstance(err.value, SyncError)


def test_user_ids_are_one_safe_segment():
    assert check_user("ana-1.b_c") == "ana-1.b_c"
    for bad in ("", "..", "a/b", "a b", "-x", "ü", "a" * 64):
        with pytest.raises(SyncError):
            check_user(bad)


def test_with_suffix_keeps_the_extension():
    assert with_suffix("users/u/raw_data/a/b/c/Reader.pdf", " (2)") == "users/u/raw_data/a/b/c/Reader (2).pdf"
    assert with_suffix("users/u/raw_data/a/b/c/README", " 2") == "users/u/raw_data/a/b/c/README 2"


def test_same_place_follows_the_librarys_own_name_rules():
    from desktop.core.sync.keys import same_place

    k = "users/u/raw_data/Fall 2026/Biology/Reader/Cell biology.pdf"
    assert same_place(k, "users/u/raw_data/fall 2026/biology/READER/cell  biology.pdf")
    assert same_place(k.replace("Reader", "R" * 130), k.replace("Reader", "R" * 120))
    assert not same_place(k, k.replace("Reader", "Reader 2"))
    assert not same_place(k, k.replace(".pdf", ".md"))
