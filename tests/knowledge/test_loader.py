"""The loader reports every kind of broken file as `path:line: message`, and collects them all."""

from __future__ import annotations

import datetime as dt

import yaml

from knowledge.loader import load_knowledge_base
from tests.knowledge.conftest import TODAY, KbDir, entry_data


def messages(kbdir: KbDir) -> list[str]:
    report = load_knowledge_base(kbdir.root, today=TODAY)
    return [str(p) for p in report.problems]


def dump(data: dict[str, object]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_valid_entry_loads(kbdir: KbDir) -> None:
    kbdir.write("home/stanley-cup.yaml", entry_data(aliases={"da": ["stanley kop"], "en": []}))
    report = load_knowledge_base(kbdir.root, today=TODAY)
    assert report.problems == []
    assert report.kb is not None
    record = report.kb.entries["stanley-cup"]
    assert record.category == "home"
    assert len(report.kb.version) == 12


def test_yaml_syntax_error_names_line(kbdir: KbDir) -> None:
    text = dump(entry_data()).replace("verdict: skip", "verdict: [skip")
    path = kbdir.write("home/broken.yaml", text)
    out = messages(kbdir)
    line = text.splitlines().index("verdict: [skip") + 1
    assert len(out) == 1
    assert out[0].startswith(f"{path}:") and "YAML syntax error" in out[0]
    reported = int(out[0].split(":")[1])
    assert line <= reported <= line + 2


def test_duplicate_key_is_an_error_not_an_overwrite(kbdir: KbDir) -> None:
    text = dump(entry_data())
    text = text.replace("verdict: skip\n", "verdict: skip\nverdict: info\n")
    path = kbdir.write("home/dup.yaml", text)
    line = text.splitlines().index("verdict: info") + 1
    assert messages(kbdir) == [
        f"{path}:{line}: duplicate key 'verdict' (first defined on line {line - 1})"
    ]


def test_wrong_type(kbdir: KbDir) -> None:
    text = dump(entry_data(alternatives="use your own"))
    path = kbdir.write("home/wrong.yaml", text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("alternatives"))
    assert messages(kbdir) == [f"{path}:{line}: alternatives: expected a list, got 'use your own'"]


def test_yes_no_is_explained(kbdir: KbDir) -> None:
    text = dump(entry_data()).replace("ask_yourself:\n  da: Har jeg en?", "ask_yourself:\n  da: no")
    path = kbdir.write("home/yesno.yaml", text)
    line = text.splitlines().index("  da: no") + 1
    out = messages(kbdir)
    assert out[0].startswith(f"{path}:{line}: ask_yourself.da: expected text, got yes/no")


def test_missing_field_and_missing_language(kbdir: KbDir) -> None:
    data = entry_data()
    del data["critique"]
    data["summary"] = {"da": "Kun dansk."}
    path = kbdir.write("home/missing.yaml", data)
    text = path.read_text(encoding="utf-8")
    summary_line = text.splitlines().index("summary:") + 1
    out = messages(kbdir)
    assert f"{path}:1: missing field 'critique'" in out
    assert f"{path}:{summary_line}: summary: the English text ('en') is missing" in out


def test_unknown_field_with_suggestion(kbdir: KbDir) -> None:
    text = dump(entry_data()) + "alternativs: []\n"
    path = kbdir.write("home/unknown.yaml", text)
    line = len(text.splitlines())
    assert messages(kbdir) == [
        f"{path}:{line}: unknown field 'alternativs' (did you mean 'alternatives'?)"
    ]


def test_id_differs_from_file_name(kbdir: KbDir) -> None:
    text = "id: stanley\n" + dump(entry_data())
    path = kbdir.write("home/stanley-cup.yaml", text)
    assert messages(kbdir) == [
        f"{path}:1: id 'stanley' differs from the file name 'stanley-cup' (the file name is the id)"
    ]


def test_invalid_file_name(kbdir: KbDir) -> None:
    path = kbdir.write("home/Stanley Cup.yaml", entry_data())
    out = messages(kbdir)
    assert out == [
        f"{path}:1: file name 'Stanley Cup.yaml' is not a valid id: use lowercase letters, digits and dashes"
    ]


def test_duplicate_ids_across_categories(kbdir: KbDir) -> None:
    first = kbdir.write("home/cup.yaml", entry_data("Cup one"))
    second = kbdir.write("tech/cup.yaml", entry_data("Cup two"))
    assert messages(kbdir) == [f"{second}:1: duplicate id 'cup': also {first}"]


def test_same_alias_on_two_entries(kbdir: KbDir) -> None:
    kbdir.write("home/a.yaml", entry_data("Alpha", aliases={"da": [], "en": ["Løbesko"]}))
    text = dump(entry_data("Beta", aliases={"da": [], "en": ["beta", "lobesko"]}))
    path = kbdir.write("home/b.yaml", text)
    line = text.splitlines().index("  - lobesko") + 1
    out = messages(kbdir)
    assert len(out) == 1
    assert out[0].startswith(f"{path}:{line}: alias 'lobesko' is also used by 'a' (")


def test_unknown_related_id(kbdir: KbDir) -> None:
    text = dump(entry_data(related=["nope"]))
    path = kbdir.write("home/rel.yaml", text)
    line = text.splitlines().index("- nope") + 1
    assert messages(kbdir) == [f"{path}:{line}: related entry 'nope' does not exist"]


def test_empty_and_comment_only_files(kbdir: KbDir) -> None:
    empty = kbdir.write("home/empty.yaml", "")
    comments = kbdir.write("home/comments.yaml", "# just a comment\n")
    assert messages(kbdir) == [
        f"{comments}:1: the file is empty (only comments)",
        f"{empty}:1: the file is empty",
    ]


def test_binary_and_non_utf8_files(kbdir: KbDir) -> None:
    binary = kbdir.write("home/picture.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    latin1 = kbdir.write("home/latin.yaml", "title:\n  da: K\xf8b\n".encode("latin-1"))
    out = messages(kbdir)
    assert f"{latin1}:2: the file is not valid UTF-8 text (save it as UTF-8)" in out
    assert f"{binary}:1: this is not a text file (it contains binary data)" in out


def test_alternatives_out_of_order(kbdir: KbDir) -> None:
    alts = [
        {"kind": "new", "da": "Køb nyt.", "en": "Buy new."},
        {"kind": "use", "da": "Brug din.", "en": "Use yours."},
    ]
    text = dump(entry_data(alternatives=alts))
    path = kbdir.write("home/order.yaml", text)
    line = text.splitlines().index("alternatives:") + 1
    assert messages(kbdir) == [
        f"{path}:{line}: alternatives: alternatives must go in the order use → borrow/secondhand → repair → new"
    ]


def test_enum_value(kbdir: KbDir) -> None:
    text = dump(entry_data(verdict="maybe"))
    path = kbdir.write("home/enum.yaml", text)
    line = text.splitlines().index("verdict: maybe") + 1
    out = messages(kbdir)
    assert out[0].startswith(f"{path}:{line}: verdict: 'maybe' is not allowed; use one of")


def test_all_problems_are_collected(kbdir: KbDir) -> None:
    kbdir.write("home/one.yaml", "")
    kbdir.write("home/two.yaml", "title: [unclosed\n")
    kbdir.write("home/three.yaml", entry_data(verdict="maybe", related=["ghost"]))
    kbdir.write("home/four.yml", entry_data())
    kbdir.write("loose.yaml", entry_data())
    out = messages(kbdir)
    assert len(out) == 5
    assert any("use the .yaml extension" in m for m in out)
    assert any("entries belong in a category folder" in m for m in out)
    report = load_knowledge_base(kbdir.root, today=TODAY)
    assert report.kb is None


def test_warnings_stale_long_and_yearless(kbdir: KbDir) -> None:
    old = (TODAY - dt.timedelta(days=600)).isoformat()
    text = dump(
        entry_data(
            reviewed=old,
            critique={"da": "x" * 700, "en": "Short."},
            sources=[{"publisher": "Tænk", "title": "No year"}],
        )
    )
    path = kbdir.write("home/warn.yaml", text)
    report = load_knowledge_base(kbdir.root, today=TODAY)
    assert report.kb is not None  # warnings do not stop serving
    out = [str(p) for p in report.warnings]
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("reviewed:"))
    assert (
        f"{path}:{line}: warning: reviewed {old}, more than 18 months ago: check the facts" in out
    )
    assert any(m.startswith(f"{path}:") and "critique.da is 700 characters" in m for m in out)
    assert any(m.startswith(f"{path}:") and "source 'No year' has no year" in m for m in out)


def test_missing_directory() -> None:
    report = load_knowledge_base("/nonexistent/knowledge")
    assert report.kb is None
    assert "does not exist" in str(report.problems[0])
