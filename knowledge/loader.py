"""Load and validate the knowledge base; every problem is reported as `path:line: message`.

Knowledge files cannot hurt the process: whatever lies in the folder, loading
returns a report (never raises) within about a second, in bounded memory.

* A file is read only if it is a regular file of at most `MAX_FILE_BYTES`
  (256 KB) -- never a pipe or device, which could block forever.
* YAML anchors and aliases (`&name`, `*name`) are refused, so no "billion
  laughs"; nesting deeper than `MAX_NESTING` (20) levels is refused before
  the parser recurses, and so is a file of more than `MAX_NODES` (10,000)
  values; only plain YAML types are built (no tags that run code). libyaml
  parses when present (PyYAML's wheels include it), Python's parser otherwise.
  A file of at most 64 KB without `&` or `*` is composed by libyaml alone (it
  cannot hold anchors) and checked for nesting and size after; a file where
  that path meets anything unusual is parsed again the guarded way, so the
  data and every message are the same whichever path ran.
* Entry files whose bytes did not change since `previous` or the disk cache
  are not parsed again (`knowledge.parsecache`); a load with a cache reports
  exactly what a load without it reports.
* A file reports at most `MAX_PROBLEMS_PER_FILE` (20) problems, then a count.
* Symlinks must stay inside the knowledge folder; loops, broken links and a
  folder reached twice are reported. Unreadable folders and files are errors
  with their path (an entry that silently disappears would be worse).
* Anything unexpected while loading one file becomes an error on that file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from rapidfuzz import process

from knowledge.gcpause import collector_paused
from knowledge.parsecache import Finding, ParsedFile, file_key, read_cache, write_cache
from knowledge.schema import ENTRY_ID_PATTERN, Category, Entry, EntryRecord, Tip
from knowledge.text import FILLER_WORDS, fold

Severity = Literal["error", "warning"]

STALE_AFTER_DAYS = 548  # 18 months
CRITIQUE_MAX_CHARS = 600
CATEGORIES_FILE = "_categories.yaml"
TIPS_FILE = "_tips.yaml"
TOPICS_FILE = "_topics.yaml"
"""The topic list (`A01: "Temu"`, …) that the entries' `topics:` ids refer to (optional)."""
DEFAULT_DIR = Path(__file__).resolve().parent / "entries"
MAX_FILE_BYTES = 256 * 1024  # an entry is a page of text; the longest is under 8 KB
MAX_NESTING = 20  # mapping/list levels in one file; an entry needs 4
MAX_NODES = 10_000  # texts, lists and mappings in one file; an entry has about 100
MAX_FOLDER_DEPTH = 8  # folders below the root that are searched for misplaced files
MAX_PROBLEMS_PER_FILE = 20  # more are summed up in one line (a garbage file gives thousands)

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
    entry_files: int = 0
    """Entry files found (valid or not), for a curator's summary."""
    parsed: dict[str, ParsedFile] = field(default_factory=dict, repr=False, compare=False)
    """What each entry file's bytes gave, by file key: pass the report as `previous`."""
    parsed_files: int = 0
    """Entry files parsed by this load (the others came from `previous` or the disk cache)."""

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
        self._count: dict[Path, int] = {}
        self._more: dict[Path, int] = {}
        self.display = _Display()

    def add(self, path: Path, line: int, message: str, severity: Severity = "error") -> None:
        if self.full(path):
            self._more[path] = self._more.get(path, 0) + 1
            return
        self._count[path] = self._count.get(path, 0) + 1
        self.items.append(Problem(self.display(path), max(line, 1), message, severity))

    def full(self, path: Path) -> bool:
        """True once a file has `MAX_PROBLEMS_PER_FILE` problems: more are only counted."""
        return self._count.get(path, 0) >= MAX_PROBLEMS_PER_FILE

    def finish(self) -> list[Problem]:
        """The problems, sorted, each file's overflow summed up in one line."""
        for path, more in self._more.items():
            self.items.append(
                Problem(self.display(path), 1, f"… and {more} more problems in this file")
            )
        self._more.clear()
        return sorted(set(self.items), key=lambda p: (p.path, p.line, p.message))


class _Findings(_Problems):
    """The problems of one file's bytes, as (line, message), before the file has a name."""

    def __init__(self, limit: int | None = MAX_PROBLEMS_PER_FILE) -> None:
        super().__init__()
        self.found: list[Finding] = []
        self.more = 0
        self.limit = limit

    def add(self, path: Path, line: int, message: str, severity: Severity = "error") -> None:
        if self.full(path):
            self.more += 1
        else:
            self.found.append((max(line, 1), message))

    def full(self, path: Path) -> bool:
        return self.limit is not None and len(self.found) >= self.limit


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is below it, else absolute."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return str(path)


class _Display:
    """`display_path` for many files: each folder is resolved once, not each file in it."""

    def __init__(self) -> None:
        self._folders: dict[str, tuple[Path, Path, str | None] | None] = {}

    def __call__(self, path: Path) -> str:
        folder, name = os.path.split(str(path))
        if folder not in self._folders:
            self._folders[folder] = _resolved(Path(folder)) if folder and name else None
        known = self._folders[folder]
        if known is None or os.path.islink(path):  # a link may lead elsewhere: resolve it
            return display_path(path)
        real, cwd, shown = known
        if shown is not None:  # below the working directory, and so is everything in it
            return name if shown == "." else os.path.join(shown, name)
        return display_path(path) if real / name == cwd else str(path)


def _resolved(folder: Path) -> tuple[Path, Path, str | None] | None:
    """(real path, working directory, relative path if below it) of a folder; None if unknown."""
    try:
        real, cwd = folder.resolve(), Path.cwd()
        return real, cwd, os.path.relpath(folder) if real.is_relative_to(cwd) else None
    except (OSError, ValueError, RuntimeError):
        return None


# --- YAML with line numbers and duplicate-key detection --------------------------------------


class _YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


_NESTED = f"nested more than {MAX_NESTING} levels deep; an entry needs at most 4"
_NO_ANCHORS = (
    "anchors (&name) and aliases (*name) are not allowed in knowledge files; "
    "write the text out in full"
)


class _Guard(yaml.composer.Composer):
    """A composer that refuses anchors, aliases and deep nesting.

    Refusing while composing keeps a shared (or recursive) node graph from ever
    being built -- no "billion laughs" -- and recursion far from Python's limit.
    """

    _depth = 0
    _nodes = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: Any = self.peek_event()  # type: ignore[attr-defined]
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            raise _YamlProblem(line, f"'*{event.anchor}' repeats an anchor: {_NO_ANCHORS}")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _YamlProblem(line, f"'&{anchor}' defines an anchor: {_NO_ANCHORS}")
        if self._depth >= MAX_NESTING:
            raise _YamlProblem(line, _NESTED)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _YamlProblem(
                line, f"more than {MAX_NODES:,} values in one file; an entry has about 100"
            )
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        return node


class _GuardedLoader(_Guard, yaml.SafeLoader):
    """The pure-Python parser with the guarded composer (when libyaml is missing)."""

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        # The scanner reads up to 1,024 characters ahead for a possible key, and
        # each open bracket adds one to check on every token: stop it early.
        if self.flow_level >= MAX_NESTING:
            raise _YamlProblem(self.get_mark().line + 1, _NESTED)
        super().fetch_flow_collection_start(token_class)


_CSafeLoader: Any = getattr(yaml, "CSafeLoader", None)

if _CSafeLoader is not None:

    class _GuardedCLoader(_Guard, _CSafeLoader):  # type: ignore[misc]
        """libyaml's parser (about 20 times faster) feeding the guarded Python composer."""

        def __init__(self, stream: str) -> None:
            _CSafeLoader.__init__(self, stream)
            self.anchors = {}

    _LOADER: type[Any] = _GuardedCLoader
else:  # pragma: no cover - PyYAML wheels ship libyaml
    _LOADER = _GuardedLoader


def _parse_yaml(text: str) -> tuple[Any, dict[YamlPath, int]]:
    """Parse one YAML document into plain data plus a map from key path to line number."""
    if _CSafeLoader is not None and len(text) <= _FAST_MAX_CHARS and not _MARKERS & set(text):
        try:
            return _parse_with(_CSafeLoader, text, fast=True)
        except Exception:  # anything unusual: the guarded parser finds it and words it
            pass
    return _parse_with(_LOADER, text, fast=False)


# Without anchor or alias markers, libyaml's own composer (in C) builds the same nodes as the
# guarded one, about ten times faster; `_convert` then checks nesting and size (`_Retry`).
_MARKERS = frozenset("&*")
_FAST_MAX_CHARS = 64 * 1024  # keeps the nodes of a hostile file to a few MB


class _Retry(Exception):
    """Met by the fast path where only the guarded parser gives the exact problem."""


def _parse_with(
    loader_class: type[Any], text: str, *, fast: bool
) -> tuple[Any, dict[YamlPath, int]]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines: dict[YamlPath, int] = {}
        data = _Converter(loader, lines, fast=fast).convert(node, (), 0)
        return data, lines
    finally:
        loader.dispose()


_PLAIN_TAGS = frozenset({"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_STR_TAG = "tag:yaml.org,2002:str"


class _Converter:
    """Builds plain data from composed nodes, noting the line of every key path."""

    def __init__(self, loader: Any, lines: dict[YamlPath, int], *, fast: bool) -> None:
        self.loader = loader
        self.lines = lines
        self.fast = fast
        self.nodes = 0

    def convert(self, node: yaml.Node, path: YamlPath, depth: int) -> Any:
        self.nodes += 1
        if self.fast and (depth >= MAX_NESTING or self.nodes > MAX_NODES):
            raise _Retry  # the guarded composer stops such files before they are built
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR_TAG:  # what the constructor would return, without its bookkeeping
                return node.value
            return self.loader.construct_object(node, deep=True)
        if node.tag not in _PLAIN_TAGS:
            # A scalar's tag is checked by the constructor; these we build ourselves.
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _YamlProblem(
                node.start_mark.line + 1,
                f"YAML syntax error: the tag {tag} is not allowed: knowledge files hold only "
                "text, numbers, dates, lists and mappings",
            )
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.MappingNode)  # the only node kind left
        return self._mapping(node, path, depth)

    def _mapping(self, node: yaml.MappingNode, path: YamlPath, depth: int) -> dict[Any, Any]:
        self.loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            self.nodes += 1
            if self.fast and not isinstance(key_node, yaml.ScalarNode):
                raise _Retry  # a list or mapping as a key: the guarded composer checks it
            if key_node.tag == _STR_TAG and isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
            else:
                key = self.loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | bool | float | dt.date) or key is None:
                raise _YamlProblem(line, "a key must be a plain word")
            if key in seen:
                raise _YamlProblem(
                    line, f"duplicate key '{key}' (first defined on line {seen[key]})"
                )
            seen[key] = line
            child = (*path, str(key))
            self.lines[child] = line
            result[key] = self.convert(value_node, child, depth + 1)
        return result


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _read_bytes(path: Path, problems: _Problems) -> bytes | None:
    """The file's bytes if it is a readable regular file within the size limit."""
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        problems.add(path, 1, f"cannot read the file: {_os_reason(exc)}")
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            problems.add(path, 1, "not a regular file (a pipe, device or socket); remove it")
            return None
        limit = MAX_FILE_BYTES
        if info.st_size > limit:
            problems.add(path, 1, _too_big(info.st_size))
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while we read
            problems.add(path, 1, _too_big(size))
            return None
        return b"".join(chunks)
    except OSError as exc:
        problems.add(path, 1, f"cannot read the file: {_os_reason(exc)}")
        return None
    finally:
        os.close(fd)


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 1024:,.0f} KB; the limit is {MAX_FILE_BYTES // 1024} KB "
        "(an entry is a page of text: split it, or remove what does not belong)"
    )


def _read_yaml(path: Path, problems: _Problems) -> tuple[Any, dict[YamlPath, int], bytes] | None:
    """Read a YAML file; report unreadable, oversized, binary, empty or malformed files."""
    raw = _read_bytes(path, problems)
    if raw is None:
        return None
    try:
        data, lines = _yaml_from_bytes(raw)
    except _YamlProblem as exc:
        problems.add(path, exc.line, exc.message)
        return None
    return data, lines, raw


def _yaml_from_bytes(raw: bytes) -> tuple[Any, dict[YamlPath, int]]:
    """The data and line map of a file's bytes; `_YamlProblem` says what is wrong with them."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _YamlProblem(1, "the file is saved as UTF-16; save it as UTF-8")
    if b"\x00" in raw:
        raise _YamlProblem(1, "this is not a text file (it contains binary data)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _YamlProblem(line, "the file is not valid UTF-8 text (save it as UTF-8)") from None
    if not text.strip():
        raise _YamlProblem(1, "the file is empty")
    try:
        data, lines = _parse_yaml(text)
    except yaml.MarkedYAMLError as exc:
        line, what = _explain_yaml_error(exc, text)
        raise _YamlProblem(line, f"YAML syntax error: {what}") from None
    except yaml.reader.ReaderError as exc:
        char = chr(exc.character) if isinstance(exc.character, int) else ""
        at = text.find(char) if char else -1
        raise _YamlProblem(
            text[:at].count("\n") + 1 if at >= 0 else 1,
            f"the file contains a control character (#x{ord(char):04x}, invisible in most "
            "editors) that YAML does not allow; delete it"
            if char
            else f"YAML syntax error: {exc}",
        ) from None
    except yaml.YAMLError as exc:
        raise _YamlProblem(1, f"YAML syntax error: {exc}") from None
    except RecursionError:  # a last resort: the composer's depth limit should come first
        raise _YamlProblem(1, f"nested more than {MAX_NESTING} levels deep") from None
    if data is None:
        raise _YamlProblem(1, "the file is empty (only comments)")
    return data, lines


_KEY_LINE = re.compile(r"^(\s*)(?:-\s+)?[^\s:#'\"][^:#]*:(?:\s|$)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _explain_yaml_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """(line, words a curator understands, with a fix) for PyYAML's common errors."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = exc.problem or ""
    context = exc.context or ""
    src = text.splitlines()

    def source(n: int) -> str:
        return src[n - 1] if 0 < n <= len(src) else ""

    at_mark = source(line)[mark.column : mark.column + 1] if mark else ""
    tab = "cannot start any token" in problem and (at_mark == "\t" or "'\\t'" in problem)
    if tab or "found a tab character" in problem:
        return line, "a tab character: YAML indents with spaces only; replace the tab with spaces"
    if "could not find expected ':'" in problem and exc.context_mark:
        at = exc.context_mark.line + 1
        return at, "a colon is missing: write 'field: value' (or put a text that goes on in quotes)"
    if problem.startswith("mapping values are not allowed"):  # "here" / "in this context"
        here = source(line)
        first = here.find(": ")
        column = mark.column if mark else 0
        if _KEY_LINE.match(here) and 0 <= first < column:
            return line, (
                "the text contains ': ' (a colon and a space); put the whole text in quotes, "
                'e.g. da: "Spørg dig selv: har jeg brug for den?"'
            )
        prev = line - 1
        while prev > 0 and (not source(prev).strip() or source(prev).lstrip().startswith("#")):
            prev -= 1
        if prev and ":" not in source(prev):
            return prev, "a colon is missing: write 'field: value'"
        if prev and _indent(here) > _indent(source(prev)):
            return line, (
                "this line is indented more than the one above; fields of one mapping "
                "start in the same column"
            )
        return line, "a colon where YAML does not expect one: put text with ': ' in quotes"
    # PyYAML: "expected <block end>, but found '<scalar>'"; libyaml: "did not find expected key".
    before = source(line)[: mark.column].rstrip() if mark else ""
    block_end = "expected <block end>" in problem or "did not find expected key" in problem
    if block_end and before.endswith(("'", '"')) and before.lstrip()[:1] not in {"'", '"'}:
        return line, (
            "text continues after a closing quote; put the whole text in quotes, "
            "or check the indentation of this line"
        )
    if "maximum nesting depth" in problem:  # libyaml's own limit (1,000), met while scanning
        return line, _NESTED
    list_item = block_end and source(line).lstrip().startswith("- ")
    if list_item or "<block sequence start>" in problem or "expected '-' indicator" in problem:
        return line, (
            "the indentation does not line up: list items ('- ') that belong together must "
            "start in the same column (use spaces, two per level)"
        )
    if block_end:
        return line, (
            "the indentation does not line up: fields that belong together must start in "
            "the same column (use spaces, two per level)"
        )
    if "quoted scalar" in context and "end of stream" in problem:
        at = exc.context_mark.line + 1 if exc.context_mark else line
        return at, "a quote opened here is never closed; add the closing quote"
    if "unknown escape character" in problem:
        return line, (
            "in double quotes a backslash starts an escape such as \\n; write \\\\ for a "
            "backslash, or use single quotes"
        )
    if "could not determine a constructor for the tag" in problem:
        tag = problem.rsplit(" ", 1)[-1].strip("'").replace("tag:yaml.org,2002:", "!!")
        return line, (
            f"the tag {tag} is not allowed: knowledge files hold only text, numbers, dates, "
            "lists and mappings"
        )
    if "expected a single document" in context:
        return line, "a second YAML document starts here ('---'); one file holds one entry"
    return line, problem or context or "invalid YAML"


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
            if problems.full(path):  # count the rest without wording each one
                problems.add(path, 1, "")
                continue
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
    root: Path | str | None = None,
    *,
    today: dt.date | None = None,
    previous: LoadReport | None = None,
    cache_dir: Path | None = None,
) -> LoadReport:
    """Load, validate and index every entry below `root`; collect all problems.

    Entry files whose bytes are unchanged since `previous` (an earlier load in this process) or
    since the disk cache in `cache_dir` was written are not parsed again (`knowledge.parsecache`).
    """
    with collector_paused:
        return _load(Path(root) if root is not None else DEFAULT_DIR, today, previous, cache_dir)


def _load(
    root: Path, today: dt.date | None, previous: LoadReport | None, cache_dir: Path | None
) -> LoadReport:
    today = today or dt.date.today()
    problems = _Problems()
    files = _root_files(root, problems)
    if files is None:
        return LoadReport(None, problems.items)
    if previous is not None:
        known = previous.parsed
    else:
        known = read_cache(cache_dir, root) if cache_dir is not None else {}
    load = _Load(problems, today, known)
    _load_files(files, load)
    for parsed in load.parsed.values():
        parsed.compact()
    if cache_dir is not None and (load.fresh or load.parsed.keys() != known.keys()):
        write_cache(cache_dir, root, load.parsed)
    items = problems.finish()
    count = len(load.entry_ids)
    report = LoadReport(None, items, count, parsed=load.parsed, parsed_files=load.fresh)
    if not any(p.severity == "error" for p in items):
        report.kb = KnowledgeBase(
            root=root,
            entries=load.records,
            categories=load.categories,
            tips=load.tips,
            version=load.digest.hexdigest()[:12],
        )
    return report


def _root_files(root: Path, problems: _Problems) -> dict[tuple[str, ...], Path] | None:
    """The files below `root` (`_scan`), or None when `root` is not a knowledge folder."""
    if not root.is_dir():
        if root.is_symlink():
            why = "is a symlink that leads nowhere (broken, or a loop)"
        elif os.path.lexists(root):
            why = "is not a folder"
        else:
            why = "does not exist"
        problems.add(root, 1, f"the knowledge directory {why}")
        return None
    files = _scan(root, problems)
    if (CATEGORIES_FILE,) not in files:
        below = sorted(p.parent for p in root.glob(f"*/{CATEGORIES_FILE}"))
        if below:  # pointed at the folder above the knowledge base: one hint, not 200 errors
            problems.add(
                root,
                1,
                f"this folder has no {CATEGORIES_FILE}; the knowledge base seems to be "
                f"{display_path(below[0])} – point at that folder instead",
            )
            return None
    return files


@dataclass
class _Load:
    """The state of one load: what is found, and what earlier loads parsed."""

    problems: _Problems
    today: dt.date
    known: dict[str, ParsedFile]
    """Parsed files of an earlier load (or the disk cache) by file key."""
    parsed: dict[str, ParsedFile] = field(default_factory=dict)
    """Parsed files of this load by file key: the cache for the next."""
    fresh: int = 0
    """Files parsed this time (not found in `known`)."""
    categories: dict[str, Category] = field(default_factory=dict)
    tips: list[Tip] = field(default_factory=list)
    entry_ids: set[str] = field(default_factory=set)
    records: dict[str, EntryRecord] = field(default_factory=dict)
    by_id: dict[str, ParsedFile] = field(default_factory=dict)
    digest: Any = field(default_factory=hashlib.sha256)

    def parse(self, raw: bytes) -> ParsedFile:
        """What the bytes of an entry file give: from an earlier load, or parsed now."""
        key = file_key(raw)
        found = self.parsed.get(key) or self.known.get(key)
        if found is None or not _consistent(found):
            found = parse_entry(raw)
            self.fresh += 1
        self.parsed[key] = found
        return found


def _consistent(parsed: ParsedFile) -> bool:
    """False for a cached parse that cannot be this code's (one alias key per title and alias)."""
    entry = parsed.entry
    if entry is None:
        return not parsed.alias_keys
    return len(parsed.alias_keys) == 2 + len(entry.aliases.da) + len(entry.aliases.en)


def _load_files(files: dict[tuple[str, ...], Path], load: _Load) -> None:
    """Load the special files, then every entry file; then check entries against each other."""
    problems = load.problems
    no_categories: dict[str, Category] = {}
    no_tips: list[Tip] = []
    no_topics: dict[str, str] = {}
    load.categories = _guarded(
        files.get((CATEGORIES_FILE,)), problems, _load_categories, no_categories
    )
    load.tips = _guarded(files.get((TIPS_FILE,)), problems, _load_tips, no_tips)
    topics = _guarded(files.get((TOPICS_FILE,)), problems, _load_topics, no_topics)
    load.entry_ids = {
        parts[1].removesuffix(".yaml")
        for parts, path in files.items()
        if len(parts) == 2 and not parts[0].startswith("_") and path.suffix == ".yaml"
    }
    for parts, path in sorted(files.items()):
        if len(parts) > 1 and parts[0].startswith("_"):
            continue  # `_cards/` and other `_`-folders hold other data (knowledge.cards)
        if path.suffix == ".yml":
            problems.add(path, 1, "use the .yaml extension (this file is not loaded)")
            continue
        if len(parts) == 1:
            if path.name not in {CATEGORIES_FILE, TIPS_FILE, TOPICS_FILE}:
                problems.add(path, 1, "entries belong in a category folder: <category>/<id>.yaml")
            continue
        if len(parts) > 2:
            problems.add(
                path, 1, "entries belong directly in a category folder: <category>/<id>.yaml"
            )
            continue
        try:
            _load_entry(path, parts, load)
        except Exception as exc:  # a bug must cost one file, not the knowledge base or the bot
            problems.add(path, 1, f"could not load this file: {type(exc).__name__}: {exc}")
    _cross_checks(load.records, load.by_id, problems, known_ids=load.entry_ids, topics=topics)


def parse_entry(raw: bytes) -> ParsedFile:
    """Parse and validate the bytes of an entry file: all that its name and folder do not change."""
    found = _Findings()
    nowhere = Path()
    try:
        data, lines = _yaml_from_bytes(raw)
    except _YamlProblem as exc:
        return ParsedFile(None, None, False, ((max(exc.line, 1), exc.message),), 0, (), (), {})
    if not isinstance(data, dict):
        problem = (1, f"an entry must be a mapping of fields, not {_describe(data)}")
        return ParsedFile(None, None, False, (problem,), 0, (), (), lines)
    declared = data.pop("id", None)
    entry = _validate(Entry, data, lines, nowhere, found)
    warnings = _Findings(limit=None)  # the file's own errors and warnings share its limit
    keys: tuple[str, ...] = ()
    if entry is not None:
        _text_warnings(entry, lines, nowhere, warnings)
        keys = tuple(alias_key(alias) for _, alias in _alias_positions(entry))
    return ParsedFile(
        entry=entry,
        declared=None if declared is None else f"{declared}",
        declared_is_text=isinstance(declared, str),
        errors=tuple(found.found),
        more=found.more,
        warnings=tuple(warnings.found),
        alias_keys=keys,
        _lines=lines,
    )


def _load_entry(path: Path, parts: tuple[str, ...], load: _Load) -> None:
    """Read, validate and add one entry file `<category>/<id>.yaml`."""
    problems = load.problems
    category, entry_id = parts[0], path.stem
    raw = _read_bytes(path, problems)
    if raw is None:
        return
    load.digest.update("/".join(parts).encode() + b"\0" + raw + b"\0")
    parsed = load.parse(raw)
    if parsed.declared is not None and not (
        parsed.declared_is_text and parsed.declared == entry_id
    ):
        problems.add(
            path,
            parsed.lines.get(("id",), 1),
            f"id '{parsed.declared}' differs from the file name '{entry_id}' "
            "(the file name is the id)",
        )
    for line, message in parsed.errors:
        problems.add(path, line, message)
    for _ in range(parsed.more):
        problems.add(path, 1, "")
    if not _valid_id(entry_id):
        problems.add(
            path,
            1,
            f"file name '{path.name}' is not a valid id: use lowercase letters, digits and dashes",
        )
        return
    if entry_id in load.records:
        problems.add(path, 1, f"duplicate id '{entry_id}': also {load.records[entry_id].path}")
        return
    if category not in load.categories and load.categories:
        problems.add(
            path,
            1,
            f"category folder '{category}' has no display name in {CATEGORIES_FILE}",
            "warning",
        )
    if parsed.entry is None:
        return
    load.records[entry_id] = EntryRecord(
        id=entry_id, category=category, entry=parsed.entry, path=problems.display(path)
    )
    load.by_id[entry_id] = parsed
    _dated_warnings(parsed, path, problems, load.today)
    for line, message in parsed.warnings:
        problems.add(path, line, message, "warning")


_T = TypeVar("_T")


def _guarded(
    path: Path | None,
    problems: _Problems,
    load: Callable[[Path, _Problems], _T],
    default: _T,
) -> _T:
    """`load(path)`, or `default` when there is no such file or loading it fails."""
    if path is None:
        return default
    try:
        return load(path, problems)
    except Exception as exc:  # as for entries: one file's problem, never a traceback
        problems.add(path, 1, f"could not load this file: {type(exc).__name__}: {exc}")
        return default


# --- walking the folder ------------------------------------------------------------------------


def _scan(root: Path, problems: _Problems) -> dict[tuple[str, ...], Path]:
    """Every .yaml/.yml file below `root` by its relative path parts; report what cannot be walked.

    Hidden names are skipped. Symlinks are followed only within the root;
    each folder is entered once (a symlink loop or a second way into a folder
    is reported), and no deeper than `MAX_FOLDER_DEPTH`.
    """
    try:
        real_root = root.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        problems.add(root, 1, f"cannot open the knowledge directory: {exc}")
        return {}
    found: dict[tuple[str, ...], Path] = {}
    entered: dict[tuple[int, int], Path] = {}
    todo: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while todo:
        folder, rel = todo.pop()
        try:
            info = folder.stat()
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.add(folder, 1, f"cannot read the folder: {_os_reason(exc)}")
            continue
        key = (info.st_dev, info.st_ino)
        if key in entered:
            first = display_path(entered[key])
            problems.add(folder, 1, f"symlink loop: this folder is already read as {first}")
            continue
        entered[key] = folder
        for item in items:
            if item.name.startswith("."):
                continue
            path = Path(item.path)
            parts = (*rel, item.name)
            if item.is_symlink():
                problem = _symlink_problem(path, real_root)
                if problem:
                    problems.add(path, 1, problem)
                    continue
            try:
                is_dir = item.is_dir()
            except OSError as exc:
                problems.add(path, 1, f"cannot read: {_os_reason(exc)}")
                continue
            if is_dir:
                if len(parts) > MAX_FOLDER_DEPTH:
                    problems.add(path, 1, "folders nested too deep: use <category>/<id>.yaml")
                else:
                    todo.append((path, parts))
            elif item.name.endswith((".yaml", ".yml")):
                found[parts] = path
    return found


def _symlink_problem(path: Path, real_root: Path) -> str | None:
    """Why a symlink below the root may not be followed, or None if it may."""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:  # Python < 3.13 reports a loop this way
        return "symlink loop: the link leads back to itself"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symlink loop: the link leads back to itself"
        try:
            to = os.readlink(path)
        except OSError:
            to = "?"
        return f"broken symlink: it points to '{to}', which does not exist"
    if not target.is_relative_to(real_root):
        return (
            f"symlink points outside the knowledge folder (to {target}); "
            "copy the file or folder in instead"
        )
    return None


def _valid_id(entry_id: str) -> bool:
    return re.match(ENTRY_ID_PATTERN, entry_id) is not None


def _load_categories(path: Path, problems: _Problems) -> dict[str, Category]:
    parsed = _read_yaml(path, problems)
    if parsed is None:
        return {}
    data, lines, _ = parsed
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


def _load_topics(path: Path, problems: _Problems) -> dict[str, str]:
    parsed = _read_yaml(path, problems)
    if parsed is None:
        return {}
    data, _lines, _raw = parsed
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, dict) or not all(isinstance(v, str) for v in topics.values()):
        problems.add(path, 1, "expected 'topics:' followed by lines like  A01: \"Temu\"")
        return {}
    return {str(k): v for k, v in topics.items()}


def _load_tips(path: Path, problems: _Problems) -> list[Tip]:
    parsed = _read_yaml(path, problems)
    if parsed is None:
        return []
    data, lines, _ = parsed
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


def _dated_warnings(parsed: ParsedFile, path: Path, problems: _Problems, today: dt.date) -> None:
    """The warning for an entry reviewed long ago, or on a date still to come."""
    if parsed.entry is None:
        return
    reviewed = parsed.entry.reviewed
    age = (today - reviewed).days
    if age > STALE_AFTER_DAYS:
        problems.add(
            path,
            parsed.lines.get(("reviewed",), 1),
            f"reviewed {reviewed.isoformat()}, more than 18 months ago: check the facts",
            "warning",
        )
    elif age < 0:
        problems.add(
            path, parsed.lines.get(("reviewed",), 1), "review date is in the future", "warning"
        )


def _text_warnings(
    entry: Entry, lines: dict[YamlPath, int], path: Path, problems: _Problems
) -> None:
    """Warnings that depend on the entry's text alone (kept with the parsed file)."""
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
    by_id: dict[str, ParsedFile],
    problems: _Problems,
    *,
    known_ids: set[str],
    topics: dict[str, str],
) -> None:
    """Aliases owned by one entry, related ids that exist, topic ids on the topic list.

    `known_ids` are the ids of every entry file, valid or not: a related id naming a file that
    has errors of its own is not reported again. Lines are looked up only for what is reported.
    """
    owner: dict[str, tuple[str, int]] = {}
    for entry_id, record in records.items():
        parsed = by_id[entry_id]
        for n, key in enumerate(parsed.alias_keys):
            if not key:
                continue
            first = owner.setdefault(key, (entry_id, n))
            if first[0] != entry_id:
                other_id, other_n = first
                key_path, alias = _alias_positions(record.entry)[n]
                other_path = _alias_positions(records[other_id].entry)[other_n][0]
                other_line = by_id[other_id].lines.get(other_path, 1)
                problems.add(
                    Path(record.path),
                    parsed.lines.get(key_path, 1),
                    f"alias '{alias}' is also used by '{other_id}' "
                    f"({records[other_id].path}:{other_line})",
                )
        _reference_checks(record, parsed, problems, known_ids, topics)


def _reference_checks(
    record: EntryRecord,
    parsed: ParsedFile,
    problems: _Problems,
    known_ids: set[str],
    topics: dict[str, str],
) -> None:
    """Related ids that exist (and are not the entry itself), topic ids on the topic list."""
    entry, entry_id = record.entry, record.id
    for i, related in enumerate(entry.related):
        if related != entry_id and related in known_ids:
            continue
        lines = parsed.lines
        line = lines.get(("related", i), lines.get(("related",), 1))
        if related == entry_id:
            problems.add(Path(record.path), line, "related lists the entry itself")
        else:
            problems.add(
                Path(record.path),
                line,
                f"related entry '{related}' does not exist{_did_you_mean(related, known_ids)}",
            )
    for i, topic in enumerate(entry.topics):
        if topics and topic not in topics:
            lines = parsed.lines
            line = lines.get(("topics", i), lines.get(("topics",), 1))
            hint = _did_you_mean(topic, set(topics))
            problems.add(
                Path(record.path),
                line,
                f"topic '{topic}' is not on the topic list ({TOPICS_FILE}){hint}",
            )


def _did_you_mean(word: str, known: set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _alias_positions(entry: Entry) -> list[tuple[YamlPath, str]]:
    out: list[tuple[YamlPath, str]] = [
        (("title", "da"), entry.title.da),
        (("title", "en"), entry.title.en),
    ]
    for lang in ("da", "en"):
        out += [(("aliases", lang, i), a) for i, a in enumerate(getattr(entry.aliases, lang))]
    return out
