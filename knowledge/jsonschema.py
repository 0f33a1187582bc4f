"""The JSON schema of entry files, for editors (yaml-language-server)."""

from __future__ import annotations

import json

from knowledge.schema import ENTRY_ID_PATTERN, Entry


def entry_schema() -> dict[str, object]:
    """The schema of one entry file (the `id` key is optional: the file name is the id)."""
    schema = Entry.model_json_schema()
    schema["title"] = "Omtanke knowledge-base entry"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    props = schema.setdefault("properties", {})
    assert isinstance(props, dict)
    props["id"] = {
        "type": "string",
        "description": "Optional; must equal the file name without .yaml",
        "pattern": ENTRY_ID_PATTERN,
    }
    return schema


def entry_schema_json() -> str:
    """The schema as stable, pretty JSON text (what knowledge/entries/schema.json holds)."""
    return json.dumps(entry_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
