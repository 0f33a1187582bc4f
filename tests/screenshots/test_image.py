"""Decoding and size limits (no OCR needed), and what `ocr_available` says without tesseract."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.core.ocr import (
    MAX_IMAGE_BYTES,
    MAX_SIDE,
    ImageRejected,
    OcrUnavailable,
    load_image,
    ocr_available,
)
from bot.core.screenshot import ScreenshotReader
from knowledge.matcher import Matcher


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def test_over_ten_megabytes_is_refused_before_decoding() -> None:
    with pytest.raises(ImageRejected) as caught:
        load_image(b"\x89PNG" + bytes(MAX_IMAGE_BYTES))
    assert caught.value.reason == "too_large"


def test_too_many_pixels_is_refused_before_decoding() -> None:
    data = encode(Image.new("1", (6000, 6000)))  # compresses to a few kB
    assert len(data) < MAX_IMAGE_BYTES
    with pytest.raises(ImageRejected) as caught:
        load_image(data)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize(
    "data", [b"", b"hello, not an image", encode(Image.new("RGB", (50, 50)))[:60]]
)
def test_what_is_not_an_image_is_refused(data: bytes) -> None:
    with pytest.raises(ImageRejected) as caught:
        load_image(data)
    assert caught.value.reason == "not_an_image"


def test_a_long_side_over_the_limit_is_scaled_down() -> None:
    gray = load_image(encode(Image.new("RGB", (1000, 5000), "white"), "JPEG"))
    assert gray.mode == "L"
    assert gray.size == (MAX_SIDE // 5, MAX_SIDE)


def test_transparent_pixels_become_white() -> None:
    clear = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    assert load_image(encode(clear)).getextrema() == (255, 255)


def test_without_tesseract_the_reason_says_how_to_enable_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    reason = ocr_available()
    assert reason is not None
    assert "tesseract" in reason
    assert "apt-get install tesseract-ocr tesseract-ocr-dan tesseract-ocr-eng" in reason


async def test_a_reader_without_tesseract_refuses_with_the_reason(matcher: Matcher) -> None:
    reader = ScreenshotReader(check=lambda: "screenshot reading is off: test")
    try:
        assert not reader.available
        with pytest.raises(OcrUnavailable) as caught:
            await reader.read(b"", matcher)
        assert caught.value.reason == "unavailable"
        assert str(caught.value) == "screenshot reading is off: test"
    finally:
        reader.close()
