"""Tag suggestions on import: stored, searchable, and never over an editor's decision."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from articles.models import Article, Mention, Person, PersonMention, Place, PlaceMention

pytestmark = pytest.mark.django_db

API = "/api/articles/"


@pytest.fixture
def seed(run_import, seed_path):
    result = run_import(seed_path)
    assert result.exit_code == 0, result.stderr
    return Article.objects.get()


def ids(client, **params):
    response = client.get(API, params)
    assert response.status_code == 200, response.content[:500]
    return [row["id"] for row in response.json()["results"]]


def names(article, model):
    return set(
        model.objects.filter(article=article, state__in=["suggested", "confirmed"]).values_list(
            "entity__name", flat=True
        )
    )


def test_seed_gets_its_people_organizations_and_places(seed):
    people = names(seed, PersonMention)
    assert {
        "Antony Blinken",
        "Sergei Lavrov",
        "Vladimir Putin",
        "Dmytro Kuleba",
        "Volodymyr Zelenskiy",
        "Dmitry Peskov",
    } <= people
    assert not people & {"Marc Preel", "Francesco Fontemaggi", "Striking", "Related"}
    codes = set(
        PlaceMention.objects.filter(article=seed).values_list("entity__country_code", flat=True)
    )
    assert {"US", "RU", "UA", "SE", "LV", "BY", "AM", "AZ"} <= codes
    stockholm = PlaceMention.objects.get(article=seed, entity__name="Stockholm")
    assert stockholm.entity.country.country_code == "SE"
    assert stockholm.evidence and stockholm.confidence > 0 and stockholm.origin == "gazetteer"


def test_seed_is_found_by_country_person_and_other_spelling(client, seed):
    lavrov = Person.objects.get(name="Sergei Lavrov")
    for code in ("UA", "SE", "LV", "ua"):
        assert ids(client, country=code) == [seed.pk], code
    assert ids(client, person=lavrov.slug) == [seed.pk]
    payload = client.get(API, {"q": "Kyiv"}).json()
    assert [row["id"] for row in payload["results"]] == [seed.pk]  # the text only says Kiev
    assert "Kiev" in payload["also_searched"]


def test_editor_decisions_survive_reimport_and_retag(run_import, seed_path, tmp_path, seed):
    putin = PersonMention.objects.get(article=seed, entity__name="Vladimir Putin")
    peskov = PersonMention.objects.get(article=seed, entity__name="Dmitry Peskov")
    minsk = PlaceMention.objects.filter(article=seed, entity__name="Minsk").first()
    putin.state = Mention.State.REJECTED
    putin.save()
    peskov.state = Mention.State.CONFIRMED
    peskov.save()

    # A corrected file: Peskov's sentence is gone, a new sentence names no one.
    text = seed_path.read_text(encoding="utf-8").replace(
        '"We see this as a direct threat to Russia," Kremlin spokesman Dmitry Peskov told '
        "reporters on Thursday.",
        "The talks ended late on Thursday.",
    )
    corrected = tmp_path / "seed.txt"
    corrected.write_text(text, encoding="utf-8")
    result = run_import(corrected)
    assert "1 updated" in result.stdout
    call_command("retag", "--no-progress", stdout=io.StringIO())

    putin.refresh_from_db()
    peskov.refresh_from_db()
    assert putin.state == "rejected"  # still rejected after re-import and re-tag
    assert peskov.state == "confirmed"  # kept although the text no longer names him
    assert "Vladimir Putin" not in names(seed, PersonMention)
    if minsk is not None:  # an undecided suggestion is simply refreshed
        assert PlaceMention.objects.filter(pk=minsk.pk, state="suggested").exists()


def test_undecided_suggestions_follow_the_text(run_import, seed_path, tmp_path, seed):
    text = seed_path.read_text(encoding="utf-8").replace(
        "Kremlin spokesman Dmitry Peskov", "a Kremlin spokesman"
    )
    corrected = tmp_path / "seed.txt"
    corrected.write_text(text, encoding="utf-8")

    run_import(corrected)

    assert "Dmitry Peskov" not in names(seed, PersonMention)


def test_retag_is_idempotent(seed):
    before = sorted(PlaceMention.objects.values_list("article", "entity", "state", "count"))

    call_command("retag", "--no-progress", stdout=io.StringIO())

    after = sorted(PlaceMention.objects.values_list("article", "entity", "state", "count"))
    assert after == before
    assert Place.objects.filter(gazetteer_key="country:UA").count() == 1
