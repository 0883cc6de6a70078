"""Turn news files into ParsedArticle records: pure Python, no Django (STYLE.md point 5).

``iter_records(paths)`` is the one entry point the loader needs: it expands files,
folders and glob patterns, dispatches on the file extension and yields, in order, a
ParsedArticle for every good record and a ParseError (path, line, reason) for every
bad one, so that one bad record never stops an import.

Formats: ``.txt`` (one article, the text export of text_format), ``.csv``
(csv_format) and ``.jsonl`` / ``.ndjson`` (jsonl_format). CSV and JSONL files are
streamed record by record; a text file is one article and is read whole.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from .csv_format import iter_csv
from .jsonl_format import iter_jsonl
from .records import ParsedArticle, ParseError
from .text_format import parse_text

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "ParseError",
    "ParsedArticle",
    "detect_format",
    "iter_records",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Extension (lower-case) -> format name.
FORMATS = {".txt": "text", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def iter_records(
    paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[ParsedArticle | ParseError]:
    """Yield the articles (and the errors) of every file the arguments name.

    Each argument is a file, a folder (its files, recursively, sorted by path, hidden
    files and folders skipped) or a glob pattern (``**`` recurses). An argument that
    names nothing yields ParseError(path, None, "no such file or folder"). A file over
    `max_bytes` is refused before it is read.
    """
    for argument in paths:
        files = _expand(str(argument))
        if not files:
            yield ParseError(str(argument), None, "no such file or folder")
        for file in files:
            yield from _records_of_file(file, max_bytes=max_bytes)


def detect_format(path: str | Path) -> str:
    """The format of a file by its extension: "text", "csv" or "jsonl".

    Raise ParseError for any other extension.
    """
    suffix = Path(path).suffix.lower()
    try:
        return FORMATS[suffix]
    except KeyError:
        kind = f"'{suffix}'" if suffix else "without an extension"
        reason = f"unsupported file type {kind} (expected .txt, .csv, .jsonl)"
        raise ParseError(str(path), None, reason) from None


def _records_of_file(path: str, *, max_bytes: int) -> Iterator[ParsedArticle | ParseError]:
    try:
        kind = detect_format(path)
        size = os.path.getsize(path)
        if size > max_bytes:
            raise ParseError(path, None, f"file is {size} bytes, over the {max_bytes}-byte limit")
        if kind == "text":
            with open(path, "rb") as stream:
                data = stream.read()
            yield parse_text(data, path=path)
            return
        iterate = iter_csv if kind == "csv" else iter_jsonl
        with open(path, "rb") as stream:
            yield from iterate(stream, path=path)
    except ParseError as error:
        yield error
    except OSError as error:  # unreadable, vanished or a special file
        yield ParseError(path, None, f"cannot read: {error.strerror or error}")


def _expand(argument: str) -> list[str]:
    """The files an argument names, in a stable order."""
    if os.path.isdir(argument):
        return _files_in_folder(argument)
    if os.path.exists(argument):
        return [argument]
    if any(char in argument for char in "*?["):  # a glob pattern
        files: list[str] = []
        for match in sorted(glob.glob(argument, recursive=True)):
            files.extend(_files_in_folder(match) if os.path.isdir(match) else [match])
        return files
    return []


def _files_in_folder(folder: str) -> list[str]:
    files = []
    for root, folders, names in os.walk(folder):
        # Pruned in place so that os.walk does not descend into hidden folders (.git).
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        files.extend(os.path.join(root, name) for name in names if not name.startswith("."))
    return sorted(files)
