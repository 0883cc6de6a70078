"""The JSON Lines format (``.jsonl`` or ``.ndjson``): one JSON object per line.

Schema of each object (unknown fields are errors, so that a misspelt field is not
silently lost)::

    {
      "title": "Lavrov, Tillerson Meet in Bonn",        # required, non-empty string
      "published": "2017-02-16",                        # required: ISO date or datetime
                                                        #   ("2017-02-16T10:05:00"), or
      "publish_date": "2017/2/16 10:05",                #   instead, the CSV style
      "url": "https://tass.com/politics/931267",        # optional, canonicalised
      "subtitle": "...",                                # optional
      "body": "First paragraph.\\n\\nSecond.",          # optional: blank lines separate
                                                        #   paragraphs; or instead
      "paragraphs": ["First paragraph.", "Second."],    #   a list of strings
      "byline": "Jane Doe and John Roe for AFP",        # optional, as printed
      "authors": ["Jane Doe", "John Roe"],              # optional; else from byline
      "agency": "AFP",                                  # optional; else from byline
      "photo_caption": "...", "photo_credit": "...",    # optional
      "related": [{"title": "...", "url": "..."}],      # optional; url may be omitted
      "language": "en",                                 # optional, default "en"
      "id": "1234"                                      # optional: the source's own id
    }                                                   #   (a string or an integer)

Blank lines are skipped. Every bad line (invalid UTF-8 or JSON, not an object, a
missing or mistyped field) is yielded as a ParseError with its line, and reading goes
on. A body goes through the same cleaning as a CSV body (paragraphs only; a leading
agency dateline is split off). The stream is read line by line, never whole.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, time
from typing import Any, BinaryIO

from .cleaning import build_body, clean_text, format_repairs
from .csv_format import parse_publish_date
from .records import ParsedArticle, ParseError, RelatedReference
from .sources import canonical_url
from .text_format import parse_byline

__all__ = ["FIELDS", "iter_jsonl"]

STRING_FIELDS = frozenset(
    {
        "title",
        "published",
        "publish_date",
        "url",
        "subtitle",
        "body",
        "byline",
        "agency",
        "photo_caption",
        "photo_credit",
        "language",
    }
)
STRING_LIST_FIELDS = frozenset({"paragraphs", "authors"})
FIELDS = STRING_FIELDS | STRING_LIST_FIELDS | {"related", "id"}

UTF8_BOM = "\ufeff"
_BLANK_LINES = re.compile(r"\n\s*\n")


class _InvalidRecord(ValueError):
    """A record that breaks the schema; the message is the ParseError's reason."""


def iter_jsonl(stream: BinaryIO, *, path: str) -> Iterator[ParsedArticle | ParseError]:
    """Yield a ParsedArticle or a ParseError for each non-blank line of a JSONL stream."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield ParseError(path, number, f"not valid UTF-8 at byte {error.start} of the line")
            continue
        if number == 1:
            line = line.removeprefix(UTF8_BOM)
        if not line.strip():
            continue
        try:
            yield _article(_decode_object(line.rstrip()), path=path, line=number)
        except _InvalidRecord as error:
            yield ParseError(path, number, str(error))


def _decode_object(line: str) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise _InvalidRecord(f"invalid JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise _InvalidRecord("invalid JSON: nested too deeply") from None
    if not isinstance(value, dict):
        raise _InvalidRecord(f"expected a JSON object, found {_json_type(value)}")
    unknown = sorted(set(value) - FIELDS)
    if unknown:
        raise _InvalidRecord(
            f"unknown field{'s' if len(unknown) > 1 else ''}: "
            + ", ".join(repr(name) for name in unknown)
        )
    for name in value:
        _check_type(name, value[name])
    return value


def _article(record: dict[str, Any], *, path: str, line: int) -> ParsedArticle:
    repairs: Counter[str] = Counter()

    def text(name: str) -> str:
        return _clean(record.get(name) or "", repairs)

    title = text("title")
    if not title:
        raise _InvalidRecord("no title")
    published_on, published_time = _published(record)
    body = build_body(_raw_paragraphs(record))
    repairs.update(body.repairs)
    byline = text("byline")
    byline_authors, byline_agency = parse_byline(byline)
    dateline = body.dateline
    authors = tuple(filter(None, (_clean(name, repairs) for name in record.get("authors") or ())))
    return ParsedArticle(
        title=title,
        published_on=published_on,
        published_time=published_time,
        url=canonical_url(record.get("url") or ""),
        source_path=path,
        source_line=line,
        subtitle=text("subtitle"),
        byline=byline,
        authors=authors or byline_authors or (dateline.authors if dateline else ()),
        agency=text("agency") or byline_agency or (dateline.agency if dateline else ""),
        dateline=dateline.text if dateline else "",
        blocks=body.blocks,
        photo_caption=text("photo_caption"),
        photo_credit=text("photo_credit"),
        related=_related(record.get("related") or [], repairs),
        language=text("language") or "en",
        external_id=_clean(_external_id(record.get("id")), repairs),
        repairs=format_repairs(repairs),
    )


def _clean(value: str, repairs: Counter[str]) -> str:
    """clean_text, adding its repairs to `repairs`."""
    cleaned, made = clean_text(value)
    repairs.update(made)
    return cleaned


def _published(record: dict[str, Any]) -> tuple[date, time | None]:
    if "published" in record and "publish_date" in record:
        raise _InvalidRecord("give 'published' or 'publish_date', not both")
    name = "published" if "published" in record else "publish_date"
    value = record.get(name)
    if not value or not value.strip():
        raise _InvalidRecord("no publication date ('published')")
    try:
        return parse_publish_date(value)
    except ValueError:
        raise _InvalidRecord(f"unparseable {name} {value!r}") from None


def _raw_paragraphs(record: dict[str, Any]) -> list[str]:
    if "body" in record and "paragraphs" in record:
        raise _InvalidRecord("give 'body' or 'paragraphs', not both")
    if "paragraphs" in record:
        return list(record["paragraphs"])
    return _BLANK_LINES.split(record.get("body") or "")


def _related(items: list[Any], repairs: Counter[str]) -> tuple[RelatedReference, ...]:
    references = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("title"), str):
            raise _InvalidRecord(f"'related'[{index}] must be an object with a 'title' string")
        if not isinstance(item.get("url", ""), str) or set(item) - {"title", "url"}:
            raise _InvalidRecord(f"'related'[{index}] may only have 'title' and 'url' strings")
        title = _clean(item["title"], repairs)
        if title:
            references.append(RelatedReference(title, canonical_url(item.get("url", ""))))
    return tuple(references)


def _external_id(value: str | int | None) -> str:
    return "" if value is None else str(value)


def _check_type(name: str, value: Any) -> None:
    if value is None:
        return  # null is the same as absent
    if name in STRING_FIELDS and not isinstance(value, str):
        raise _InvalidRecord(f"'{name}' must be a string, not {_json_type(value)}")
    if name in STRING_LIST_FIELDS and not (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    ):
        raise _InvalidRecord(f"'{name}' must be a list of strings")
    if name == "related" and not isinstance(value, list):
        raise _InvalidRecord(f"'related' must be a list, not {_json_type(value)}")
    if name == "id" and (isinstance(value, bool) or not isinstance(value, (str, int))):
        raise _InvalidRecord(f"'id' must be a string or an integer, not {_json_type(value)}")


def _json_type(value: Any) -> str:
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)
