"""Load and validate the knowledge base; every problem is reported as `path:line: message`."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from rapidfuzz import process

from knowledge.schema import Category, Entry, EntryRecord, Tip
from knowledge.text import FILLER_WORDS, fold

Severity = Literal["error", "warning"]

STALE_AFTER_DAYS = 548  # 18 months
CRITIQUE_MAX_CHARS = 600
CATEGORIES_FILE = "_categories.yaml"
TIPS_FILE = "_tips.yaml"
DEFAULT_DIR = Path(__file__).resolve().parent / "entries"

YamlPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about one file, at one line."""

    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.path}:{self.line}: {tag}{self.message}"


@dataclass
class KnowledgeBase:
    """A validated, immutable snapshot of all entries."""

    root: Path
    entries: dict[str, EntryRecord]
    categories: dict[str, Category]
    tips: list[Tip]
    version: str

    def get(self, entry_id: str) -> EntryRecord | None:
        """The entry with this id, or None."""
        return self.entries.get(entry_id)

    def in_category(self, category: str, lang: str = "da") -> list[EntryRecord]:
        """Entries of one category, sorted by title in `lang`."""
        rows = [r for r in self.entries.values() if r.category == category]
        return sorted(rows, key=lambda r: fold(r.entry.title.get(lang)))

    def category_ids(self) -> list[str]:
        """Categories that have entries, in display order."""
        used = {r.category for r in self.entries.values()}
        return sorted(used, key=lambda c: (self.category(c).order, c))

    def category(self, category_id: str) -> Category:
        """Display names of a category (the folder name when it has none)."""
        return self.categories.get(category_id) or Category(da=category_id, en=category_id)


@dataclass
class LoadReport:
    """The outcome of a load: the knowledge base (None when there were errors) and problems."""

    kb: KnowledgeBase | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the knowledge base from being served."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems a curator should fix, but that do not stop serving."""
        return [p for p in self.problems if p.severity == "warning"]


class _Problems:
    """Collects problems for one load, with paths shown as a curator would click them."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: Path, line: int, message: str, severity: Severity = "error") -> None:
        self.items.append(Problem(display_path(path), max(line, 1), message, severity))


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is below it, else absolute."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):
        return str(path)


# --- YAML with line numbers and duplicate-key detection --------------------------------------


class _YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _parse_yaml(text: str) -> tuple[Any, dict[YamlPath, int]]:
    """Parse one YAML document into plain data plus a map from key path to line number."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[YamlPath, int] = {}
        data = _convert(loader, node, (), lines)
        return data, lines
    finally:
        loader.dispose()


def _convert(
    loader: yaml.SafeLoader, node: yaml.Node, path: YamlPath, lines: dict[YamlPath, int]
) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | bool | float | dt.date) or key is None:
                raise _YamlProblem(line, "a key must be a plain word")
            if key in seen:
                raise _YamlProblem(
                    line, f"duplicate key '{key}' (first defined on line {seen[key]})"
                )
            seen[key] = line
            child = (*path, str(key))
            lines[child] = line
            result[key] = _convert(loader, value_node, child, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _read_yaml(path: Path, problems: _Problems) -> tuple[Any, dict[YamlPath, int]] | None:
    """Read a YAML file; report unreadable, binary, empty or malformed files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.add(path, 1, f"cannot read the file: {exc.strerror or exc}")
        return None
    if b"\x00" in raw:
        problems.add(path, 1, "this is not a text file (it contains binary data)")
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.add(path, line, "the file is not valid UTF-8 text (save it as UTF-8)")
        return None
    if not text.strip():
        problems.add(path, 1, "the file is empty")
        return None
    try:
        data, lines = _parse_yaml(text)
    except _YamlProblem as exc:
        problems.add(path, exc.line, exc.message)
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = exc.problem or exc.context or "invalid YAML"
        problems.add(path, line, f"YAML syntax error: {what}")
        return None
    except yaml.YAMLError as exc:
        problems.add(path, 1, f"YAML syntax error: {exc}")
        return None
    if data is None:
        problems.add(path, 1, "the file is empty (only comments)")
        return None
    return data, lines


# --- pydantic errors in plain words ------------------------------------------------------------


def _loc_text(loc: Iterable[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_for(loc: tuple[str | int, ...], lines: dict[YamlPath, int]) -> int:
    key: YamlPath = tuple(p if isinstance(p, int) else str(p) for p in loc)
    while key:
        if key in lines:
            return lines[key]
        key = key[:-1]
    return lines.get((), 1)


_LANG_NAMES = {"da": "Danish", "en": "English"}


def _plain(error: ErrorDetails, model: type[BaseModel]) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    where = _loc_text(loc)
    kind = error["type"]
    value = error.get("input")
    if kind == "missing":
        name = str(loc[-1]) if loc else "?"
        parent = _loc_text(loc[:-1])
        if name in _LANG_NAMES:
            return f"{parent}: the {_LANG_NAMES[name]} text ('{name}') is missing"
        return f"missing field '{where}'"
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else "?"
        hint = ""
        if len(loc) == 1:
            best = process.extractOne(name, list(model.model_fields), score_cutoff=70)
            if best:
                hint = f" (did you mean '{best[0]}'?)"
        return f"unknown field '{where}'{hint}"
    if kind == "string_type":
        return f"{where}: expected text, got {_describe(value)}"
    if kind == "string_too_short":
        return f"{where}: must not be empty"
    if kind in {"enum", "literal_error"}:
        expected = error.get("ctx", {}).get("expected", "")
        return f"{where}: '{value}' is not allowed; use one of {expected}"
    if kind == "string_pattern_mismatch":
        if "url" in where:
            return f"{where}: '{value}' is not a web address (http:// or https://)"
        return f"{where}: '{value}' is not a valid id (lowercase letters, digits and dashes)"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{where}: expected a date like 2026-01-31, got {_describe(value)}"
    if kind in {"list_type", "tuple_type"}:
        return f"{where}: expected a list, got {_describe(value)}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"{where}: expected a mapping (key: value lines), got {_describe(value)}"
    if kind == "too_short":
        return f"{where}: {error['msg'].lower()}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"{where}: expected a whole number, got {_describe(value)}"
    if kind == "value_error":
        msg = error["msg"].removeprefix("Value error, ")
        return f"{where}: {msg}" if where else msg
    return f"{where}: {error['msg']}" if where else error["msg"]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"yes/no ({str(value).lower()}) — put the text in quotes"
    if isinstance(value, str):
        return f"'{value[:40]}'"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


def _validate(
    model: type[BaseModel], data: Any, lines: dict[YamlPath, int], path: Path, problems: _Problems
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            problems.add(path, _line_for(tuple(error["loc"]), lines), _plain(error, model))
        return None


# --- the whole knowledge base ------------------------------------------------------------------


def entry_aliases(entry: Entry) -> list[tuple[str, str]]:
    """(language, alias) pairs an entry answers to: its titles and its aliases."""
    pairs = [("da", entry.title.da), ("en", entry.title.en)]
    pairs += [("da", a) for a in entry.aliases.da] + [("en", a) for a in entry.aliases.en]
    return pairs


STRICT_PREFIX = "="
"""An alias written `=coach` only answers when it is the whole question (an everyday word)."""


def is_strict(alias: str) -> bool:
    """True for an alias that must be the whole question (written with a leading '=')."""
    return alias.lstrip().startswith(STRICT_PREFIX)


def alias_text(alias: str) -> str:
    """The alias as people type it (without the strict marker)."""
    return alias.lstrip().removeprefix(STRICT_PREFIX).strip()


def alias_key(alias: str) -> str:
    """The form in which aliases are compared: folded, fillers dropped, without spaces."""
    words = fold(alias_text(alias)).split()
    content = [w for w in words if w not in FILLER_WORDS]
    return "".join(content or words)


def load_knowledge_base(
    root: Path | str | None = None, *, today: dt.date | None = None
) -> LoadReport:
    """Load, validate and index every entry below `root`; collect all problems."""
    root = Path(root) if root is not None else DEFAULT_DIR
    today = today or dt.date.today()
    problems = _Problems()
    if not root.is_dir():
        problems.add(root, 1, "the knowledge directory does not exist")
        return LoadReport(None, problems.items)

    categories = _load_categories(root, problems)
    tips = _load_tips(root, problems)
    records: dict[str, EntryRecord] = {}
    lines_by_id: dict[str, dict[YamlPath, int]] = {}
    digest = hashlib.sha256()

    for path in sorted(root.rglob("*")):
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        rel = path.relative_to(root)
        if len(rel.parts) > 1 and rel.parts[0].startswith("_"):
            continue  # `_cards/` and other `_`-folders hold other data (knowledge.cards)
        if path.suffix == ".yml":
            problems.add(path, 1, "use the .yaml extension (this file is not loaded)")
            continue
        if path.suffix != ".yaml":
            continue
        if len(rel.parts) == 1:
            if path.name not in {CATEGORIES_FILE, TIPS_FILE}:
                problems.add(path, 1, "entries belong in a category folder: <category>/<id>.yaml")
            continue
        if len(rel.parts) > 2:
            problems.add(
                path, 1, "entries belong directly in a category folder: <category>/<id>.yaml"
            )
            continue
        category, entry_id = rel.parts[0], path.stem
        parsed = _read_yaml(path, problems)
        if parsed is None:
            continue
        data, lines = parsed
        digest.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
        if not isinstance(data, dict):
            problems.add(path, 1, f"an entry must be a mapping of fields, not {_describe(data)}")
            continue
        declared = data.pop("id", None)
        if declared is not None and declared != entry_id:
            problems.add(
                path,
                lines.get(("id",), 1),
                f"id '{declared}' differs from the file name '{entry_id}' (the file name is the id)",
            )
        entry = _validate(Entry, data, lines, path, problems)
        if not _valid_id(entry_id):
            problems.add(
                path,
                1,
                f"file name '{path.name}' is not a valid id: use lowercase letters, digits and dashes",
            )
            continue
        if entry_id in records:
            problems.add(path, 1, f"duplicate id '{entry_id}': also {records[entry_id].path}")
            continue
        if category not in categories and categories:
            problems.add(
                path,
                1,
                f"category folder '{category}' has no display name in {CATEGORIES_FILE}",
                "warning",
            )
        if entry is None:
            continue
        records[entry_id] = EntryRecord(
            id=entry_id, category=category, entry=entry, path=display_path(path)
        )
        lines_by_id[entry_id] = lines
        _entry_warnings(entry, lines, path, problems, today)

    _cross_checks(records, lines_by_id, problems)
    items = sorted(set(problems.items), key=lambda p: (p.path, p.line, p.message))
    if any(p.severity == "error" for p in items):
        return LoadReport(None, items)
    kb = KnowledgeBase(
        root=root,
        entries=records,
        categories=categories,
        tips=tips,
        version=digest.hexdigest()[:12],
    )
    return LoadReport(kb, items)


def _valid_id(entry_id: str) -> bool:
    import re

    return re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", entry_id) is not None


def _load_categories(root: Path, problems: _Problems) -> dict[str, Category]:
    path = root / CATEGORIES_FILE
    if not path.exists():
        return {}
    parsed = _read_yaml(path, problems)
    if parsed is None:
        return {}
    data, lines = parsed
    if not isinstance(data, dict):
        problems.add(path, 1, "expected a mapping: <folder>: {da: …, en: …}")
        return {}
    out: dict[str, Category] = {}
    for key, value in data.items():
        sub = {p[1:]: line for p, line in lines.items() if p[:1] == (str(key),)}
        cat = _validate(Category, value, sub or {(): lines.get((str(key),), 1)}, path, problems)
        if cat is not None:
            out[str(key)] = cat
    return out


def _load_tips(root: Path, problems: _Problems) -> list[Tip]:
    path = root / TIPS_FILE
    if not path.exists():
        return []
    parsed = _read_yaml(path, problems)
    if parsed is None:
        return []
    data, lines = parsed
    if not isinstance(data, dict) or not isinstance(data.get("tips"), list):
        problems.add(path, 1, "expected 'tips:' followed by a list of {da: …, en: …}")
        return []
    tips: list[Tip] = []
    for i, item in enumerate(data["tips"]):
        sub = {p[2:]: line for p, line in lines.items() if p[:2] == ("tips", i)}
        tip = _validate(Tip, item, sub, path, problems)
        if tip is not None:
            tips.append(tip)
    return tips


def _entry_warnings(
    entry: Entry, lines: dict[YamlPath, int], path: Path, problems: _Problems, today: dt.date
) -> None:
    age = (today - entry.reviewed).days
    if age > STALE_AFTER_DAYS:
        problems.add(
            path,
            lines.get(("reviewed",), 1),
            f"reviewed {entry.reviewed.isoformat()}, more than 18 months ago: check the facts",
            "warning",
        )
    elif age < 0:
        problems.add(path, lines.get(("reviewed",), 1), "review date is in the future", "warning")
    for lang in ("da", "en"):
        text = entry.critique.get(lang)
        if len(text) > CRITIQUE_MAX_CHARS:
            problems.add(
                path,
                lines.get(("critique", lang), 1),
                f"critique.{lang} is {len(text)} characters; keep it under {CRITIQUE_MAX_CHARS} "
                "so it fits a phone screen",
                "warning",
            )
    for i, source in enumerate(entry.sources):
        if source.year is None:
            problems.add(
                path,
                lines.get(("sources", i), 1),
                f"source '{source.title}' has no year",
                "warning",
            )
    for lang in ("da", "en"):
        for i, alias in enumerate(getattr(entry.aliases, lang)):
            words = fold(alias).split()
            if words and all(w in FILLER_WORDS for w in words):
                problems.add(
                    path,
                    lines.get(("aliases", lang, i), 1),
                    f"alias '{alias}' is only question filler words and would never match",
                    "warning",
                )


def _cross_checks(
    records: dict[str, EntryRecord],
    lines_by_id: dict[str, dict[YamlPath, int]],
    problems: _Problems,
) -> None:
    owner: dict[str, tuple[str, str, int]] = {}
    for entry_id, record in records.items():
        lines = lines_by_id[entry_id]
        path = Path(record.path)
        entry = record.entry
        for key_path, alias in _alias_positions(entry):
            key = alias_key(alias)
            if not key:
                continue
            line = lines.get(key_path, 1)
            if key in owner and owner[key][0] != entry_id:
                other_id, other_path, other_line = owner[key]
                problems.add(
                    path,
                    line,
                    f"alias '{alias}' is also used by '{other_id}' ({other_path}:{other_line})",
                )
            else:
                owner.setdefault(key, (entry_id, record.path, line))
        for i, related in enumerate(entry.related):
            line = lines.get(("related", i), lines.get(("related",), 1))
            if related == entry_id:
                problems.add(path, line, "related lists the entry itself")
            elif related not in records:
                problems.add(path, line, f"related entry '{related}' does not exist")


def _alias_positions(entry: Entry) -> list[tuple[YamlPath, str]]:
    out: list[tuple[YamlPath, str]] = [
        (("title", "da"), entry.title.da),
        (("title", "en"), entry.title.en),
    ]
    for lang in ("da", "en"):
        out += [(("aliases", lang, i), a) for i, a in enumerate(getattr(entry.aliases, lang))]
    return out
