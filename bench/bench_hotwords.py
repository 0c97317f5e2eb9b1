"""Does giving Whisper the subject's glossary terms help it hear the course's words?

The sample reader (cell-biology-primer.pdf) is read and chunked into a subject; its glossary is
found by Lectern's own code and turned into the hotwords the worker hands to a transcription of
that subject's lectures (``glossary.hotwords_for_node``). A lecture that uses those terms is
spoken by espeak-ng: the sample lecture's script and two pages of the reader read aloud. It is
transcribed by the default Whisper model four times: as is, with the terms Whisper splits into
pieces as ``hotwords`` (what the transcription job does), with every term as ``hotwords``, and with
them as ``initial_prompt``. Word error rate overall, on the words of the glossary's terms,
and on the course's rarer words (terms Whisper splits into three or more tokens).

    python -m bench.bench_hotwords [--pages 3-4] [--model base]

Prints one JSON object; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, say  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default="3-4", help="pages of the reader read aloud after the sample lecture")
    ap.add_argument("--model", default="", help="transcription model (default: the default)")
    args = ap.parse_args()

    from bench.bench_wer import normalise, wer
    from desktop.core import catalog, models
    from desktop.core.library.chunking import chunk_pages
    from desktop.core.library.pdftext import read_pages
    from desktop.core.lectures.transcribe import BEAM_SIZE, decode, load_whisper, rare_words
    from desktop.core.storage.db import open_db
    from desktop.core.storage.resources import resource_path
    from desktop.core.study import glossary, material
    from resources.make_sample import LECTURE
    from tests.audio import speech_wav

    pdf = resource_path("sample", "cell-biology-primer.pdf")
    tmp = Path(tempfile.mkdtemp(prefix="bench-hotwords-"))
    db = open_db(tmp / "app.db")
    node = catalog.ensure_path(db, "Bench", "Biology 101", "Primer")
    doc = catalog.add_document(db, node, "pdf", "Primer", pdf.name, f"files/1/{pdf.name}", "sha-primer", 1,
                               state="ready")
    pages, _ = read_pages(pdf)
    for i, chunk in enumerate(chunk_pages(pages)):
        db.execute("INSERT INTO chunks (document_id, ordinal, kind, page, text) VALUES (?,?,?,?,?)",
                   (doc, i, "pdf", chunk.page, chunk.text))
    subject = glossary.subject_node(db, "Biology 101")
    glossary.build(db, subject)
    lecture_node = catalog.ensure_path(db, "Bench", "Biology 101", "Lectures")
    hotwords = glossary.hotwords_for_node(db, lecture_node)   # what the worker hands the transcription
    say(f"hotwords: {hotwords}")

    first, last = material.parse_pages(args.pages)
    read_aloud = " ".join(p.text for p in material.load(db, doc, (first, last)))
    script = f"{LECTURE} {read_aloud}"
    audio = decode(speech_wav(script, tmp / "lecture.wav"))
    say(f"lecture: {len(script.split())} words, {len(audio) / 16000:.0f} s of speech")

    model = load_whisper(models.resolve(models.TRANSCRIPTION, args.model or None))
    tokenizer = model.hf_tokenizer
    terms = [t.term for t in glossary.terms(db, subject)]
    term_words = {w for t in terms for w in normalise(t)}
    rare_set = {w for w in term_words if len(tokenizer.encode(" " + w, add_special_tokens=False).ids) >= 3}
    reference = normalise(script)

    def measure(**how: str) -> dict:
        t0 = time.perf_counter()
        segs, _ = model.transcribe(audio, beam_size=BEAM_SIZE, vad_filter=True, **how)
        hyp = normalise(" ".join(s.text for s in segs))
        out = {"wer": round(wer(reference, hyp)[0], 4), "seconds": round(time.perf_counter() - t0, 1)}
        for name, words in (("terms", term_words), ("rare_terms", rare_set)):
            ref = [w for w in reference if w in words]
            out[f"{name}_in_lecture"] = len(ref)
            out[f"{name}_wer"] = round(wer(ref, [w for w in hyp if w in words])[0], 4) if ref else 0.0
        say(f"{how or 'plain'}: {out}")
        return out

    emit({"lecture": f"sample lecture + reader pages {args.pages}, espeak-ng", "audio_s": round(len(audio) / 16000, 1),
          "model": models.resolve(models.TRANSCRIPTION, args.model or None).id, "hotwords": hotwords,
          "rare_terms": sorted(rare_set),
          "rare_hotwords": rare_words(model, hotwords),
          "plain": measure(), "rare_terms_as_hotwords": measure(hotwords=rare_words(model, hotwords)),
          "all_terms_as_hotwords": measure(hotwords=hotwords),
          "all_terms_as_initial_prompt": measure(initial_prompt=f"Glossary: {hotwords}.")})


if __name__ == "__main__":
    main()
