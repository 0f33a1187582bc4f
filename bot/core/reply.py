"""What the core says back: a framework-free `Reply`, rendered by Telegram and the terminal alike.

A reply's text is markup: a small HTML subset (`<b>`, `<i>`, `<a href>`, `<code>`) in which every
piece of user or curator text is escaped. Telegram sends it as HTML; the terminal turns it into
rich text. Buttons are data: a label and either a typed `Action` or a URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.actions import Action


@dataclass(frozen=True)
class Button:
    """One button: pressing it runs `action`, or opens `url`."""

    label: str
    action: Action | None = None
    url: str | None = None


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    """One message of the bot (long texts are split by the renderer, buttons under the last part)."""

    text: str
    buttons: Keyboard = ()
    kind: str = "text"
    """What produced it: the matcher's kind for questions, else the command or button."""
    notice: str | None = None
    """A line shown before the message (e.g. that a long question was cut)."""
    toast: str | None = None
    """A short confirmation of a button press (Telegram shows it as a pop-up)."""
    alert: bool = False
    """Show the toast as an alert the user must dismiss."""
    edit: bool = False
    """Replace the message the pressed button was on, instead of sending a new one."""
    photo: bytes | None = None
    """A PNG sent with `text` as its caption (the admin chart)."""
    question_id: str | None = None
    """The logged question this reply answers, if any."""
    mark_pressed: bool = False
    """Tick the pressed button among its siblings of the same kind (👍/👎: a second press changes it)."""
    clear_buttons: bool = False
    """Remove the buttons of the message the pressed button was on (a question answered once)."""


def rows(buttons: list[Button], per_row: int = 1) -> Keyboard:
    """Buttons laid out `per_row` to a row."""
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))
