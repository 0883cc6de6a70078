"""Web-search syntax as people type it: words, "phrases", OR, -exclusions.

PostgreSQL's websearch_to_tsquery runs the query; this module only reads its shape, to
show people how their query was understood and to expand names to their aliases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The same grammar as websearch_to_tsquery.
_TOKEN = re.compile(r'"(?P<phrase>[^"]*)"?|(?P<word>\S+)')


@dataclass(frozen=True)
class QueryPart:
    kind: str  # "word", "phrase", "or", "not"
    text: str


def describe_query(text: str) -> list[QueryPart]:
    """Split web-search syntax into parts, to show how it was read (not to run it)."""
    parts: list[QueryPart] = []
    negate = False
    for match in _TOKEN.finditer(text):
        if match.group("phrase") is not None:
            phrase = match.group("phrase").strip()
            if phrase:
                parts.append(QueryPart("not" if negate else "phrase", phrase))
            negate = False
            continue
        word = match.group("word")
        if word == "OR":
            if parts:
                parts.append(QueryPart("or", "or"))
            continue
        if word.startswith("-") and len(word) > 1:
            if word[1] == '"':
                negate = True
                continue
            parts.append(QueryPart("not", word[1:]))
            continue
        parts.append(QueryPart("word", word))
    return parts


def is_plain_words(text: str) -> bool:
    return all(part.kind == "word" for part in describe_query(text))


def to_text(parts: list[QueryPart]) -> str:
    """Web-search syntax for `parts` again (the inverse of describe_query)."""
    out = []
    for part in parts:
        if part.kind == "phrase":
            out.append(f'"{part.text}"')
        elif part.kind == "not":
            out.append(f'-"{part.text}"')
        elif part.kind == "or":
            out.append("OR")
        else:
            out.append(part.text)
    return " ".join(out)
