"""Render the core's `Reply` in a terminal with rich: the same markup, numbered buttons."""

from __future__ import annotations

import html
import re
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from bot.core.actions import Action
from bot.core.reply import Reply

_TAG = re.compile(r"(<[^>]+>)")
_HREF = re.compile(r'<a\s+href="([^"]*)"\s*>', re.IGNORECASE)
_STYLES = {"b": "bold", "i": "italic", "code": "cyan"}


def console_for(out: TextIO) -> Console:
    """A console writing to `out` (no syntax highlighting; long lines wrap)."""
    return Console(file=out, highlight=False, soft_wrap=False)


def markup_to_rich(text: str) -> str:
    """The reply markup (b, i, code, a href) as rich markup; everything else is literal text."""
    out: list[str] = []
    links: list[str] = []
    for piece in _TAG.split(text):
        if not piece:
            continue
        if not _TAG.fullmatch(piece):
            out.append(escape(html.unescape(piece)))
            continue
        name = piece.strip("</>").split()[0].lower() if piece.strip("</>") else ""
        closing = piece.startswith("</")
        if name in _STYLES:
            out.append(f"[/{_STYLES[name]}]" if closing else f"[{_STYLES[name]}]")
        elif name == "a" and not closing:
            match = _HREF.match(piece)
            links.append(html.unescape(match.group(1)) if match else "")
            out.append("[underline]")
        elif name == "a" and closing:
            url = links.pop() if links else ""
            out.append("[/underline]" + (f" [dim]({escape(url)})[/dim]" if url else ""))
    return "".join(out)


def print_reply(console: Console, reply: Reply) -> list[Action]:
    """Print a reply; returns the actions of its buttons, in the order they were numbered."""
    if reply.notice:
        console.print(markup_to_rich(reply.notice), style="dim")
    if reply.toast:
        console.print(markup_to_rich(reply.toast), style="dim")
    if reply.text:
        console.print(markup_to_rich(reply.text))
    actions: list[Action] = []
    for row in reply.buttons:
        for button in row:
            if button.url:
                console.print(f"  🔗 {escape(button.label)}: {escape(button.url)}")
            elif button.action is not None:
                actions.append(button.action)
                number = escape(f"[{len(actions)}]")
                console.print(f"  [bold]{number}[/bold] {escape(button.label)}")
    return actions
