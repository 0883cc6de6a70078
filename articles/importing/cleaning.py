"""Text repairs shared by every import format: pure functions, no I/O.

Each repair is counted so that an article can say what was changed
(ParsedArticle.repairs, e.g. ``("lost-quote-closing:3", "mojibake:1")``). The rule
throughout: repair only what is certain, and never record a repair that was not made.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ftfy

from .records import Block

__all__ = [
    "CONTROL_CHARS",
    "JOINED_PARAGRAPH",
    "LOST_APOSTROPHE",
    "LOST_CLOSING_QUOTE",
    "LOST_DASH",
    "MOJIBAKE",
    "Body",
    "Dateline",
    "build_body",
    "clean_paragraphs",
    "clean_text",
    "ends_sentence",
    "fix_mojibake",
    "format_repairs",
    "join_broken_paragraphs",
    "normalize_whitespace",
    "remove_control_chars",
    "repair_lost_quotes",
    "split_dateline",
    "split_leading_dateline",
    "split_on_space_runs",
]

# Names of the repairs, as they appear in ParsedArticle.repairs ("name:count").
MOJIBAKE = "mojibake"
CONTROL_CHARS = "control-chars"
LOST_CLOSING_QUOTE = "lost-quote-closing"
LOST_DASH = "lost-quote-dash"
LOST_APOSTROPHE = "lost-apostrophe"
JOINED_PARAGRAPH = "joined-paragraph"

# The characters that repairs restore, spelt out: they look too much like ASCII.
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"
CLOSING_QUOTE = "\N{RIGHT DOUBLE QUOTATION MARK}"
EM_DASH = "\N{EM DASH}"

# ftfy for real mojibake only. Curly quotes are the publisher's typography, so they
# stay; full-width punctuation is correct in Chinese text, so it stays too; control
# characters are removed (and counted) by remove_control_chars below.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    remove_control_chars=False,
    explain=True,
)
_ENCODING_STEPS = frozenset({"encode", "decode", "transcode"})
# Mojibake always contains a non-ASCII letter or symbol (the "Ã", "â" or "Ð" of a
# mis-decoded lead byte). Text whose only non-ASCII characters are these common,
# correct ones (and U+FFFD: a loss ftfy cannot undo) has nothing for ftfy to fix.
_MOJIBAKE_SUSPECT = re.compile(r"[^\x00-\x7f\ufffd\xa0\u2018\u2019\u201c\u201d\u2013\u2014\u2026]")

# Invisible format characters that split words for search and display nothing.
# Zero-width (non-)joiners are left alone: emoji and some scripts need them.
_INVISIBLE_FORMAT_CHARS = frozenset({"\u200b", "\u2060", "\ufeff", "\u00ad"})

# --- lost curly quotes ---------------------------------------------------------------
# The CSV's exporter replaced a 3-byte character (a curly quote U+201C/U+201D/U+2019
# or the dash U+2014) and the byte after it, usually a space, with `"?`. Only the
# contexts where the lost character is certain are repaired; `DeVos"?highly` (an
# apostrophe or a closing quote?) is left as printed.
#
# One pass over the text with one alternative per certain context, so that a repair
# never creates the context for another (the space of a restored `” ` before a
# second `"?`, say).
_LOST_CHARACTER = re.compile(
    # Every alternative starts at the quote, so the scan can jump from quote to quote.
    r'"(?:'
    # After sentence punctuation it closed a quotation: in `choice,"?Sen.` the `"?` becomes
    # U+201D and a space. `(?<!"\?")` keeps the second `"?` of `,"?"?` out: its `?` is
    # debris, not punctuation.
    r'(?<=[,.!?]")(?<!"\?")(?P<closing>\?)'
    # After a space and before a letter it was a dash: in `group "?and` the `"?` becomes
    # U+2014 and a space. (Before a digit it was an opening quote that took the digit
    # along: `"?0/20` for "20/20".)
    r'|(?<= ")(?P<dash>\?)(?=[^\W\d_])'
    # A straight quote inside a contraction stood for an apostrophe (U+2019): `didn"t`.
    r'|(?<=[^\W\d_]")(?P<apostrophe>)(?=(?:t|m|re|ll|ve|T|M|RE|LL|VE)\b)'
    # The same before s or d (`Sheriff"s Office`, `he"d`), unless a quotation is open:
    # in `"Hood desert"s highly` the quote may as well close the quotation.
    r'|(?<=[^\W\d_]")(?P<possessive>)(?=(?:s|d|S|D)\b)'
    r")"
)
_REPAIR_OF_GROUP = {
    "closing": LOST_CLOSING_QUOTE,
    "dash": LOST_DASH,
    "apostrophe": LOST_APOSTROPHE,
    "possessive": LOST_APOSTROPHE,
}
# A straight quote that is not between two letters (those are lost apostrophes).
_QUOTATION_MARK = re.compile(r'(?<![^\W\d_])"|"(?![^\W\d_])')
# Characters after which the restored closing quote needs no space of its own.
_NO_SPACE_AFTER_QUOTE = frozenset(",.;:)]!?")

# --- paragraphs ------------------------------------------------------------------------
_TERMINAL_PUNCTUATION = frozenset(".!?…:;")
_CLOSING_MARKS = f"\"'{CLOSING_QUOTE}{APOSTROPHE}\u00bb)]*"
# CSV bodies carry no paragraph marks; their only trace is a run of spaces (or a line
# break) where a paragraph, caption or heading ended.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # those of str.splitlines
_PARAGRAPH_GAP = re.compile(rf"[ \t\xa0]{{2,}}|\s*[{_LINE_BREAKS}]\s*")
# Without any of these, _PARAGRAPH_GAP cannot match: the cheap test for most bodies.
_GAP_MARKS = ("  ", "\t", "\xa0", *_LINE_BREAKS)

# --- datelines -------------------------------------------------------------------------
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# TASS style, the agency between slashes: "MOSCOW, February 7. /TASS/.",
# "BADEN-BADEN /Germany/, March 9. /TASS/.", "MOSCOW, March 17. /TASS, A. Writer/.",
# "TAIPEI, Taiwan, Feb. 7, 2017 /PRNewswire/.-". The named agency is what makes it
# certain that this is a dateline and not a sentence.
_SLASH_DATELINE = re.compile(
    rf"""
    (?P<dateline>
      [A-Z][^,/()\n]{{0,60}}?                      # MOSCOW, St PETERSBURG, MURMANSK
      (?:\s*(?:/[^/\n]{{1,40}}/|\([^()\n]{{1,40}}\)))?   # /Germany/, (Bashkiria)
      (?:,\s*[^,/\n]{{1,40}}?)*?                   # , Taiwan / , high-latitude Arctic
      [.,]?\s*{_MONTH}\s*\d{{1,2}}(?:,\s*\d{{4}})?  # , February 7 / , Feb. 7, 2017
      \s*[.,]?\s*
      /\s*(?P<agency>[A-Z][A-Za-z]+)\.?\s*         # /TASS  /TASS.  /PRNewswire
      (?:,\s*(?P<authors>[^/\n]{{1,100}}?))?\s*/   # , Maxim Allanazarov, Yevgeny Ionov/
      \.?
    )
    [\s.\-]*
    """,
    re.VERBOSE,
)
# Wire style, the agency in brackets: "BRUSSELS (Reuters) - ",
# "WASHINGTON, Feb 9 (Reuters) - ".
_BRACKET_DATELINE = re.compile(
    rf"""
    (?P<dateline>
      [A-Z][A-Z .'/\-]{{1,40}}?
      (?:,\s*{_MONTH}\s*\d{{1,2}})?
      \s*\((?P<agency>[A-Z][A-Za-z.]{{1,30}})\)
    )
    \s*[-\u2013\u2014]+\s*
    """,
    re.VERBOSE,
)
_AUTHOR_SEPARATOR = re.compile(r"\s*,\s*|\s+and\s+")
_PERSON_NAME = re.compile(r"[A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*){1,3}")


@dataclass(frozen=True, slots=True)
class Dateline:
    """A dateline split off the start of a body, and what it says."""

    text: str  # as printed, e.g. "MOSCOW, February 7. /TASS/."
    agency: str  # "TASS"
    authors: tuple[str, ...] = ()  # from "/TASS, Maxim Allanazarov/"


@dataclass(frozen=True, slots=True)
class Body:
    """Paragraph blocks made from raw paragraph texts, and what was done to them."""

    blocks: tuple[Block, ...]
    dateline: Dateline | None
    repairs: Counter[str]


def build_body(paragraphs: Iterable[str]) -> Body:
    """Clean raw paragraphs, join the broken ones and split off a leading dateline.

    For formats whose paragraphs are plain text (CSV, JSONL): every block is a
    paragraph; nothing is promoted to a subheading, since nothing marks one.
    """
    texts, repairs = clean_paragraphs(paragraphs)
    blocks, joins = join_broken_paragraphs([Block(Block.PARAGRAPH, text) for text in texts])
    repairs[JOINED_PARAGRAPH] += joins
    dateline, blocks = split_leading_dateline(blocks)
    return Body(tuple(blocks), dateline, +repairs)


def clean_text(text: str) -> tuple[str, Counter[str]]:
    """Clean one paragraph (or a title): fix mojibake, drop control characters,
    normalise whitespace and restore the lost curly quotes that are certain.

    Returns the text and a count of each repair made.
    """
    repairs: Counter[str] = Counter()
    text, fixed = fix_mojibake(text)
    repairs[MOJIBAKE] += fixed
    text, removed = remove_control_chars(text)
    repairs[CONTROL_CHARS] += removed
    text = normalize_whitespace(text)
    text, quote_repairs = repair_lost_quotes(text)
    repairs.update(quote_repairs)
    return text, +repairs  # unary + drops the zero counts


def fix_mojibake(text: str) -> tuple[str, int]:
    """Undo wrong-codec decoding with ftfy (e.g. "â€œ" -> "“"); 1 if it did, else 0."""
    if not _MOJIBAKE_SUSPECT.search(text):  # skip ftfy's cost where it cannot help
        return text, 0
    fixed, explanation = ftfy.fix_and_explain(text, config=_FTFY_CONFIG)
    # ftfy also "explains" a round trip that changed nothing; only a change counts.
    repaired_encoding = fixed != text and any(
        step[0] in _ENCODING_STEPS for step in explanation or ()
    )
    return fixed, int(repaired_encoding)


def remove_control_chars(text: str) -> tuple[str, int]:
    """Remove NUL, other control characters, lone surrogates and invisible format
    characters.

    Tabs and line breaks are whitespace, not debris: they are kept here and
    normalised by normalize_whitespace. Returns the text and how many were removed.
    """
    if text.isprintable():  # the common case: nothing to remove (and no whitespace)
        return text, 0
    kept = [char for char in text if not _is_debris(char)]
    return "".join(kept), len(text) - len(kept)


def normalize_whitespace(text: str) -> str:
    """Collapse every whitespace run (NBSP, tabs, line breaks included) to one space."""
    return " ".join(text.split())


def repair_lost_quotes(text: str) -> tuple[str, Counter[str]]:
    """Restore the curly quotes, dashes and apostrophes lost as `"?` or `"` where the
    context makes the lost character certain; leave every ambiguous case as printed.
    """
    repairs: Counter[str] = Counter()
    if '"' not in text:
        return text, repairs

    def restore(match: re.Match[str]) -> str:
        kind = match.lastgroup or ""
        if kind == "possessive" and _inside_quotation(text, match.start()):
            return match[0]  # the quote may close the quotation: left as printed
        repairs[_REPAIR_OF_GROUP[kind]] += 1
        if kind == "dash":
            return f"{EM_DASH} "
        if kind in ("apostrophe", "possessive"):
            return APOSTROPHE
        # The lost byte after a closing quote was a space, unless the text goes on
        # with a space or punctuation of its own (or ends).
        following = text[match.end() : match.end() + 1]
        needs_space = bool(following) and not following.isspace()
        if needs_space and following not in _NO_SPACE_AFTER_QUOTE:
            return f"{CLOSING_QUOTE} "
        return CLOSING_QUOTE

    return _LOST_CHARACTER.sub(restore, text), repairs


def split_on_space_runs(text: str) -> list[str]:
    """Split a body without paragraph marks at runs of 2+ spaces (tabs and NBSPs
    count as spaces) or at line breaks."""
    if not any(mark in text for mark in _GAP_MARKS):  # most bodies: one paragraph
        return [text] if text.strip() else []
    return [part for part in _PARAGRAPH_GAP.split(text) if part.strip()]


def ends_sentence(text: str) -> bool:
    """True when the text ends with terminal punctuation, closing quotes aside."""
    stripped = text.rstrip().rstrip(_CLOSING_MARKS)
    return bool(stripped) and stripped[-1] in _TERMINAL_PUNCTUATION


def join_broken_paragraphs(blocks: Sequence[Block]) -> tuple[list[Block], int]:
    """Join a paragraph that stops mid-sentence with the next one.

    Broken means: it ends without terminal punctuation and the next paragraph starts
    with a lower-case letter ("...and the US would" / "follow suit soon, ..."). An
    upper-case start is left alone: that may be a caption or heading before a paragraph.
    Returns the blocks and the number of joins.
    """
    joined: list[Block] = []
    joins = 0
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.kind == Block.PARAGRAPH
            and block.kind == Block.PARAGRAPH
            and not ends_sentence(previous.text)
            and block.text[:1].islower()
        ):
            joined[-1] = Block(Block.PARAGRAPH, f"{previous.text} {block.text}")
            joins += 1
        else:
            joined.append(block)
    return joined, joins


def split_dateline(paragraph: str) -> tuple[Dateline | None, str]:
    """Split a dateline that names its agency off the start of a first paragraph.

    "MOSCOW, February 7. /TASS/. Russia is..." -> (Dateline("MOSCOW, February 7.
    /TASS/.", "TASS"), "Russia is..."). Without such a dateline: (None, paragraph).
    """
    for pattern in (_SLASH_DATELINE, _BRACKET_DATELINE):
        match = pattern.match(paragraph)
        if match:
            authors = _dateline_authors(match.groupdict().get("authors") or "")
            dateline = Dateline(match["dateline"].strip(), match["agency"], authors)
            return dateline, paragraph[match.end() :]
    return None, paragraph


def split_leading_dateline(blocks: Sequence[Block]) -> tuple[Dateline | None, list[Block]]:
    """split_dateline on the first block, when it is a paragraph; a first paragraph that
    was nothing but the dateline is dropped."""
    if not blocks or blocks[0].kind != Block.PARAGRAPH:
        return None, list(blocks)
    dateline, rest = split_dateline(blocks[0].text)
    if dateline is None:
        return None, list(blocks)
    remaining = [Block(Block.PARAGRAPH, rest)] if rest.strip() else []
    return dateline, [*remaining, *blocks[1:]]


def format_repairs(repairs: Counter[str]) -> tuple[str, ...]:
    """("lost-quote-closing:3", "mojibake:1"): the repairs made, sorted by name."""
    return tuple(f"{name}:{count}" for name, count in sorted(repairs.items()) if count > 0)


def clean_paragraphs(paragraphs: Iterable[str]) -> tuple[list[str], Counter[str]]:
    """clean_text over many paragraphs, dropping those that end up empty."""
    repairs: Counter[str] = Counter()
    cleaned: list[str] = []
    for paragraph in paragraphs:
        text, made = clean_text(paragraph)
        repairs.update(made)
        if text:
            cleaned.append(text)
    return cleaned, repairs


def _inside_quotation(text: str, position: int) -> bool:
    """True when an odd number of quotation marks precede the position."""
    return len(_QUOTATION_MARK.findall(text, 0, position)) % 2 == 1


def _is_debris(char: str) -> bool:
    if char.isspace():  # tabs and line breaks too: whitespace, normalised later
        return False
    # Cc: control characters; Cs: lone surrogates, which JSON escapes can smuggle in and
    # which cannot even be encoded as UTF-8.
    return char in _INVISIBLE_FORMAT_CHARS or unicodedata.category(char) in ("Cc", "Cs")


def _dateline_authors(names: str) -> tuple[str, ...]:
    # Only when every part looks like a personal name: "/TASS, Andrei Kartashov/".
    parts = [part for part in _AUTHOR_SEPARATOR.split(names.strip()) if part]
    if parts and all(_PERSON_NAME.fullmatch(part) for part in parts):
        return tuple(parts)
    return ()
