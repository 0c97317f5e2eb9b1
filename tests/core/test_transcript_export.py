import pytest

from desktop.core.errors import LecternError
from desktop.core.lectures.recordings import Segment
from desktop.core.lectures.transcript_export import export, render

SEGMENTS = [
    Segment(1, 0, 0.0, 4.25, "Good morning everyone.", False),
    Segment(2, 1, 4.25, 9.5, "Today: photosynthesis.", True),
    Segment(3, 2, 3725.5, 3730.0, "  That is all for today.  ", False),
    Segment(4, 3, 3731.0, 3731.0, "   ", False),   # empty lines are left out
]


def test_srt_numbers_cues_with_comma_milliseconds():
    assert render("srt", "Bio", SEGMENTS) == (
        "1\n00:00:00,000 --> 00:00:04,250\nGood morning everyone.\n\n"
        "2\n00:00:04,250 --> 00:00:09,500\nToday: photosynthesis.\n\n"
        "3\n01:02:05,500 --> 01:02:10,000\nThat is all for today.\n")


def test_vtt_has_its_header_and_dot_milliseconds():
    text = render("vtt", "Bio", SEGMENTS)
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:04.250\nGood morning everyone.\n")
    assert "01:02:05.500 --> 01:02:10.000\nThat is all for today.\n" in text
    assert text.count("-->") == 3


def test_txt_and_markdown_carry_readable_timestamps():
    assert render("txt", "Lecture 3", SEGMENTS).splitlines() == [
        "Lecture 3", "", "[0:00] Good morning everyone.", "[0:04] Today: photosynthesis.",
        "[1:02:05] That is all for today."]
    md = render("md", "Lecture 3", SEGMENTS)
    assert md.startswith("# Lecture 3\n\n**[0:00]** Good morning everyone.")
    assert "**[1:02:05]** That is all for today." in md


def test_export_follows_the_file_extension(tmp_path):
    out = export(tmp_path / "lecture.srt", "Bio", SEGMENTS)
    assert out.read_text(encoding="utf-8").startswith("1\n00:00:00,000")
    with pytest.raises(LecternError):
        export(tmp_path / "lecture.docx", "Bio", SEGMENTS)
    with pytest.raises(LecternError) as err:
        export(tmp_path / "missing-folder" / "x.txt", "Bio", SEGMENTS)
    assert "could not be saved" in err.value.message
