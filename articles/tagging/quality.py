"""Measure the tagger against a hand-labeled gold set.

The gold set (tests/fixtures/tagging_gold.jsonl) holds real articles from the shared
corpus, each labeled by a person reading it, never by copying the tagger's output.
One JSON object a line: article_id, url, title, subtitle, published, body (as in the
CSV), and the labels "people", "organizations", "countries".

Labeling rules (the tagger follows the same ones):

People
- Every person the title, standfirst or body names, however briefly ("the Obama
  administration" names Barack Obama), under their full canonical name (the
  gazetteer's when it knows them). A surname alone counts when it is unmistakable
  ("Trump", "the Assad regime"); a person never named is not labeled ("a senior UN
  official").
- Not people of the article: its authors, and the publication's own journalists
  credited for its reporting ("the BBC's Will Grant reports", "ABC News' Chris Donovan
  contributed", "Max Hofmann reports from Brussels"), photo credits.

Organizations: only these kinds, which data/organizations.json curates:
- intergovernmental organizations: the UN and its organs, agencies and missions,
  regional blocs and alliances (EU, NATO, OSCE, ASEAN, OAS...), their main
  institutions (European Commission, Parliament, Council), international courts and
  financial institutions, G7/G20/BRICS;
- government bodies: offices of heads of state and government (Kremlin, White House),
  foreign and defence ministries of any country (Pentagon, State Department), national
  legislatures ("Hungary's parliament", Congress, State Duma), intelligence and
  security services (CIA, FSB, NIS);
- non-state armed groups (Islamic State, Hamas, Taliban, PKK...);
- news agencies quoted as sources in the text (TASS, Reuters, AP, AFP, KCNA...);
- state energy companies (Gazprom, Rosneft) and the international sports bodies that
  rule on states (IOC, WADA, FIFA).
Not labeled: political parties, national armies, courts and police of a state, other
ministries, newspapers and broadcasters, NGOs, companies, organizations that no longer
exist (Soviet Union, EEC), and the agency credits that end an article "(AFP, AP)".
A bare "the Foreign Ministry" or "the National Assembly" whose country the article
makes plain is labeled (the tagger does not resolve it: a known weakness).

Countries (ISO 3166-1 alpha-2)
- Every country named directly, by a demonym or adjective ("Ukrainian soldiers",
  "Irish time"), or through a city or region that lies in it ("Stockholm" -> SE,
  "Crimea" -> UA, "Washington" -> US). Passing mentions count.
- Not: a dateline ("MOSCOW, February 7. /TASS/.", "Seoul (CNN)"), a country named only
  inside the name of a labeled organization ("Russian Foreign Ministry" alone does not
  label RU), a city inside the name of a treaty ("Vienna Convention", "Paris
  Agreement"), continents and regions that are not in one country (Europe, the Middle
  East, the Balkans), countries that no longer exist (Soviet Union, Yugoslavia).

Matching: people by normalized name (accents folded, case and punctuation ignored,
initials dropped; a gazetteer alias is the same person; the same surname with the
same first three letters of the given name counts as the same person, for spellings
such as Sergey/Sergei); organizations by gazetteer key (a gold name is resolved
through the gazetteer's names); countries by code, where a city's or region's
suggestion counts for its country.

The gold set has 48 articles from all nine sources of the shared corpus. The first 38
were labeled before the tagger was run on them and then used to improve it (general
rules and data only: no article ids, no names found only there); the last 10 were
labeled afterwards and measured before any change, as a held-out check. Figures are
in tests/tagging/test_quality_floor.py.

Nothing here prints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .gazetteer import ORGANIZATION, PERSON, PLACE, Gazetteer, default_gazetteer
from .matcher import Suggestion, TaggingText, suggest
from .text import normalize_name

__all__ = ["KINDS", "Score", "evaluate", "load_gold"]

KINDS = ("people", "organizations", "countries")


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[tuple[str, str, str]] = field(
        default_factory=list
    )  # (article_id, name, "fp"|"fn")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_gold(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def evaluate(
    gold_records: Iterable[dict], *, gazetteer: Gazetteer | None = None
) -> dict[str, Score]:
    """Precision and recall of `suggest` per kind ("people", "organizations", "countries")."""
    gazetteer = gazetteer or default_gazetteer()
    scores = {kind: Score() for kind in KINDS}
    for record in gold_records:
        article_id = str(record.get("article_id", ""))
        text = TaggingText(
            title=record.get("title", ""),
            subtitle=record.get("subtitle", ""),
            body=record.get("body", ""),
            authors=tuple(record.get("authors", ())),
        )
        suggestions = suggest(text, gazetteer=gazetteer)
        _score_people(
            scores["people"], article_id, record.get("people", []), suggestions, gazetteer
        )
        _score_sets(
            scores["organizations"],
            article_id,
            {_org_key(name, gazetteer): name for name in record.get("organizations", [])},
            {s.key: s.name for s in suggestions if s.kind == ORGANIZATION},
        )
        _score_sets(
            scores["countries"],
            article_id,
            {code: code for code in record.get("countries", [])},
            {
                s.country_code: s.country_code
                for s in suggestions
                if s.kind == PLACE and s.country_code
            },
        )
    return scores


def _score_sets(score: Score, article_id: str, gold: dict[str, str], found: dict[str, str]) -> None:
    for key, name in gold.items():
        if key in found:
            score.tp += 1
        else:
            score.fn += 1
            score.errors.append((article_id, name, "fn"))
    for key, name in found.items():
        if key not in gold:
            score.fp += 1
            score.errors.append((article_id, name, "fp"))


def _org_key(name: str, gazetteer: Gazetteer) -> str:
    alias = gazetteer.lookup(name)
    if alias and alias.entity and alias.entity.kind == ORGANIZATION:
        return alias.entity.key
    return f"unknown:{normalize_name(name)}"


def _person_forms(name: str, gazetteer: Gazetteer) -> tuple[str, str]:
    """(gazetteer key or "", normalized name without initials)."""
    alias = gazetteer.lookup(name)
    key = alias.entity.key if alias and alias.entity and alias.entity.kind == PERSON else ""
    words = [w for w in normalize_name(name).split() if len(w) > 1]
    return key, " ".join(words)


def _same_person(a: tuple[str, str], b: tuple[str, str]) -> bool:
    if a[0] and a[0] == b[0]:
        return True
    if a[1] == b[1]:
        return True
    wa, wb = a[1].split(), b[1].split()
    return len(wa) >= 2 and len(wb) >= 2 and wa[-1] == wb[-1] and wa[0][:3] == wb[0][:3]


def _score_people(
    score: Score,
    article_id: str,
    gold: list[str],
    suggestions: list[Suggestion],
    gazetteer: Gazetteer,
) -> None:
    found = []
    for s in suggestions:
        if s.kind != PERSON:
            continue
        key = s.key if gazetteer.get(s.key) is not None else ""
        words = [w for w in normalize_name(s.name).split() if len(w) > 1]
        found.append((s.name, (key, " ".join(words))))
    matched: set[int] = set()
    for name in gold:
        forms = _person_forms(name, gazetteer)
        hit = next(
            (i for i, (_, f) in enumerate(found) if i not in matched and _same_person(forms, f)),
            None,
        )
        if hit is None:
            score.fn += 1
            score.errors.append((article_id, name, "fn"))
        else:
            matched.add(hit)
            score.tp += 1
    for i, (name, _) in enumerate(found):
        if i not in matched:
            score.fp += 1
            score.errors.append((article_id, name, "fp"))
