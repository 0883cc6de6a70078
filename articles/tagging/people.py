"""People the gazetteer does not know, found from how news writes about them.

A *name run* is a sequence of capitalized words separated by single spaces
("Dmytro Kuleba", "Abu Bakr al-Baghdadi"), not crossing a name the gazetteer
matched (a country, an organization, a demonym), and not containing a word that is
never part of a personal name (see NOT_NAME_WORDS: days, months, titles, "Ministry",
"Street"...). A run of two to four words is a person when the text says so:

- a role or title stands before it: "Kremlin spokesman Dmitry Peskov",
  "Ukrainian Foreign Minister Dmytro Kuleba", "Top U.S. diplomat Antony Blinken",
  "Secretary-General X", "Sen. X", "opposition leader X" (the role is kept);
- an honorific stands before it: "Mr", "Mrs", "Ms", "Dr";
- a role follows it in apposition: "Dmitry Peskov, the Kremlin spokesman," or an age:
  "John Smith, 45,";
- a verb of speech follows it or precedes it: "X said", "said X", "according to X";
- its surname recurs alone where a person would stand ("Grushko said", "Mr
  Grushko", "Grushko's", "Nemtsov was shot");
- it follows, after "and" or a comma, a name that has a role ("Senators Rand Paul and
  Mike Lee").

Afterwards a bare surname ("Blinken said", "Mr Kuleba") is resolved to the full name
given earlier in the same article; a surname that is also a common word (Theresa
May) only after a title ("Mrs May"). Never a person: a run in the headline alone, a
run made of one word (unless it resolves to a full name), all-caps words (datelines,
acronyms), the byline's authors (passed in by the caller) and the journalists a
credit line names ("Reporting by...", "Associated Press writers..."), words that only
start a sentence ("Striking a conciliatory note", "Targeting Felons"), and runs that
are part of an institution's name ("Preston Crown Court", "National Living Wage").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .gazetteer import Entity, Gazetteer
from .text import fold, normalize_name, slugify

__all__ = ["PersonHit", "Span", "find_people", "tokenize"]


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, one word per whitespace."""
    return frozenset(text.split())


# --- word lists (rules about English news prose, not gazetteer data) -----------------

DAYS_MONTHS = _words(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
    "June July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep "
    "Sept Oct Nov Dec"
)

# Heads of a role phrase: "spokesman", "Foreign Minister", "diplomat".
ROLE_HEADS = _words(
    """president vice-president president-elect minister prime-minister chancellor secretary
    secretary-general spokesman spokeswoman spokesperson diplomat envoy ambassador leader
    premier senator sen congressman congresswoman representative rep governor gov mayor king
    queen prince princess pope emir sheikh ayatollah general gen colonel col lieutenant lt
    major maj captain capt commander admiral adm marshal sergeant sgt chief director head
    chairman chairwoman chair ceo founder co-founder judge justice prosecutor attorney lawyer mp
    mep lawmaker legislator deputy official officer analyst expert professor prof dr mr mrs ms
    sir dame lord lady speaker candidate nominee activist journalist reporter correspondent
    editor author writer researcher economist scientist actor actress singer star coach manager
    player striker midfielder defender goalkeeper champion businessman businesswoman billionaire
    tycoon cleric imam rabbi bishop archbishop cardinal priest pastor monarch dictator strongman
    taoiseach tanaiste commissioner ombudsman negotiator adviser advisor aide counsel inspector
    investigator mufti patriarch warlord suspect victim witness student teacher doctor nurse
    farmer resident mother father son daughter wife husband brother sister widow uncle nephew
    artist designer producer filmmaker comedian host presenter anchor blogger dissident
    counterpart colleague predecessor successor incumbent rival challenger member head boss
    owner executive president's chief's envoys representatives militant rebel commissioner
    superintendent constable detective inspector coroner solicitor barrister woman man girl boy
    national citizen boyfriend girlfriend partner fiance fiancee cousin grandson granddaughter
    niece aunt grandfather grandmother stepson stepdaughter spouse daughter-in-law son-in-law
    father-in-law mother-in-law friend ally opponent critic supporter committeeman
    committeewoman councillor councilman councilwoman alderman assemblyman assemblywoman
    delegate trustee photographer cameraman organizer organiser sheriff figure columnist
    commentator pundit"""
)

# Words that may stand inside a role phrase without being its head.
ROLE_MODIFIERS = _words(
    """top former foreign prime deputy vice acting senior chief defence defense interior finance
    state general secretary opposition new then supreme crown first affairs external home
    economy economic trade justice health education energy security intelligence national
    federal presidential press communications military army navy air force police party
    ruling minority majority house senate un u.n. us eu nato kremlin white whitehouse
    government official regional local provincial junior associate assistant special
    longtime long-time veteran retired late exiled jailed imprisoned detained outgoing
    incoming interim caretaker self-proclaimed self-declared de facto russian-backed
    pro-russian pro-western separatist rebel independent conservative liberal republican
    democratic democrat labour socialist communist green far-right far-left right-wing
    left-wing hardline hard-line moderate powerful influential prominent leading"""
)

HONORIFICS = _words("Mr Mrs Ms Miss Dr Prof Sir Dame Lord Lady")
ABBREVIATIONS = HONORIFICS | _words(
    "Sen Rep Gov Gen Lt Col Sgt Capt Adm Maj Cpl Pres St Mt Jr Sr Ft Insp Det Supt"
)

SPEECH_VERBS = _words(
    """said says told added wrote tweeted stated noted explained insisted argued warned claimed
    announced stressed asked replied commented confirmed declared urged accused denied admitted
    acknowledged revealed suggested described praised criticised criticized thanked recalled
    emphasised emphasized underlined pointed concluded believes believed thinks thought
    predicted cautioned complained agreed disagreed responded answered continued explains
    tells adds writes notes argues warns claims"""
)

# Capitalized words that begin sentences or headlines but never begin a name.
FUNCTION_WORDS = _words(
    """The A An This That These Those It Its He She They We I You His Her Their Our My Your
    In On At By For From To Of With As But And Or If When While After Before Since During Under
    Over About Despite Although Though Meanwhile However Also Yet So Now Then There Here What
    Who Why How Where Which Whose All Some Many Most More Other Another Each Every No Not One
    Two Three Four Five Six Seven Eight Nine Ten First Second Third Last Next Several Both Such
    Only Even Just Still Already According Related Read Watch See Photo Image Video Source
    Update Updated Breaking Live Exclusive Analysis Opinion Editor Note Click Follow Share Like
    Asked Speaking Addressing Responding Commenting Writing Asked Following Ahead Amid Among
    Against Between Through Throughout Without Within Upon Unlike Like Because Unless Until
    Once Whether Instead Indeed Still Later Earlier Today Tonight Yesterday Tomorrow Last
    Thus Hence Therefore Moreover Furthermore Besides Nevertheless Nonetheless Otherwise
    Please Thank Thanks Yes Ok Okay Oh Well Dear Hello Welcome Let Lets Let's Do Does Did
    Is Are Was Were Be Been Being Has Have Had Will Would Shall Should Can Could May Might Must
    Any Few Much Very Too Quite Rather Almost Nearly About Around Both Either Neither Nor Per
    Via Plus Minus Top Big Small Major Minor Key Main Full New Old Young Senior Junior Former
    Latest Recent Current Future Past Further Additional Overall Total Official Officials
    Local National International Global World Western Eastern Northern Southern Central
    Foreign Domestic Military Political Economic Social Public Private Police Security
    Residents People Many Most Critics Supporters Analysts Experts Observers Sources Witnesses
    Protesters Demonstrators Authorities Investigators Prosecutors Lawmakers Members Leaders
    Troops Soldiers Forces Rebels Militants Fighters Refugees Migrants Voters Citizens
    Tell Get Make Keep Stop Save Meet Say Take Give Help Join Vote Call Send Bring Find
    Supt Insp Det Cpl Pte Cllr Fr
    Remember Imagine Consider Happy Thanks"""
)

# Capitalized words that are never part of a personal name (they break a name run).
NOT_NAME_WORDS = (
    DAYS_MONTHS
    | FUNCTION_WORDS
    | _words(
        """President Minister Chancellor Secretary Secretary-General Spokesman Spokeswoman
    Spokesperson Diplomat Envoy Ambassador Leader Premier Senator Sen Congressman
    Congresswoman Representative Rep Governor Gov Mayor King Queen Prince Princess Pope Emir
    Sheikh Ayatollah General Gen Colonel Col Lieutenant Lt Major Maj Captain Capt Commander
    Admiral Adm Marshal Sergeant Sgt Chief Director Head Chairman Chairwoman Chair CEO Judge
    Justice Prosecutor Attorney Speaker Deputy Vice Prime Acting Mr Mrs Ms Miss Dr Prof Sir
    Dame Lord Lady Saint St President-elect Taoiseach Tanaiste Commissioner Cardinal
    Archbishop Bishop Rabbi Imam Reverend Rev Father Brother Sister Mother Professor Doctor
    Ministry Department Council Union Party Army Forces Force Agency Organization Organisation
    Committee Commission Court Bank University College School Institute Center Centre Office
    House Street Avenue Road Square Airport Station Hospital Church Mosque Cathedral Temple
    Palace Republic Kingdom Empire State States City Province Region District County Island
    Islands River Sea Ocean Mountain Mountains Valley Coast Gulf Peninsula Strait Lake Bay
    Canal Desert Forest Park Bridge Tower Hall Building Plaza Museum Library Stadium Arena
    North South East West Northern Southern Eastern Western Central Upper Lower Greater
    National International Federal Democratic Republican Republicans Democrat Democrats
    Islamic Muslim Muslims Christian Christians Catholic Orthodox Jewish Jews Arab Arabs
    Kurdish Kurds Sunni Shia Shiite Shiites Alawite Communist Socialist Labour Labor
    Conservative Conservatives Liberal Liberals Green Greens Tory Tories Group Company
    Corporation Corp Inc Ltd Co LLC Holdings Airlines Airways Motors Energy Oil Gas Petroleum
    Technologies Technology Systems Services Industries Group News Times Post Journal
    Daily Weekly Today Television TV Radio Press Media Network Channel Herald Telegraph
    Guardian Tribune Gazette Observer Review Magazine Foundation Association Federation
    Alliance Coalition Front Movement Brigade Brigades Battalion Regiment Division Corps
    Police Guard Guards Navy Air Marines Games Cup League Championship Championships Olympic
    Olympics Paralympic Festival Awards Award Prize Summit Conference Forum Treaty Agreement
    Accord Accords Act Law Constitution Charter Declaration Protocol Plan Program
    Programme Project Initiative Fund Assembly Parliament Senate Congress Cabinet Government
    Administration Embassy Consulate Mission Cabinet Authority Authorities Service Services
    Watch Rights Human Amnesty Reporters Doctors Borders Cross Crescent Red Foundation Trust
    Society Club Team United Real Athletic Rovers Wanderers Rangers FC Jazeera Reuters
    Getty Images AFP AP EPA Shutterstock Twitter Facebook Instagram YouTube Google Apple
    Microsoft Amazon Internet Web Online App Brexit Obamacare Trumpcare Medicare Medicaid
    Soviet European African Asian Latin Middle Far Near Atlantic Pacific Arctic Antarctic
    Baltic Black Caspian Mediterranean Balkan Balkans Caucasus Sahel Gulf Christmas Easter
    Ramadan Eid Hanukkah Passover Thanksgiving Halloween New Year Day Week Month Era Age War
    Revolution Crisis Spring Winter Summer Autumn Fall God Allah Lord Bible Koran Quran
    Internet Wednesday Mission Operation Command Headquarters Base Camp Prison Jail Zone
    Area Territory Territories Strip Heights Bank Exchange Market Markets Index Stock Fed
    Reserve Treasury Pentagon Kremlin Capitol Hill Wall Downing Whitehall Westminster
    Brussels Beijing Moscow Washington Security Defence Defense Foreign Affairs Interior
    Finance Health Education Justice Trade Economy Economic Public Social Environment
    Environmental Climate Change Nuclear Atomic Energy Space Science Research Development
    Relations Cooperation Co-operation Commerce Industry Agriculture Transport Culture Sport
    Sports Tourism Labour Migration Immigration Refugee Refugees Aid Relief Humanitarian
    Peace Freedom Liberty Independence Unity Solidarity Justice Progress Hope Future Law
    Order Civil Criminal Supreme High Appeals Constitutional Electoral Election Elections
    Campaign Vote Poll Polls Referendum Primary Caucus Convention Inauguration Summit
    Talks Negotiations Deal Sanctions Tariffs Tariff Budget Report Statement Resolution
    Mr. Mrs. Ms. Dr. Prof. Sen. Rep. Gov. Gen. Lt. Col. Sgt. Capt. Adm. Maj. Jr Sr
    Jr. Sr. II III IV Photo Photos Picture Pictures Video Videos Graphic Map Chart Story
    Related Article Articles Comment Comments Reporting Additional Contributed Contributing
    Sentinel Chronicle Examiner Inquirer Standard Mirror Express Independent Courier
    Bulletin Dispatch Globe Mail Monitor Insider Wire Wars Harbor Harbour Port Crater Fire
    Diamond Committeeman Committeewoman Councillor Councilman Councilwoman Alderman
    Assemblyman Assemblywoman Delegate Trustee Congressman Congresswoman
    Copyright Source Sources Credit Credits Caption Europe Asia Africa Americas Oceania
    Eurasia Antarctica Scandinavia Arabia"""
    )
)

# Capitalized words (and "al-Assad"-like forms): the only words the rules keep as
# tokens. Lower-case words are read from the text where a rule needs them, which keeps
# the Python loop to about one word in seven.
_TOKEN = re.compile(
    r"(?<![\w'\-])(?:[^\W\d_a-z]|(?:al|el|ad|as|ash|an|ar|at|az|bin|ibn|abu|ben)-(?=[A-Z]))"
    r"[^\W\d_]*(?:['\-][^\W\d_]+)*\.?"
)
_WORD_END = re.compile(r"([^\W\d_]+(?:['\-][^\W\d_]+)*)\.?$")
# Lower-case words inside a name: "Abu Bakr al Baghdadi", "Ursula von der Leyen".
_PARTICLE_GAP = re.compile(
    r" (?:(?:al|el|bin|ibn|bint|ben|abu|de|da|di|del|della|der|den|van|von|la|le|du|dos|das) ){1,2}"
)
_HYPHEN_PARTICLE = re.compile(r"(?:al|el|ad|as|ash|an|ar|at|az|bin|ibn|abu|ben)-[A-Z]")
_SENTENCE_END = ".!?:;\n"
_OPENERS = " \t\"'()[]*-\u2014\u2013"


@dataclass(frozen=True, slots=True)
class Span:
    """Text the gazetteer matched (not a person): people rules do not cross it."""

    start: int
    end: int
    kind: str = ""  # "organization" | "place" | "blocker" ...
    place_kind: str = ""


@dataclass
class PersonHit:
    """One mention of a person in the text."""

    start: int
    end: int
    key: str
    name: str
    surface: str
    entity: Entity | None = None
    role: str = ""
    confidence: float = 0.6
    origin: str = "rule"  # "gazetteer" | "rule"
    full: bool = True  # a full name (not a bare surname)


@dataclass(slots=True)
class Token:
    start: int
    end: int  # exclusive, without a sentence-ending dot or a possessive 's
    text: str
    possessive: bool
    sentence_initial: bool  # only computed for capitalized words (False otherwise)
    dotted: bool  # an abbreviation with its dot ("Mr.", "W.")
    index: int = 0
    bare: str = ""  # the text without its abbreviation dot
    lower: str = ""
    is_capitalized: bool = False  # a capital first letter, not all caps; "al-Assad" too
    is_initial: bool = False  # "W."
    covered: bool = False  # inside a gazetteer span or a known person


_GLUED_WORDS = (
    _words(
        "has have had was were is are said says told shared during after before and the in on at "
        "to for with from who which that as by"
    )
    | SPEECH_VERBS
)


def tokenize(text: str) -> list[Token]:
    """Capitalized words with their offsets, possessives split off, sentence starts marked."""
    tokens: list[Token] = []
    append = tokens.append
    for match in _TOKEN.finditer(text):
        raw = match.group()
        start, end = match.span()
        dotted = False
        if raw[-1] == ".":
            stem = raw[:-1]
            if stem in ABBREVIATIONS or (len(stem) == 1 and stem.isupper()):
                dotted = True
            else:
                raw, end = stem, end - 1
        possessive = False
        if raw.endswith("'s") and len(raw) > 2:
            raw, end, possessive = raw[:-2], end - 2, True
        elif raw[-1] == "'" and len(raw) > 1:
            raw, end = raw[:-1], end - 1
        if not raw:
            continue
        if "-" in raw:
            head, _, tail = raw.rpartition("-")
            if tail in _GLUED_WORDS and head[:1].isupper():
                # "Bennett-has", "Kimmel-shared": a lost space, not a double name.
                raw, end, possessive, dotted = head, start + len(head), False, False
        bare = raw[:-1] if dotted else raw
        first = raw[0]
        if first.isupper():
            letters = bare.replace("-", "").replace("'", "")
            # All caps is an acronym or a dateline, not a name; initials ("J.") are fine.
            capitalized = not (len(letters) >= 2 and letters.isupper())
            initial = dotted and len(bare) == 1
            sentence_initial = _starts_sentence(text, start, tokens)
        else:
            capitalized = bool(_HYPHEN_PARTICLE.match(raw))
            initial = False
            sentence_initial = False
        append(
            Token(
                start,
                end,
                raw,
                possessive,
                sentence_initial,
                dotted,
                len(tokens),
                bare,
                bare.lower(),
                capitalized,
                initial,
            )
        )
    return tokens


def _starts_sentence(text: str, start: int, previous: list[Token]) -> bool:
    i = start - 1
    while i >= 0 and text[i] in _OPENERS:
        i -= 1
    if i < 0:
        return True
    char = text[i]
    if char == "\n":
        return True
    if char not in _SENTENCE_END:
        return False
    # "Mr. Smith", "George W. Bush": an abbreviation's full stop ends no sentence.
    return not (char == "." and previous and previous[-1].dotted and previous[-1].end == i + 1)


# --- the rules -------------------------------------------------------------------------


@dataclass
class _Run:
    tokens: list[Token]
    evidence: set[str] = field(default_factory=set)
    role: str = ""

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


def find_people(
    text: str,
    *,
    gazetteer: Gazetteer,
    spans: Sequence[Span] = (),
    known: Sequence[PersonHit] = (),
    authors: Iterable[str] = (),
    title_end: int = 0,
    skip: Sequence[tuple[int, int]] = (),
    folded: str | None = None,
) -> list[PersonHit]:
    """Every mention of a person: the gazetteer's (`known`) with roles, and new ones.

    `spans` are the other names the gazetteer matched; `title_end` is where the
    headline ends (a name seen only in a headline is not enough); `skip` are ranges
    (datelines) where nothing is tagged; `folded` is `fold(text)` when the caller has
    it. Returns the hits sorted by offset.
    """
    folded = fold(text) if folded is None else folded
    tokens = tokenize(folded)
    credits = [_sentence_span(folded, m.start(), m.end()) for m in _CREDIT.finditer(folded)]
    blocked = [(s.start, s.end) for s in spans] + [(h.start, h.end) for h in known]
    _mark_covered(tokens, sorted(blocked + list(skip) + credits))
    author_names = {normalize_name(a) for a in authors if a.strip()}
    author_words = {w for a in author_names for w in a.split()}
    context = _Context(text, folded, tokens, spans)

    hits = [_with_role(hit, context) for hit in known]
    candidates = _candidates(context, author_names, author_words)
    for run in _accepted(candidates, folded, title_end):
        hits.append(_rule_hit(run, context, gazetteer))
    # Bare surnames and honorific + surname, resolved to a full name in this article.
    hits.extend(_surname_mentions(tokens, folded, text, hits, author_words))
    hits.sort(key=lambda h: h.start)
    return hits


@dataclass
class _Context:
    """One text as the rules read it."""

    text: str
    folded: str
    tokens: list[Token]
    spans: Sequence[Span]
    span_by_end: dict[int, Span] = field(init=False)
    span_by_start: dict[int, Span] = field(init=False)
    token_by_end: dict[int, Token] = field(init=False)  # a possessive 's counts as the end
    token_by_start: dict[int, Token] = field(init=False)

    def __post_init__(self) -> None:
        self.span_by_end = {s.end: s for s in self.spans}
        self.span_by_start = {s.start: s for s in self.spans}
        self.token_by_end = {t.end + (2 if t.possessive else 0): t for t in self.tokens}
        self.token_by_start = {t.start: t for t in self.tokens}


def _candidates(context: _Context, author_names: set[str], author_words: set[str]) -> list[_Run]:
    """Name runs of two to four words, with the evidence that they name a person."""
    folded = context.folded
    last_words = _single_capitalized_words(context.tokens, folded)
    candidates: list[_Run] = []
    for run in _name_runs(context.tokens, folded):
        words = _run_text(folded, run).split()
        if len(words) < 2 or len(run.tokens[-1].bare) < 2:
            continue  # one word, or a broken one ("Bill O" from a lost apostrophe)
        normalized = normalize_name(" ".join(words))
        parts = normalized.split()
        if normalized in author_names or (parts and parts[-1] in author_words):
            continue  # the byline's people ("Marc Preel")
        if _part_of_an_institution(folded, run):
            continue
        _gather_evidence(run, context, last_words)
        candidates.append(run)
    return candidates


def _accepted(candidates: list[_Run], folded: str, title_end: int) -> list[_Run]:
    """Runs with evidence, and every other occurrence of the same name."""
    accepted: set[str] = set()
    previous: _Run | None = None
    for run in candidates:
        if previous is not None and previous.evidence & {"role", "honorific"}:
            # "Senators Rand Paul and Mike Lee", "President X, Y and Z": one role for all.
            after = previous.end + (2 if previous.tokens[-1].possessive else 0)
            if folded[after : run.start] in (" and ", ", ", ", and "):
                run.evidence.add("coordinated")
        if run.evidence and run.start >= title_end:
            accepted.add(_run_key(folded, run))
        previous = run if run.evidence else None
    return [run for run in candidates if _run_key(folded, run) in accepted]


def _run_key(folded: str, run: _Run) -> str:
    return normalize_name(_run_text(folded, run))


def _rule_hit(run: _Run, context: _Context, gazetteer: Gazetteer) -> PersonHit:
    name = _run_text(context.text, run)
    person_key = gazetteer.person_key_for(name)
    entity = gazetteer.get(person_key) if person_key else None
    if entity is not None:
        confidence = 0.9  # a spelling the gazetteer knows
    elif run.evidence & {"role", "honorific"}:
        confidence = 0.75
    elif run.evidence == {"recurrence"}:
        confidence = 0.6
    else:
        confidence = 0.65
    return PersonHit(
        start=run.start,
        end=run.end,
        key=person_key or f"person:{slugify(name)}",
        name=entity.name if entity else name,
        surface=context.text[run.start : run.end],
        entity=entity,
        role=run.role,
        confidence=confidence,
        origin="gazetteer" if entity else "rule",
    )


def _run_text(text: str, run: _Run) -> str:
    """The words of a run as printed, particles included ("Ursula von der Leyen")."""
    return " ".join(text[run.start : run.end].split())


# A sentence that credits the article's own journalists: its names are authors.
_CREDIT = re.compile(
    r"\b(?:contributed(?: to)? (?:this|reporting)|Associated Press writers?|AP writers?|"
    r"[Rr]eporting by|[Ww]riting by|[Ee]diting by|[Aa]dditional reporting)\b"
)


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """From the sentence end (or line start) before `start` to the one after `end`."""
    left = max(text.rfind(". ", 0, start) + 1, text.rfind("\n", 0, start) + 1, 0)
    dot, line = text.find(". ", end), text.find("\n", end)
    right = min(x for x in (dot, line, len(text)) if x != -1)
    return left, right


# Words after or before which a capitalized run names a place or a body, not a person:
# "Preston Crown Court", "Opposition Bloc", "National Living Wage".
_INSTITUTION_AFTER = re.compile(
    r" (?:Court|Council|Party|Bloc|Wage|Ministry|Department|Committee|Commission|University|"
    r"College|School|Institute|Center|Centre|Office|House|Street|Avenue|Road|Square|Airport|"
    r"Station|Hospital|Church|Mosque|Group|Company|Corporation|Bank|Foundation|Association|"
    r"Federation|Alliance|Coalition|Front|Movement|Agency|Organi[sz]ation|Union|Society|Club|"
    r"Team|Trust|Fund|Project|Programm?e?|Network|Prize|Awards?|Cup|League|Games|Festival|"
    r"Summit|Conference|Forum|Treaty|Agreement|Act|Law|Bill|Plan|Museum|Library|Stadium|"
    r"Arena|Park|Bridge|Tower|Hall|Building|Plaza|Palace|Airlines|Airways|Motors|Industries|"
    r"Holdings|Inc|Ltd|Corp|Brigade|Battalion|Regiment|Division|Corps|Police|Guard|Army|Navy|"
    r"Force|Forces|Service|Services|Times|Post|Journal|News|Daily|Herald|Tribune|Gazette)\b"
)
_INSTITUTION_BEFORE = re.compile(
    r"\b(?:National|International|Royal|Federal|Imperial|Grand|Great) $"
)


def _part_of_an_institution(folded: str, run: _Run) -> bool:
    if run.tokens[-1].possessive:
        return False
    if _INSTITUTION_AFTER.match(folded, run.end):
        return True
    return bool(_INSTITUTION_BEFORE.search(folded, max(0, run.start - 15), run.start))


def _mark_covered(tokens: list[Token], blocked: list[tuple[int, int]]) -> None:
    if not blocked:
        return
    j = 0
    for token in tokens:
        while j < len(blocked) and blocked[j][1] <= token.start:
            j += 1
        k = j
        while k < len(blocked) and blocked[k][0] < token.end:
            if blocked[k][1] > token.start:
                token.covered = True
                break
            k += 1


# Role words that are also surnames or given names: "Julie Bishop", "Rebel Wilson".
_ROLE_SURNAMES = _words(
    "major bishop judge marshal farmer son ally rebel host star friend head power baker "
    "cook mason chair member national critic"
)


_TITLE_PARTS = ROLE_HEADS | ROLE_MODIFIERS | _words("ex lieutenant major general vice")


def _is_name_word(token: Token) -> bool:
    if token.covered or not token.is_capitalized:
        return False
    if token.is_initial:
        return True
    bare = token.bare
    if bare in NOT_NAME_WORDS or token.text.endswith("."):
        return False
    # Titles and roles, plural too ("Analyst Michael Kugelman", "Senators Rand Paul and
    # Mike Lee"), are not names, but for those that are also common surnames.
    lower = token.lower
    if lower in ROLE_HEADS and lower not in _ROLE_SURNAMES:
        return False
    if "-" in lower and all(part in _TITLE_PARTS for part in lower.split("-")):
        return False  # "Major-General", "Vice-President", "Attorney-General"
    return not (lower.endswith("s") and lower[:-1] in ROLE_HEADS)


def _looks_like_a_verb(word: str) -> bool:
    """ "Targeting", "Asked", "Reportedly" opening a sentence: not a first name."""
    return len(word) >= 6 and word.endswith(("ing", "ed", "ly"))


def _name_runs(tokens: list[Token], folded: str) -> list[_Run]:
    runs: list[_Run] = []
    current: list[Token] = []

    def close() -> None:
        while current and current[-1].is_initial:
            current.pop()
        if current:
            runs.append(_Run(list(current)))
        current.clear()

    for token in tokens:
        if current:
            previous = current[-1]
            gap = folded[previous.end : token.start]
            joined = not previous.possessive and (gap == " " or _PARTICLE_GAP.fullmatch(gap))
            if not joined:
                close()
        if _is_name_word(token):
            if token.sentence_initial and (
                token.bare in FUNCTION_WORDS or _looks_like_a_verb(token.bare)
            ):
                close()
                continue
            current.append(token)
            if token.possessive:
                close()
        else:
            close()
    close()
    # A run of more than four words is a title or a list of names, not one person;
    # keep only runs of one to four words.
    return [run for run in runs if len(run.tokens) <= 4]


_PERSON_AFTER = re.compile(r"(?:'s)?(?:,? who\b| ([a-z]+))")
# After a surname standing alone: "Nemtsov was shot", "Petrenko has said".
_AFTER_A_PERSON = SPEECH_VERBS | _words(
    "was is has had will would could did does also then later himself herself"
)


def _single_capitalized_words(tokens: list[Token], folded: str) -> set[str]:
    """Capitalized words standing alone where a person would: "Grushko said",
    "Mr Grushko", "Grushko, who", "Grushko's" (not next to another capitalized word)."""
    alone: set[str] = set()
    for i, token in enumerate(tokens):
        if not _is_name_word(token):
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if (
            before
            and _is_name_word(before)
            and before.end + 1 == token.start
            and not before.possessive
        ):
            continue
        if after and _is_name_word(after) and token.end + 1 == after.start and not token.possessive:
            continue
        honorific = (
            before is not None and before.bare in HONORIFICS and before.end + 2 >= token.start
        )
        context = _PERSON_AFTER.match(folded, token.end)
        speech = context is not None and (
            context.group(1) is None or context.group(1) in _AFTER_A_PERSON
        )
        if honorific or speech or token.possessive:
            alone.add(token.bare)
    return alone


_AGE = re.compile(r", (?:aged )?\d{1,3},")
_APPOSITION = re.compile(
    r", (?:the |a |an |his |her |their |its )?([^,.;:\"\n]{2,90}?)(?:,|\.|;| said| told| who)"
)
_ACCORDING = re.compile(r"(?:according to|said|says|told|by|with|and|by|from|quoted|quoting)\s+$")


def _gather_evidence(run: _Run, context: _Context, last_words: set[str]) -> None:
    """Note in `run.evidence` (and `run.role`) why the run would name a person."""
    folded, tokens = context.folded, context.tokens
    first = run.tokens[0]
    previous = tokens[first.index - 1] if first.index else None
    if (
        previous is not None
        and folded[previous.end : first.start] in (" ", ". ")
        and previous.bare in HONORIFICS
    ):
        run.evidence.add("honorific")
    role = _role_before(context, first)
    if role:
        run.evidence.add("role")
        run.role = role
    base = run.end + (2 if run.tokens[-1].possessive else 0)
    after = folded[base : base + 120]
    word_after = re.match(r"\s+([a-z]+)", after)
    if word_after and word_after.group(1) in SPEECH_VERBS:
        run.evidence.add("speech")
    if _AGE.match(after):
        run.evidence.add("age")
    apposition = _APPOSITION.match(after)
    if apposition is not None:
        start, end = base + apposition.start(1), base + apposition.end(1)
        if _starts_role(apposition, after, start in context.span_by_start) and _has_role_head(
            apposition.group(1)
        ):
            run.evidence.add("role")
            run.role = run.role or context.text[start:end].strip()
        elif _is_nationality(base, after, context.spans):
            run.evidence.add("role")  # "Zaida Catalan, a Swede,"
    if re.match(r",? who\b", after):
        run.evidence.add("who")
    before = folded[max(0, run.start - 40) : run.start]
    if re.search(r"(?:according to|said|says|told|quoted|quoting)\s+$", before):
        run.evidence.add("speech")
    last = run.tokens[-1].bare
    if (last in last_words and len(last) >= 2) or (
        len(run.tokens) == 2 and first.bare in last_words  # "Geng Wenbing" ... "Geng says"
    ):
        run.evidence.add("recurrence")


_A_DEMONYM = re.compile(r", an? ([A-Z][\w'-]+)(?:[,.;]| who)")


def _is_nationality(end: int, after: str, spans: Sequence[Span]) -> bool:
    """Whether the apposition is a demonym alone: ", a Swede," ", an Iraqi,"."""
    match = _A_DEMONYM.match(after)
    if not match:
        return False
    start = end + match.start(1)
    return any(s.start == start and s.kind == "place" and s.place_kind == "country" for s in spans)


_POSSESSIVE_OPENER = re.compile(r"(?:[A-Z][\w.\-]* ){0,5}[A-Z][\w.\-]*'s ")


def _starts_role(apposition: re.Match, after: str, at_a_name: bool) -> bool:
    """An apposition reads as a role when it starts with an article, a possessive or a
    lower-case word: ", the Kremlin spokesman," ", Russia's envoy," ", spokesman for".
    A capitalized start is more likely the next name in a list."""
    opener = after[2 : apposition.start(1)].strip()
    phrase = apposition.group(1)
    if opener or phrase[:1].islower():
        return True
    # "Hillary Clinton's campaign chairman", "Israeli Prime Minister Benjamin Netanyahu's
    # spokesman", "Chinese ambassador to Switzerland".
    return at_a_name or bool(_POSSESSIVE_OPENER.match(phrase))


def _has_role_head(phrase: str) -> bool:
    words = re.findall(r"[\w\-']+", phrase.lower())[:8]
    return any(w.removesuffix("'s") in ROLE_HEADS for w in words)


_LINKS = ("of", "for", "the", "and", "to", "at", "on", "in")


def _role_before(context: _Context, name_token: Token) -> str:
    """The role phrase right before a name: "Kremlin spokesman", "US Secretary of State".

    Read right to left from the name over title words, demonyms, countries and
    organizations ("Ukrainian Foreign Minister"), lower-case role words ("top U.S.
    diplomat") and links ("Secretary of State"), as printed in the original text.
    """
    folded, text = context.folded, context.text
    span_by_end, token_by_end = context.span_by_end, context.token_by_end
    position = name_token.start
    # Allow one comma between a role and the name: "Russia's foreign minister, Sergei Lavrov".
    gap = folded[max(0, position - 2) : position]
    if gap == ", ":
        end = position - 2
    elif folded[position - 1 : position] == " ":
        end = position - 1
    else:
        return ""
    pieces: list[tuple[int, int, str]] = []  # (start, end, kind) right to left
    cursor = end
    for _ in range(9):
        span = span_by_end.get(cursor) or span_by_end.get(
            cursor - 2 if folded[cursor - 2 : cursor] == "'s" else -1
        )
        if span is not None and span.kind in ("organization", "place"):
            pieces.append((span.start, cursor, "span"))
            cursor = span.start
        else:
            token = token_by_end.get(cursor)
            if token is None:
                # A lower-case word: "spokesman", "top", "of".
                found = _WORD_END.search(folded, max(0, cursor - 40), cursor)
                if not found or not found.group(1)[0].islower():
                    break
                word = found.group(1).lower().removesuffix("'s")
                if found.group(0).endswith(".") and word.title() not in ABBREVIATIONS:
                    break  # the end of the previous sentence: "US lawmakers. US Sen. X"
                if word in ROLE_HEADS or (word.endswith("s") and word[:-1] in ROLE_HEADS):
                    kind = "head"
                elif word in ROLE_MODIFIERS:
                    kind = "modifier"
                elif word in _LINKS and pieces:
                    if any(k == "head" for _, _, k in pieces):
                        # "critic of [Russian president]": a whole role already stands
                        # next to the name; "Secretary of [State]" goes on.
                        break
                    kind = "link"
                else:
                    break
                pieces.append((found.start(1), cursor, kind))
                cursor = found.start(1)
                if folded[cursor - 1 : cursor] != " " or cursor == 0:
                    break
                cursor -= 1
                continue
            word = token.lower
            if word in ROLE_HEADS or (word.endswith("s") and word[:-1] in ROLE_HEADS):
                pieces.append((token.start, cursor, "head"))
            elif word in ROLE_MODIFIERS:
                pieces.append((token.start, cursor, "modifier"))
            elif (
                token.is_capitalized
                and not token.sentence_initial
                and token.bare not in DAYS_MONTHS
                and not token.covered
            ):
                pieces.append((token.start, cursor, "capitalized"))
            elif token.is_capitalized and token.sentence_initial and word in ROLE_MODIFIERS:
                pieces.append((token.start, cursor, "modifier"))
            else:
                break
            cursor = token.start
        if folded[cursor - 1 : cursor] != " " or cursor == 0:
            break
        cursor -= 1
    # The piece next to the name must be the head or a capitalized title word; the
    # phrase must contain a head ("spokesman", "Minister").
    while pieces and pieces[-1][2] == "link":
        pieces.pop()
    if not pieces or not any(kind == "head" for _, _, kind in pieces):
        return ""
    nearest = folded[pieces[0][0] : pieces[0][1]]
    if pieces[0][2] != "head" and not nearest[:1].isupper():
        return ""  # "the foreign Sergei": no title stands next to the name
    start = pieces[-1][0]
    return text[start:end].strip(" ,")


def _with_role(hit: PersonHit, context: _Context) -> PersonHit:
    """A gazetteer person's hit, with the role the text gives before the name."""
    token = context.token_by_start.get(hit.start)
    if token is not None and hit.full and not hit.role:
        hit.role = _role_before(context, token)
    return hit


def _titled(tokens: list[Token], token: Token, folded: str) -> bool:
    """Whether a title or honorific stands right before the token: "Mrs May"."""
    if token.index == 0:
        return False
    previous = tokens[token.index - 1]
    if folded[previous.end : token.start] not in (" ", ". "):
        return False
    return previous.bare in HONORIFICS or previous.lower in ROLE_HEADS


def _surname_mentions(
    tokens: list[Token],
    folded: str,
    text: str,
    hits: list[PersonHit],
    author_words: set[str],
) -> list[PersonHit]:
    """Later bare surnames ("Blinken said", "Mr Kuleba") of people named in full."""
    full_hits = sorted((h for h in hits if h.full), key=lambda h: h.start)
    if not full_hits:
        return []
    surnames: dict[str, list[PersonHit]] = {}
    guarded: set[str] = set()  # surnames that need a title before them: "Mrs May"
    for hit in full_hits:
        words = hit.name.split()
        last = words[-1] if len(words) > 1 else ""
        if hit.entity is not None:
            if hit.entity.surname:
                last = hit.entity.surname
            elif last and len(last) > 2 and not last.isupper():
                # No safe surname (May is a month): only "Mrs May", "Prime Minister May".
                guarded.add(fold(last))
            else:
                last = ""
        if last:
            surnames.setdefault(fold(last), []).append(hit)
    taken = sorted((h.start, h.end) for h in hits)
    starts = [s for s, _ in taken]
    extra: list[PersonHit] = []
    for token in tokens:
        if token.covered or not token.is_capitalized:
            continue
        owners = surnames.get(token.bare)
        if not owners or token.bare.lower() in author_words:
            continue
        i = bisect_right(starts, token.start)
        if i and taken[i - 1][1] > token.start:
            continue  # inside another hit
        if token.bare in guarded and not _titled(tokens, token, folded):
            continue
        earlier = [h for h in owners if h.start < token.start]
        if not earlier:
            continue
        owner = earlier[-1]
        extra.append(
            PersonHit(
                start=token.start,
                end=token.end,
                key=owner.key,
                name=owner.name,
                surface=text[token.start : token.end],
                entity=owner.entity,
                confidence=owner.confidence,
                origin=owner.origin,
                full=False,
            )
        )
    # Multi-word surnames ("Le Pen", "de Mistura") of known people.
    for hit in full_hits:
        if hit.entity is None or " " not in hit.entity.surname:
            continue
        needle = fold(hit.entity.surname)
        for match in re.finditer(re.escape(needle), folded):
            if match.start() > hit.end and not any(s <= match.start() < e for s, e in taken):
                extra.append(
                    PersonHit(
                        match.start(),
                        match.end(),
                        hit.key,
                        hit.name,
                        text[match.start() : match.end()],
                        hit.entity,
                        confidence=hit.confidence,
                        origin=hit.origin,
                        full=False,
                    )
                )
    return extra
