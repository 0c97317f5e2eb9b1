"""Study tools: flashcards with spaced repetition and Anki export, summaries, statistics.

material      the pages or lecture moments a summary or cards are made from
grounding     does a cited page/second hold a claim's words (overlap share)
store         decks and cards (drafts until accepted; the student's edits are kept)
cloze         cloze cards from the source's own sentences (no model)
review        FSRS scheduling and the reviews table
anki_export   .apkg (stable note guids, tags, source link) and CSV/TSV with Anki's header lines
writer        the local chat model asked one short question at a time, timed
cards         the card-making job (model Q/A cards and cloze cards, grounded, stored as drafts)
summaries     the summary job (map-reduce, key points with citations, Markdown), of a document or a subject's week
weeks         ISO weeks ('2026-W48'): their days in local time, a subject's lectures recorded in one
stats         hours, pages, questions, reviews; per subject, per week; the streak
glossary      key terms per subject: grounded definition, citation, related terms; editable; hotwords
cards_from    cards from the glossary and from a summary (no model)
quiz          multiple-choice questions from accepted cards, wrong choices from the same subject
overview      what the Study pane lists per subject: decks with counts, studiable documents, summaries
layout        where the concept map draws each term (a repeatable force-directed layout)
"""
from . import (anki_export, cards, cards_from, cloze, glossary, grounding, layout, material, overview, quiz, review,
               stats, store, summaries, weeks, writer)

__all__ = ["anki_export", "cards", "cards_from", "cloze", "glossary", "grounding", "layout", "material", "overview",
           "quiz", "review", "stats", "store", "summaries", "weeks", "writer"]
