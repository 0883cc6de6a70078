"""The import command against real PostgreSQL: idempotence, failures, editors' tags."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Person, PersonMention

pytestmark = pytest.mark.django_db

CSV_HEADER = ["article_id", "publish_date", "article_source_link", "title", "subtitle", "text"]


def write_csv(path, rows, header=CSV_HEADER):
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def good_row(n, **overrides):
    row = {
        "article_id": str(n),
        "publish_date": "2017/2/7 7:11",
        "article_source_link": f"http://www.aljazeera.com/news/2017/02/story-{n}.html",
        "title": f"Story number {n}",
        "subtitle": "",
        "text": f"Diplomats met in Geneva on day {n}.  They agreed to meet again.",
    }
    row.update(overrides)
    return [row[column] for column in CSV_HEADER]


def test_seed_article_is_stored_with_every_field(run_import, seed_path):
    result = run_import(seed_path)

    assert result.exit_code == 0, result.stderr
    article = Article.objects.get()
    assert article.title.startswith("U.S. Urges De-Escalation on Ukraine")
    assert article.authors == ["Marc Preel", "Francesco Fontemaggi"]
    assert article.agency == "AFP"
    assert article.source == "The Moscow Times"
    assert article.source_domain == "themoscowtimes.com"
    assert article.published_on == date(2021, 12, 2)
    assert article.photo_credit == "Russian Ministry of Foreign Affairs / TASS"
    assert len(article.related) == 2
    assert len(article.paragraphs) == 27
    assert [b["text"] for b in article.blocks if b["kind"] == "subheading"] == [
        "'Nightmare scenario'"
    ]
    assert article.url == (
        "https://www.themoscowtimes.com/2021/12/02/"
        "us-urges-de-escalation-on-ukraine-as-russia-warns-of-nightmare-scenario-a75716"
    )
    assert "Related article" not in article.body
    assert "1 created, 0 updated, 0 unchanged, 0 failed" in result.stdout


def test_reimporting_the_same_files_writes_nothing(run_import, tmp_path):
    path = write_csv(tmp_path / "batch.csv", [good_row(n) for n in range(1, 6)])
    first = run_import(path)
    stamps = dict(Article.objects.values_list("pk", "updated_at"))

    with CaptureQueriesContext(connection) as queries:
        second = run_import(path)

    assert "5 created, 0 updated, 0 unchanged, 0 failed" in first.stdout
    assert "0 created, 0 updated, 5 unchanged, 0 failed" in second.stdout
    assert dict(Article.objects.values_list("pk", "updated_at")) == stamps
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []


def test_bad_records_fail_alone_with_file_line_and_reason(run_import, tmp_path):
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            good_row(1),
            good_row(2, title=""),
            good_row(3, publish_date="sometime last week"),
            good_row(4),
        ],
    )

    result = run_import(path)

    assert result.exit_code == 1
    assert f"{path}:3: no title" in result.stderr
    assert f"{path}:4:" in result.stderr and "sometime last week" in result.stderr
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Story number 1",
        "Story number 4",
    ]
    assert "2 created, 0 updated, 0 unchanged, 2 failed" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"\n\n   \n", "empty file"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (
            "latin1.txt",
            "Caf\xe9 talks\n\nDecember 02, 2021\n\nBody.\n".encode("latin-1"),
            "not valid UTF-8",
        ),
        ("no-date.txt", b"A headline\n\nBy [A B for AFP](#)\n\nA paragraph of text.\n", "date"),
        ("columns.csv", b"title,text\nA,B\n", "missing"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_each_bad_file_is_reported_and_the_good_one_still_lands(
    run_import, tmp_path, seed_path, name, content, reason
):
    bad = tmp_path / name
    bad.write_bytes(content)
    good = tmp_path / "good.txt"
    shutil.copy(seed_path, good)

    result = run_import(tmp_path)

    assert result.exit_code == 1
    error_lines = [line for line in result.stderr.splitlines() if str(bad) in line]
    assert len(error_lines) == 1, result.stderr
    assert reason in error_lines[0]
    assert Article.objects.count() == 1  # the seed, and nothing half-written from the bad file


def test_file_over_the_size_limit_is_refused(run_import, tmp_path, seed_path, settings):
    big = tmp_path / "huge.csv"
    write_csv(big, [good_row(n, text="word " * 2000) for n in range(200)])

    from django.core.management import call_command

    with pytest.raises(Exception) as excinfo:
        call_command("import_articles", str(big), "--max-bytes", "100000", "--no-progress")

    assert excinfo.value.returncode == 1
    assert Article.objects.count() == 0


def test_dry_run_reports_and_writes_nothing(tmp_path):
    import io

    from django.core.management import call_command

    path = write_csv(tmp_path / "batch.csv", [good_row(n) for n in range(1, 4)])
    out = io.StringIO()
    call_command("import_articles", str(path), "--dry-run", "--no-progress", stdout=out)

    assert "Would import 3 records: 3 created" in out.getvalue()
    assert Article.objects.count() == 0


def test_corrected_file_updates_the_article_and_keeps_editors_tags(run_import, tmp_path):
    path = write_csv(tmp_path / "a.csv", [good_row(1), good_row(2)])
    run_import(path)
    article = Article.objects.get(title="Story number 1")
    lavrov = Person.objects.create(name="Sergei Lavrov")
    putin = Person.objects.create(name="Vladimir Putin")
    PersonMention.objects.create(article=article, entity=lavrov, origin="editor", state="confirmed")
    PersonMention.objects.create(
        article=article, entity=putin, origin="gazetteer", state="rejected"
    )

    write_csv(path, [good_row(1, title="Story number 1, corrected"), good_row(2)])
    result = run_import(path)

    assert "0 created, 1 updated, 1 unchanged, 0 failed" in result.stdout
    article.refresh_from_db()
    assert article.title == "Story number 1, corrected"
    assert set(article.personmention_set.values_list("entity__name", "state")) == {
        ("Sergei Lavrov", "confirmed"),
        ("Vladimir Putin", "rejected"),
    }


def test_duplicate_records_in_one_file_become_one_article(run_import, tmp_path):
    path = write_csv(tmp_path / "dups.csv", [good_row(1), good_row(1), good_row(2)])

    result = run_import(path)

    assert result.exit_code == 0
    assert Article.objects.count() == 2
    assert "2 created, 0 updated, 1 unchanged, 0 failed" in result.stdout


@pytest.mark.corpus
def test_shared_csv_imports_once_then_is_unchanged(run_import, shared_corpus):
    csv_path = shared_corpus / "news-articles-2016-2017.csv"

    first = run_import(csv_path)
    count = Article.objects.count()
    second = run_import(csv_path)

    with csv_path.open(encoding="utf-8") as f:
        rows = sum(1 for _ in csv.DictReader(f))
    untitled = 51  # rows of the real data set with an empty title
    assert count == rows - untitled
    assert f"{count} created, 0 updated, 0 unchanged, {untitled} failed" in first.stdout
    assert f"0 created, 0 updated, {count} unchanged, {untitled} failed" in second.stdout
    assert Article.objects.count() == count
