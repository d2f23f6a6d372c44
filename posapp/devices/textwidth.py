"""Column widths as a receipt printer counts them: a CJK character takes two columns.

East Asian Ambiguous characters (×, ·, “”, ℃, é, ①...) are double-byte codes in GB18030 and Big5,
and a printer in Chinese mode prints every double-byte code full width; so they count 2 for those
printers, and 1 for single-byte code pages (`ambiguous` says which).
"""

from __future__ import annotations

import unicodedata

CONTROL_SPACES = {"\t": " ", "\n": " ", "\r": " ", "\u3000": "  "}


def ambiguous_width(encoding: str) -> int:
    """How wide an East Asian Ambiguous character prints with this printer encoding."""
    return 1 if encoding.lower().startswith("cp") else 2


def char_width(ch: str, *, ambiguous: int = 2) -> int:
    """Columns one character takes: 0 (combining, format), 1, or 2 (wide, full-width)."""
    if ch < "\u0300":  # ASCII and Latin-1 fast path (Latin-1 has some Ambiguous letters)
        if ch < " " or "\x7f" <= ch < "\xa0" or ch == "\xad":
            return 0
        return 1 if ch < "\xa1" else (ambiguous if unicodedata.east_asian_width(ch) == "A" else 1)
    category = unicodedata.category(ch)
    if category in ("Mn", "Me", "Cf", "Cc") or "\u1160" <= ch <= "\u11ff":
        return 0
    eaw = unicodedata.east_asian_width(ch)
    if eaw in ("W", "F"):
        return 2
    return ambiguous if eaw == "A" else 1


def text_width(text: str, *, ambiguous: int = 2) -> int:
    return sum(char_width(ch, ambiguous=ambiguous) for ch in text)


def clean(text: str) -> str:
    """One printable line: NFC, tabs and newlines as spaces, other zero-width characters dropped."""
    text = unicodedata.normalize("NFC", str(text))
    for old, new in CONTROL_SPACES.items():
        text = text.replace(old, new)
    return "".join(ch for ch in text if ch == " " or char_width(ch) > 0)


def truncate(text: str, width: int, *, ambiguous: int = 2, ellipsis: str = "") -> str:
    """The longest head of text that fits width (never half a wide character)."""
    if text_width(text, ambiguous=ambiguous) <= width:
        return text
    room = width - text_width(ellipsis, ambiguous=ambiguous)
    out, used = [], 0
    for ch in text:
        w = char_width(ch, ambiguous=ambiguous)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out) + ellipsis


def _tokens(text: str, ambiguous: int) -> list[str]:
    """Words of narrow characters, single wide characters, and single spaces, in order."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch == " " or char_width(ch, ambiguous=ambiguous) == 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, width: int, *, ambiguous: int = 2) -> list[str]:
    """Lines of at most width columns; breaks at spaces or between wide characters."""
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    lines: list[str] = []
    line, used = "", 0
    for token in _tokens(clean(text), ambiguous):
        w = text_width(token, ambiguous=ambiguous)
        if token == " " and not line:
            continue  # no leading spaces on a continuation line
        if used + w <= width:
            line, used = line + token, used + w
            continue
        if line.strip():
            lines.append(line.rstrip())
        line, used = "", 0
        if token == " ":
            continue
        while w > width:  # a word longer than a whole line is cut by columns
            head = truncate(token, width, ambiguous=ambiguous)
            lines.append(head)
            token = token[len(head):]
            w = text_width(token, ambiguous=ambiguous)
        line, used = token, w
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def pad_right(text: str, width: int, *, ambiguous: int = 2) -> str:
    return text + " " * max(0, width - text_width(text, ambiguous=ambiguous))


def pad_left(text: str, width: int, *, ambiguous: int = 2) -> str:
    return " " * max(0, width - text_width(text, ambiguous=ambiguous)) + text


def center(text: str, width: int, *, ambiguous: int = 2) -> str:
    """Centred in width, without trailing spaces."""
    room = max(0, width - text_width(text, ambiguous=ambiguous))
    return " " * (room // 2) + text


def spread(left: str, right: str, width: int, *, ambiguous: int = 2) -> list[str]:
    """left flush left and right flush right on one line, or on two lines when they do not fit."""
    lw, rw = text_width(left, ambiguous=ambiguous), text_width(right, ambiguous=ambiguous)
    if lw + 1 + rw <= width or not left:
        return [left + " " * max(0, width - lw - rw) + right]
    head = wrap(left, width, ambiguous=ambiguous)
    return head + [pad_left(right, width, ambiguous=ambiguous)]
