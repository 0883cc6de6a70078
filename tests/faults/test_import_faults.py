"""Faults in the middle of an import: the process killed, its connection dropped, a rival.

Each test runs `manage.py import_articles` as a real subprocess against the pytest-django
test database, injects one fault while it is writing, and then checks the archive the
way an editor would after simply running the import again: every article exactly once,
none without its body, and a summary whose counts add up.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from articles.models import Article, PlaceMention

ROOT = Path(__file__).resolve().parents[2]
ROWS = 2500
CSV_HEADER = ["article_id", "publish_date", "article_source_link", "title", "subtitle", "text"]
SUMMARY = re.compile(
    r"Imported (?P<processed>\d+) records: (?P<created>\d+) created, (?P<updated>\d+) updated, "
    r"(?P<unchanged>\d+) unchanged, (?P<failed>\d+) failed"
)

# The data must be visible to the importer's own connection: commit, don't roll back.
pytestmark = pytest.mark.django_db(transaction=True)


def paragraphs(n: int) -> list[str]:
    return [
        f"Diplomats from Russia and France met in Geneva on day {n} to talk about trade.",
        f"The talks on day {n} lasted until late in the evening.",
        f"Both sides said they would meet again in Paris after day {n}.",
    ]


def write_csv(path: Path, numbers) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_HEADER)
        for n in numbers:
            writer.writerow(
                [
                    str(n),
                    "2017/2/7 7:11",
                    f"http://www.aljazeera.com/news/2017/02/story-{n}.html",
                    f"Story number {n} from the Geneva talks",
                    "",
                    "  ".join(paragraphs(n)),  # two spaces: a paragraph break in the CSV
                ]
            )
    return path


def database_url(*, application_name: str) -> str:
    """The pytest-django test database as a DATABASE_URL the subprocess can use."""
    s = connection.settings_dict
    user = quote(s["USER"] or "", safe="")
    password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
    host = quote(s["HOST"] or "", safe="")  # a socket folder for the embedded server
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return (
        f"postgres://{user}{password}@{host}{port}/{quote(s['NAME'], safe='')}"
        f"?application_name={application_name}"
    )


def start_import(*paths: Path, application_name: str = "") -> subprocess.Popen:
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url(
        application_name=application_name or f"newsdesk-test-{uuid.uuid4().hex[:12]}"
    )
    env.pop("DJANGO_DEBUG", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_articles", *map(str, paths), "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return process.returncode, stdout, stderr


def run_import(*paths: Path) -> tuple[int, str, str]:
    return finish(start_import(*paths))


def summary_of(stdout: str) -> dict[str, int]:
    match = SUMMARY.search(stdout)
    assert match, f"no summary line in: {stdout!r}"
    return {name: int(value) for name, value in match.groupdict().items()}


def wait_for_rows(process: subprocess.Popen, *, at_least: int = 1, timeout: float = 60) -> int:
    """Poll (on our own connection) until the importer has committed some articles."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = Article.objects.count()
        if count >= at_least:
            return count
        if process.poll() is not None:
            pytest.fail(f"the import ended before any fault was injected: {process.stderr.read()}")
        time.sleep(0.02)
    process.kill()
    pytest.fail("the import wrote nothing in time")


def assert_archive_is_whole(numbers) -> None:
    """Each article exactly once, each with its title and its whole body."""
    expected = {f"Story number {n} from the Geneva talks": n for n in numbers}
    rows = list(Article.objects.values_list("key", "title", "body", "blocks"))
    titles = [title for _, title, _, _ in rows]
    assert len(rows) == len(expected)
    assert len(set(titles)) == len(titles), "an article was stored twice"
    assert set(titles) == set(expected)
    assert len({key for key, *_ in rows}) == len(rows)
    half_written = [
        title
        for _, title, body, blocks in rows
        if body != "\n\n".join(paragraphs(expected[title]))
        or [block["text"] for block in blocks] != paragraphs(expected[title])
    ]
    assert half_written == []


def test_an_import_killed_midway_completes_on_rerun(tmp_path):
    path = write_csv(tmp_path / "articles.csv", range(ROWS))

    process = start_import(path)
    wait_for_rows(process)
    time.sleep(0.3)  # let it get into a later batch (or its tagging) before the kill
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    survived = Article.objects.count()

    assert process.returncode == -signal.SIGKILL
    assert 0 < survived < ROWS, "the kill did not land mid-import"
    exit_code, stdout, stderr = run_import(path)

    assert exit_code == 0, stdout + stderr
    assert summary_of(stdout) == {
        "processed": ROWS,
        "created": ROWS - survived,
        "updated": 0,
        "unchanged": survived,
        "failed": 0,
    }
    assert_archive_is_whole(range(ROWS))


def test_an_import_whose_connection_is_dropped_completes_on_rerun(tmp_path):
    path = write_csv(tmp_path / "articles.csv", range(ROWS))
    application_name = f"newsdesk-import-{uuid.uuid4().hex[:12]}"

    process = start_import(path, application_name=application_name)
    wait_for_rows(process)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            [application_name],
        )
        terminated = cursor.fetchall()
    exit_code, stdout, stderr = finish(process)
    survived = Article.objects.count()

    assert terminated == [(True,)], "the importer's backend was not found"
    assert exit_code == 1, "the import claimed success although its connection was cut"
    assert "Traceback" not in stderr
    assert "lost the database connection" in stderr
    assert "run the same import again" in stderr
    assert 0 < survived < ROWS
    exit_code, stdout, stderr = run_import(path)

    assert exit_code == 0, stdout + stderr
    assert summary_of(stdout) == {
        "processed": ROWS,
        "created": ROWS - survived,
        "updated": 0,
        "unchanged": survived,
        "failed": 0,
    }
    assert_archive_is_whole(range(ROWS))


def test_two_concurrent_imports_of_overlapping_files_store_each_article_once(tmp_path):
    # Overlapping halves, the second in reverse order so the two collide in opposite
    # orders (the worst case for row locks on the unique key).
    first = write_csv(tmp_path / "first.csv", range(0, 2000))
    second = write_csv(tmp_path / "second.csv", reversed(range(1000, 3000)))

    processes = [start_import(first), start_import(second)]
    results = [finish(process) for process in processes]

    for exit_code, stdout, stderr in results:
        assert exit_code == 0, stdout + stderr
        assert "warning" not in stderr, stderr
    summaries = [summary_of(stdout) for _, stdout, _ in results]
    assert [s["processed"] for s in summaries] == [2000, 2000]
    assert [s["created"] + s["unchanged"] for s in summaries] == [2000, 2000]
    assert sum(s["created"] for s in summaries) == 3000
    assert all(s["updated"] == 0 and s["failed"] == 0 for s in summaries)
    assert_archive_is_whole(range(3000))
    # Every article got its tag suggestions from whichever import created it.
    assert PlaceMention.objects.values("article").distinct().count() == 3000
