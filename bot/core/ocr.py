"""Reading text in an image: Tesseract (Danish and English) on a decoded, size-checked image.

The image goes to the `tesseract` program on stdin and the text comes back on stdout: nothing is
written to disk. Images over 10 MB or 25 M pixels are refused before decoding.
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import subprocess
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_IMAGE_BYTES = 10 * 1024 * 1024
"""Larger files are refused before decoding (Telegram photos are well under 1 MB)."""


MAX_PIXELS = 25_000_000
"""Larger images are refused before decoding: a decompression bomb must not fill the memory."""


MAX_SIDE = 4000
"""A longer side is scaled down to this before OCR."""


OCR_TIMEOUT = 30.0
"""Seconds one Tesseract run may take before it is killed (a phone screenshot takes about 1 s)."""


LANGUAGES = ("dan", "eng")


APT_PACKAGES = "tesseract-ocr tesseract-ocr-dan tesseract-ocr-eng"


class ScreenshotError(Exception):
    """A screenshot could not be read; `reason` is a stable code for the reply."""

    reason: str = "error"

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class ImageRejected(ScreenshotError):
    """The file is not an image, or too large to read ("too_large", "not_an_image")."""


class OcrUnavailable(ScreenshotError):
    """Tesseract or its Danish/English data is not installed."""

    reason = "unavailable"


class OcrFailed(ScreenshotError):
    """Tesseract ran but failed or took longer than the timeout."""

    reason = "ocr_failed"


class Busy(ScreenshotError):
    """Too many screenshots are being read already; the user should try again in a minute."""

    reason = "busy"


@dataclass(frozen=True)
class OcrLine:
    """One line of text Tesseract found, with where it is (in the image's pixels)."""

    text: str
    height: int = 0
    """Height of the line box: titles are set larger than the chrome around them."""
    top: int = 0
    left: int = 0
    confidence: float = 100.0


def ocr_available() -> str | None:
    """None when screenshots can be read; otherwise why not and how to enable it (one line)."""
    binary = shutil.which("tesseract")
    if binary is None:
        return (
            "screenshot reading is off: the tesseract program is not installed "
            f"(Debian/Ubuntu: apt-get install {APT_PACKAGES})"
        )
    try:
        proc = subprocess.run(
            [binary, "--list-langs"], capture_output=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"screenshot reading is off: tesseract does not run ({exc})"
    listed = set((proc.stdout + proc.stderr).decode("utf-8", "replace").split())
    missing = [lang for lang in LANGUAGES if lang not in listed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return (
            f"screenshot reading is off: tesseract lacks the language data {', '.join(missing)} "
            f"(Debian/Ubuntu: apt-get install {packages})"
        )
    return None


def load_image(data: bytes) -> Image.Image:
    """Decode an image in memory, upright, grayscale on white; refuse what is too large."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            f"image is {len(data) / 1e6:.1f} MB, over {MAX_IMAGE_BYTES / 1e6:.0f} MB", "too_large"
        )
    try:
        image: Image.Image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageRejected(f"image has too many pixels: {exc}", "too_large") from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ImageRejected(f"not an image: {exc}", "not_an_image") from exc
    try:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise ImageRejected(f"image is {width}x{height} pixels", "too_large")
        # A JPEG decodes at a fraction of its size for free when that is all we keep.
        image.draft("L", (MAX_SIDE, MAX_SIDE))
        image = ImageOps.exif_transpose(image)
        if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
            # Transparent pixels are black underneath; screenshots mean white.
            rgba = image.convert("RGBA")
            canvas = Image.new("RGBA", rgba.size, "white")
            canvas.alpha_composite(rgba)
            image = canvas
        gray = image.convert("L")
    except ImageRejected:
        raise
    except (OSError, ValueError) as exc:  # truncated or corrupt data
        raise ImageRejected(f"not an image: {exc}", "not_an_image") from exc
    if max(gray.size) > MAX_SIDE:
        gray.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return gray


def ocr_lines(data: bytes, *, timeout: float = OCR_TIMEOUT) -> list[OcrLine]:
    """The lines of text in an image, top to bottom (runs Tesseract; needs `ocr_available()`)."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise OcrUnavailable("the tesseract program is not installed")
    # Plain grayscale: Tesseract binarises itself. Thresholding, un-inverting coloured bars and
    # upscaling were measured on the corpus and cost CPU without a single extra right answer
    # (thresholding a small photo even lost seven of 36), so none of them is done.
    gray = load_image(data)
    buffer = io.BytesIO()
    gray.save(buffer, "PPM")  # uncompressed: the cheapest way through the pipe
    # --psm 11 (sparse text) finds the scattered short texts of an app screen that the default
    # page layout drops. One thread per run: the pool, not OpenMP, decides how many cores work.
    command = [binary, "stdin", "stdout", "-l", "+".join(LANGUAGES), "--psm", "11", "tsv"]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        proc = subprocess.run(
            command, input=buffer.getvalue(), capture_output=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired as exc:
        raise OcrFailed(f"tesseract took over {timeout:.0f} s") from exc
    except OSError as exc:
        raise OcrUnavailable(f"tesseract does not run: {exc}") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise OcrFailed(f"tesseract failed: {' '.join(message) or proc.returncode}")
    return parse_tsv(proc.stdout.decode("utf-8", "replace"))


def parse_tsv(tsv: str) -> list[OcrLine]:
    """Group Tesseract's TSV words into lines, sorted top to bottom, left to right."""
    lines: dict[tuple[str, str, str, str], list[list[str]]] = {}
    boxes: dict[tuple[str, str, str, str], tuple[int, int, int]] = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12:
            continue
        key = (cols[1], cols[2], cols[3], cols[4])
        if cols[0] == "4":
            boxes[key] = (int(cols[7]), int(cols[6]), int(cols[9]))
        elif cols[0] == "5" and cols[11].strip():
            lines.setdefault(key, []).append(cols)
    out: list[OcrLine] = []
    for key, words in lines.items():
        top, left, height = boxes.get(key, (int(words[0][7]), int(words[0][6]), int(words[0][9])))
        confidences = [float(w[10]) for w in words if float(w[10]) >= 0]
        text = " ".join(w[11].strip() for w in words)
        confidence = statistics.fmean(confidences) if confidences else 0.0
        out.append(OcrLine(text, height, top, left, confidence))
    out.sort(key=lambda line: (line.top, line.left))
    return out
