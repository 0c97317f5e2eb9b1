"""The Study pane: review with spaced repetition and a quick quiz, cards (make, check, export),
summaries, the glossary and its concept map, statistics.

pane            the pane: a subject picker and the sections; follows study jobs
subject_picker  the subject, by id
review_view     due cards: Space flips, 1-4 answer, intervals on the buttons, a session summary
quiz_view       multiple choice from the subject's cards
answer_keys     the keys both answer with: 1-4, and Space (review) or Enter (quiz)
card_maker      make cards from a document, a summary or the glossary (a job with progress and cancel)
draft_preview   new cards to edit, add or discard before they enter a deck
deck_list       decks with their counts; export to .apkg / CSV / TSV
cards_view      the three above together
summaries_view  summarise a document or a week of lectures, read the key points with their citations, export Markdown
glossary_view   terms to rename, merge, delete, define, mark known; find more terms
list_detail     what those two share: controls, the job followed live, a notice, a list and its details
concept_map     the terms and their relations, to pan, zoom and click
stats_view      numbers and charts from what Lectern holds
charts          bar charts (QtCharts, or QPainter bars)
citations       a source as a label, a link, and opening it (the page or the second)
requests        starting a study job from anywhere (the Library's and the transcript viewer's "Summarise…", "Make cards…")
job_strip       one job followed live, with Cancel
files           save dialogs that remember the last folder
card_text       a card's question and answer as shown
"""
from .pane import StudyPane
from .requests import request_cards, request_summary

__all__ = ["StudyPane", "request_cards", "request_summary"]
