"""`omtanke stats --html`: a self-contained page, escaped, that a real browser renders with its
chart (headless Chromium; skipped locally without it, required in CI where `.ci/run` installs it).
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.core.chart import render_chart
from bot.core.report_html import report_html
from bot.core.stats import build_report
from db import repo
from tests.admin.data import NOW, VERDICT_OF, fill, q
from tests.admin.test_stats import _cli_database, _run_cli

HOSTILE = '<script>alert("x")</script> pastamaskine & "quotes"'
CHART_GREEN = (0x2E, 0x7D, 0x32)  # the "answered" bars
CHART_RED = (0xC6, 0x28, 0x28)  # the "unanswered" bars


async def _report_page(sessionmaker: Any) -> str:
    await fill(sessionmaker)
    async with sessionmaker.begin() as session:
        await repo.add_questions(session, rows=[q("fallback", HOSTILE, "u9")])
    report = await build_report(sessionmaker, 30, verdict_of=VERDICT_OF, now=NOW)
    titles = {"coffee-capsules": "Coffee <capsules>"}
    return report_html(report, render_chart(report, "en"), titles, generated=NOW)


async def test_the_page_is_self_contained_and_escaped(sessionmaker: Any) -> None:
    page = await _report_page(sessionmaker)
    assert page.startswith("<!DOCTYPE html>")
    # Nothing to fetch: one inline PNG, no scripts, no external links or style sheets.
    sources = re.findall(r'src="([^"]*)"', page)
    assert len(sources) == 1 and sources[0].startswith("data:image/png;base64,")
    png = base64.b64decode(sources[0].removeprefix("data:image/png;base64,"))
    assert png.startswith(b"\x89PNG")
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "<link" not in page
    # Everything from users and curators is escaped.
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; pastamaskine &amp; &quot;quotes&quot;"
        in page
    )
    assert "Coffee &lt;capsules&gt;" in page
    # The figures, the 30-day rule, the verdicts and both worklist sections are there.
    for row in (
        '<tr><td>questions</td><td class="n">22</td></tr>',
        '<tr><td>answered “passed” (not bought)</td><td class="n">2</td></tr>',
        '<tr><td>think_twice</td><td class="n">2</td><td class="n">3</td><td>40%</td></tr>',
        '<tr><td>Coffee &lt;capsules&gt;</td><td>coffee-capsules</td><td class="n">4</td></tr>',
        # The hostile question names a pasta machine too: it joins that group.
        "Unanswered questions by product (2 groups from 10 questions)",
        '<td class="n">5</td><td class="n">5</td><td>elektrisk pastamaskine til frisk pasta',
        '<tr><td class="n">2</td><td>god pastamaskine?</td><td>coffee-capsules</td>'
        "<td>👎 2, not meant 1, score 86</td></tr>",
    ):
        assert row in page, row


async def test_cli_writes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _cli_database(tmp_path, monkeypatch)
    target = tmp_path / "report.html"
    assert await _run_cli(["stats", "--html", str(target)]) == 0
    captured = capsys.readouterr()
    assert f"report written to {target}" in captured.err
    page = target.read_text(encoding="utf-8")
    assert "<h1>Omtanke – the last 30 days</h1>" in page and "data:image/png;base64," in page
    assert await _run_cli(["stats", "--html", str(tmp_path / "nope" / "r.html")]) == 2
    assert "folder" in capsys.readouterr().err


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing (CI is set: .ci/run installs it)")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return found


async def test_chromium_renders_the_report_with_its_chart(
    sessionmaker: Any, tmp_path: Path
) -> None:
    from PIL import Image

    chromium = _chromium()
    page = tmp_path / "report.html"
    page.write_text(await _report_page(sessionmaker), encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = await asyncio.create_subprocess_exec(
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1200,2000",
        page.as_uri(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode == 0 and shot.is_file(), err.decode(errors="replace")[-2000:]
    image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB")
    assert image.size == (1200, 2000)
    colors = image.getcolors(maxcolors=1 << 24) or []
    count = {rgb: n for n, rgb in colors}
    non_white = sum(n for n, rgb in colors if min(rgb) < 240)
    # The page is not blank, and the chart is on it: its green and red bars are there.
    assert non_white > 0.02 * 1200 * 2000
    assert count.get(CHART_GREEN, 0) > 2000 and count.get(CHART_RED, 0) > 500
