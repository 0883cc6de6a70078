"""What the gazetteer knows, and how names resolve in running text."""

from __future__ import annotations

import pytest

from articles.tagging import TaggingText, suggest


def places(text: str, gazetteer) -> dict[str, tuple[str, str]]:
    """Surface form -> (key, country code) of every place suggested for a body."""
    found = {}
    for s in suggest(TaggingText(title="Report", body=text), gazetteer=gazetteer):
        if s.kind == "place":
            for surface in s.aliases_seen:
                found[surface] = (s.key, s.country_code)
    return found


def keys(text: str, gazetteer) -> set[str]:
    return {s.key for s in suggest(TaggingText(title="Report", body=text), gazetteer=gazetteer)}


def test_capitals_resolve_to_cities_in_their_country(gazetteer):
    found = places("Talks in Stockholm, then Riga and Minsk.", gazetteer)
    assert found["Stockholm"] == ("place:2673730", "SE")
    assert found["Riga"] == ("place:456172", "LV")
    assert found["Minsk"][1] == "BY"


def test_kyiv_and_kiev_are_the_same_city(gazetteer):
    assert gazetteer.resolve("Kiev") is gazetteer.resolve("Kyiv")
    city = gazetteer.resolve("Kiev")
    assert (city.place_kind, city.country_code) == ("city", "UA")
    found = places("Kiev said one thing, Kyiv another.", gazetteer)
    assert found["Kiev"] == found["Kyiv"]


def test_crimea_is_a_region_of_ukraine(gazetteer):
    crimea = gazetteer.resolve("Crimea")
    assert (crimea.key, crimea.place_kind, crimea.country_code) == ("place:crimea", "region", "UA")
    assert gazetteer.resolve("Crimean") is crimea
    for name in ("Donbas", "Donbass", "Luhansk region"):
        assert gazetteer.resolve(name).country_code == "UA"
    assert gazetteer.resolve("West Bank").country_code == "PS"
    assert gazetteer.resolve("Golan Heights").country_code == "SY"


@pytest.mark.parametrize(
    "surface",
    [
        "U.S.",
        "US",
        "USA",
        "United States",
        "United States of America",
        "America",
        "American",
        "Americans",
    ],
)
def test_the_united_states_by_any_name(gazetteer, surface):
    assert gazetteer.resolve(surface).key == "country:US"
    assert keys(f"He spoke of {surface} policy.", gazetteer) == {"country:US"}


def test_demonyms_name_their_country(gazetteer):
    assert gazetteer.resolve("Ukrainian").key == "country:UA"
    assert gazetteer.resolve("Russians").key == "country:RU"
    assert gazetteer.resolve("British").key == "country:GB"
    assert gazetteer.resolve("North Korean").key == "country:KP"
    assert gazetteer.resolve("South Korean").key == "country:KR"


def test_capital_metonyms_are_cities_not_countries(gazetteer):
    washington = gazetteer.resolve("Washington")
    assert (washington.place_kind, washington.country_code) == ("city", "US")
    assert keys("Washington and Moscow disagreed.", gazetteer) == {
        "place:4140963",
        "place:524901",
    }


def test_eu_and_european_union_are_one_organization(gazetteer):
    assert gazetteer.resolve("EU") is gazetteer.resolve("European Union")
    assert gazetteer.resolve("EU").key == "org:eu"
    assert gazetteer.resolve("European Commission").key == "org:european-commission"
    eu = [
        s
        for s in suggest(TaggingText(title="", body="The European Union (EU) met."))
        if s.key == "org:eu"
    ]
    assert eu[0].count == 2 and eu[0].aliases_seen == ("European Union", "EU")


def test_short_names_are_case_sensitive_and_whole_words(gazetteer):
    assert keys("The USSR fell; us and eu and un are words.", gazetteer) == set()
    assert keys("Iranian officials", gazetteer) == {"country:IR"}  # the demonym, not "Iran"
    assert "org:un" in keys("The UN met.", gazetteer)


def test_longest_match_wins(gazetteer):
    found = keys("The U.S. State Department said so.", gazetteer)
    assert found == {"org:us-state-department"}  # "U.S." inside the name is not counted
    assert keys("Latin America and the Indian Ocean", gazetteer) == set()
    assert keys("Papua New Guinea", gazetteer) == {"country:PG"}


@pytest.mark.parametrize(
    "sentence",
    [
        "Mobile phones are everywhere.",
        "Reading the report, he frowned.",
        "Nice work, they said.",
        "Split decisions are common.",
        "Of all the options, this is the best.",
        "Victoria Beckham arrived.",
        "Bath time is over.",
    ],
)
def test_common_words_are_not_cities(gazetteer, sentence):
    assert not any(k.startswith("place:") for k in keys(sentence, gazetteer))


def test_names_that_are_also_places_are_people_next_to_a_name(gazetteer):
    assert "country:JO" not in keys("Fans cheered Michael Jordan in Chicago.", gazetteer)
    assert "country:JO" in keys("Refugees crossed into Jordan.", gazetteer)
    assert "country:TD" not in keys("He met Chad Smith yesterday.", gazetteer)


def test_georgia_is_the_country_unless_the_article_is_about_the_us_state(gazetteer):
    assert keys("Russia and Georgia restored flights to Tbilisi.", gazetteer) >= {"country:GE"}
    state = keys("Voters in Atlanta, Georgia went to the polls.", gazetteer)
    assert "country:GE" not in state
    assert any(gazetteer.get(k).country_code == "US" for k in state if k.startswith("place:"))


def test_a_treaty_named_after_a_city_is_not_the_city(gazetteer):
    assert keys("The Vienna Convention applies.", gazetteer) == set()
    assert keys("He flew to Vienna.", gazetteer) == {"place:2761369"}


def test_datelines_are_not_mentions(gazetteer):
    body = "MOSCOW, February 7. /TASS/. Talks went on in Geneva."
    assert keys(body, gazetteer) == {"place:2660646"}  # Geneva; neither MOSCOW nor TASS
    assert "place:4140963" not in keys("Washington (CNN)The talks ended.", gazetteer)


def test_every_country_has_an_iso_code_and_a_name(gazetteer):
    countries = [e for e in gazetteer.entities.values() if e.place_kind == "country"]
    assert len(countries) >= 249
    assert all(len(c.country_code) == 2 and c.name for c in countries)
    assert gazetteer.get("country:XK").name == "Kosovo"


def test_organizations_have_kinds(gazetteer):
    for key, kind in [
        ("org:nato", "intergovernmental organization"),
        ("org:osce", "intergovernmental organization"),
        ("org:kremlin", "government body"),
        ("org:foreign-ministry-ru", "government body"),
        ("org:islamic-state", "armed group"),
        ("org:tass", "news agency"),
    ]:
        assert gazetteer.get(key).org_kind == kind
    assert gazetteer.resolve("Russian Foreign Ministry").key == "org:foreign-ministry-ru"
    assert (
        gazetteer.resolve("Ministry of Foreign Affairs of Russia").key == "org:foreign-ministry-ru"
    )
    assert (
        gazetteer.resolve("Organization for Security and Co-operation in Europe").key == "org:osce"
    )
    assert gazetteer.resolve("IS") is None  # never Islamic State: too many false hits
