"""A small hand-built archive whose every search answer is known in advance.

Ten articles, three people, two organizations, four countries and two cities, tagged
with suggested, confirmed and rejected mentions. Expected answers (newest first):

    article          date   source            people             orgs      places
    energy           12-10  Al Jazeera        -                  -         Russia
    pipeline         12-08  Deutsche Welle    -                  -         Russia, Ukraine
    stockholm_talks  12-03  The Moscow Times  Lavrov, Blinken    OSCE      Stockholm, Russia
    riga             12-01  Deutsche Welle    Blinken            NATO      Latvia
    kyiv_talks       11-26  Al Jazeera        Zelenskiy          -         Kiev, Russia
    kremlin          11-20  TASS              Lavrov, Zelenskiy  NATO      Russia, Ukraine
    submarine        11-15  Deutsche Welle    Lavrov (R)         OSCE (R)  Sweden, Russia (R)
    traders          11-10  TASS              -                  -         Ukraine
    farmers          11-05  TASS              -                  -         Ukraine, Kiev
    customs          11-01  Al Jazeera        -                  -         Stockholm, Latvia (R)

Dates are in 2021. (R) marks a rejected mention, which counts for nothing.

So: person=sergei-lavrov -> stockholm_talks, kremlin; country=SE -> stockholm_talks,
submarine, customs (Stockholm lies in Sweden); country=UA -> pipeline, kyiv_talks,
kremlin, traders, farmers (Kiev lies in Ukraine; farmers names both, counted once);
country=LV -> riga only (the Latvia tag on customs is rejected).

Texts are built for ranking: "pipeline" is in the title of `pipeline` and only in the
body of the newer `energy`, otherwise alike; `traders` and `farmers` have the same shape
(one "grain" at the same place, same number of words), so they tie and recency decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

import pytest
from django.db import connection

from articles.models import (
    ENTITY_MODELS,
    TAG_MODELS,
    Article,
    Mention,
    Organization,
    OrganizationMention,
    Person,
    PersonMention,
    Place,
    PlaceMention,
)
from tests.search import API_URL

SUGGESTED = Mention.State.SUGGESTED
CONFIRMED = Mention.State.CONFIRMED
REJECTED = Mention.State.REJECTED

# name: (title, body, published_on, source)
ARTICLES: dict[str, tuple[str, str, date, str]] = {
    "energy": (
        "Energy deal divides Europe",
        "Ministers argued about the pipeline for hours.",
        date(2021, 12, 10),
        "Al Jazeera",
    ),
    "pipeline": (
        "Pipeline deal divides Europe",
        "Ministers argued about the deal for hours.",
        date(2021, 12, 8),
        "Deutsche Welle",
    ),
    "stockholm_talks": (
        "Lavrov and Blinken meet near Stockholm",
        "Sergei Lavrov and Antony Blinken met at the OSCE ministerial near Stockholm, "
        "warning of a nightmare scenario.",
        date(2021, 12, 3),
        "The Moscow Times",
    ),
    "riga": (
        "NATO ministers gather in Riga",
        "NATO foreign ministers met in Riga, the Latvian capital, and Blinken urged restraint.",
        date(2021, 12, 1),
        "Deutsche Welle",
    ),
    "kyiv_talks": (
        "Kyiv ready for talks with Moscow",
        "Ukrainian President Volodymyr Zelenskíy said Kyiv was ready for negotiations with Moscow.",
        date(2021, 11, 26),
        "Al Jazeera",
    ),
    "kremlin": (
        "Kremlin rejects NATO expansion",
        "Sergey Lavrov said NATO expansion eastward threatened Russia, and Volodymyr "
        "Zelenskiy replied the same day.",
        date(2021, 11, 20),
        "TASS",
    ),
    "submarine": (
        "Swedish navy tracks submarine",
        "The Swedish navy tracked a submarine in the archipelago. Coast guard captain Ivan "
        "Lavrov, no relation to the minister, led the search.",
        date(2021, 11, 15),
        "Deutsche Welle",
    ),
    "traders": (
        "Traders watch the autumn harvest",
        "The grain price was higher this week.",
        date(2021, 11, 10),
        "TASS",
    ),
    "farmers": (
        "Farmers count the autumn harvest",
        "The grain crop was larger this year.",
        date(2021, 11, 5),
        "TASS",
    ),
    "customs": (
        "Customs seize smuggled cigarettes",
        "Customs officers in Stockholm reported smuggling <script>alert(1)</script> across "
        "the Baltic <img src=x onerror=alert(1)>.",
        date(2021, 11, 1),
        "Al Jazeera",
    ),
}

# article name -> [(entity key, state)]
PEOPLE_MENTIONS = {
    "stockholm_talks": [("lavrov", CONFIRMED), ("blinken", CONFIRMED)],
    "riga": [("blinken", SUGGESTED)],
    "kyiv_talks": [("zelenskiy", CONFIRMED)],
    "kremlin": [("lavrov", SUGGESTED), ("zelenskiy", SUGGESTED)],
    # The tagger took the coast guard captain for the minister; an editor said no.
    "submarine": [("lavrov", REJECTED)],
}
ORGANIZATION_MENTIONS = {
    "stockholm_talks": [("osce", CONFIRMED)],
    "riga": [("nato", CONFIRMED)],
    "kremlin": [("nato", SUGGESTED)],
    "submarine": [("osce", REJECTED)],
}
PLACE_MENTIONS = {
    "energy": [("russia", SUGGESTED)],
    "pipeline": [("russia", CONFIRMED), ("ukraine", SUGGESTED)],
    "stockholm_talks": [("stockholm", CONFIRMED), ("russia", SUGGESTED)],
    "riga": [("latvia", CONFIRMED)],
    "kyiv_talks": [("kiev", SUGGESTED), ("russia", SUGGESTED)],
    "kremlin": [("russia", CONFIRMED), ("ukraine", SUGGESTED)],
    "submarine": [("sweden", CONFIRMED), ("russia", REJECTED)],
    "traders": [("ukraine", CONFIRMED)],
    "farmers": [("ukraine", SUGGESTED), ("kiev", CONFIRMED)],
    "customs": [("stockholm", SUGGESTED), ("latvia", REJECTED)],
}


@dataclass
class Archive:
    """The fixture archive; look articles up by the names in `ARTICLES`."""

    articles: dict[str, Article] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    organizations: dict[str, Organization] = field(default_factory=dict)
    places: dict[str, Place] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Article:
        return self.articles[name]

    def ids(self, *names: str) -> list[int]:
        return [self.articles[name].pk for name in names]

    def found(self, payload: dict) -> list[str]:
        """The names of the articles an API response lists, in its order.

        Comparing names rather than ids makes a failing assertion read as words.
        """
        by_id = {article.pk: name for name, article in self.articles.items()}
        return [
            by_id.get(result["id"], f"<article {result['id']}>") for result in payload["results"]
        ]


def make_article(title: str, body: str, published_on: date, source: str) -> Article:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    url = f"https://news.example.org/{published_on:%Y/%m/%d}/{slug}"
    article = Article(
        key=url,
        url=url,
        title=title,
        subtitle="",
        published_on=published_on,
        source=source,
        content_hash="x",
    )
    article.set_blocks([{"kind": "paragraph", "text": body}])
    article.save()
    return article


def build_archive() -> Archive:
    archive = Archive()

    countries = {
        "russia": ("Russia", "RU"),
        "ukraine": ("Ukraine", "UA"),
        "sweden": ("Sweden", "SE"),
        "latvia": ("Latvia", "LV"),
    }
    for key, (name, code) in countries.items():
        archive.places[key] = Place.objects.create(
            name=name, slug=key, kind=Place.Kind.COUNTRY, country_code=code
        )
    archive.places["stockholm"] = Place.objects.create(
        name="Stockholm",
        slug="stockholm",
        kind=Place.Kind.CITY,
        country_code="SE",
        country=archive.places["sweden"],
    )
    archive.places["kiev"] = Place.objects.create(
        name="Kiev",
        slug="kiev",
        aliases=["Kyiv"],
        kind=Place.Kind.CITY,
        country_code="UA",
        country=archive.places["ukraine"],
    )

    archive.people["lavrov"] = Person.objects.create(
        name="Sergei Lavrov",
        slug="sergei-lavrov",
        aliases=["Sergey Lavrov"],
        role="Russian Foreign Minister",
        country=archive.places["russia"],
    )
    archive.people["zelenskiy"] = Person.objects.create(
        name="Volodymyr Zelenskiy",
        slug="volodymyr-zelenskiy",
        aliases=["Zelensky", "Zelenskyy"],
        role="President of Ukraine",
        country=archive.places["ukraine"],
    )
    archive.people["blinken"] = Person.objects.create(
        name="Antony Blinken", slug="antony-blinken", role="US Secretary of State"
    )
    archive.organizations["nato"] = Organization.objects.create(name="NATO", slug="nato")
    archive.organizations["osce"] = Organization.objects.create(
        name="OSCE",
        slug="osce",
        aliases=["Organization for Security and Co-operation in Europe"],
    )

    for name, fields in ARTICLES.items():
        archive.articles[name] = make_article(*fields)

    for model, entities, mentions in (
        (PersonMention, archive.people, PEOPLE_MENTIONS),
        (OrganizationMention, archive.organizations, ORGANIZATION_MENTIONS),
        (PlaceMention, archive.places, PLACE_MENTIONS),
    ):
        model.objects.bulk_create(
            model(
                article=archive.articles[article],
                entity=entities[entity],
                state=state,
                origin=Mention.Origin.EDITOR if state != SUGGESTED else Mention.Origin.GAZETTEER,
            )
            for article, tags in mentions.items()
            for entity, state in tags
        )
    return archive


@pytest.fixture
def archive(db) -> Archive:
    return build_archive()


@pytest.fixture
def article_factory(db):
    """Make an article with confirmed tags: `people`, `organizations`, `places` of entities."""

    def make(
        title: str,
        body: str,
        published_on: date,
        source: str,
        *,
        people: tuple[Person, ...] = (),
        organizations: tuple[Organization, ...] = (),
        places: tuple[Place, ...] = (),
    ) -> Article:
        article = make_article(title, body, published_on, source)
        for model, entities in (
            (PersonMention, people),
            (OrganizationMention, organizations),
            (PlaceMention, places),
        ):
            model.objects.bulk_create(
                model(article=article, entity=entity, state=CONFIRMED) for entity in entities
            )
        return article

    return make


@pytest.fixture
def seed_article(run_import, seed_path) -> Article:
    """The real Moscow Times seed article, imported the way an editor would."""
    result = run_import(seed_path)
    assert result.exit_code == 0, result.stderr
    article = Article.objects.filter(title__startswith="U.S. Urges De-Escalation").first()
    assert article is not None, f"the seed was not imported: {result.stdout}"
    return article


@pytest.fixture
def api(client):
    """GET the search API with `params` (lists repeat a parameter); expect 200 JSON."""

    def get(**params) -> dict:
        response = client.get(API_URL, params)
        assert response.status_code == 200, response.content[:1000]
        assert response["Content-Type"].startswith("application/json")
        return response.json()

    return get


# Hostile input for every parameter: websearch and tsquery syntax, SQL, unicode edge
# cases, numbers and dates of every wrong shape. Each is (id, percent-encoded value) so
# that bytes no str can hold (bad %-escapes, invalid UTF-8) can be sent as well.
_HOSTILE_TEXT: dict[str, str] = {
    "empty": "",
    "space": " ",
    "tsquery-junk": "!!&&||:*",
    "sql-or-1-1": "' OR 1=1 --",
    "sql-drop": "'; DROP TABLE articles_article; --",
    "followed-by": "a <-> b",
    "followed-by-n": "a <2> b",
    "open-parens": "(((",
    "close-parens": ")))",
    "unterminated-quote": '"unterminated',
    "empty-quotes": '""',
    "single-quote": "'",
    "lone-minus": "-",
    "double-minus": "--",
    "lone-or": "OR",
    "or-or-or": "OR OR OR",
    "minus-or": "-OR",
    "tsquery-operators": "a & b | !c",
    "prefix-match": "foo:*",
    "weight-label": "foo:AB",
    "backslash": "\\",
    "percent": "%",
    "underscore": "_",
    "asterisk": "*",
    "colon": ":",
    "emoji": "\U0001f600",
    "flag-and-word": "\U0001f1fa\U0001f1e6 Ukraine",
    "zwj-emoji": "\U0001f469\u200d\U0001f469\u200d\U0001f467",
    "arabic-rtl": "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "hebrew-rtl": "\u05e9\u05dc\u05d5\u05dd",
    "rtl-override": "\u202eevil\u202c",
    "combining-marks": "e\u0301\u0302\u0303\u0304\u0305",
    "combining-in-name": "Zelenski\u0301y",
    "line-separator": "\u2028line\u2029",
    "bom": "\ufeff",
    "zero-width": "\u200b\u200c\u200d",
    "control-chars": "\x01\x02\x1b[31m",
    "whitespace": "\t\n\r\x0b\x0c",
    "long-word-200": "a" * 200,
    "many-words-2kb": "word " * 400,
    "ten-kilobytes": "x" * 10_240,
    "nul-only": "\x00",
    "nul-inside": "a\x00b",
    "html": "<script>alert(1)</script>",
    "template-tags": "{{ 7*7 }}{% debug %}",
    "path-traversal": "../../etc/passwd",
    "jndi": "${jndi:ldap://x}",
    "json": '{"a": [1]}',
    "null": "null",
    "negative": "-1",
    "zero": "0",
    "huge-int": "9" * 30,
    "float": "1.5",
    "exponent": "1e9",
    "plus-sign": "+1",
    "hex": "0x10",
    "arabic-digit": "\u0661",
    "fullwidth-digit": "\uff12",
    "bad-date": "2021-13-45",
    "feb-30": "2021-02-30",
    "year-zero": "0000-01-01",
    "year-10000": "10000-01-01",
    "datetime": "2021-01-01T00:00:00",
    "word-date": "yesterday",
    "valid-date": "2021-12-01",
    "country-lower": "ru",
    "country-unknown": "XX",
    "country-alpha3": "RUS",
    "slug": "sergei-lavrov",
    "slug-upper": "SERGEI-LAVROV",
    "sort-newest": "newest",
    "sort-unknown": "random",
    "sort-field-name": "-published_on",
}
_HOSTILE_RAW: dict[str, str] = {
    "bad-percent-escape": "%ZZ",
    "trailing-percent": "abc%",
    "invalid-utf8": "%FF%FE",
    "utf8-surrogate": "%ED%A0%80",
    "overlong-nul": "%C0%80",
    "raw-nul": "%00",
    "plus-as-space": "a+b",
}
HOSTILE_INPUTS: list[tuple[str, str]] = [
    *((name, quote(text, safe="")) for name, text in _HOSTILE_TEXT.items()),
    *_HOSTILE_RAW.items(),
]


def pytest_generate_tests(metafunc):
    """Any test asking for `hostile` runs once per hostile input."""
    if "hostile" in metafunc.fixturenames:
        metafunc.parametrize(
            "hostile", [value for _, value in HOSTILE_INPUTS], ids=[n for n, _ in HOSTILE_INPUTS]
        )


def random_raw_tag_edits(rng, steps: int) -> None:
    """`steps` random tag edits in raw SQL, past the application code: state changes,
    deletes, moves to another entity and inserts, on the three tag tables. For tests
    of what database triggers keep in step with the tags."""
    for _ in range(steps):
        kind = rng.choice(list(TAG_MODELS))
        table = TAG_MODELS[kind]._meta.db_table
        mentions = list(TAG_MODELS[kind].objects.values_list("pk", flat=True))
        entities = list(ENTITY_MODELS[kind].objects.values_list("pk", flat=True))
        action = rng.choice(["state", "delete", "move", "insert"])
        with connection.cursor() as cursor:
            if action == "state" and mentions:
                cursor.execute(
                    f"UPDATE {table} SET state = %s WHERE id = %s",
                    [rng.choice(["suggested", "confirmed", "rejected"]), rng.choice(mentions)],
                )
            elif action == "delete" and mentions:
                cursor.execute(f"DELETE FROM {table} WHERE id = %s", [rng.choice(mentions)])
            elif action == "move" and mentions:
                cursor.execute(
                    f"UPDATE {table} SET entity_id = %s WHERE id = %s"
                    f" AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.entity_id = %s"
                    f" AND t.article_id = (SELECT article_id FROM {table} WHERE id = %s))",
                    [rng.choice(entities), rng.choice(mentions)] * 2,
                )
            else:
                article = rng.choice(list(Article.objects.values_list("pk", flat=True)))
                cursor.execute(
                    f"INSERT INTO {table} (article_id, entity_id, count, offsets, evidence,"
                    " surface_forms, role, origin, state, created_at)"
                    " VALUES (%s, %s, 1, '{}', '', '{}', '', 'editor', %s, now())"
                    " ON CONFLICT DO NOTHING",
                    [
                        article,
                        rng.choice(entities),
                        rng.choice(["suggested", "confirmed", "rejected"]),
                    ],
                )
