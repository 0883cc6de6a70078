"""Stored XSS: hostile text imported into every field reaches every page as text only.

tests/hostile_archive.py imports articles whose title, standfirst, byline, agency,
paragraphs, photo caption and credit, related titles and URLs hold the payloads of
PAYLOADS, restores one from a backup with `javascript:` URLs and a hostile source, and
tags them with people, organizations and places named by the same payloads. Each page
that can show them is fetched over HTTP: HTML must carry them escaped (no script, event
handler or script URL of theirs), JSON must be application/json, Atom well-formed XML
whose text is the stored text, CSV an attachment.

The archive is built once for the module, in a transaction rolled back at the end;
each test runs in its own savepoint, as usual.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from articles.models import Article, Organization, Person, Place
from tests.hostile_archive import (
    COUNTRY_CODE,
    MARKER,
    PAYLOADS,
    HostileArchive,
    build_hostile_archive,
    live_payloads,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Hostile:
    archive: HostileArchive
    staff: User


@pytest.fixture(scope="module")
def hostile(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock(), transaction.atomic():
        archive = build_hostile_archive(tmp_path_factory.mktemp("hostile"))
        staff = User.objects.create_superuser("xss-editor", "editor@example.org", None)
        # The admin's "Recent actions" and history pages show what was logged.
        LogEntry.objects.log_actions(
            staff.pk, Article.objects.filter(title__startswith="Hostile"), ADDITION
        )
        LogEntry.objects.log_actions(
            staff.pk, Person.objects.all(), CHANGE, change_message=PAYLOADS["img"]
        )
        yield Hostile(archive, staff)
        transaction.set_rollback(True)


@dataclass(frozen=True)
class Page:
    url: Callable[[HostileArchive], str]
    status: int = 200
    shows_payload: bool = True


def _q(path: str, **params) -> Callable[[HostileArchive], str]:
    return lambda archive: f"{path}?{urlencode(params, doseq=True)}"


def _each(kind: str, make: Callable[[HostileArchive, str], str], **extra) -> dict[str, Page]:
    return {
        f"{kind}-{key}": Page(lambda archive, key=key: make(archive, key), **extra)
        for key in PAYLOADS
    }


def _admin(model: str, action: str = "change") -> Callable[[HostileArchive, str], str]:
    plural = {"person": "people", "organization": "organizations", "place": "places"}

    def url(archive: HostileArchive, key: str) -> str:
        if model == "article":
            pk = archive.articles[key].pk
        elif model.endswith("mention"):
            kind = model.removesuffix("mention")
            entity = getattr(archive, plural[kind])[key]
            pk = entity.mentions.get(article=archive.articles[key]).pk
        else:
            pk = getattr(archive, plural[model])[key].pk
        return f"/admin/articles/{model}/{pk}/{action}/"

    return url


PUBLIC_PAGES: dict[str, Page] = {
    "home": Page(lambda a: "/"),
    "search": Page(lambda a: "/search/"),
    "search-q-hostile": Page(_q("/search/", q="hostile")),
    "search-q-highlight": Page(_q("/search/", q="spokesman said accurate")),
    "search-q-photo": Page(_q("/search/", q="hostile photo")),
    "search-q-or": Page(_q("/search/", q='"hostile report" OR -window script')),
    **{
        f"search-q-{key}": Page(_q("/search/", q=payload), shows_payload=True)
        for key, payload in PAYLOADS.items()
    },
    **_each(
        "search-filters",
        lambda a, key: (
            "/search/?"
            + urlencode(
                {
                    "person": a.people[key].slug,
                    "organization": a.organizations[key].slug,
                    "place": a.places[key].slug,
                    "country": COUNTRY_CODE,
                }
            )
        ),
    ),
    "search-source": Page(_q("/search/", source=PAYLOADS["script"])),
    "search-unknown-person": Page(_q("/search/", person=PAYLOADS["img"]), status=400),
    "search-who": Page(_q("/search/", who=PAYLOADS["svg"])),
    "search-unmatched-where": Page(_q("/search/", unmatched_where=PAYLOADS["img"])),
    **_each("article", lambda a, key: a.articles[key].get_absolute_url()),
    "article-from-backup": Page(lambda a: a.backup_article.get_absolute_url()),
    **_each("person", lambda a, key: a.people[key].get_absolute_url()),
    **_each("organization", lambda a, key: a.organizations[key].get_absolute_url()),
    **_each("place", lambda a, key: a.places[key].get_absolute_url()),
    "person-with-query": Page(
        lambda a: f"{a.people['script'].get_absolute_url()}?{urlencode({'q': PAYLOADS['svg']})}"
    ),
    "country": Page(lambda a: a.country.get_absolute_url()),
    "people": Page(lambda a: "/people/"),
    "people-by-name": Page(_q("/people/", name=PAYLOADS["img"])),
    "organizations": Page(lambda a: "/organizations/"),
    "countries": Page(lambda a: "/countries/"),
    "countries-by-name": Page(_q("/countries/", name="Hostilia")),
}

ADMIN_PAGES: dict[str, Page] = {
    "index": Page(lambda a: "/admin/"),
    "articles": Page(lambda a: "/admin/articles/article/"),
    **{
        f"articles-search-{key}": Page(_q("/admin/articles/article/", q=payload))
        for key, payload in PAYLOADS.items()
    },
    **_each("article", _admin("article")),
    **_each("article-history", _admin("article", "history")),
    **_each("article-delete", _admin("article", "delete")),
    "article-from-backup": Page(lambda a: f"/admin/articles/article/{a.backup_article.pk}/change/"),
    "person-queue": Page(lambda a: "/admin/articles/personmention/"),
    "person-queue-all": Page(lambda a: "/admin/articles/personmention/?state=all"),
    "organization-queue": Page(lambda a: "/admin/articles/organizationmention/"),
    "place-queue-all": Page(lambda a: "/admin/articles/placemention/?state=all"),
    "queue-search": Page(_q("/admin/articles/placemention/", state="all", q="hostile")),
    **_each("personmention", _admin("personmention")),
    **_each("organizationmention", _admin("organizationmention")),
    **_each("placemention", _admin("placemention")),
    "people": Page(lambda a: "/admin/articles/person/"),
    "people-search": Page(_q("/admin/articles/person/", q=PAYLOADS["script"])),
    "organizations": Page(lambda a: "/admin/articles/organization/"),
    "places": Page(lambda a: "/admin/articles/place/"),
    "places-by-kind": Page(_q("/admin/articles/place/", kind="city")),
    **_each("person", _admin("person")),
    **_each("person-history", _admin("person", "history")),
    **_each("organization", _admin("organization")),
    **_each("place", _admin("place")),
    "country": Page(lambda a: f"/admin/articles/place/{a.country.pk}/change/"),
    "merges": Page(lambda a: "/admin/articles/entitymerge/"),
    "import-form": Page(lambda a: "/admin/articles/article/import/", shows_payload=False),
}

JSON_PAGES: dict[str, Page] = {
    "api-articles-q": Page(_q("/api/articles/", q="hostile")),
    "api-articles-country": Page(_q("/api/articles/", country=COUNTRY_CODE)),
    "api-articles-q-payload": Page(_q("/api/articles/", q=PAYLOADS["script"])),
    "api-entities": Page(_q("/api/entities/", q="hostile")),
    "api-entities-payload": Page(_q("/api/entities/", q=PAYLOADS["img"])),
    "admin-autocomplete": Page(
        _q(
            "/admin/autocomplete/",
            term="hostile",
            app_label="articles",
            model_name="personmention",
            field_name="entity",
        )
    ),
}

FEEDS: dict[str, Page] = {
    "search-q": Page(_q("/search/feed/", q="hostile")),
    "search-country": Page(_q("/search/feed/", country=COUNTRY_CODE)),
    "search-q-payload": Page(_q("/search/feed/", q=PAYLOADS["close-tags"])),
    "country": Page(lambda a: f"/countries/{COUNTRY_CODE.lower()}/feed/"),
    **_each("person", lambda a, key: f"{a.people[key].get_absolute_url()}feed/"),
    **_each("organization", lambda a, key: f"{a.organizations[key].get_absolute_url()}feed/"),
    **_each("place", lambda a, key: f"{a.places[key].get_absolute_url()}feed/"),
}

EXPORTS: dict[str, Page] = {
    "q": Page(_q("/search/export.csv", q="hostile")),
    "country": Page(_q("/search/export.csv", country=COUNTRY_CODE, sort="oldest")),
    "source": Page(_q("/search/export.csv", source=PAYLOADS["script"])),
}


def _get(client, page: Page, archive: HostileArchive):
    response = client.get(page.url(archive), follow=True)
    assert response.status_code == page.status, response.content[:500]
    assert response["X-Content-Type-Options"] == "nosniff"
    return response


def assert_html_shows_payloads_as_text(response, page: Page) -> None:
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    if page.shows_payload:
        assert MARKER in body, "the payloads never reached this page: the test proves nothing"
    assert live_payloads(body) == []


@pytest.mark.parametrize("label", PUBLIC_PAGES)
def test_public_page_shows_stored_payloads_as_text(client, hostile, label):
    page = PUBLIC_PAGES[label]

    response = _get(client, page, hostile.archive)

    assert_html_shows_payloads_as_text(response, page)


@pytest.mark.parametrize("label", ADMIN_PAGES)
def test_admin_page_shows_stored_payloads_as_text(client, hostile, label):
    client.force_login(hostile.staff)
    page = ADMIN_PAGES[label]

    response = _get(client, page, hostile.archive)

    assert_html_shows_payloads_as_text(response, page)


def test_highlighted_snippets_hold_the_payloads_as_text(client, hostile):
    body = client.get("/search/", {"q": "spokesman said"}).content.decode()

    assert (
        "Kremlin <mark>spokesman</mark> &lt;script&gt;window.__xss=1&lt;/script&gt; <mark>said"
        in body
    )
    assert "&lt;img src=x onerror=window.__xss=1&gt; <mark>said</mark>" in body
    assert live_payloads(body) == []


def test_article_page_links_no_script_url(client, hostile):
    # The backup kept `javascript:` and `data:` URLs that import_articles would have dropped.
    article = hostile.archive.backup_article
    assert article.url.startswith("javascript:")

    body = client.get(article.get_absolute_url()).content.decode()

    assert "Backup related &quot;&gt;&lt;svg onload=window.__xss=1&gt;" in body
    assert "Original article" not in body  # no link rather than a script link
    assert live_payloads(body) == []


@pytest.mark.parametrize("label", JSON_PAGES)
def test_json_answers_are_json_with_the_text_as_stored(client, hostile, label):
    client.force_login(hostile.staff)

    response = _get(client, JSON_PAGES[label], hostile.archive)

    assert response["Content-Type"] == "application/json"
    strings = _strings(response.json())
    assert any(MARKER in text for text in strings)
    stored = {article.title for article in hostile.archive.articles.values()} | {
        entity.name
        for kind in (Person, Organization, Place)
        for entity in kind.objects.filter(name__contains=MARKER)
    }
    # Exactly the stored text: not escaped twice, not stripped.
    assert stored & strings


def _strings(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return set().union(*(_strings(item) for item in value)) if value else set()
    return set()


@pytest.mark.parametrize("label", FEEDS)
def test_feed_is_well_formed_atom_with_the_text_as_stored(client, hostile, label):
    response = _get(client, FEEDS[label], hostile.archive)

    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert b"<script>window.__xss" not in response.content
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    assert entries
    titles = set(Article.objects.values_list("title", flat=True))
    for entry in entries:
        assert entry.findtext(f"{ATOM}title") in titles
        summary = entry.find(f"{ATOM}summary")
        assert summary.get("type") == "html"
        # type="html": a reader decodes the text once and renders it; no tag may remain.
        assert "<" not in summary.text and ">" not in summary.text
        for link in entry.iter(f"{ATOM}link"):
            assert link.get("href").startswith("http://testserver/articles/")
    assert MARKER in response.content.decode()


@pytest.mark.parametrize("label", EXPORTS)
def test_csv_export_is_an_attachment_with_the_text_as_stored(client, hostile, label):
    response = _get(client, EXPORTS[label], hostile.archive)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    assert rows
    stored = set(Article.objects.values_list("title", flat=True))
    assert {row[3] for row in rows} <= stored
    assert any(MARKER in cell for row in rows for cell in row)


def test_admin_merge_page_shows_names_as_text(client, hostile):
    client.force_login(hostile.staff)
    people = [hostile.archive.people["script"].pk, hostile.archive.people["img"].pk]

    response = client.post(
        "/admin/articles/person/", {"action": "merge_selected", "_selected_action": people}
    )

    assert response.status_code == 200
    assert b"Choose the one to keep" in response.content
    assert_html_shows_payloads_as_text(response, Page(lambda a: ""))


def test_admin_split_page_shows_aliases_as_text(client, hostile):
    client.force_login(hostile.staff)

    response = client.post(
        "/admin/articles/person/",
        {"action": "split_alias", "_selected_action": [hostile.archive.people["svg"].pk]},
    )

    assert response.status_code == 200
    assert b"Alias to split out" in response.content
    assert_html_shows_payloads_as_text(response, Page(lambda a: ""))


def test_admin_import_report_shows_hostile_records_as_text(client, hostile):
    client.force_login(hostile.staff)
    lines = [
        {"title": f"Uploaded {PAYLOADS['script']}", "published": "2022-04-01"},
        {"title": "Bad date", "published": PAYLOADS["img"]},
        {"title": "Bad field", "published": "2022-04-01", PAYLOADS["svg"]: "x"},
    ]
    upload = SimpleUploadedFile(
        f"{PAYLOADS['img']}.jsonl",
        "".join(json.dumps(line) + "\n" for line in lines).encode(),
        content_type="application/x-ndjson",
    )

    response = client.post("/admin/articles/article/import/", {"files": [upload]})

    assert response.status_code == 200
    body = response.content.decode()
    assert "1 created" in body and "2 failed" in body
    assert "unparseable published &#x27;&lt;img src=x onerror=window.__xss=1&gt;&#x27;" in body
    assert live_payloads(body) == []
    uploaded = Article.objects.get(title__startswith="Uploaded")
    change_form = client.get(f"/admin/articles/article/{uploaded.pk}/change/").content.decode()
    assert MARKER in change_form and live_payloads(change_form) == []
