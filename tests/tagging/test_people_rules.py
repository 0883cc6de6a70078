"""People the gazetteer does not know, found from how news writes about them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from articles.tagging import TaggingText, suggest


def people(body: str, *, title: str = "News", authors: tuple[str, ...] = ()) -> dict:
    text = TaggingText(title=title, body=body, authors=authors)
    return {s.name: s for s in suggest(text) if s.kind == "person"}


def test_a_role_before_a_name_makes_a_person_and_is_kept():
    found = people("Deputy Foreign Minister Oleg Syromolotov said talks would go on.")
    assert set(found) == {"Oleg Syromolotov"}
    person = found["Oleg Syromolotov"]
    assert (person.role, person.origin, person.key) == (
        "Deputy Foreign Minister",
        "rule",
        "person:oleg-syromolotov",
    )


def test_roles_with_countries_and_organizations_in_them():
    found = people(
        "Talks were led by Ukrainian envoy Olena Zerkal. Later, Kremlin aide Yuri Ushakov "
        "spoke to UN envoy Staffan de Mistura."
    )
    assert found["Olena Zerkal"].role == "Ukrainian envoy"
    assert found["Yuri Ushakov"].role == "Kremlin aide"
    assert found["Staffan de Mistura"].role == "UN envoy"


def test_a_role_in_apposition_counts_too():
    found = people("Alexander Grushko, Russia's envoy to NATO, said dialogue was useful.")
    assert found["Alexander Grushko"].role == "Russia's envoy to NATO"


def test_later_surname_resolves_to_the_full_name():
    found = people(
        "Spokeswoman Olena Zerkal spoke first. Zerkal said the talks failed, "
        "and Mr Zerkal's colleagues agreed. Later Zerkal left."
    )
    person = found["Olena Zerkal"]
    assert person.count == 4
    assert person.aliases_seen == ("Olena Zerkal", "Zerkal")


def test_a_name_that_recurs_alone_is_a_person_even_without_a_role():
    found = people("We met Ivan Petrenko in town. Petrenko said the bridge was closed.")
    assert found["Ivan Petrenko"].count == 2


def test_honorifics_make_a_person():
    found = people("The hearing was chaired by Dr Amal Haddad on Monday.")
    assert "Amal Haddad" in found


def test_authors_are_not_people_of_the_article():
    body = "Marc Preel said nothing. Analyst Francesco Fontemaggi said little."
    found = people(body, authors=("Marc Preel", "Francesco Fontemaggi"))
    assert found == {}


def test_words_that_start_a_sentence_are_not_people():
    found = people(
        "Striking a conciliatory note, he spoke. Related article: nothing. "
        "Speaking Tuesday, officials said so. Asked about Moscow, he smiled. "
        "Western powers met on Thursday. Targeting Felons Was a Lie, wrote one paper."
    )
    assert found == {}


def test_days_months_and_all_caps_are_not_people():
    found = people("MOSCOW, February 7. Talks on Monday June 5 ended. BREAKING NEWS said so.")
    assert found == {}


def test_places_and_organizations_are_not_people():
    found = people(
        "Human Rights Watch said so. The White House said no. Kremlin spokesman said yes. "
        "Preston Crown Court said nothing."
    )
    assert found == {}


def test_a_name_seen_only_in_the_headline_is_not_enough():
    found = people("Nothing here.", title="Ivan Petrenko Warns of Crisis")
    assert found == {}


def test_known_people_by_surname_alone_and_not_their_relatives():
    found = people("Putin said so. Hunter Biden said something else, his father did not.")
    assert "Vladimir Putin" in found
    assert "Joe Biden" not in found


def test_an_ambiguous_surname_needs_a_title():
    found = people("Theresa May spoke in May. Later Mrs May left.")
    may = found["Theresa May"]
    assert may.count == 2


def test_coordinated_names_share_the_role():
    found = people("Republican Senators Rand Paul and Mike Lee voted against it.")
    assert {"Rand Paul", "Mike Lee"} <= set(found)


def test_a_place_name_inside_a_person_name_is_the_person():
    body = "Officials identified Zaida Catalan, a Swede. Sharp and Catalan were missing."
    found = suggest(TaggingText(title="", body=body))
    assert {s.key for s in found if s.kind == "place"} == {"country:SE"}
    catalan = next(s for s in found if s.name == "Zaida Catalan")
    assert catalan.count == 2


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "Putin",
                    "said",
                    "Mr",
                    "U.S.",
                    "EU",
                    "the",
                    "Kremlin spokesman",
                    "Ivan",
                    "Petrenko",
                    ".",
                    ",",
                    "\n\n",
                    "'s",
                    "al-",
                    "Kiev",
                    "Jordan",
                    "MOSCOW",
                    "(CNN)",
                ]
            ),
            st.text(max_size=12),
        ),
        max_size=40,
    ).map(" ".join)
)
def test_any_text_tags_without_error_and_offsets_point_into_it(body):
    text = TaggingText(title="T", body=body)
    full = text.full_text
    for s in suggest(text):
        assert s.count == len(s.offsets)
        for offset in s.offsets:
            assert 0 <= offset < len(full)
        assert len(s.evidence) <= 300
