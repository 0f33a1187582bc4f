"""The checks the real Bot API makes on text: HTML entities, MarkdownV2, auto-detected entities."""

from __future__ import annotations

import html
import re
import struct
from dataclasses import dataclass
from typing import Any

from telegram import (
    MessageEntity,
)

from tests.telegram.fake_api.builders import utf16_len
from tests.telegram.fake_api.records import _entities_error

_HTML_TAGS = {
    "b": MessageEntity.BOLD,
    "strong": MessageEntity.BOLD,
    "i": MessageEntity.ITALIC,
    "em": MessageEntity.ITALIC,
    "u": MessageEntity.UNDERLINE,
    "ins": MessageEntity.UNDERLINE,
    "s": MessageEntity.STRIKETHROUGH,
    "strike": MessageEntity.STRIKETHROUGH,
    "del": MessageEntity.STRIKETHROUGH,
    "a": MessageEntity.TEXT_LINK,
    "code": MessageEntity.CODE,
    "pre": MessageEntity.PRE,
    "tg-spoiler": MessageEntity.SPOILER,
    "span": MessageEntity.SPOILER,
    "blockquote": MessageEntity.BLOCKQUOTE,
    "tg-emoji": MessageEntity.CUSTOM_EMOJI,
}
_HTML_TAG_RE = re.compile(r"<\s*(/?)\s*([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*?)?)\s*/?\s*>")
_HTML_ATTR_RE = re.compile(r"""([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_RE = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")


@dataclass
class _OpenTag:
    name: str
    start: int
    attrs: dict[str, str]
    language: str | None = None


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Bot API HTML like the server: returns (plain text, entity dicts).

    Raises ``ApiError(400, "Bad Request: can't parse entities: ...")`` for unknown or unbalanced
    tags and for ``<``/``&`` that are not part of a tag or an HTML entity.
    """
    out: list[str] = []
    pos = 0  # UTF-16 offset in the plain text
    stack: list[_OpenTag] = []
    entities: list[dict[str, Any]] = []

    def byte_offset(index: int) -> int:
        return len(text[:index].encode())

    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _HTML_TAG_RE.match(text, i)
            if match is None:
                raise _entities_error(
                    f"Unexpected '<' at byte offset {byte_offset(i)}: use &lt; for a literal '<'"
                )
            closing, name, raw_attrs = match.group(1), match.group(2).lower(), match.group(3)
            kind = "end" if closing else "start"
            if name not in _HTML_TAGS:
                raise _entities_error(
                    f'Unsupported {kind} tag "{name}" at byte offset {byte_offset(i)}'
                )
            if closing:
                if not stack:
                    raise _entities_error(
                        f'Unexpected end tag "{name}" at byte offset {byte_offset(i)}'
                    )
                if stack[-1].name != name:
                    raise _entities_error(
                        f"Unmatched end tag at byte offset {byte_offset(i)}, expected "
                        f'"</{stack[-1].name}>", found "</{name}>"'
                    )
                _close_tag(stack, entities, pos)
            else:
                attrs = {
                    m.group(1).lower(): next((g for g in m.group(2, 3, 4) if g is not None), "")
                    for m in _HTML_ATTR_RE.finditer(raw_attrs or "")
                }
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise _entities_error(
                        f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(i)}'
                    )
                if name == "tg-emoji" and not attrs.get("emoji-id"):
                    raise _entities_error(
                        f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                        f"{byte_offset(i)}"
                    )
                stack.append(_OpenTag(name, pos, {k: html.unescape(v) for k, v in attrs.items()}))
            i = match.end()
        elif char == "&":
            match = _HTML_ENTITY_RE.match(text, i)
            if match is None:
                raise _entities_error(
                    f"Character '&' at byte offset {byte_offset(i)} is not a part of an HTML "
                    "entity: use &amp;"
                )
            decoded = html.unescape(match.group())
            out.append(decoded)
            pos += utf16_len(decoded)
            i = match.end()
        else:
            end = len(text)
            for stop in ("<", "&"):
                found = text.find(stop, i)
                if found != -1:
                    end = min(end, found)
            out.append(text[i:end])
            pos += utf16_len(text[i:end])
            i = end
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_tag(stack: list[_OpenTag], entities: list[dict[str, Any]], pos: int) -> None:
    tag = stack.pop()
    length = pos - tag.start
    if tag.name == "code" and stack and stack[-1].name == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].language = language.removeprefix("language-")
            return
    if length <= 0:
        return
    entity: dict[str, Any] = {"type": _HTML_TAGS[tag.name], "offset": tag.start, "length": length}
    if tag.name == "a":
        if not tag.attrs.get("href"):
            return
        entity["url"] = tag.attrs["href"]
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = MessageEntity.EXPANDABLE_BLOCKQUOTE
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    entities.append(entity)


def check_markdown_v2(text: str) -> None:
    """Cheap MarkdownV2 check: reserved characters outside code/links must be escaped."""
    i = 0
    code: str | None = None
    line_start = True
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2
            line_start = False
            continue
        if code is not None:
            if text.startswith(code, i):
                i += len(code)
                code = None
            else:
                i += 1
            continue
        if text.startswith("```", i):
            code = "```"
            i += 3
            continue
        if char == "`":
            code = "`"
            i += 1
            continue
        if char == "]" and text.startswith("(", i + 1):
            close = i + 2
            while close < len(text) and text[close] != ")":
                close += 2 if text[close] == "\\" else 1
            if close >= len(text):
                raise _entities_error("Can't find end of a URL")
            i = close + 1
            line_start = False
            continue
        if char in ".!#+-={}()" or (char == ">" and not line_start):
            raise _entities_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        line_start = char == "\n"
        i += 1
    if code is not None:
        raise _entities_error("Can't find end of Pre/Code entity")


_AUTO_ENTITY_RES = (
    (MessageEntity.BOT_COMMAND, re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")),
    (MessageEntity.MENTION, re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}")),
    (MessageEntity.URL, re.compile(r"\bhttps?://[^\s<>]+")),
)  # fmt: skip


def detect_entities(text: str) -> list[MessageEntity]:
    """Entities the Telegram client/server adds to a user's text: bot_command, mention, url."""
    found = []
    for kind, regex in _AUTO_ENTITY_RES:
        for match in regex.finditer(text):
            offset = utf16_len(text[: match.start()])
            found.append(MessageEntity(kind, offset, utf16_len(match.group())))
    return sorted(found, key=lambda e: e.offset)


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) for PNG/JPEG/GIF/WEBP, None when the bytes are not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data.startswith((b"GIF87a", b"GIF89a")) and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return 800, 600
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 512, 512
    return None
