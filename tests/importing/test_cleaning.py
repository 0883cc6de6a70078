"""Text repairs: certain ones are made and counted, uncertain ones left as printed."""

from __future__ import annotations

from collections import Counter

import pytest

from articles.importing.cleaning import (
    Dateline,
    build_body,
    clean_text,
    ends_sentence,
    format_repairs,
    join_broken_paragraphs,
    repair_lost_quotes,
    split_dateline,
    split_leading_dateline,
    split_on_space_runs,
)
from articles.importing.records import Block

CLOSE = "\N{RIGHT DOUBLE QUOTATION MARK}"
OPEN = "\N{LEFT DOUBLE QUOTATION MARK}"
DASH = "\N{EM DASH}"
APOSTROPHE = "\N{RIGHT SINGLE QUOTATION MARK}"


# --- clean_text ------------------------------------------------------------------------


def test_mojibake_is_fixed_and_recorded():
    text, repairs = clean_text("The Kremlin\u00e2\u20ac\u2122s spokesman Schr\u00c3\u00b6der")

    assert text == f"The Kremlin{APOSTROPHE}s spokesman Schr\u00f6der"
    assert repairs == Counter({"mojibake": 1})


def test_curly_quotes_and_cjk_punctuation_are_kept():
    original = f"He said {OPEN}no{CLOSE} \u2014 \u6e56\u5357\uff0cH\u00fan\u00e1n"

    assert clean_text(original) == (original, Counter())


def test_whitespace_is_normalised_inside_a_paragraph():
    text, repairs = clean_text("  One\u00a0two\t\tthree \n four  ")

    assert (text, repairs) == ("One two three four", Counter())


def test_nul_and_control_characters_are_removed_and_counted():
    text, repairs = clean_text("Pu\x00tin\u200b met\x07 Xi\x1b.")

    assert (text, repairs) == ("Putin met Xi.", Counter({"control-chars": 4}))


# --- lost quotes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damaged", "repaired", "kind"),
    [
        (
            'a worse choice,"?Sen. Elizabeth Warren',
            f"a worse choice,{CLOSE} Sen. Elizabeth Warren",
            "lost-quote-closing",
        ),
        (
            '"potential grizzlies."?DeVos',
            f'"potential grizzlies.{CLOSE} DeVos',
            "lost-quote-closing",
        ),
        ('"overturned!"?Trump tweeted', f'"overturned!{CLOSE} Trump tweeted', "lost-quote-closing"),
        ('"so innocent?"?Wiping', f'"so innocent?{CLOSE} Wiping', "lost-quote-closing"),
        ('"with authorities."?', f'"with authorities.{CLOSE}', "lost-quote-closing"),
        ('"Trump."?"I think', f'"Trump.{CLOSE} "I think', "lost-quote-closing"),
        ('"done."? She said', f'"done.{CLOSE} She said', "lost-quote-closing"),
        (
            'terror group "?and under-reported',
            f"terror group {DASH} and under-reported",
            "lost-quote-dash",
        ),
        ('didn"t', f"didn{APOSTROPHE}t", "lost-apostrophe"),
        ('it"s', f"it{APOSTROPHE}s", "lost-apostrophe"),
        ('I"m', f"I{APOSTROPHE}m", "lost-apostrophe"),
        ('we"re', f"we{APOSTROPHE}re", "lost-apostrophe"),
        ('they"ll', f"they{APOSTROPHE}ll", "lost-apostrophe"),
        ('I"ve', f"I{APOSTROPHE}ve", "lost-apostrophe"),
        ('he"d', f"he{APOSTROPHE}d", "lost-apostrophe"),
        ('AREN"T', f"AREN{APOSTROPHE}T", "lost-apostrophe"),
    ],
)
def test_certain_lost_characters_are_restored(damaged, repaired, kind):
    assert repair_lost_quotes(damaged) == (repaired, Counter({kind: 1}))


@pytest.mark.parametrize(
    "ambiguous",
    [
        'The Senate voted on DeVos"?highly contentious',  # apostrophe or closing quote?
        'told ABC News "?0/20"?in an interview',  # an opening quote that took the "2"
        'WASHINGTON"?Republicans',  # no space: a dash or a quote?
        'encourage-"?or at least',
        'a "Hood desert"s highly debated',  # the quote may close the quotation
        '"Allahu akbar" and "the" end',  # ordinary straight quotes
        'the "?"?second',  # debris after debris
    ],
)
def test_ambiguous_cases_are_left_as_printed_and_not_recorded(ambiguous):
    assert repair_lost_quotes(ambiguous) == (ambiguous, Counter())


def test_the_second_of_two_lost_quotes_is_not_taken_for_punctuation():
    assert repair_lost_quotes('feed her,"?"?it has been') == (
        f'feed her,{CLOSE} "?it has been',
        Counter({"lost-quote-closing": 1}),
    )


def test_repairs_are_counted_per_kind():
    text = 'He said "no,"?then "yes."?It didn"t matter "?not at all.'

    repaired, repairs = repair_lost_quotes(text)

    assert repaired == (
        f'He said "no,{CLOSE} then "yes.{CLOSE} It didn{APOSTROPHE}t matter {DASH} not at all.'
    )
    assert format_repairs(repairs) == (
        "lost-apostrophe:1",
        "lost-quote-closing:2",
        "lost-quote-dash:1",
    )


# --- paragraphs ------------------------------------------------------------------------


def test_split_on_space_runs():
    body = "First para.     Second para.  Third\u00a0\u00a0para.\nFourth. Not  "

    assert split_on_space_runs(body) == [
        "First para.",
        "Second para.",
        "Third",
        "para.",
        "Fourth. Not",
    ]


def test_body_without_space_runs_is_one_paragraph():
    assert split_on_space_runs("One. Two. Three.") == ["One. Two. Three."]
    assert split_on_space_runs("   ") == []


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("Done.", True),
        ('He said "done."', True),
        ("Really?)", True),
        ("and the US would", False),
        ("'Nightmare scenario'", False),
        ("", False),
        ("Note:", True),
    ],
)
def test_ends_sentence(text, ends):
    assert ends_sentence(text) is ends


def test_broken_paragraph_is_joined_only_before_a_lower_case_start():
    blocks = [
        Block(Block.PARAGRAPH, "Sanctions, and the US would"),
        Block(Block.PARAGRAPH, "follow suit soon."),
        Block(Block.PARAGRAPH, "Photo caption without a stop"),
        Block(Block.PARAGRAPH, "The next paragraph."),
        Block(Block.SUBHEADING, "A heading"),
        Block(Block.PARAGRAPH, "lower case after a heading."),
    ]

    joined, joins = join_broken_paragraphs(blocks)

    assert joins == 1
    assert [block.text for block in joined] == [
        "Sanctions, and the US would follow suit soon.",
        "Photo caption without a stop",
        "The next paragraph.",
        "A heading",
        "lower case after a heading.",
    ]


# --- datelines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paragraph", "dateline", "agency", "rest"),
    [
        (
            "MOSCOW, February 7. /TASS/. Russia is ready.",
            "MOSCOW, February 7. /TASS/.",
            "TASS",
            "Russia is ready.",
        ),
        (
            "MOSCOW, February 6./TASS/. The pullback.",
            "MOSCOW, February 6./TASS/.",
            "TASS",
            "The pullback.",
        ),
        (
            "MOSCOW, February 7. /TASS/ The law of entropy.",
            "MOSCOW, February 7. /TASS/",
            "TASS",
            "The law of entropy.",
        ),
        (
            "MOSCOW, February 7, /TASS/. Russia may.",
            "MOSCOW, February 7, /TASS/.",
            "TASS",
            "Russia may.",
        ),
        ("MURMANSK. February 9. /TASS/. Ships.", "MURMANSK. February 9. /TASS/.", "TASS", "Ships."),
        ("TOKYO, March 2. /TASS /. Japan has.", "TOKYO, March 2. /TASS /.", "TASS", "Japan has."),
        (
            "MOSCOW, March 14. /TASS./. The Kremlin.",
            "MOSCOW, March 14. /TASS./.",
            "TASS",
            "The Kremlin.",
        ),
        (
            "BADEN-BADEN /Germany/, March 9. /TASS/. Talks.",
            "BADEN-BADEN /Germany/, March 9. /TASS/.",
            "TASS",
            "Talks.",
        ),
        (
            "ADMIRAL KUZNETSOV AIRCRAFT CARRIER (Severomorsk), February 9. /TASS/. The ship.",
            "ADMIRAL KUZNETSOV AIRCRAFT CARRIER (Severomorsk), February 9. /TASS/.",
            "TASS",
            "The ship.",
        ),
        (
            "MOSCOW, high-latitude Arctic, March 9. /TASS/. Ice.",
            "MOSCOW, high-latitude Arctic, March 9. /TASS/.",
            "TASS",
            "Ice.",
        ),
        (
            "St PETERSBURG, March 9. /TASS/. The city.",
            "St PETERSBURG, March 9. /TASS/.",
            "TASS",
            "The city.",
        ),
        (
            "UNITED NATIONS, March 25. /TASS/.-Russia and China.",
            "UNITED NATIONS, March 25. /TASS/.",
            "TASS",
            "Russia and China.",
        ),
        (
            "TAIPEI, Taiwan, Feb. 7, 2017 /PRNewswire/.-Infortrend today.",
            "TAIPEI, Taiwan, Feb. 7, 2017 /PRNewswire/.",
            "PRNewswire",
            "Infortrend today.",
        ),
        (
            "BRUSSELS (Reuters) - Prime Minister Theresa May.",
            "BRUSSELS (Reuters)",
            "Reuters",
            "Prime Minister Theresa May.",
        ),
        (
            "WASHINGTON, Feb 9 (Reuters) - U.S. President.",
            "WASHINGTON, Feb 9 (Reuters)",
            "Reuters",
            "U.S. President.",
        ),
    ],
)
def test_agency_datelines_are_split_off(paragraph, dateline, agency, rest):
    found, remainder = split_dateline(paragraph)

    assert found == Dateline(dateline, agency)
    assert remainder == rest


def test_dateline_with_writers_names_them_as_authors():
    found, rest = split_dateline("MOSCOW, March 17. /TASS, Maxim Allanazarov, Yevgeny Ionov/. Win.")

    assert found == Dateline(
        "MOSCOW, March 17. /TASS, Maxim Allanazarov, Yevgeny Ionov/.",
        "TASS",
        ("Maxim Allanazarov", "Yevgeny Ionov"),
    )
    assert rest == "Win."


@pytest.mark.parametrize(
    "paragraph",
    [
        "Moscow is big. Russia said on February 7 that TASS/Interfax reported it.",
        "- Russia's Ambassador to the United Nations expects.",
        "WASHINGTON \u2014 House Speaker Paul Ryan said.",  # no agency named: left alone
        "US President Donald Trump said on March 9.",
        " March 20",
    ],
)
def test_text_without_an_agency_dateline_is_untouched(paragraph):
    assert split_dateline(paragraph) == (None, paragraph)


def test_a_first_paragraph_that_is_only_a_dateline_disappears():
    blocks = [Block(Block.PARAGRAPH, "MOSCOW, February 7. /TASS/."), Block(Block.PARAGRAPH, "B.")]

    dateline, rest = split_leading_dateline(blocks)

    assert dateline == Dateline("MOSCOW, February 7. /TASS/.", "TASS")
    assert rest == [Block(Block.PARAGRAPH, "B.")]


def test_build_body_cleans_joins_and_splits_the_dateline():
    body = build_body(['MOSCOW, February 7. /TASS/. Lavrov said "?and', "then left."])

    assert body.blocks == (Block(Block.PARAGRAPH, f"Lavrov said {DASH} and then left."),)
    assert body.dateline == Dateline("MOSCOW, February 7. /TASS/.", "TASS")
    assert format_repairs(body.repairs) == ("joined-paragraph:1", "lost-quote-dash:1")
