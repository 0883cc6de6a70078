"""iter_records: files, folders, globs, dispatch by extension and the size limit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import articles.importing as importing
from articles.importing import ParsedArticle, ParseError, detect_format, iter_records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SEED = FIXTURES / "sample" / "000_moscow_times_seed.txt"
SAMPLE = FIXTURES / "sample"
SEED_TITLE = "U.S. Urges De-Escalation on Ukraine as Russia Warns of 'Nightmare Scenario'"

CSV_TEXT = (
    "article_id,publish_date,article_source_link,title,subtitle,text\n"
    "1,2017/2/7,http://tass.com/politics/1,First,,Body one.\n"
    "2,2017/2/8,http://tass.com/politics/2,Second,,Body two.\n"
)
JSONL_TEXT = '{"title": "Third", "published": "2017-02-09"}\n'


def titles(records) -> list[str]:
    return [r.title for r in records if isinstance(r, ParsedArticle)]


def errors(records) -> list[tuple[str, int | None, str]]:
    return [(e.path, e.line, e.reason) for e in records if isinstance(e, ParseError)]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """b/news.csv, a/seed.txt, a/deeper/feed.jsonl, plus hidden files to skip."""
    (tmp_path / "a" / "deeper").mkdir(parents=True)
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    shutil.copy(SEED, tmp_path / "a" / "seed.txt")
    (tmp_path / "a" / "deeper" / "feed.jsonl").write_text(JSONL_TEXT)
    (tmp_path / "b" / "news.csv").write_text(CSV_TEXT)
    (tmp_path / "b" / ".draft.csv").write_text("not,even,read\n")
    (tmp_path / ".hidden" / "secret.csv").write_text("not,even,read\n")
    return tmp_path


def test_folder_is_walked_recursively_in_sorted_order_skipping_hidden_files(archive):
    records = list(iter_records([archive]))

    assert errors(records) == []
    assert titles(records) == [
        "Third",  # a/deeper/feed.jsonl
        SEED_TITLE,
        "First",  # b/news.csv
        "Second",
    ]
    assert records[0].source_path == str(archive / "a" / "deeper" / "feed.jsonl")


def test_glob_patterns_expand_recursively(archive):
    records = list(iter_records([f"{archive}/**/*.csv", str(archive / "a" / "*.txt")]))

    assert titles(records) == ["First", "Second", SEED_TITLE]
    assert records[0].source_path == str(archive / "b" / "news.csv")


def test_paths_may_be_path_objects_or_strings(archive):
    assert titles(iter_records([archive / "b" / "news.csv"])) == ["First", "Second"]
    assert titles(iter_records([str(archive / "b" / "news.csv")])) == ["First", "Second"]


@pytest.mark.parametrize("missing", ["no/such/file.csv", "no/such/folder", "nothing/*.csv"])
def test_a_path_that_matches_nothing_is_an_error(tmp_path, missing):
    path = str(tmp_path / missing)

    assert errors(iter_records([path])) == [(path, None, "no such file or folder")]


def test_other_arguments_still_run_after_a_missing_one(archive):
    records = list(iter_records([archive / "missing.csv", archive / "b" / "news.csv"]))

    assert len(errors(records)) == 1
    assert titles(records) == ["First", "Second"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("notes.md", "unsupported file type '.md' (expected .txt, .csv, .jsonl)"),
        ("data.xyz", "unsupported file type '.xyz' (expected .txt, .csv, .jsonl)"),
        ("README", "unsupported file type without an extension (expected .txt, .csv, .jsonl)"),
    ],
)
def test_unsupported_file_types_are_errors(tmp_path, name, reason):
    path = tmp_path / name
    path.write_text("whatever")

    assert errors(iter_records([path])) == [(str(path), None, reason)]


def test_a_file_over_the_size_limit_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text(CSV_TEXT)
    size = path.stat().st_size

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(importing, "open", no_reading, raising=False)

    assert errors(iter_records([path], max_bytes=100)) == [
        (str(path), None, f"file is {size} bytes, over the 100-byte limit")
    ]


def test_a_file_at_the_size_limit_is_read(tmp_path):
    path = tmp_path / "exact.csv"
    path.write_text(CSV_TEXT)

    assert titles(iter_records([path], max_bytes=path.stat().st_size)) == ["First", "Second"]


def test_parse_errors_inside_files_are_yielded_with_their_file(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")

    assert errors(iter_records([bad])) == [(str(bad), 1, "empty file")]


def test_records_are_produced_lazily(archive):
    records = iter_records([archive / "b" / "news.csv", archive / "missing.csv"])

    assert next(records).title == "First"  # the missing file is not looked at yet


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.txt", "text"),
        ("a.TXT", "text"),
        ("a.csv", "csv"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("dir.v2/a.csv", "csv"),
    ],
)
def test_detect_format(name, kind):
    assert detect_format(name) == kind
    assert detect_format(Path(name)) == kind


def test_detect_format_rejects_other_extensions():
    with pytest.raises(ParseError) as raised:
        detect_format("archive.csv.gz")

    assert raised.value.reason == "unsupported file type '.gz' (expected .txt, .csv, .jsonl)"


def test_the_demo_sample_folder_imports_without_errors():
    records = list(iter_records([SAMPLE]))

    assert errors(records) == []
    assert len(records) == 1 + 40 + 5
    assert len({record.natural_key for record in records}) == 46
    assert any(record.dateline.endswith("/TASS/.") for record in records)
    assert any(record.repairs for record in records if record.source_path.endswith(".csv"))
