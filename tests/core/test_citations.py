"""Citations: invented numbers dropped, uncited sentences grounded in their source, the
second of a lecture. Pure functions on constructed answers and sources (no server, no model)."""
from desktop.core import chat
from desktop.core.chat import Source

MITO = Source(1, 10, "pdf", "Cell Biology",
              "Mitochondria are the organelles that produce most of the cell's ATP through cellular respiration. "
              "Their inner membrane is folded into cristae.", page=3)
PHOTO = Source(2, 10, "pdf", "Cell Biology",
               "Photosynthesis takes place in the chloroplasts of plant cells. Light energy is converted into "
               "chemical energy, and oxygen is released.", page=7)


def test_an_invented_citation_number_is_dropped_and_real_ones_are_kept():
    text, cited = chat.clean_citations("Mitochondria make ATP [1]. They have DNA [7]. Membranes [2, 9] too [1-2].", 2)
    assert text == "Mitochondria make ATP [1]. They have DNA. Membranes [2] too [1][2]."
    assert cited == [1, 2]
    assert chat.clean_citations("Only invented [3][4].", 2) == ("Only invented.", [])
    assert chat.clean_citations("See [Source 2] and [source 1; 2].", 2)[0] == "See [2] and [1][2]."
    assert chat.all_numbers("A [1]. B [9]. C [2-3].") == [1, 9, 2, 3]


def test_while_streaming_an_unfinished_citation_is_held_back():
    assert chat.clean_citations("ATP is made here [1", 3, partial=True)[0] == "ATP is made here"
    assert chat.clean_citations("ATP is made here [1]", 3, partial=True)[0] == "ATP is made here [1]"
    assert chat.strip_citations("ATP [1] is made [2].") == "ATP is made."


def test_an_uncited_sentence_is_attributed_to_the_source_it_comes_from():
    raw = ("Mitochondria produce ATP through cellular respiration. "
           "Photosynthesis takes place in the chloroplasts of plant cells [9].")
    cleaned, cited = chat.clean_citations(raw, 2)
    assert cited == [] and "[9]" not in cleaned
    text, added, fixed = chat.attribute(cleaned, [MITO, PHOTO])
    assert text == ("Mitochondria produce ATP through cellular respiration [1]. "
                    "Photosynthesis takes place in the chloroplasts of plant cells [2].")
    assert added == [1, 2] and fixed == []


def test_a_citation_of_the_wrong_source_is_pointed_at_the_one_holding_the_words():
    text, added, fixed = chat.attribute("Photosynthesis takes place in the chloroplasts [1].", [MITO, PHOTO])
    assert text == "Photosynthesis takes place in the chloroplasts [2]."
    assert fixed == [(1, 2)] and added == []
    # A right citation is left as it is.
    assert chat.attribute("Mitochondria produce ATP [1].", [MITO, PHOTO]) == ("Mitochondria produce ATP [1].", [], [])


def test_a_sentence_no_source_clearly_holds_stays_uncited():
    both = "Organelles need light."   # one word from each source, a third of the sentence each
    text, added, fixed = chat.attribute(both, [MITO, PHOTO])
    assert text == both and added == [] and fixed == []
    assert chat.attribute("Yes.", [MITO]) == ("Yes.", [], [])        # too few words to judge
    assert chat.attribute("Anything at all here.", []) == ("Anything at all here.", [], [])


LECTURE = [{"start_s": 120.0, "text": "Good. Now we turn to Gregor Mendel and his pea plants."},
           {"start_s": 131.0, "text": "Mendel's law of segregation says that the two alleles of a gene"},
           {"start_s": 137.0, "text": "separate during the formation of gametes."},
           {"start_s": 150.0, "text": "Next week we look at linkage."}]


def test_a_lecture_citation_plays_from_the_second_the_asked_words_are_said():
    assert chat.best_second(LECTURE, "What does the law of segregation say?", 120.0) == 131.0
    # The sentence runs over two segments: it plays from where the sentence starts.
    assert chat.best_second(LECTURE, "When do alleles separate into gametes?", 120.0) == 131.0
    assert chat.best_second(LECTURE, "When is linkage covered?", 120.0) == 150.0
    # Nothing matching, or nothing to match: the passage's own start.
    assert chat.best_second(LECTURE, "photosynthesis", 120.0) == 120.0
    assert chat.best_second([], "segregation", 120.0) == 120.0
    # Never before the passage starts.
    assert chat.best_second(LECTURE, "Mendel pea plants", 125.0) == 125.0


def test_a_source_says_where_it_is_as_a_page_or_a_lecture_time():
    assert MITO.where == "page 3" and MITO.label() == "Cell Biology, page 3"
    lecture = Source(1, 11, "lecture", "Genetics lecture 3", "…", start_s=131.0, recording_id=4)
    assert lecture.where == "2:11"
    assert Source.from_dict({**lecture.as_dict(), "unknown": 1}) == lecture


# -- grounding each claim in the passage that supports it -----------------------------------------

def test_a_claim_no_source_supports_loses_its_citation_and_is_flagged():
    text = ("Mitochondria produce ATP through cellular respiration [1]. "
            "The Eiffel Tower was finished in Paris during 1889 [2].")
    g = chat.ground(text, [MITO, PHOTO])
    assert g.unsupported == ["The Eiffel Tower was finished in Paris during 1889."]
    assert g.dropped == [2] and g.supported == 1 and g.coverage == "partial"
    assert g.text == (chat.PARTLY_COVERED + "Mitochondria produce ATP through cellular respiration [1]. "
                      f"The Eiffel Tower was finished in Paris during 1889 {chat.UNSUPPORTED_MARK}.")
    # The flags never reach the model as history.
    assert chat.strip_citations(g.text) == ("Mitochondria produce ATP through cellular respiration. "
                                            "The Eiffel Tower was finished in Paris during 1889.")


def test_an_answer_the_sources_only_partly_give_says_so_plainly():
    text = "Photosynthesis takes place in the chloroplasts [2]. The sources do not say how long it takes."
    g = chat.ground(text, [MITO, PHOTO])
    assert g.coverage == "partial" and g.unsupported == []
    assert g.text.startswith("Your material only partly covers this: Photosynthesis takes place")


def test_an_answer_no_source_backs_is_marked_as_such():
    g = chat.ground("Football teams have eleven players on the field.", [MITO, PHOTO])
    assert g.coverage == "none" and g.text.startswith(chat.NOT_BACKED)
    assert g.text.endswith(f"field {chat.UNSUPPORTED_MARK}.")


def test_meaning_decides_the_source_when_the_words_do_not():
    # Few shared words with either passage; the sentence embeddings say it is about source 2.
    text = "Green leaves turn sunlight into sugar [1]."
    g = chat.ground(text, [MITO, PHOTO], sims=[[0.21, 0.78]])
    assert g.text == "Green leaves turn sunlight into sugar [2]." and g.repointed == [(1, 2)]
    uncited = chat.ground("Green leaves turn sunlight into sugar.", [MITO, PHOTO], sims=[[0.21, 0.78]])
    assert uncited.text == "Green leaves turn sunlight into sugar [2]." and uncited.added == [2]
    # Without the meaning, nothing holds it: it is flagged, not guessed.
    assert chat.ground("Green leaves turn sunlight into sugar.", [MITO, PHOTO]).unsupported


def test_a_stopped_answer_does_not_flag_its_cut_last_sentence():
    g = chat.ground("Mitochondria produce ATP [1]. The Eiffel Tower was", [MITO, PHOTO], partial=True)
    assert g.unsupported == [] and g.coverage == "full"


def test_a_quoted_not_covered_is_not_the_answer_saying_the_material_lacks_something():
    gpl = Source(1, 10, "pdf", "R FAQ", "Activities other than copying, distribution and modification are not "
                 "covered by this License; they are outside its scope.", page=14)
    g = chat.ground("Activities other than copying, distribution and modification are not covered by this "
                    "License [1].", [gpl])
    assert g.coverage == "full" and not g.text.startswith(chat.PARTLY_COVERED)


def test_a_citation_with_a_trailing_comma_is_read_as_a_citation():
    assert chat.clean_citations("It keeps running [3,] because of tryCatch [1 ,].", 3) == (
        "It keeps running [3] because of tryCatch [1].", [3, 1])


def test_sentences_in_a_row_from_one_source_carry_its_number_once():
    text = ("Mitochondria produce most of the cell's ATP. Their inner membrane is folded into cristae. "
            "Photosynthesis takes place in the chloroplasts of plant cells.")
    g = chat.ground(text, [MITO, PHOTO])
    assert g.text == ("Mitochondria produce most of the cell's ATP. Their inner membrane is folded into cristae [1]. "
                      "Photosynthesis takes place in the chloroplasts of plant cells [2].")
    assert g.added == [1, 2]
    # A sentence the model already cited ends the run too.
    g = chat.ground("Mitochondria produce most of the cell's ATP. Their membrane is folded into cristae [1].",
                    [MITO, PHOTO])
    assert g.text == "Mitochondria produce most of the cell's ATP. Their membrane is folded into cristae [1]."
