"""Plain data that the parsers produce and the loader consumes.

Nothing here knows about Django: a parser turns bytes into these frozen
records, and `articles.loader` writes them to the database.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, time


@dataclass(frozen=True, slots=True)
class Block:
    """One block of an article body, in reading order."""

    PARAGRAPH = "paragraph"
    SUBHEADING = "subheading"

    kind: str  # Block.PARAGRAPH or Block.SUBHEADING
    text: str


@dataclass(frozen=True, slots=True)
class RelatedReference:
    """A "Related article: [title](url)" line: a reference, not body text."""

    title: str
    url: str = ""  # "" when the export only had a placeholder such as "#"


@dataclass(frozen=True, slots=True)
class ParsedArticle:
    title: str
    published_on: date
    url: str  # canonical URL, "" when the record has none
    source_path: str  # the file it came from, for messages
    source_line: int  # 1-based line (text/JSONL) or record line (CSV) where it starts
    published_time: time | None = None  # as printed; the source's time zone is unknown
    subtitle: str = ""
    byline: str = ""  # as printed, e.g. "Marc Preel and Francesco Fontemaggi for AFP"
    authors: tuple[str, ...] = ()
    agency: str = ""
    dateline: str = ""  # e.g. "MOSCOW, February 7. /TASS/." kept out of the body
    blocks: tuple[Block, ...] = ()
    photo_caption: str = ""
    photo_credit: str = ""
    related: tuple[RelatedReference, ...] = ()
    language: str = "en"
    external_id: str = ""  # the source's own id (CSV article_id), informational
    repairs: tuple[str, ...] = field(default=())  # what cleaning changed, e.g. "lost-quote x3"

    @property
    def body(self) -> str:
        """The body as plain text, blocks separated by blank lines."""
        return "\n\n".join(block.text for block in self.blocks)

    @property
    def paragraph_count(self) -> int:
        return sum(1 for block in self.blocks if block.kind == Block.PARAGRAPH)

    @property
    def natural_key(self) -> str:
        """What identifies the article across imports: its URL, else its content."""
        return self.url or f"sha256:{self.content_hash}"

    @property
    def content_hash(self) -> str:
        """A hash of everything an import writes, to tell unchanged from updated."""
        payload = asdict(self)
        for volatile in ("source_path", "source_line", "repairs"):
            payload.pop(volatile)
        encoded = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class ParseError(ValueError):
    """A record that cannot be imported, with where and why."""

    def __init__(self, path: str, line: int | None, reason: str):
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")
