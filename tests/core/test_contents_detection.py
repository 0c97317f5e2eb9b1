"""Tables of contents name every topic and answer none: they are told apart from prose and
never given to the model. Pure: constructed pages and similarities, no server, no model."""
from desktop.core import chat
from desktop.core.search.index import Passage

CONTENTS_PAGE = """Contents
1 Cells and organelles .......... 3
1.1 Mitochondria . . . . . . . . . 5
1.2 Chloroplasts ............ 9
2 Membranes and transport ........ 12
Index .................. 201"""

PROSE_PAGE = ("Mitochondria are the organelles that produce most of the cell's ATP through cellular respiration. "
              "Their inner membrane is folded into cristae... which increase the surface. See page 5. "
              "Chapter 2 covers membranes.")


def test_a_contents_page_is_told_apart_from_a_prose_page():
    assert chat.looks_like_contents(CONTENTS_PAGE)
    assert not chat.looks_like_contents(PROSE_PAGE)
    # Two dotted entries are not yet a table of contents (an ellipsis or two in prose).
    assert not chat.looks_like_contents("Step one .......... 4 and step two .......... 5 follow.")
    # An index page, with dotted leaders on one line, still is one.
    assert chat.looks_like_contents("ATP ..... 3  cristae ..... 5  ribosome ..... 15  thylakoid ..... 7")


def test_key_word_overlap_counts_the_questions_words_found():
    assert chat.content_words("What do the mitochondria produce?") == ["mitochondria", "produc"]
    # Porter stems, as full-text search makes them: inflections of one word meet.
    assert chat.content_words("studies studied studying") == ["studi"]
    assert chat.lexical_overlap("How are relations stored?", "A relation is stored as a table.") == 1.0
    assert chat.lexical_overlap("What do mitochondria store?", PROSE_PAGE) == 0.5
    assert chat.lexical_overlap("What do mitochondria produce in cells?", "Mitochondria produce ATP in cells.") == 1.0
    assert chat.lexical_overlap("why?", PROSE_PAGE) == 0.0


def _passage(i: int, text: str) -> Passage:
    return Passage(chunk_id=i, document_id=10, kind="pdf", title="Cell Biology", text=text, score=0.0, page=i)


def test_reranking_drops_the_contents_page_even_when_it_scores_highest():
    passages = [_passage(1, CONTENTS_PAGE), _passage(3, PROSE_PAGE),
                _passage(40, "The French revolution began in 1789 with the storming of the Bastille.")]
    kept = chat.rerank("What do mitochondria produce?", passages, [0.70, 0.55, 0.05])
    assert [s.page for s in kept] == [3] and kept[0].n == 1
    assert kept[0].score == round(0.55 + 0.5 * 1.0, 3)
    # Nothing about the question at all: nothing is kept, so the answer says "not in your material".
    assert chat.rerank("Who won the world cup?", passages[2:], [0.1]) == []
