"""Tag an article: its text and a gazetteer in, suggested mentions out.

`suggest(TaggingText(...))` returns one `Suggestion` per entity the text names, with
every offset (into `TaggingText.full_text`), the sentence of the first mention as
evidence, a confidence and where it came from. The database layer stores them; this
module knows nothing of Django.

How a text is read:

1. The gazetteer's automaton finds every whole-word, case-sensitive occurrence of
   every name in one pass over the accent-folded text.
2. Overlaps are settled longest first ("United States" over "United", "U.S. State
   Department" over "U.S."); blocker phrases ("Latin America") win and are dropped.
3. Places are checked in context: a city or region (or a country name that is also
   a first name) next to another capitalized name is part of a person's name
   ("Riyad Mansour", "Michael Jordan"); a city that is also a given name needs a
   place's context ("in Warren"); a city before a treaty word is the treaty
   ("Vienna Convention"); "Georgia" is the US state when the article shows it.
   A leading dateline ("MOSCOW, February 7. /TASS/.", "Washington (CNN)") and a
   closing agency credit ("(AFP, AP)") are skipped altogether.
4. People rules (people.py) find the people the gazetteer does not know and resolve
   later surnames; places inside a person's name are dropped ("Paris Hilton"), and
   a place named like the surname of someone named earlier is that person ("the
   Bush administration" after George W. Bush).
5. Mentions are grouped by entity into suggestions, with the sentence of the first
   mention as evidence and a confidence: a long exact gazetteer name 0.95, a short
   alias ("EU", "U.S.") 0.85, a demonym 0.8, a city 0.75-0.8 (less when its name is
   also a person's or another city's), a person found by rule 0.6-0.75 (more with a
   role or honorific), plus 0.02 for each further mention, at most 0.99.

Decisions: a country named inside an organization's name ("U.S. State
Department") counts only where it is also named on its own; a city is returned as a
city, with the code of the country it lies in, and the country is not added for it;
a demonym ("Ukrainian") is a mention of its country.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from .gazetteer import (
    BLOCKER,
    CITY,
    COUNTRY,
    DEMONYM,
    ORGANIZATION,
    PERSON,
    PLACE,
    REGION,
    SURNAME,
    Alias,
    Entity,
    Gazetteer,
    RawMatch,
    default_gazetteer,
)
from .people import FUNCTION_WORDS, NOT_NAME_WORDS, PersonHit, Span, find_people
from .text import fold

__all__ = ["Suggestion", "TaggingText", "suggest"]

EVIDENCE_MAX = 300


@dataclass(frozen=True, slots=True)
class TaggingText:
    """The parts of an article that name things; offsets are into `full_text`."""

    title: str
    body: str
    subtitle: str = ""
    photo_caption: str = ""
    authors: tuple[str, ...] = ()  # the byline's people: never tagged as mentioned

    @property
    def full_text(self) -> str:
        return "\n\n".join(part for part in self._parts() if part)

    def _parts(self) -> tuple[str, str, str, str]:
        return (self.title, self.subtitle, self.photo_caption, self.body)

    def ranges(self) -> dict[str, tuple[int, int]]:
        """Where each non-empty part lies in `full_text`."""
        result: dict[str, tuple[int, int]] = {}
        position = 0
        for name, part in zip(
            ("title", "subtitle", "photo_caption", "body"), self._parts(), strict=True
        ):
            if not part:
                continue
            result[name] = (position, position + len(part))
            position += len(part) + 2
        return result


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One entity the text names, with every place it does."""

    kind: str  # "person" | "organization" | "place"
    key: str  # "country:UA", "place:703448", "org:nato", "person:dmitry-peskov"
    name: str  # canonical display name
    count: int
    offsets: tuple[int, ...]  # start offsets into TaggingText.full_text
    evidence: str  # the sentence of the first mention, at most 300 characters
    confidence: float  # 0..1
    origin: str  # "gazetteer" | "rule"
    role: str = ""  # people: as the text gives it, e.g. "Kremlin spokesman"
    aliases_seen: tuple[str, ...] = ()  # surface forms, in order of first appearance
    place_kind: str = ""  # "country" | "region" | "city" for places
    country_code: str = ""  # a place's country (its own for a country); a known person's
    country_name: str = ""
    org_kind: str = ""  # organizations: "intergovernmental organization", ...

    @property
    def is_country(self) -> bool:
        return self.kind == PLACE and self.place_kind == COUNTRY


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    entity: Entity | None
    key: str
    name: str
    surface: str
    confidence: float
    origin: str = "gazetteer"
    role: str = ""
    kind: str = ""


def suggest(text: TaggingText, *, gazetteer: Gazetteer | None = None) -> list[Suggestion]:
    """Suggest the people, organizations and places `text` names.

    Sorted by kind (people, organizations, places), then by first mention.
    """
    gazetteer = gazetteer or default_gazetteer()
    full = text.full_text
    if not full.strip():
        return []
    folded = fold(full)
    ranges = text.ranges()
    title_end = ranges["title"][1] if "title" in ranges else 0
    skip = _dateline(folded, ranges)

    matches = _longest_first(gazetteer.scan(folded), skip)
    matches = [m for m in matches if m.alias.form != BLOCKER]
    matches = _in_context(matches, folded, title_end)
    others = [m for m in matches if m.alias.entity.kind != PERSON]
    people = find_people(
        full,
        gazetteer=gazetteer,
        spans=[
            Span(m.start, m.end, m.alias.entity.kind, m.alias.entity.place_kind) for m in others
        ],
        known=[_known_person(m, full) for m in matches if m.alias.entity.kind == PERSON],
        authors=text.authors,
        title_end=title_end,
        skip=skip,
        folded=folded,
    )
    mentions = [_person_mention(hit) for hit in people]
    mentions += _other_mentions(others, people, full, folded)
    return _suggestions(mentions, full)


def _known_person(match: RawMatch, full: str) -> PersonHit:
    entity = match.alias.entity
    return PersonHit(
        start=match.start,
        end=match.end,
        key=entity.key,
        name=entity.name,
        surface=full[match.start : match.end],
        entity=entity,
        confidence=_confidence(match.alias, match.end - match.start),
        origin="gazetteer",
        full=match.alias.form != SURNAME,
    )


def _person_mention(
    hit: PersonHit, *, start: int | None = None, end: int | None = None, surface: str | None = None
) -> _Mention:
    return _Mention(
        hit.start if start is None else start,
        hit.end if end is None else end,
        hit.entity,
        hit.key,
        hit.name,
        hit.surface if surface is None else surface,
        hit.confidence,
        hit.origin,
        hit.role if start is None else "",
        PERSON,
    )


def _other_mentions(
    matches: list[RawMatch], people: list[PersonHit], full: str, folded: str
) -> list[_Mention]:
    """Organizations and places; a place inside or named like a person is the person."""
    person_ranges = [(h.start, h.end) for h in people]
    surnames = _surnames_named(people)
    mentions: list[_Mention] = []
    for match in matches:
        entity = match.alias.entity
        surface = full[match.start : match.end]
        if entity.kind == PLACE and _inside(match.start, match.end, person_ranges):
            continue  # "Paris" in "Paris Hilton"
        owner = surnames.get(folded[match.start : match.end])
        if (
            owner is not None
            and owner.start < match.start
            and entity.kind == PLACE
            and match.alias.form != DEMONYM
            and (entity.place_kind != COUNTRY or match.alias.name_risk)
        ):
            # "the Bush administration" after George W. Bush, "Sharp and Catalan" after
            # Zaida Catalan: the surname of someone the article names, not the place.
            mentions.append(
                _person_mention(owner, start=match.start, end=match.end, surface=surface)
            )
            continue
        mentions.append(
            _Mention(
                match.start,
                match.end,
                entity,
                entity.key,
                entity.name,
                surface,
                _confidence(match.alias, match.end - match.start),
                kind=entity.kind,
            )
        )
    return mentions


def _surnames_named(people: list[PersonHit]) -> dict[str, PersonHit]:
    """Folded surname -> the first full-name hit of the person who bears it."""
    result: dict[str, PersonHit] = {}
    for hit in people:
        if not hit.full:
            continue
        surname = hit.entity.surname if hit.entity is not None and hit.entity.surname else ""
        if not surname and " " in hit.name:
            surname = hit.name.rsplit(" ", 1)[-1]
        if surname:
            result.setdefault(fold(surname), hit)
    return result


# --- matching helpers ----------------------------------------------------------------

_DATELINE = re.compile(
    r"""\s*(?:
        # MOSCOW, February 7. /TASS/.
        [A-Z][A-Za-z .,'\-]{0,60}?\d{1,2}\s*\.?\s*/\s*(?:ITAR-)?TASS\s*/\s*\.?
        # Washington (CNN)
      | [^\n()]{0,60}?\((?:CNN|CNNMoney|AP|AFP|Reuters|Xinhua)\)\s*[-\u2014\u2013]*
        # WASHINGTON --
      | [A-Z][A-Z .,'\-]{2,40}(?=\s*(?:[-\u2014\u2013]|"\?))
    )""",
    re.X,
)


_AGENCY_CREDITS = re.compile(
    r"\(\s*(?:(?:AFP|AP|Reuters|dpa|KNA|epd|AAP|Lusa|EFE|ANSA|Xinhua|TASS|DW|Interfax)[\s,/]*)+\)\s*\Z"
)


def _dateline(folded: str, ranges: dict[str, tuple[int, int]]) -> list[tuple[int, int]]:
    """Ranges never tagged: leading datelines and a closing "(AFP, AP, Reuters)" credit."""
    skip: list[tuple[int, int]] = []
    for part in ("subtitle", "body"):
        if part not in ranges:
            continue
        start, end = ranges[part]
        match = _DATELINE.match(folded, start, min(end, start + 120))
        if match and match.end() > start:
            skip.append((start, match.end()))
    if "body" in ranges:
        start, end = ranges["body"]
        credits = _AGENCY_CREDITS.search(folded, max(start, end - 80), end)
        if credits:
            skip.append((credits.start(), credits.end()))
    return skip


def _longest_first(raw: Iterable[RawMatch], skip: list[tuple[int, int]]) -> list[RawMatch]:
    """Overlapping matches settled longest first, then leftmost; none inside `skip`."""
    candidates = sorted(raw, key=lambda m: (m.start - m.end, m.start))
    if not candidates:
        return []
    taken = bytearray(max(m.end for m in candidates) + 1)
    for start, end in skip:
        taken[start : min(end, len(taken))] = b"\x01" * (min(end, len(taken)) - start)
    accepted: list[RawMatch] = []
    for match in candidates:
        if any(taken[match.start : match.end]):
            continue
        taken[match.start : match.end] = b"\x01" * (match.end - match.start)
        accepted.append(match)
    accepted.sort(key=lambda m: m.start)
    return accepted


_WORD_BEFORE = re.compile(r"([^\W\d_][\w'\-]*)\.?\s$")
_WORD_AFTER = re.compile(r"\s([^\W\d_][\w'\-]*)")
_TREATY_AFTER = re.compile(
    r"(?:'s)?(?: [A-Z][a-z]+){0,2} (?:Convention|Conventions|Agreement|Agreements|Accord|Accords|"
    r"Protocol|Protocols|Treaty|Declaration|Statute|Process|Format|Principles|Consensus|"
    r"Memorandum)\b"
)
_US_STATE_CUES = re.compile(
    r"\b(?:Atlanta|Savannah|Augusta|Macon|Athens, Georgia|state of Georgia|Georgia state|Ga\.)"
)
_GEORGIA_CUES = re.compile(
    r"\b(?:Tbilisi|Georgian|Abkhazia|South Ossetia|Saakashvili|Caucasus|Batumi)"
)


def _in_context(matches: list[RawMatch], folded: str, title_end: int) -> list[RawMatch]:
    """Drop or re-read matches whose meaning depends on the words around them."""
    # Where other names start and end; a city next to a city may be a person's name
    # ("Elizabeth Warren"), so cities do not count here.
    others = [m for m in matches if m.alias.entity.place_kind != CITY]
    starts = {m.start for m in others}
    ends = {m.end for m in others}
    result: list[RawMatch] = []
    georgia_us: bool | None = None
    for match in matches:
        alias = match.alias
        entity = alias.entity
        in_title = match.start < title_end
        if entity.kind == PLACE and not in_title and (alias.form != DEMONYM or alias.name_risk):
            # A city or region, or a country name that is also a first name, next to
            # another capitalized name is part of a person's name: "Isgur Flores",
            # "Riyad Mansour", "Zaida Catalan", "Michael Jordan".
            if (alias.name_risk or entity.place_kind != COUNTRY) and _next_to_a_name(
                folded, match, starts, ends
            ):
                continue
            if alias.name_risk and entity.place_kind == CITY and not _reads_as_place(folded, match):
                # "Warren said", "Jackson's lawyer": a person; "in Jackson" is the city.
                continue
        if (
            entity.kind == PLACE
            and entity.place_kind == CITY
            and _TREATY_AFTER.match(folded, match.end)
        ):
            # "Vienna Convention", "Paris Agreement", "Minsk Protocol": a treaty, not the city.
            continue
        if alias.form == SURNAME and _next_word_is_name(
            folded, match, ends, before=True, sentence_start=True
        ):
            # "Hunter Biden", "Eric Trump": someone else of that family.
            continue
        if alias.alternatives and entity.key == "country:GE":
            if georgia_us is None:
                georgia_us = bool(_US_STATE_CUES.search(folded)) and not _GEORGIA_CUES.search(
                    folded
                )
            if georgia_us:
                state = alias.alternatives[0]
                match = RawMatch(match.start, match.end, Alias(alias.text, state, alias.form))
        result.append(match)
    return result


_PLACE_PREPOSITION = re.compile(r"\b(?:of|in|from|to|at|near|for|outside|across|into|via|across) $")


_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|from|to|at|near|outside|across|into|via|toward|towards|around|of|between|"
    r"visit|visited|visiting|left|reached|flew|travelled|traveled) $"
)
_PLACE_AFTER = re.compile(r"(?:, [A-Z][a-z]|-based\b| area\b| city\b| suburb)")


def _reads_as_place(folded: str, match: RawMatch) -> bool:
    """Whether a name that is also a person's reads as a place here."""
    if _LOCATIVE_BEFORE.search(folded, max(0, match.start - 14), match.start):
        return True
    return bool(_PLACE_AFTER.match(folded, match.end))


_TWO_NAME_WORDS = re.compile(r" [A-Z][\w'\-]+ [A-Z][\w'\-]+")


def _next_to_a_name(folded: str, match: RawMatch, starts: set[int], ends: set[int]) -> bool:
    if _next_word_is_name(folded, match, ends, before=True):
        return True
    if not _next_word_is_name(folded, match, starts, before=False):
        return False
    # "Governor of Utah Jon Huntsman": after "of", "in"... and before a full name, it
    # is the place all the same; "talk to Chad Oulson" is a person.
    if _PLACE_PREPOSITION.search(folded, max(0, match.start - 12), match.start):
        return not _TWO_NAME_WORDS.match(folded, match.end)
    return True


def _next_word_is_name(
    folded: str, match: RawMatch, taken: set[int], *, before: bool, sentence_start: bool = False
) -> bool:
    """Whether the word before (or after) the match is a capitalized name-like word.

    A word that starts a sentence is no evidence of a first name ("Neighbouring
    Jordan"), unless `sentence_start` allows it ("Hunter Biden said")."""
    if before:
        found = _WORD_BEFORE.search(folded, max(0, match.start - 40), match.start)
        if not found or found.end() != match.start or found.group(0).endswith("  "):
            return False
        if found.end(1) in taken or found.end(1) + 1 in taken:
            return False
        word = found.group(1)
        # A word that starts a sentence is no evidence of a first name.
        i = found.start(1) - 1
        while i >= 0 and folded[i] in " \"'(":
            i -= 1
        if (i < 0 or folded[i] in ".!?:\n") and not sentence_start:
            return False
    else:
        found = _WORD_AFTER.match(folded, match.end)
        if not found or found.start(1) in taken:
            return False
        word = found.group(1)
    if not word[0].isupper() or word.isupper() or word.endswith("'s"):
        return False
    return word not in NOT_NAME_WORDS and word not in FUNCTION_WORDS


def _inside(start: int, end: int, ranges: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in ranges)


def _confidence(alias: Alias, length: int) -> float:
    form = alias.form
    entity = alias.entity
    if form == SURNAME:
        return 0.85
    if form == DEMONYM:
        return 0.8
    if entity is not None and entity.place_kind == CITY:
        base = 0.8 if entity.population >= 1_000_000 else 0.75
        return base - (0.15 if alias.name_risk else 0.0) - (0.1 if alias.alternatives else 0.0)
    if entity is not None and entity.place_kind == REGION:
        return 0.85 if length > 4 else 0.7
    if length <= 4:
        return 0.85  # "EU", "UN", "U.S.", "NATO": case-sensitive, but short
    return 0.95 - (0.1 if alias.name_risk else 0.0)


# --- grouping --------------------------------------------------------------------------

_KIND_ORDER = {PERSON: 0, ORGANIZATION: 1, PLACE: 2}


def _suggestions(mentions: list[_Mention], full: str) -> list[Suggestion]:
    groups: dict[str, list[_Mention]] = {}
    for mention in sorted(mentions, key=lambda m: m.start):
        groups.setdefault(mention.key, []).append(mention)
    result: list[Suggestion] = []
    sentences = _Sentences(full)
    for key, items in groups.items():
        first = items[0]
        entity = first.entity
        kind = first.kind or (entity.kind if entity else PERSON)
        confidence = max(m.confidence for m in items)
        confidence = min(0.99, confidence + 0.02 * (len(items) - 1))
        role = next((m.role for m in items if m.role), "")
        name = first.name
        if entity is None and kind == PERSON:
            # The longest form the text gives: "Dmytro Kuleba" over "Kuleba".
            name = max((m.name for m in items), key=len)
        result.append(
            Suggestion(
                kind=kind,
                key=key,
                name=name,
                count=len(items),
                offsets=tuple(m.start for m in items),
                evidence=sentences.around(first.start, first.end),
                confidence=round(confidence, 3),
                origin="rule" if all(m.origin == "rule" for m in items) else "gazetteer",
                role=role,
                aliases_seen=tuple(dict.fromkeys(m.surface for m in items)),
                place_kind=entity.place_kind if entity and kind == PLACE else "",
                country_code=entity.country_code if entity else "",
                country_name=entity.country_name if entity else "",
                org_kind=entity.org_kind if entity else "",
            )
        )
    result.sort(key=lambda s: (_KIND_ORDER.get(s.kind, 3), s.offsets[0]))
    return result


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)]*\s+(?=[\"'\u201c\u2018(]*[A-Z0-9])|\n")


_ABBREVIATION_BEFORE = re.compile(
    r"(?:\b(?:[A-Z]\.){1,3}|\b(?:Mr|Mrs|Ms|Dr|Prof|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Adm|Maj|St|Jr|No|Vol|Fig|vs|etc)\.)[\"'\u201d\u2019)]*$"
)


class _Sentences:
    """Sentence boundaries of a text, found once, for the evidence of every mention."""

    def __init__(self, full: str):
        self.full = full
        self.starts: list[int] = []  # where each break begins
        self.ends: list[int] = []  # where the next sentence begins
        for match in _SENTENCE_BREAK.finditer(full):
            if match.group() != "\n" and _ABBREVIATION_BEFORE.search(
                full, max(0, match.start() - 12), match.start()
            ):
                continue  # "U.S. Urges", "Mr. Smith"
            self.starts.append(match.start())
            self.ends.append(match.end())

    def around(self, start: int, end: int) -> str:
        """The sentence around [start, end), trimmed to EVIDENCE_MAX characters."""
        i = bisect_right(self.ends, start)
        sentence_start = self.ends[i - 1] if i else 0
        j = bisect_left(self.starts, end)
        sentence_end = self.starts[j] if j < len(self.starts) else len(self.full)
        raw = self.full[sentence_start:sentence_end]
        sentence = raw.strip()
        if len(sentence) <= EVIDENCE_MAX:
            return sentence
        # Too long: a window around the mention, cut at word boundaries.
        center = start - sentence_start - (len(raw) - len(raw.lstrip()))
        lo = max(0, center - EVIDENCE_MAX // 2)
        hi = min(len(sentence), lo + EVIDENCE_MAX - 2)
        lo = max(0, hi - (EVIDENCE_MAX - 2))
        window = sentence[lo:hi]
        if lo > 0:
            window = "\u2026" + window.split(" ", 1)[-1]
        if hi < len(sentence):
            window = window.rsplit(" ", 1)[0] + "\u2026"
        return window[:EVIDENCE_MAX]
