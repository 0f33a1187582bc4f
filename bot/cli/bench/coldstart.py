"""Cold start to the first answer, and the peak memory of that process.

A fresh interpreter does what `omtanke chat` does before its first answer – settings, migrations
on a new SQLite file, services (knowledge base, matcher, writer), one question answered and
logged – and reports the moment of the answer; the clock starts just before the spawn. It runs
twice on the same cache folder: the first start ever (empty KNOWLEDGE_CACHE_DIR, which it fills)
and a restart (the usual case, the figure compared with the goal). The reference is the
interpreter importing python-telegram-bot and nothing else. Memory is each process's own peak
(VmHWM), reported by itself.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.cli.bench.common import emit, peak_rss_mb, run_child

QUESTION = "skal jeg købe en stanley cup?"
REFERENCE = (
    "import telegram, json, re, pathlib\n"
    "hwm = re.search(r'VmHWM:\\s+(\\d+)', pathlib.Path('/proc/self/status').read_text())\n"
    "print(json.dumps({'rss_mb': int(hwm.group(1)) / 1024}))"
)


async def _first_answer(folder: Path, knowledge_dir: str | None, db: str) -> dict[str, Any]:
    # Imported here: the import time is part of what a cold start costs.
    from bot.core.conversation import Conversation
    from bot.core.services import close_services, open_services
    from bot.core.settings import load_settings
    from db.migrate import upgrade

    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{folder / db}",
        spool_path=folder / f"{db}.spool.jsonl",
        knowledge_cache_dir=folder / "cache",
        omtanke_secret="omtanke-bench-cold-start",
        knowledge_dir=knowledge_dir or None,
        watch_knowledge=False,
    )
    await upgrade(settings.database_url)
    services = await open_services(settings)
    conversation = Conversation(services)
    who = await conversation.identify(0, app_lang="da")
    reply = conversation.ask(who, QUESTION, chat_type="terminal")
    answered = time.time()
    await close_services(services)
    return {"answered_at": answered, "kind": reply.kind, "rss_mb": peak_rss_mb()}


def run(knowledge_dir: Path | None) -> dict[str, Any]:
    """Cold start and peak RSS of the first answer, against `python -c "import telegram"`."""
    with tempfile.TemporaryDirectory(prefix="omtanke-bench-") as tmp:
        first_ever = run_child(["-m", __name__, tmp, str(knowledge_dir or ""), "first.db"])
        child = run_child(["-m", __name__, tmp, str(knowledge_dir or ""), "restart.db"])
    ref = run_child(["-c", REFERENCE])
    first = child.result["answered_at"] - child.spawned
    return {
        "first_answer_s": round(first, 3),
        "first_ever_s": round(first_ever.result["answered_at"] - first_ever.spawned, 3),
        "process_s": round(child.seconds, 3),
        "max_rss_mb": round(child.result["rss_mb"], 1),
        "answer_kind": child.result["kind"],
        "reference_s": round(ref.seconds, 3),
        "reference_rss_mb": round(ref.result["rss_mb"], 1),
        "time_ratio": round(first / ref.seconds, 2),
        "rss_ratio": round(child.result["rss_mb"] / ref.result["rss_mb"], 2),
    }


if __name__ == "__main__":
    emit(asyncio.run(_first_answer(Path(sys.argv[1]), sys.argv[2], sys.argv[3])))
