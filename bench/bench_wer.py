"""Word error rate of Lectern's transcription on a synthetic lecture, for base and tiny.en.

The lecture (bench/lecture_text.py, about 2.5 minutes) is spoken by espeak-ng,
transcribed with the same settings as the transcription job (beam 5, VAD on), and
compared word by word with the text that was spoken. Prints one JSON object.

    python -m bench.bench_wer [--models base tiny.en]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import jiwer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.lecture_text import LECTURE  # noqa: E402

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen " \
        "seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    return str(n)


def normalise(text: str) -> list[str]:
    """Lower case, digits spelled out, punctuation and hyphens removed."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", text)
    text = re.sub(r"[^a-z' ]+", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def wer(reference: list[str], hypothesis: list[str]) -> tuple[float, int, int, int]:
    """(WER, substitutions, deletions, insertions), word-level alignment by jiwer."""
    out = jiwer.process_words(" ".join(reference), " ".join(hypothesis))
    return out.wer, out.substitutions, out.deletions, out.insertions


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["base", "tiny.en"])
    args = ap.parse_args()

    from desktop.core import models
    from desktop.core.lectures.transcribe import decode, load_whisper, model_choice_from, transcribe_array
    from tests.audio import speech_wav

    reference = normalise(LECTURE)
    out: dict = {"benchmark": "wer_synthetic_lecture", "reference_words": len(reference)}
    with tempfile.TemporaryDirectory() as tmp:
        wav = speech_wav(" ".join(LECTURE.split()), Path(tmp) / "lecture.wav")
        audio = decode(wav)
        out["audio_s"] = round(len(audio) / 16000, 2)
        for name in args.models:
            resolved = models.resolve(models.TRANSCRIPTION, model_choice_from(name))
            t0 = time.perf_counter()
            model = load_whisper(resolved)
            t1 = time.perf_counter()
            segs, info = transcribe_array(model, audio, None)
            text = " ".join(s.text for s in segs)
            t2 = time.perf_counter()
            rate, subs, dels, ins = wer(reference, normalise(text))
            out[name] = {"wer": round(rate, 4), "substitutions": subs, "deletions": dels, "insertions": ins,
                         "load_s": round(t1 - t0, 2), "transcribe_s": round(t2 - t1, 2),
                         "speed_x_realtime": round(len(audio) / 16000 / (t2 - t1), 2), "language": info.language}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
