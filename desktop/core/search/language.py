"""Languages in search: which language a text is in, and its words stemmed in that language.

FTS5's porter tokenizer stems English only: "Pakete" never meets "Paket", "fichiers"
never meets "fichier". So a document that is not in English gets a second copy of its
words stemmed by the Snowball stemmer of its language (PyStemmer), indexed in the
``stems`` column, and a question asked over such documents is stemmed the same way.

The language is found by counting each language's commonest words (articles,
pronouns, prepositions): on a page of prose the right language wins by a wide
margin, and a short question is usually told apart by two or three of them.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from typing import Iterable

import Stemmer  # PyStemmer: the Snowball stemmers, compiled

ENGLISH = "en"
# ISO 639-1 code → Snowball stemmer name (PyStemmer)
STEMMERS = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian",
            "pt": "portuguese", "nl": "dutch"}

_COMMON = {
    "en": "the of and to in is that for it with as are on be this by from or an which you can not how what "
          "a do does i my when why",
    "de": "der die das und ist nicht ein eine zu den mit sich des auf für im dem von sie es werden wird "
          "auch oder bei wie kann ich mein wo was welche welcher welches warum wer",
    "fr": "le la les et des est une un du en que pour dans qui pas sur au avec ce il vous sont par plus "
          "comment je mon où quelle quel quels quelles pourquoi qu",
    "es": "el la los las de que y en un una es por con para del se al lo como más su o puede cómo qué "
          "mi dónde cuál cuáles quién",
    "it": "il la di che e un una per del della non sono con come nel gli le alla si può",
    "pt": "o os as de que e um uma para com da não em no na por se mais como pode",
    "nl": "de het een en van is dat niet op te in voor met zijn worden ook als kan hoe",
}
_WORDS = {lang: frozenset(words.split()) for lang, words in _COMMON.items()}
# Words that carry no meaning in a question, in every language we stem (besides English's own list).
STOPWORDS = frozenset().union(*(_WORDS[l] for l in ("de", "fr", "es"))) | frozenset(
    "ich wie was wo kann ein eine einer meine meinen meiner je mes ma comment quel quelle quels "
    "est-ce mi mis cómo qué cuál dónde puedo".split())

_WORD = re.compile(r"\w+", re.UNICODE)


def detect_language(texts: Iterable[str] | str, default: str = ENGLISH) -> str:
    """The ISO code of the language the text is mostly in (``default`` when nothing tells)."""
    if isinstance(texts, str):
        texts = [texts]
    counts: Counter[str] = Counter()
    for text in texts:
        for w in _WORD.findall(text.lower()):
            for lang, common in _WORDS.items():
                if w in common:
                    counts[lang] += 1
    if not counts:
        return default
    (best, n), *rest = counts.most_common(2) + [("", 0)]
    runner_up = rest[0][1]
    if n < 2 or n <= runner_up:
        return default
    return best


_stemmers: dict[str, object] = {}
_lock = threading.Lock()


def _stemmer(lang: str) -> object | None:
    name = STEMMERS.get(lang)
    if name is None:
        return None
    with _lock:
        if lang not in _stemmers:
            _stemmers[lang] = Stemmer.Stemmer(name)
        return _stemmers[lang]


def fold(word: str) -> str:
    """A word without accents, as FTS5 (remove_diacritics) compares it."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def stem_words(words: list[str], lang: str) -> list[str]:
    """Each (lower-case) word stemmed in ``lang``; unchanged when the language has no stemmer."""
    stemmer = _stemmer(lang)
    if stemmer is None:
        return words
    return list(stemmer.stemWords(words))  # type: ignore[attr-defined]


def stems(text: str, lang: str) -> str:
    """The words of ``text`` stemmed in ``lang``, for the ``stems`` column ("" for English: porter does it)."""
    if not lang or lang == ENGLISH or lang not in STEMMERS:
        return ""
    return " ".join(stem_words(_WORD.findall(text.lower()), lang))
