"""Scans made from real PDFs: pages of a Debian documentation manual rendered to images
with poppler, then degraded the way a scanner or a phone degrades them (skew, noise,
grey paper), with the manual's own text layer as the truth to compare OCR against."""
from __future__ import annotations

import subprocess
from pathlib import Path

R_FAQ = Path("/usr/share/doc/r-doc-pdf/manual/R-FAQ.pdf")     # Debian r-doc-pdf (scripts/bootstrap.sh)


def truth(pdf: Path, page: int) -> str:
    import pypdf

    return " ".join((pypdf.PdfReader(str(pdf)).pages[page - 1].extract_text() or "").split())


def render(pdf: Path, page: int, dpi: int, out_dir: Path):
    from PIL import Image

    out = out_dir / f"render-{page}-{dpi}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-gray", "-png",
                    "-singlefile", str(pdf), str(out)], check=True, timeout=120)
    img = Image.open(out.with_suffix(".png"))
    img.load()
    return img


def degrade(img, skew_deg: float = 1.5, noise: float = 20.0, seed: int = 0):
    """Skewed, grey-papered and speckled like a photocopy or a phone photo."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    img = img.convert("L").rotate(skew_deg, resample=Image.BICUBIC, expand=True, fillcolor=255)
    a = np.asarray(img).astype(np.float32) * 0.9 + 12      # grey paper, lower contrast
    a += rng.normal(0, noise, a.shape)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def scanned_page(pdf: Path, page: int, out_dir: Path, dpi: int = 200, **kw):
    return degrade(render(pdf, page, dpi, out_dir), **kw)


def image_pdf(images: list, out: Path, dpi: int = 200) -> Path:
    """A PDF made only of page pictures (no text layer), as a scanner writes it."""
    first, *rest = [i.convert("L") for i in images]
    first.save(out, "PDF", resolution=float(dpi), save_all=True, append_images=rest)
    return out


def char_accuracy(truth_text: str, ocr_text: str) -> float:
    """1 − normalised edit distance over whitespace-normalised text."""
    from rapidfuzz.distance import Levenshtein

    return 1.0 - Levenshtein.normalized_distance(" ".join(truth_text.split()), " ".join(ocr_text.split()))
