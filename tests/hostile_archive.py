"""An archive whose every imported field and entity name is a stored-XSS payload.

Built the way real data arrives: articles through `import_articles` (JSON Lines, so
every field can be set), one through `import_archive` (a backup file, which keeps URLs
and the source as written, `javascript:` included), and entities and their tags as
editors and the tagger leave them. Shared by tests/test_stored_xss.py (every page over
HTTP) and tests/browser/test_stored_xss_browser.py (a real browser).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from django.core.management import call_command

from articles.models import (
    Article,
    EntityMerge,
    Mention,
    Organization,
    Person,
    Place,
)

# Each sets window.__xss if a page lets it run. Keys name them in test ids.
PAYLOADS: dict[str, str] = {
    "script": "<script>window.__xss=1</script>",
    "img": "<img src=x onerror=window.__xss=1>",
    "svg": '"><svg onload=window.__xss=1>',
    "js-url": "javascript:window.__xss=1",
    "single-quote": "' onmouseover='window.__xss=1' x='",
    "close-tags": "</title></textarea></script><script>window.__xss=1</script>",
}
MARKER = "__xss"
# The payloads as they would appear if a page printed them unescaped. (The single-quote
# payload is inert as text; inside an attribute the HTML scan below finds its handler.)
LIVE_FORMS = ("<script>window.__xss", "<img src=x onerror", "<svg onload")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "xlink:href", "poster"}
COUNTRY_CODE = "ZZ"


@dataclass
class HostileArchive:
    articles: dict[str, Article] = field(default_factory=dict)  # by payload key
    people: dict[str, Person] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)
    country: Place | None = None
    backup_article: Article | None = None  # imported from a backup, javascript: URLs


def _record(key: str, payload: str, day: int) -> dict:
    return {
        "title": f"Hostile {key} report {payload}",
        "published": f"2022-03-{day:02d}",
        "url": f"https://hostile.example.org/{key}?p={payload}",
        "subtitle": f"Standfirst of the hostile report {payload}",
        "byline": f"{payload} and Jane Roe for AFP",
        "agency": f"Agency {payload}"[:100],
        "paragraphs": [
            f"Kremlin spokesman {payload} said the hostile report was accurate.",
            f"Officials in Moscow repeated {payload} twice on the hostile day.",
        ],
        "photo_caption": f"Caption of the hostile photo {payload}",
        "photo_credit": f"Credit {payload}",
        "related": [
            {"title": f"Related hostile story {payload}", "url": "javascript:window.__xss=1"},
            {
                "title": f"Another related {payload}",
                "url": f"https://hostile.example.org/r?{payload}",
            },
        ],
        "id": f"hostile-{key}",
    }


def _backup_file(path: Path, country: Place) -> Path:
    """A backup (export_archive format) with what import_articles would have cleaned."""
    payload = PAYLOADS["script"]
    article = {
        "type": "article",
        "key": "hostile-backup-article",
        "url": "javascript:window.__xss=1",
        "title": f"Hostile backup report {PAYLOADS['img']}",
        "subtitle": f"Restored from a backup {payload}",
        "byline": payload,
        "authors": [payload],
        "agency": payload,
        "source": payload,
        "source_domain": "hostile.example.org",
        "published_on": "2022-03-20",
        "published_time": None,
        "dateline": f"MOSCOW {payload}",
        "blocks": [
            {"kind": "subheading", "text": f"Subheading {payload}"},
            {"kind": "paragraph", "text": f"A hostile paragraph from the backup {payload}."},
        ],
        "body": f"Subheading {payload}\n\nA hostile paragraph from the backup {payload}.",
        "photo_caption": payload,
        "photo_credit": payload,
        "related": [
            {"title": f"Backup related {PAYLOADS['svg']}", "url": "javascript:window.__xss=1"},
            {"title": "Backup related data URL", "url": "data:text/html,<script>alert(1)</script>"},
        ],
        "language": "en",
        "external_id": payload,
        "content_hash": "hostile",
        "tags": [
            {
                "kind": "place",
                "entity": country.slug,
                "reviewed_by": None,
                "reviewed_at": None,
                "state": "confirmed",
                "origin": "editor",
                "confidence": None,
                "count": 1,
                "offsets": [],
                "evidence": payload,
                "surface_forms": [payload],
                "role": payload,
            }
        ],
    }
    lines = [{"type": "newsdesk-archive", "version": 1}, article]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def build_hostile_archive(folder: Path) -> HostileArchive:
    archive = HostileArchive()
    aliases = list(PAYLOADS.values())
    archive.country = Place.objects.create(
        name=f"Hostilia {PAYLOADS['svg']}",
        kind=Place.Kind.COUNTRY,
        country_code=COUNTRY_CODE,
        aliases=aliases,
    )
    for n, (key, payload) in enumerate(PAYLOADS.items()):
        archive.people[key] = Person.objects.create(
            name=f"{payload} Hostile Person {n}",
            aliases=[*aliases, f"Alias {payload}"],
            role=f"Spokesman {payload}",
            country=archive.country,
        )
        archive.organizations[key] = Organization.objects.create(
            name=f"{payload} Hostile Organization {n}",
            kind=f"Kind {payload}",
            aliases=aliases,
            country=archive.country,
        )
        archive.places[key] = Place.objects.create(
            name=f"{payload} Hostile City {n}",
            kind=Place.Kind.CITY,
            country_code=COUNTRY_CODE,
            country=archive.country,
            aliases=aliases,
        )

    source = folder / "hostile.jsonl"
    records = [_record(key, payload, n + 1) for n, (key, payload) in enumerate(PAYLOADS.items())]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    call_command("import_articles", str(source), "--no-progress", verbosity=0)
    call_command("import_archive", str(_backup_file(folder / "backup.jsonl", archive.country)))

    for key, payload in PAYLOADS.items():
        article = Article.objects.get(external_id=f"hostile-{key}")
        archive.articles[key] = article
        tag = {
            "evidence": f"Kremlin spokesman {payload} said",
            "surface_forms": [payload],
            "role": f"Role {payload}",
        }
        article.personmention_set.create(
            entity=archive.people[key], state=Mention.State.CONFIRMED, **tag
        )
        article.organizationmention_set.create(
            entity=archive.organizations[key], state=Mention.State.SUGGESTED, **tag
        )
        article.placemention_set.create(
            entity=archive.places[key], state=Mention.State.SUGGESTED, **tag
        )
        article.placemention_set.create(
            entity=archive.country, state=Mention.State.CONFIRMED, **tag
        )
    archive.backup_article = Article.objects.get(key="hostile-backup-article")
    archive.backup_article.personmention_set.create(
        entity=archive.people["script"], state=Mention.State.SUGGESTED
    )
    EntityMerge.objects.create(
        kind="person",
        merged_name=PAYLOADS["script"],
        merged_slug="merged-hostile",
        survivor_id=archive.people["script"].pk,
        survivor_name=archive.people["script"].name,
        aliases_moved=aliases,
    )
    return archive


class _Scan(HTMLParser):
    """Collects what would run in a browser: scripts, event handlers, script URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>: an event handler attribute")
            if MARKER in name:
                self.problems.append(f"<{tag} {name}>: an attribute made of the payload")
            if name in URL_ATTRIBUTES and value and _runs_script(value):
                self.problems.append(f"<{tag} {name}={value!r}>: a script URL")
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_script = False

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and MARKER in data:
            self.problems.append(f"<script> holding the payload: {data[:80]!r}")


def _runs_script(url: str) -> bool:
    # Browsers ignore ASCII whitespace and control characters in a URL's scheme.
    scheme = re.sub(r"[\x00-\x20]", "", url).lower()
    return scheme.startswith(("javascript:", "vbscript:", "data:text/html"))


def live_payloads(html: str) -> list[str]:
    """Everything in `html` through which a payload could run; [] when it is all text."""
    problems = [f"unescaped {form!r}" for form in LIVE_FORMS if form in html]
    scan = _Scan()
    scan.feed(html)
    scan.close()
    return problems + scan.problems
