"""Render the core's `Reply` as Telegram messages: HTML parts, inline keyboards, edits."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.core.reply import Keyboard, Reply

TELEGRAM_LIMIT = 4096
"""Characters per message."""
CAPTION_LIMIT = 1024
"""Characters per photo caption."""
TICK = "✅ "


def markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    """The inline keyboard for a reply's buttons (None when it has none)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(b.label, url=b.url)
                if b.url
                else InlineKeyboardButton(
                    b.label, callback_data=b.action.pack() if b.action else ""
                )
                for b in row
            ]
            for row in buttons
        ]
    )


async def send(message: Message, reply: Reply, *, quote: bool = False) -> None:
    """Send a reply in the chat of `message`, split on paragraph borders; buttons go last."""
    keyboard = markup(reply.buttons)
    if reply.notice:
        await message.reply_html(reply.notice, do_quote=quote)
    if reply.photo is not None:
        await message.reply_photo(
            reply.photo, caption=reply.text[:CAPTION_LIMIT], reply_markup=keyboard
        )
        return
    if not reply.text:
        return
    parts = split_message(reply.text)
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        await message.reply_html(
            part, reply_markup=keyboard if last else None, do_quote=quote and i == 0
        )


async def answer_button(query: CallbackQuery, reply: Reply | None) -> None:
    """Answer a button press: the toast, then the reply as an edit or a new message."""
    if reply is None:
        await query.answer()
        return
    await query.answer(reply.toast, show_alert=reply.alert)
    message = query.message if isinstance(query.message, Message) else None
    if message is None:
        return
    if reply.mark_pressed:
        await mark_pressed(message, query.data or "")
    if reply.clear_buttons:
        try:
            await message.edit_reply_markup(None)
        except BadRequest:
            pass  # already gone or too old: the answer below still comes
    if not reply.text and reply.photo is None:
        return
    if reply.edit:
        await edit(message, reply)
    else:
        await send(message, reply)


async def edit(message: Message, reply: Reply) -> None:
    """Edit a bot message in place; an unchanged message is fine, a vanished one gets a new one."""
    try:
        await message.edit_text(
            reply.text, parse_mode=ParseMode.HTML, reply_markup=markup(reply.buttons)
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            await send(message, reply)


async def mark_pressed(message: Message, pressed: str) -> None:
    """Tick the pressed button among those of the same kind (same prefix), untick the others."""
    if message.reply_markup is None:
        return
    prefix = pressed.split(":", 1)[0] + ":"
    rows = []
    for row in message.reply_markup.inline_keyboard:
        new_row = []
        for button in row:
            data = button.callback_data if isinstance(button.callback_data, str) else None
            if data and data.startswith(prefix):
                label = button.text.removeprefix(TICK)
                button = InlineKeyboardButton(
                    (TICK if data == pressed else "") + label, callback_data=data
                )
            new_row.append(button)
        rows.append(new_row)
    new = InlineKeyboardMarkup(rows)
    if new != message.reply_markup:
        try:
            await message.edit_reply_markup(new)
        except BadRequest:
            pass  # unchanged or too old to edit: the press is stored all the same


def split_message(html_text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split on paragraph borders (then lines) so each part fits one Telegram message.

    Parts never cut inside a tag because the card puts each tag pair within one line.
    """
    if len(html_text) <= limit:
        return [html_text]
    parts: list[str] = []
    current = ""
    for block in html_text.split("\n\n"):
        pieces = [block] if len(block) <= limit else _split_lines(block, limit)
        for piece in pieces:
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _split_lines(block: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for line in block.split("\n"):
        while len(line) > limit:  # a single enormous line: cut at a space, never inside a word
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            out.append(line[:cut])
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = line
    if current:
        out.append(current)
    return out
