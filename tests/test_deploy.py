"""Deployment files keep their promises: Dockerfile, compose.yaml, .env.example, .dockerignore.

Static checks only (no Docker needed): the files are parsed and their invariants asserted.
`scripts/wheel-check.sh` exercises the real install path of the image.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.settings import TOKEN_PATTERN, Settings, load_settings

ROOT = Path(__file__).resolve().parents[1]
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY", re.IGNORECASE)
SETTING_NAMES = sorted(name.upper() for name in Settings.model_fields)
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}


# --- Dockerfile parsing ------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def parse_instructions(text: str) -> list[Instruction]:
    """Every instruction in order; comments dropped, `\\` continuations joined."""
    instructions: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction are ignored by Docker
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer.append(stripped[:-1].strip())
            continue
        buffer.append(stripped)
        joined = " ".join(part for part in buffer if part)
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
        buffer = []
    assert not buffer, "Dockerfile ends inside a continued instruction"
    return instructions


def parse_dockerfile(text: str) -> list[Stage]:
    """Instructions grouped by stage (global ARGs before the first FROM are left out)."""
    stages: list[Stage] = []
    for ins in parse_instructions(text):
        if ins.keyword == "FROM":
            words = [w for w in ins.args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append(ins)
    return stages


def command_words(args: str) -> str:
    """CMD/ENTRYPOINT/RUN arguments as one string, for exec (JSON) and shell form alike."""
    if args.startswith("["):
        import json

        return " ".join(json.loads(args))
    return args


def env_pairs(args: str) -> list[tuple[str, str]]:
    """`ENV a=1 b=2`, legacy `ENV a 1`, and `ARG a=1` / `ARG a` as (name, value) pairs."""
    words = shlex.split(args)
    if len(words) >= 2 and "=" not in words[0]:
        return [(words[0], " ".join(words[1:]))]
    return [(w.partition("=")[0], w.partition("=")[2]) for w in words]


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile((ROOT / "Dockerfile").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_dockerfile_is_multi_stage_on_slim_python(stages: list[Stage]) -> None:
    assert len(stages) >= 2
    names = {s.name for s in stages if s.name}
    for stage in stages:
        if stage.base not in names:
            assert re.fullmatch(
                r"python:3\.11(\.\d+)?-slim(-\w+)?(@sha256:[0-9a-f]{64})?", stage.base
            ), stage.base


def test_final_stage_runs_as_non_root(final: Stage) -> None:
    users = final.all("USER")
    assert users, "the final stage must switch to a non-root USER"
    user = users[-1].args.split(":")[0].strip()
    assert user and user not in {"root", "0"}


def test_final_stage_copies_only_from_the_build_stage(final: Stage) -> None:
    copies = final.all("COPY") + final.all("ADD")
    assert copies, "the final stage should copy the virtualenv from the build stage"
    for ins in copies:
        assert "--from=" in ins.args, (
            f"line {ins.line}: the runtime stage copies from the build context"
        )
        assert "/opt/venv" in ins.args


def test_final_stage_shape(final: Stage) -> None:
    assert any(i.args.split()[0] != "NONE" for i in final.all("HEALTHCHECK")), "HEALTHCHECK missing"
    assert any("8443" in i.args.split() for i in final.all("EXPOSE"))
    assert final.all("WORKDIR")[-1].args == "/data"
    assert any("/data" in i.args for i in final.all("VOLUME"))
    env = {k: v for i in final.all("ENV") for k, v in env_pairs(i.args)}
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"
    assert "/opt/venv/bin" in env.get("PATH", "")


def test_runs_migrations_then_the_bot(final: Stage) -> None:
    starts = [command_words(i.args) for i in final.all("ENTRYPOINT") + final.all("CMD")]
    command = " ".join(starts)
    assert "omtanke run" in command
    if "omtanke db upgrade" in command:
        assert command.index("omtanke db upgrade") < command.index("omtanke run")


def test_no_secrets_baked_in() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for ins in parse_instructions(text):
        if ins.keyword in {"ENV", "ARG"}:
            for name, value in env_pairs(ins.args):
                if SECRET_NAME.search(name):
                    assert not value, f"line {ins.line}: {ins.keyword} {name} has a value"
        if ins.keyword in {"COPY", "ADD"}:
            sources = [w for w in ins.args.split()[:-1] if not w.startswith("--")]
            for src in sources:
                name = Path(src).name
                assert not name.startswith(".env"), f"line {ins.line}: copies {src}"
                assert not name.endswith((".key", ".db", ".pem")), f"line {ins.line}: copies {src}"
    assert not TOKEN_PATTERN.search(text)


def test_parser_sees_through_forms() -> None:
    stages = parse_dockerfile(
        "# c\nFROM python:3.11-slim AS b\nENV A=1 \\\n  B=2\nFROM python:3.11-slim\n"
        'USER app\nCMD ["sh", "-c", "omtanke run"]\n'
    )
    assert [s.name for s in stages] == ["b", None]
    assert env_pairs(stages[0].all("ENV")[0].args) == [("A", "1"), ("B", "2")]
    assert env_pairs("TOKEN abc") == [("TOKEN", "abc")]
    assert command_words(stages[1].all("CMD")[0].args) == "sh -c omtanke run"


# --- .dockerignore -----------------------------------------------------------------------------


def _ignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [ln.strip().rstrip("/") for ln in lines if ln.strip() and not ln.startswith("#")]


def _ignored(path: str, patterns: list[str]) -> bool:
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.lstrip("!").removeprefix("**/")
        if fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(Path(path).name, pat):
            result = not negate
    return result


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    patterns = _ignore_patterns()
    for path in (
        ".env",
        ".venv",
        ".git",
        "tests",
        "bench",
        "omtanke.db",
        "omtanke.db.key",
        "omtanke-spool.jsonl",
    ):
        assert _ignored(path, patterns), f"{path} is not excluded by .dockerignore"


def test_dockerignore_keeps_what_the_build_copies(stages: list[Stage]) -> None:
    patterns = _ignore_patterns()
    for stage in stages:
        for ins in stage.all("COPY"):
            if "--from=" in ins.args:
                continue
            for src in [w for w in ins.args.split()[:-1] if not w.startswith("--")]:
                assert (ROOT / src).exists(), f"line {ins.line}: {src} does not exist"
                assert not _ignored(src.rstrip("/"), patterns), (
                    f"{src} is excluded by .dockerignore"
                )


# --- compose.yaml -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return data


def test_compose_bot_service(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert bot["build"] in (".", {"context": "."}) or bot["build"].get("context") == "."
    env_file = bot["env_file"]
    assert ".env" in (
        [env_file]
        if isinstance(env_file, str)
        else [e if isinstance(e, str) else e["path"] for e in env_file]
    )
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["restart"] == "unless-stopped"
    assert any(str(v).split(":")[1] == "/data" for v in bot["volumes"])
    url = bot["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@db:" in url


def test_compose_db_service(compose: dict[str, Any]) -> None:
    db = compose["services"]["db"]
    assert db["image"].startswith("postgres:16")
    test = db["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    named = {str(v).split(":")[0] for v in db["volumes"]}
    assert named & set(compose["volumes"]), "the database needs a named volume"
    assert "${POSTGRES_PASSWORD" in str(db["environment"]["POSTGRES_PASSWORD"])


def test_compose_holds_no_secret_values(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        env = service.get("environment") or {}
        items = env.items() if isinstance(env, dict) else (e.partition("=")[::2] for e in env)
        for name, value in items:
            if SECRET_NAME.search(name):
                assert str(value).startswith("${"), f"{name} has a literal value in compose.yaml"
    assert not TOKEN_PATTERN.search((ROOT / "compose.yaml").read_text(encoding="utf-8"))


# --- .env.example -------------------------------------------------------------------------------

ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def _env_example() -> tuple[dict[str, str], set[str], list[str]]:
    """(uncommented NAME=value, every NAME assigned even commented out, comment lines)."""
    active: dict[str, str] = {}
    mentioned: set[str] = set()
    comments: list[str] = []
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = ASSIGNMENT.match(line.strip())
        if match:
            mentioned.add(match.group(2))
            if not match.group(1):
                active[match.group(2)] = match.group(3).strip()
        elif line.startswith("#"):
            comments.append(line)
    return active, mentioned, comments


def test_env_example_lists_every_setting() -> None:
    _, mentioned, comments = _env_example()
    missing = [n for n in SETTING_NAMES if n not in mentioned]
    assert not missing, f".env.example lacks {missing}"
    unknown = mentioned - set(SETTING_NAMES) - COMPOSE_ONLY
    assert not unknown, f".env.example names unknown settings {sorted(unknown)}"
    for name in SETTING_NAMES + sorted(COMPOSE_ONLY):
        assert any(re.match(rf"#\s*{name}\b(?!=)", c) for c in comments), (
            f"{name} has no comment line"
        )


def test_env_example_sets_no_secret() -> None:
    active, _, _ = _env_example()
    for name, value in active.items():
        if SECRET_NAME.search(name):
            assert value == "", f"{name} has a value in .env.example"
    assert not TOKEN_PATTERN.search((ROOT / ".env.example").read_text(encoding="utf-8"))


def test_env_example_as_is_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    active, _, _ = _env_example()
    for name in SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in active.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.token is None
    assert settings.knowledge_dir is None


def test_compose_variables_are_in_env_example() -> None:
    _, mentioned, _ = _env_example()
    text = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    assert used <= mentioned, f"compose.yaml uses {sorted(used - mentioned)} not in .env.example"


# --- the wheel ships its data (what the image installs) ----------------------------------------


def test_package_data_covers_non_module_files() -> None:
    """Every file under the packages that is not an importable module is in package-data."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    shipped: set[Path] = set()
    for package, patterns in package_data.items():
        for pattern in patterns:
            shipped.update((ROOT / package.replace(".", "/")).glob(pattern))
    missing = []
    for top in ("bot", "db", "knowledge"):
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            in_package = all(
                (parent / "__init__.py").exists()
                for parent in [path.parent, *path.parent.parents]
                if parent.is_relative_to(ROOT / top)
            )
            if path.suffix == ".py" and in_package:
                continue  # an importable module
            if path not in shipped:
                missing.append(str(path.relative_to(ROOT)))
    assert not missing, f"not in [tool.setuptools.package-data]: {missing[:10]}"
