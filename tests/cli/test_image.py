"""`omtanke ask --image FILE` for curators: what was read and the answer, as text or JSON."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from tests.cli.test_cli import omtanke
from tests.screenshots.corpus import PRODUCTS, cat, png, zalando

pytestmark = pytest.mark.usefixtures("needs_ocr")


def test_ask_image_json(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    product = next(p for p in PRODUCTS if p.entry == "air-fryer")
    shot.write_bytes(png(zalando(product, "en", random.Random(3))))
    result = omtanke("ask", "--json", "--image", str(shot))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (
        data["answer"]["entry"]["id"] == "air-fryer" and data["reading"]["shop_name"] == "Zalando"
    )
    assert "Air" in data["reading"]["read"] and data["reading"]["nothing_found"] is False


def test_ask_image_without_a_product_and_missing_file(tmp_path: Path) -> None:
    shot = tmp_path / "cat.png"
    shot.write_bytes(png(cat()))
    result = omtanke("ask", "--image", str(shot))
    assert result.returncode == 0 and result.stdout.decode().startswith(
        "nothing product-like found"
    )
    missing = omtanke("ask", "--image", str(tmp_path / "nope.png"))
    assert missing.returncode == 2 and missing.stderr.decode().startswith("omtanke: cannot read ")
