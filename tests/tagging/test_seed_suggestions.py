"""The seed article (the Moscow Times page the archive was designed from), tagged."""

from __future__ import annotations

import pytest

from articles.importing.text_format import parse_text
from articles.tagging import Suggestion, TaggingText, suggest
from tests.tagging.conftest import SEED


@pytest.fixture(scope="module")
def seed_text() -> TaggingText:
    article = parse_text(SEED.read_bytes(), path=str(SEED))
    return TaggingText(
        title=article.title,
        subtitle=article.subtitle,
        photo_caption=article.photo_caption,
        body=article.body,
        authors=article.authors,
    )


@pytest.fixture(scope="module")
def suggestions(seed_text, gazetteer) -> list[Suggestion]:
    return suggest(seed_text, gazetteer=gazetteer)


def by_kind(suggestions: list[Suggestion], kind: str) -> dict[str, Suggestion]:
    return {s.name: s for s in suggestions if s.kind == kind}


def test_the_seed_names_these_people(suggestions):
    people = by_kind(suggestions, "person")
    assert set(people) == {
        "Antony Blinken",
        "Sergei Lavrov",
        "Vladimir Putin",
        "Dmytro Kuleba",
        "Volodymyr Zelenskiy",
        "Dmitry Peskov",
    }


def test_authors_and_sentence_openers_are_not_people(suggestions, seed_text):
    names = {s.name for s in suggestions}
    assert seed_text.authors == ("Marc Preel", "Francesco Fontemaggi")
    for not_a_person in ("Marc Preel", "Francesco Fontemaggi", "Striking", "Related"):
        assert not any(not_a_person in name for name in names)


def test_roles_are_kept_as_evidence(suggestions):
    people = by_kind(suggestions, "person")
    assert people["Dmitry Peskov"].role == "Kremlin spokesman"
    assert people["Dmytro Kuleba"].role == "Ukrainian Foreign Minister"
    assert people["Vladimir Putin"].role == "Russian President"
    assert people["Antony Blinken"].role == "US Secretary of State"  # the caption comes first


def test_later_surnames_count_for_the_full_name(suggestions, seed_text):
    blinken = by_kind(suggestions, "person")["Antony Blinken"]
    assert blinken.key == "person:antony-blinken"
    assert blinken.origin == "gazetteer"
    assert blinken.aliases_seen == ("Antony Blinken", "Blinken")
    assert blinken.count == 9
    full = seed_text.full_text
    # In the caption and in the first paragraph in full, then by surname.
    assert [full[o : o + 7] for o in blinken.offsets] == ["Antony "] * 2 + ["Blinken"] * 7


def test_the_seed_names_these_organizations(suggestions):
    organizations = by_kind(suggestions, "organization")
    assert set(organizations) == {
        "OSCE",
        "NATO",
        "European Union",
        "U.S. State Department",
        "Kremlin",
    }
    assert organizations["OSCE"].aliases_seen == (
        "Organization for Security and Cooperation in Europe",
        "OSCE",
    )
    assert organizations["European Union"].aliases_seen == ("EU",)


def test_the_seed_names_these_places(suggestions):
    places = {s.key: s for s in suggestions if s.kind == "place"}
    countries = {s.country_code for s in places.values() if s.place_kind == "country"}
    assert countries == {"US", "RU", "UA", "BY", "AM", "AZ", "LV"}
    cities = {s.name: s.country_code for s in places.values() if s.place_kind == "city"}
    assert cities == {"Stockholm": "SE", "Riga": "LV", "Kyiv": "UA", "Moscow": "RU", "Minsk": "BY"}
    crimea = places["place:crimea"]
    assert (crimea.place_kind, crimea.country_code, crimea.country_name) == (
        "region",
        "UA",
        "Ukraine",
    )
    assert crimea.aliases_seen == ("Crimean peninsula", "Crimea")


def test_sweden_is_there_only_through_stockholm(suggestions):
    stockholm = next(s for s in suggestions if s.name == "Stockholm")
    assert (stockholm.key, stockholm.country_code, stockholm.country_name) == (
        "place:2673730",
        "SE",
        "Sweden",
    )
    assert not any(s.key == "country:SE" for s in suggestions)


def test_offsets_and_evidence_point_into_the_full_text(suggestions, seed_text):
    full = seed_text.full_text
    for s in suggestions:
        assert s.count == len(s.offsets) >= 1
        assert list(s.offsets) == sorted(s.offsets)
        surfaces = {full[o : o + len(a)] for o in s.offsets for a in s.aliases_seen}
        assert set(s.aliases_seen) <= surfaces
        assert 0 < len(s.evidence) <= 300
        assert 0 < s.confidence <= 1
        assert s.origin in ("gazetteer", "rule")
    peskov = next(s for s in suggestions if s.name == "Dmitry Peskov")
    assert peskov.evidence == (
        '"We see this as a direct threat to Russia," Kremlin spokesman Dmitry Peskov told '
        "reporters on Thursday."
    )


def test_full_text_joins_the_parts_that_are_there():
    text = TaggingText(title="T", body="B", photo_caption="C")
    assert text.full_text == "T\n\nC\n\nB"
    assert text.ranges() == {"title": (0, 1), "photo_caption": (3, 4), "body": (6, 7)}
    assert suggest(TaggingText(title="", body="")) == []
