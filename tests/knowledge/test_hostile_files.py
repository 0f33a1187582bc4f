"""Knowledge files cannot hurt the process (issue #15, case 7; issue #14's YAML wording).

A corpus of broken and hostile knowledge files, each generated into a fresh
knowledge folder next to one valid entry. Every case must end as a
`path:line: message` problem on the file (or folder) at fault -- never an
exception, never a hang -- and the knowledge base is refused.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from knowledge import loader
from knowledge.loader import MAX_FILE_BYTES, Problem, load_knowledge_base
from tests.knowledge.conftest import TODAY, KbDir, entry_data

# The goal is 2 s per case (measured worst: see the report); this bound only
# catches a hang or an explosion, with a wide margin for a busy machine.
GENEROUS_SECONDS = 10.0


def valid_text() -> str:
    return yaml.safe_dump(entry_data(), allow_unicode=True, sort_keys=False)


def line_of(text: str, starts: str) -> int:
    """The 1-based number of the first line that starts with `starts` (after indentation)."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if ln.lstrip().startswith(starts))


@dataclass(frozen=True)
class Case:
    """Builds one hostile thing in a knowledge folder; says where and what the error is."""

    build: Callable[[KbDir], tuple[Path, int]]  # -> (path at fault, expected line)
    pattern: str  # regex the message must match
    needs_unprivileged: bool = False  # chmod 000 only binds a non-root process


CASES: dict[str, Case] = {}


def case(pattern: str, *, needs_unprivileged: bool = False) -> Callable[..., object]:
    def register(build: Callable[[KbDir], tuple[Path, int]]) -> Callable[[KbDir], tuple[Path, int]]:
        CASES[build.__name__] = Case(build, pattern, needs_unprivileged)
        return build

    return register


def replace_line(text: str, starts: str, new: str) -> tuple[str, int]:
    """`text` with the first line starting with `starts` replaced by `new`; and its number."""
    lines = text.splitlines()
    n = line_of(text, starts)
    lines[n - 1] = new
    return "\n".join(lines) + "\n", n


# --- YAML bombs and nesting ------------------------------------------------------------


@case(r"'&a' defines an anchor: anchors \(&name\) and aliases \(\*name\) are not allowed")
def billion_laughs(kb: KbDir) -> tuple[Path, int]:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        prev, name = chr(96 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return kb.write("home/lol.yaml", "\n".join(lines) + "\n"), 1


@case(r"'&s' defines an anchor")
def anchor_in_an_entry(kb: KbDir) -> tuple[Path, int]:
    text = valid_text()
    text, n = replace_line(text, "da: Brug den du har.", "  da: &s Brug den du har.")
    text = text.replace("  en: Use the one you have.", "  en: *s")
    return kb.write("home/anchor.yaml", text), n


@case(r"'\*nothing' repeats an anchor")
def undefined_alias(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "verdict:", "verdict: *nothing")
    return kb.write("home/alias.yaml", text), n


@case(r"'&base' defines an anchor")
def merge_key_with_alias(kb: KbDir) -> tuple[Path, int]:
    text = "base: &base {da: x, en: y}\ntitle:\n  <<: *base\n" + valid_text().split("\n", 2)[2]
    return kb.write("home/merge.yaml", text), 1


@case(r"'&a' defines an anchor")
def recursive_alias(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/ouroboros.yaml", "title: &a [*a]\n"), 1


@case(r"nested more than 20 levels deep; an entry needs at most 4")
def flow_list_nested_10000(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/brackets.yaml", "title: " + "[" * 10_000 + "]" * 10_000 + "\n"), 1


@case(r"nested more than 20 levels deep")
def flow_mapping_nested_10000(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/braces.yaml", "title: " + "{a: " * 10_000 + "x" + "}" * 10_000), 1


@case(r"nested more than 20 levels deep")
def block_list_nested_10000(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/dashes.yaml", "title:\n  " + "- " * 10_000 + "x\n"), 2


@case(r"nested more than 20 levels deep")
def block_mapping_nested_600(kb: KbDir) -> tuple[Path, int]:
    # As deep as 256 KB allows with one space per level (the old loader hit RecursionError).
    text = "".join(" " * i + "a:\n" for i in range(600)) + " " * 600 + "a: x\n"
    # The 20th level is the key on line 20 (levels count mappings, lists and texts).
    return kb.write("home/stairs.yaml", text), 20


@case(r"the file is [\d,]+ KB; the limit is 256 KB")
def block_mapping_nested_10000(kb: KbDir) -> tuple[Path, int]:
    # Ten thousand indented levels are ~50 MB: refused by size before parsing.
    path = kb.root / "home" / "deep.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as f:
        for i in range(10_000):
            f.write(" " * i + "a:\n")
    return path, 1


@case(r"more than 10,000 values in one file; an entry has about 100")
def too_many_values(kb: KbDir) -> tuple[Path, int]:
    # 125,000 list items in 250 KB: dense enough to take seconds to build, so refused early.
    return kb.write("home/many.yaml", "title: [" + "a," * 125_000 + "]\n"), 1


@case(r"… and \d+ more problems in this file")
def thousands_of_problems(kb: KbDir) -> tuple[Path, int]:
    # 3,000 unknown fields: 20 are worded, the rest counted (an admin message stays short).
    return kb.write("home/noise.yaml", "".join(f"field{i}: x\n" for i in range(3_000))), 1


# --- size -------------------------------------------------------------------------------


@case(r"the file is 300 KB; the limit is 256 KB \(an entry is a page of text")
def huge_file(kb: KbDir) -> tuple[Path, int]:
    text = valid_text()
    text += "notes: " + "x" * (300 * 1024 - len(text.encode()) - 8) + "\n"
    assert len(text.encode()) == 300 * 1024
    return kb.write("home/huge.yaml", text), 1


@case(r"the file is 4,194,304 KB; the limit is 256 KB")
def sparse_4_gb_file(kb: KbDir) -> tuple[Path, int]:
    path = kb.root / "home" / "sparse.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        f.truncate(4 * 1024**3)  # never read: refused by its size
    return path, 1


@case(r"the limit is 256 KB")
def just_over_the_limit(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/over.yaml", "a: " + "x" * (MAX_FILE_BYTES - 2) + "\n"), 1


# --- not text -----------------------------------------------------------------------------


@case(r"this is not a text file \(it contains binary data\)")
def binary_png(kb: KbDir) -> tuple[Path, int]:
    return kb.write(
        "home/picture.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(512)
    ), 1


@case(r"this is not a text file")
def nul_in_the_middle(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/nul.yaml", valid_text().replace("verdict: skip", "verdict: sk\x00ip")), 1


@case(r"the file is saved as UTF-16; save it as UTF-8")
def utf16(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/utf16.yaml", valid_text().encode("utf-16")), 1


@case(r"the file is not valid UTF-8 text \(save it as UTF-8\)")
def latin1(kb: KbDir) -> tuple[Path, int]:
    text = valid_text()  # the first "ø" is in "Køb brugt."
    raw = text.encode("utf-8").replace("ø".encode(), b"\xf8")
    return kb.write("home/latin.yaml", raw), line_of(text, "da: Køb brugt.")


@case(r"the file is not valid UTF-8 text")
def cesu_surrogate_bytes(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/cesu.yaml", b"title:\n  da: \xed\xa0\xbd\xed\xb8\x80\n"), 2


@case(r"a control character \(#x0007, invisible in most editors\) that YAML does not allow")
def control_character(kb: KbDir) -> tuple[Path, int]:
    text = valid_text()
    return kb.write("home/bell.yaml", text.replace("Short critique.", "Short\x07 critique.")), (
        line_of(text, "en: Short critique.")
    )


# --- common YAML mistakes (issue #14: friendly words, the line and a fix) -----------------------


@case(r"YAML syntax error: a tab character: YAML indents with spaces only; replace the tab")
def tab_indentation(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "en: Use the one you have.", "\ten: Use the one you have.")
    return kb.write("home/tab.yaml", text), n


@case(r"YAML syntax error: a colon is missing: write 'field: value'")
def missing_colon(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "verdict:", "verdict skip")
    return kb.write("home/colon.yaml", text), n


@case(r"YAML syntax error: a colon is missing")
def missing_colon_in_a_mapping(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "da: Brug den du har.", "  da Brug den du har.")
    return kb.write("home/colon2.yaml", text), n


@case(
    r"YAML syntax error: the text contains ': ' \(a colon and a space\); put the whole text in quotes"
)
def unquoted_colon_in_text(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "da: Brug den du har.", "  da: Husk: brug den du har.")
    return kb.write("home/quote.yaml", text), n


@case(r"YAML syntax error: this line is indented more than the one above")
def indented_too_far(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(
        valid_text(), "en: Use the one you have.", "   en: Use the one you have."
    )
    return kb.write("home/indent.yaml", text), n


@case(r"YAML syntax error: the indentation does not line up: fields that belong together")
def indentation_mismatch(kb: KbDir) -> tuple[Path, int]:
    text = valid_text().replace("  da: Brug den du har.", "    da: Brug den du har.")
    return kb.write("home/indent2.yaml", text), line_of(text, "en: Use the one you have.")


@case(r"YAML syntax error: the indentation does not line up: list items \('- '\)")
def list_items_misaligned(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "- kind: secondhand", " - kind: secondhand")
    return kb.write("home/list.yaml", text), n


@case(r"YAML syntax error: a quote opened here is never closed; add the closing quote")
def unclosed_quote(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "da: Brug den du har.", '  da: "Brug den du har.')
    return kb.write("home/unclosed.yaml", text), n


@case(r"YAML syntax error: in double quotes a backslash starts an escape")
def unknown_escape(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "da: Brug den du har.", '  da: "C:\\dokumenter"')
    return kb.write("home/escape.yaml", text), n


@case(r"YAML syntax error: text continues after a closing quote")
def text_after_closing_quote(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "verdict:", 'verdict: "skip" now')
    return kb.write("home/after.yaml", text), n


@case(r"YAML syntax error: the tag !!python/object/apply:os.system is not allowed")
def python_object_tag(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(
        valid_text(), "verdict:", "verdict: !!python/object/apply:os.system [id]"
    )
    return kb.write("home/pwn.yaml", text), n


@case(r"YAML syntax error: the tag !include is not allowed")
def custom_tag(kb: KbDir) -> tuple[Path, int]:
    text, n = replace_line(valid_text(), "verdict:", "verdict: !include other.yaml")
    return kb.write("home/include.yaml", text), n


@case(r"YAML syntax error: a second YAML document starts here \('---'\); one file holds one entry")
def two_documents(kb: KbDir) -> tuple[Path, int]:
    text = valid_text()
    return kb.write("home/two.yaml", text + "---\n" + text), len(text.splitlines()) + 1


@case(r"YAML syntax error: found incompatible YAML document")
def yaml_2_directive(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/v2.yaml", "%YAML 2.0\n---\n" + valid_text()), 1


@case(r"a key must be a plain word")
def list_as_a_key(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/key.yaml", valid_text() + "? [a, b]\n: x\n"), len(
        valid_text().splitlines()
    ) + 1


@case(r"duplicate key 'verdict' \(first defined on line \d+\)")
def duplicate_key(kb: KbDir) -> tuple[Path, int]:
    text = valid_text().replace("verdict: skip\n", "verdict: skip\nverdict: buy\n")
    return kb.write("home/dup.yaml", text), line_of(text, "verdict: buy")


@case(r"an entry must be a mapping of fields, not a list")
def top_level_list(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/list-top.yaml", "- skip\n- buy\n"), 1


@case(r"the file is empty \(only comments\)")
def comments_only(kb: KbDir) -> tuple[Path, int]:
    return kb.write("home/comments.yaml", "# TODO\n# later\n"), 1


@case(r"the knowledge directory is not a folder")
def knowledge_dir_is_a_file(kb: KbDir) -> tuple[Path, int]:
    shutil.rmtree(kb.root)
    kb.root.write_text("title: x\n")
    return kb.root, 1


@case(r"the knowledge directory is a symlink that leads nowhere \(broken, or a loop\)")
def knowledge_dir_is_a_symlink_loop(kb: KbDir) -> tuple[Path, int]:
    shutil.rmtree(kb.root)
    kb.root.symlink_to(kb.root.name)
    return kb.root, 1


# --- the file system -------------------------------------------------------------------------


@case(r"symlink loop: this folder is already read as")
def symlink_loop_to_a_parent_folder(kb: KbDir) -> tuple[Path, int]:
    link = kb.root / "home" / "again"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("..", target_is_directory=True)
    return link, 1


@case(r"symlink loop: the link leads back to itself")
def symlink_to_itself(kb: KbDir) -> tuple[Path, int]:
    link = kb.root / "home" / "self.yaml"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("self.yaml")
    return link, 1


@case(r"symlink loop: the link leads back to itself")
def symlink_pair_loop(kb: KbDir) -> tuple[Path, int]:
    (kb.root / "home").mkdir(parents=True, exist_ok=True)
    (kb.root / "home" / "b.yaml").symlink_to("a.yaml")
    (kb.root / "home" / "a.yaml").symlink_to("b.yaml")
    return kb.root / "home" / "a.yaml", 1


@case(r"symlink points outside the knowledge folder \(to /etc/passwd\); copy the file")
def symlink_to_a_system_file(kb: KbDir) -> tuple[Path, int]:
    link = kb.root / "home" / "passwd.yaml"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("/etc/passwd")
    return link, 1


@case(r"symlink points outside the knowledge folder \(to /dev/zero\)")
def symlink_to_dev_zero(kb: KbDir) -> tuple[Path, int]:
    link = kb.root / "home" / "zero.yaml"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("/dev/zero")
    return link, 1


@case(r"symlink points outside the knowledge folder \(to /etc\)")
def category_folder_symlinked_outside(kb: KbDir) -> tuple[Path, int]:
    link = kb.root / "etc"
    link.symlink_to("/etc", target_is_directory=True)
    return link, 1


@case(r"broken symlink: it points to 'gone.yaml', which does not exist")
def broken_symlink(kb: KbDir) -> tuple[Path, int]:
    link = kb.root / "home" / "dangling.yaml"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to("gone.yaml")
    return link, 1


@case(r"not a regular file \(a pipe, device or socket\); remove it")
def named_pipe(kb: KbDir) -> tuple[Path, int]:
    path = kb.root / "home" / "pipe.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)  # reading it the ordinary way would wait for a writer forever
    return path, 1


@case(r"folders nested too deep: use <category>/<id>.yaml")
def folders_nested_too_deep(kb: KbDir) -> tuple[Path, int]:
    deep = kb.root.joinpath("home", *["sub"] * 30)
    deep.mkdir(parents=True)
    (deep / "x.yaml").write_text(valid_text())
    return kb.root.joinpath("home", *["sub"] * 8), 1


@case(r"cannot read the file: Permission denied", needs_unprivileged=True)
def unreadable_file(kb: KbDir) -> tuple[Path, int]:
    path = kb.write("home/secret.yaml", valid_text())
    path.chmod(0)
    return path, 1


@case(r"cannot read the folder: Permission denied", needs_unprivileged=True)
def unreadable_category_folder(kb: KbDir) -> tuple[Path, int]:
    # Issue #15 case 4: this folder used to be skipped silently ("ok: 134 entries").
    folder = kb.root / "tech"
    kb.write("tech/laptop.yaml", entry_data("Laptop"))
    folder.chmod(0)
    return folder, 1


# --- running the cases --------------------------------------------------------------------


@pytest.fixture
def world_readable_kb() -> Iterator[KbDir]:
    """A knowledge folder an unprivileged user can reach (pytest's tmp_path is 0700)."""
    base = Path(tempfile.mkdtemp(prefix="omtanke-kb-"))
    base.chmod(0o755)
    try:
        yield KbDir(base / "entries")
    finally:
        for dirpath, dirnames, _ in os.walk(base):
            for d in dirnames:
                with contextlib.suppress(OSError):
                    os.chmod(os.path.join(dirpath, d), 0o755)
        shutil.rmtree(base, ignore_errors=True)


def _load_unprivileged(root: Path, conn: multiprocessing.connection.Connection) -> None:
    try:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)  # nobody: permissions bind again
        report = load_knowledge_base(root, today=TODAY)
        conn.send([(p.path, p.line, p.message, p.severity) for p in report.problems])
    except BaseException as exc:  # report it to the parent: the test shows the traceback text
        conn.send(f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def load_as_nobody(root: Path) -> list[Problem]:
    """Run the loader in a forked child that dropped root's privileges (root ignores chmod).

    A fork, not a new interpreter: the interpreter under /root is not reachable
    by `nobody`, while the forked child already has every module loaded.
    """
    load_knowledge_base(root, today=TODAY)  # import everything the loader needs, as root
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_load_unprivileged, args=(root, child))
    proc.start()
    child.close()
    try:
        if not parent.poll(60):
            raise AssertionError("the unprivileged loader did not answer within 60 s")
        result = parent.recv()
    finally:
        proc.join(10)
    if isinstance(result, str):
        raise AssertionError(f"the loader raised in the unprivileged child: {result}")
    return [Problem(*row) for row in result]


def relative(path: Path) -> str:
    """How the loader shows a path (relative to the working directory when below it)."""
    from knowledge.loader import display_path

    return display_path(path)


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both YAML parsers: libyaml when installed (the usual case), PyYAML's own otherwise."""
    if request.param == "python":
        monkeypatch.setattr(loader, "_LOADER", loader._GuardedLoader)
    elif loader._LOADER is loader._GuardedLoader:
        pytest.skip("PyYAML without libyaml here")
    return str(request.param)


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file_is_a_path_line_error(
    name: str, parser: str, world_readable_kb: KbDir
) -> None:
    kb = world_readable_kb
    kb.write("home/good.yaml", entry_data("Good entry"))
    c = CASES[name]
    path, line = c.build(kb)
    started = time.monotonic()
    if c.needs_unprivileged and os.geteuid() == 0:
        problems = load_as_nobody(kb.root)
    else:
        problems = load_knowledge_base(kb.root, today=TODAY).problems
    elapsed = time.monotonic() - started
    assert elapsed < GENEROUS_SECONDS

    assert all(isinstance(p, Problem) for p in problems)
    errors = [p for p in problems if p.severity == "error"]
    mine = [p for p in errors if p.path == relative(path)]
    assert mine, f"no error on {relative(path)}: {[str(p) for p in problems]}"
    assert any(re.search(c.pattern, p.message) for p in mine), [str(p) for p in mine]
    hit = next(p for p in mine if re.search(c.pattern, p.message))
    assert hit.line == line, str(hit)
    assert str(hit).startswith(f"{relative(path)}:{line}: ")


def test_the_corpus_has_at_least_30_cases() -> None:
    assert len(CASES) >= 30


def test_the_good_entry_next_to_a_broken_one_still_loads_its_own_problems(kbdir: KbDir) -> None:
    """A broken file costs itself only: the others are still checked (one pass)."""
    kbdir.write("home/good.yaml", entry_data("Good entry"))
    kbdir.write("home/lol.yaml", "a: &a [x]\nb: *a\n")
    kbdir.write("home/bad-field.yaml", entry_data("Other", verdict="maybe"))
    problems = load_knowledge_base(kbdir.root, today=TODAY).problems
    assert {Path(p.path).name for p in problems} == {"lol.yaml", "bad-field.yaml"}


def test_a_problem_list_stays_short(kbdir: KbDir) -> None:
    """3,000 unknown fields: 20 problems and one line with the rest, not 3,000 lines."""
    path = kbdir.write("home/noise.yaml", "".join(f"field{i}: x\n" for i in range(3_000)))
    problems = load_knowledge_base(kbdir.root, today=TODAY).problems
    # 3,000 unknown fields and 9 missing ones (sources included): 20 worded, 2,989 counted.
    assert len(problems) == 21
    assert f"{path}:1: … and 2989 more problems in this file" in [str(p) for p in problems]
