"""A long lecture transcribed while it is recorded: is the transcript ready at Stop?

Plays a synthetic lecture (espeak-ng, repeated to the length asked) into the virtual
microphone, records it with Lectern's Recorder with live captions on and the chosen
transcription model transcribing the file as it grows (indexed into the real Chroma
server), stops, and waits for the complete transcript. Then transcribes the finished
file after the fact with the same model and settings, and prints one JSON object:

    python -m bench.bench_live_transcription --minutes 10 [--model base] [--no-captions]

The lecture (about 2.4 min) is played a whole number of times, as close to --minutes as
that allows. With --script reference the lecture is instead the Debian Reference's own prose
(its English chapters' plain paragraphs, read once, in order, by espeak-ng) for --minutes: a
long lecture that never repeats itself, so the transcription after the fact cannot lean on
having heard the same words a few minutes earlier. Figures: transcript_ready_s (Stop to complete transcript; goal < 60 s at any
length), WER of both transcripts against the script (goal: live within 0.01 of after the
fact) and of the live one against the after-the-fact one, dropped_frames (goal 0),
caption lag, and how far behind the live transcript was at worst.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.lecture_text import LECTURE  # noqa: E402
from tests.audio import silence_padded, speech_wav, virtual_microphone  # noqa: E402


def words(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split())


WORDS_PER_MINUTE = 150
REFERENCE = Path("/usr/share/debian-reference")


def reference_prose(n_words: int) -> str:
    """The first ``n_words`` of the Debian Reference's plain English paragraphs, in order.

    Only sentences a lecturer would say: paragraphs with no digits, paths, commands or
    markup symbols (Whisper writes numbers and symbols in ways a word list cannot score)."""
    import html

    out: list[str] = []
    total = 0
    for chapter in sorted(REFERENCE.glob("ch*.en.html")):
        for para in re.findall(r"<p>(.*?)</p>", chapter.read_text(encoding="utf-8"), flags=re.S):
            text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", para)).split())
            if len(text.split()) < 12 or re.search(r"[0-9/\\$_=<>{}\[\]|~*#@`\"]", text):
                continue
            out.append(text)
            total += len(text.split())
            if total >= n_words:
                return "\n\n".join(out)
    if not out:
        raise SystemExit(f"no Debian Reference found in {REFERENCE} (apt-get install debian-reference-en)")
    return "\n\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--model", default="", help="base, tiny.en or a Whisper folder (default: settings)")
    ap.add_argument("--no-captions", action="store_true")
    ap.add_argument("--no-live", action="store_true", help="captions only: the baseline of their lag")
    ap.add_argument("--script", choices=("lecture", "reference"), default="lecture",
                    help="lecture: bench/lecture_text.py repeated; reference: the Debian Reference read once")
    ap.add_argument("--no-compare", action="store_true",
                    help="skip the after-the-fact transcription (a 90-minute file takes base about 15 min more)")
    ap.add_argument("--keep-audio", help="copy the recording (WAV) here, with the live transcript beside it (.txt)")
    args = ap.parse_args()
    seconds = args.minutes * 60

    import jiwer

    from desktop.core import models
    from desktop.core.lectures import segments
    from desktop.core.lectures.captions import LiveCaptioner
    from desktop.core.lectures.live_transcriber import attach
    from desktop.core.lectures.recorder import Recorder
    from desktop.core.lectures.transcribe import decode, load_whisper, model_choice_from, transcribe_array
    from desktop.core.runtime.services import ensure_services
    from desktop.core.storage import settings
    from desktop.core.storage.config import DataPaths
    from desktop.core.storage.db import open_db

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        long = d / "long.wav"
        if args.script == "reference":
            text = reference_prose(int(seconds / 60 * WORDS_PER_MINUTE))
            silence_padded(speech_wav(text, d / "prose.wav", words_per_minute=WORDS_PER_MINUTE), long, 0.5, 1.5)
            script = words(text)
        else:
            one = silence_padded(speech_wav(LECTURE, d / "one.wav"), d / "lecture.wav", 0.5, 1.5)
            one_s = float(subprocess.run(["soxi", "-D", str(one)], capture_output=True, text=True).stdout)
            # Whole repeats only, so the script is a true reference for both transcripts.
            plays = max(1, round(seconds / one_s))
            subprocess.run(["sox", str(one), str(long), "repeat", str(plays - 1)], check=True)
            script = " ".join([words(LECTURE)] * plays)
        paths = DataPaths(d / "data").ensure()
        db = open_db(paths.db)
        choice = model_choice_from(args.model or settings.load(db).transcription_model)
        lags: list[float] = []
        loads: list[float] = []     # the machine's 1-minute load average, each second of the lecture
        behind_max = 0.0
        with ensure_services(paths), virtual_microphone() as mic:
            captioner = None
            if not args.no_captions:
                captioner = LiveCaptioner(16000, lambda c: lags.append(c.lag_s) if c.text else None).start()
                captioner.ready.wait(60)
            rec = Recorder(paths, title="Long lecture", on_block=captioner.feed if captioner else None)
            rec_id = rec.start()
            live = None if args.no_live else attach(rec, model=choice)
            while rec.frames_written == 0:
                time.sleep(0.01)
            player = mic.play(long)
            while rec.running and player.poll() is None:
                time.sleep(1.0)
                loads.append(os.getloadavg()[0])
                behind_max = max(behind_max, live.status().behind_s if live else 0.0)
            time.sleep(2.0)   # the lecture's last words are on disk before Stop
            behind_at_stop = live.status().behind_s if live else 0.0
            result = rec.stop()
            stopped = time.monotonic()
            player.kill()
            if captioner is not None:
                captioner.stop()
            if live is None:
                print(json.dumps({"benchmark": "live_transcription", "live": False,
                                  "minutes": round(result.duration_s / 60, 2),
            "script": args.script, "dropped_frames": result.overflows,
                                  "captions": captioner.stats.summary() if captioner else {}}))
                return
            live.wait()
            ready_s = live.finished_at - stopped if live.finished_at else None
            live_text = " ".join(s.text for s in segments(db, rec_id))
            chunks = db.execute("SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id "
                                "WHERE d.recording_id=?", (rec_id,)).fetchone()[0]
        if args.keep_audio:
            import shutil

            shutil.copyfile(result.path, args.keep_audio)
            Path(args.keep_audio).with_suffix(".txt").write_text(live_text + "\n", encoding="utf-8")
            Path(args.keep_audio).with_suffix(".script.txt").write_text(script + "\n", encoding="utf-8")
        # After the fact: the finished file, the same model and settings, in one go.
        after_text, after_s = None, None
        if not args.no_compare:
            model = load_whisper(models.resolve(models.TRANSCRIPTION, choice))
            t = time.monotonic()
            after, _ = transcribe_array(model, decode(result.path), live.result.get("language") or None
                                        if live.result else None)
            after_text = " ".join(s.text for s in after)
            after_s = time.monotonic() - t
        out = {
            "benchmark": "live_transcription",
            "minutes": round(result.duration_s / 60, 2),
            "script": args.script,
            "model": live.result["model"] if live.result else choice,
            "transcript_ready_s": round(ready_s, 2) if ready_s is not None else None,
            "behind_at_stop_s": round(behind_at_stop, 1),
            "behind_max_s": round(behind_max, 1),
            "windows": len(live.windows),
            "windows_read_again": live.rereads,
            "live_transcribe_busy_s": round(sum(w[2] for w in live.windows), 1),
            "after_the_fact_transcribe_s": round(after_s, 1) if after_s is not None else None,
            "wer_vs_after_the_fact": round(jiwer.wer(words(after_text), words(live_text)), 4) if after_text else None,
            "wer_live_vs_script": round(jiwer.wer(script, words(live_text)), 4),
            "wer_after_the_fact_vs_script": round(jiwer.wer(script, words(after_text)), 4) if after_text else None,
            "words_live": len(words(live_text).split()),
            "words_after_the_fact": len(words(after_text).split()) if after_text else None,
            "chunks_indexed": chunks,
            "dropped_frames": result.overflows,
            "recorder_error": str(result.error) if result.error else "",
            "live_error": live.error,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_avg_mean": round(sum(loads) / len(loads), 2) if loads else None,
            "load_avg_max": round(max(loads), 2) if loads else None,
            "cores": os.cpu_count(),
        }
        if captioner is not None:
            out["captions"] = captioner.stats.summary()
        print(json.dumps(out))


if __name__ == "__main__":
    main()
