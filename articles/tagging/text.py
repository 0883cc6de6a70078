"""Text helpers shared by the gazetteer, the matcher and the people rules.

`fold` maps every character to one character (accents dropped, curly quotes made
straight), so offsets into the folded text are offsets into the original: the
automaton runs on folded text and the suggestions point into the text as printed.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "is_word_char", "normalize_name", "slugify"]

_QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u00a0": " ",
    "\u202f": " ",
}


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Latin-1 Supplement through Latin Extended Additional: wherever a character
    # decomposes to an ASCII letter plus combining marks, keep the letter.
    for code in list(range(0x00C0, 0x0250)) + list(range(0x1E00, 0x1F00)):
        char = chr(code)
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            table[code] = base
    for source, target in _QUOTES.items():
        table[ord(source)] = target
    # Letters without a decomposition that news spells both ways.
    for source, target in {
        "\u0131": "i",
        "\u0142": "l",
        "\u0141": "L",
        "\u00f8": "o",
        "\u00d8": "O",
        "\u0111": "d",
        "\u0110": "D",
    }.items():
        table[ord(source)] = target
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """The text with accents and typographic quotes folded, same length as `text`."""
    return text.translate(_FOLD)


def is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_name(name: str) -> str:
    """A name for comparison: accents folded, lower case, punctuation as spaces.

    "Kim Jong-un" and "Kim Jong Un", "Erdoğan" and "Erdogan" compare equal.
    """
    return _NON_ALNUM.sub(" ", fold(name).lower()).strip()


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", fold(name)).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub("-", ascii_name.lower()).strip("-")
