"""Parsing a full name into order-free canonical tokens and a patronymic.

A name is written surname first or last, with or without the patronymic, with compound given
names joined by a hyphen, a space or nothing, and with Arabic names in their Russian, Turkish
or English form. The parsed name keeps only what survives all of that: the sorted canonical
keys of the given names and surnames, and the patronymic apart, since many records omit it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from corridor.linkage.name_corpus import CYRILLIC_GIVEN_NAMES
from corridor.linkage.script import (
    keyboard_layout_repair,
    mixed_script_repair,
    name_log_likelihood,
)
from corridor.linkage.translit import cyrillic_to_latin, latin_key, strip_marks

# Each line is one name in its Arabic, Russian, Turkish and English forms. The first spelling
# names the group. Spellings are folded by `latin_key`, so only forms that the folding does
# not already join need to be listed.
_NAME_GROUPS = """
Muhammad Магомед Магомет Мохмад Mohmad Мухаммад Мухаммед Мухамед Мохаммед Mahomed Mohammed Mohamed Mohammad Muhammed Mehmet Mehmed Magamed Mahammad Mamed Мамед Magomet
Husein Хусейн Хусайн Гусейн Husain Hussain Husayn Huseyin Gusein Gusejn
Hasan Хасан Гасан Hassan Gasan Hasán
Hasbulat Хасбулат Хасбулад Gasbulat
Ahmad Ахмед Ахмад Ахмат Ahmed Achmed Akhmat Ahmet
Abdullah Абдулла Абдуллах Abdallah Abdulla
Ibrahim Ибрагим Ибрахим Ebrahim Ibragim
Ismail Исмаил Исмаиль Исмагил Ismayil Ismael
Yusuf Юсуп Юсуф Yusup Yousef Yousuf Jusuf
Suleiman Сулейман Сулиман Sulayman Suleyman Soliman Sulaiman
Umar Умар Омар Omar
Usman Усман Осман Osman Uthman
Ilyas Ильяс Elias Iliyas
Yakub Якуб Якуп Yaqub Yakup
Aisha Айшат Айша Аиша Aishat Ayesha Aysha
Fatima Фатима Фатимат Патимат Patimat Fatimat
Khadija Хадижат Хадиджа Хадижа Хадижат Khadija Hadija Khadijat Khadizhat Hatidja
Maryam Марьям Мариам Мариям Meryem Mariam
Zainab Зайнап Зайнаб Зейнаб Zaynab Zeynep Zainap
Amina Амина Аминат Aminat
Ramzan Рамзан Рамазан Ramazan Ramadan Ramadhan
Said Саид Сайд Saeed Sayed Sayid Sayyid
Hamzat Хамзат Хамза Hamza Khamza
Yunus Юнус Younes Yunis Younis
Idris Идрис Edris Idriss
Daud Дауд Даут Давуд Dawud Davud Dawood
Ayub Аюб Аюп Ayoub Eyup Ayyub
Shamil Шамиль Chamil Schamil
Aleksandr Александр Alexander Alexandre Oleksandr Aleksander
Mikhail Михаил Michael Michail Mikhael Mikael
Evgeny Евгений Eugene Evgeni Yevgeni
Pavel Павел Paul Pawel
Petr Пётр Петр Peter Piotr Pyotr
Nikolai Николай Nicholas Nikolaus Nicolai Mykola
Georgy Георгий George Georgi Georg
"""

# Prefixes of compound Arabic names, written apart, hyphenated or glued to the next part.
_COMPOUND_PREFIXES = ("abdul", "abdur", "abdu", "abd", "abu", "said", "nur", "ul", "al", "el")
# Turkic patronymic markers written as a separate word after the father's name, each read
# as one word for "son of" and one for "daughter of" (Мамед оглы, Məmməd oğlu).
_SON, _DAUGHTER = latin_key("ogly"), latin_key("kyzy")
_MARKER_OF = {
    **{latin_key(word): _SON for word in ("ogly", "oglu", "ogli", "uly", "ulu", "uulu")},
    **{latin_key(word): _DAUGHTER for word in ("kyzy", "gyzy", "qizi", "kizi", "kyzi")},
}
_PATRONYMIC_MARKERS = frozenset(_MARKER_OF)
_PATRONYMIC_SUFFIXES = tuple(
    latin_key(suffix) for suffix in ("ovich", "evich", "ovna", "evna", "ichna", "inichna")
)
# "-ich" (Ильич) is only taken when no stronger patronymic is present: Babich is a surname.
_WEAK_PATRONYMIC_SUFFIXES = (latin_key("ich"),)
#: A patronymic with its vowel dropped or mistyped (Мурадвич, Иванвна, Ahmedvoich): taken only
#: after the strong and weak suffixes found nothing, and of two words only when the other has
#: no such ending.
_MISTYPED_PATRONYMIC_SUFFIXES = tuple(latin_key(suffix) for suffix in ("vich", "vna", "voich"))
_SURNAME_SUFFIXES = tuple(latin_key(suffix) for suffix in ("ov", "ev", "ova", "eva", "in", "ina"))
# Quotes are not separators: schemes write the hard sign as " (Pod"yachev).
_SEPARATORS = re.compile(r"[\-‐‑–—_,./\\()«»]+")


def _group_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _NAME_GROUPS.strip().splitlines():
        spellings = line.split()
        head = latin_key(spellings[0])
        for spelling in spellings:
            table[latin_key(spelling)] = head
    return table


NAME_GROUP_OF_KEY: dict[str, str] = _group_table()
#: Shortest word whose single typo may be repaired into a name group: shorter words (Isa,
#: Musa, Said) are one edit away from too many other names.
_TYPO_GROUP_MIN_LENGTH = 5
_GROUP_SPELLINGS = [key for key in NAME_GROUP_OF_KEY if len(key) >= _TYPO_GROUP_MIN_LENGTH - 1]
_COMPOUND_PREFIX_KEYS = tuple(
    sorted({latin_key(p) for p in _COMPOUND_PREFIXES}, key=len, reverse=True)
)


@dataclass(frozen=True, slots=True)
class ParsedName:
    """The comparable parts of a full name.

    `tokens` have the name groups applied (Mahomed -> Muhammad); `spelled` keeps the folded
    spelling, so that a typo in a grouped name can still be recognised as close to its form.
    """

    tokens: tuple[str, ...]
    patronymic: str = ""
    spelled: tuple[str, ...] = ()
    #: Every word (patronymic included) in the order typed, in two forms for the tolerant
    #: comparison: `typed` is the plain Latin spelling (Cyrillic through ICAO, nothing
    #: folded, so that a typo stays one letter), `coarse` the folded key with the sibilants
    #: merged (German s for з, sh for ж, z for ц).
    typed: tuple[str, ...] = ()
    coarse: tuple[str, ...] = ()
    typed_patronymic: str = ""

    @property
    def key(self) -> str:
        """Order-free key of the given names and surnames."""
        return " ".join(self.tokens)

    def __bool__(self) -> bool:
        return bool(self.tokens)


def _stemmed_group(key: str, suffixes: tuple[str, ...]) -> str:
    """Map the stem of a patronymic or surname (Mahomedov) onto its name group (Muhammad)."""
    for suffix in suffixes:
        if key.endswith(suffix) and len(key) > len(suffix) + 2:
            stem = NAME_GROUP_OF_KEY.get(key[: -len(suffix)])
            if stem is not None:
                return stem + suffix
    return key


@lru_cache(maxsize=200_000)
def canonical_token(raw: str) -> str:
    """Canonical key of one word of a name, its name group applied."""
    key = latin_key(raw)
    if key in NAME_GROUP_OF_KEY:
        # Before the prefixes: Alexander and Abdullah are names of their own, not Al- and
        # Abd- with something after them.
        return NAME_GROUP_OF_KEY[key]
    for prefix in _COMPOUND_PREFIX_KEYS:
        if key.startswith(prefix) and len(key) >= len(prefix) + 3:
            return prefix + _grouped(key[len(prefix) :])
    return _grouped(key)


def _grouped(key: str) -> str:
    if key in NAME_GROUP_OF_KEY:
        return NAME_GROUP_OF_KEY[key]
    stemmed = _stemmed_group(_stemmed_group(key, _PATRONYMIC_SUFFIXES), _SURNAME_SUFFIXES)
    return stemmed if stemmed != key else _typo_group(key)


def _typo_group(key: str) -> str:
    """The group of a word one typo away from exactly one group's spellings (Gfusein,
    Mahomde), so that a typo does not undo the grouping of Магомед and Muhammad."""
    if len(key) < _TYPO_GROUP_MIN_LENGTH or key in _COMPOUND_PREFIX_KEYS:
        return key
    found = {
        NAME_GROUP_OF_KEY[spelling]
        for spelling, _, _ in process.extract(
            key, _GROUP_SPELLINGS, scorer=OSA.distance, score_cutoff=1, limit=None
        )
    }
    return found.pop() if len(found) == 1 else key


#: Surname endings that given names almost never have. Not -in/-ina: Madina, Zarina,
#: Marina are given names, and two sisters must not read as a surname and a name.
_SURE_SURNAME_SUFFIXES = tuple(latin_key(suffix) for suffix in ("ov", "ev", "ova", "eva"))
_GIVEN_NAME_KEYS = frozenset(NAME_GROUP_OF_KEY.values())
#: Spellings of the desks' given names (`name_corpus`) and of every name group, folded. Two
#: different ones are two names, never one name mistyped: Мадина and Малика, Иса and Муса
#: (`compare.name_level`).
_KNOWN_GIVEN_SPELLINGS = frozenset(NAME_GROUP_OF_KEY) | frozenset(
    map(latin_key, CYRILLIC_GIVEN_NAMES)
)
_SURNAME_MIN_LENGTH = 4  # Aliev folds to alev


#: Known names closer than this are taken for spellings of one name (Беслан, Бислан; Элина,
#: Елена; Ильяс, Илья), which requests mix up and typos produce. Measured to the nearest
#: spelling of the other's name group: Ahad is a letter from Ahmad, so from Ахмед too.
_OTHER_NAME_EDITS = 2
#: A word this short beside another may be a name split by a stray space (Ми лана, Le ila),
#: which leaves a known name behind by chance.
_FRAGMENT_LENGTH = 2


def _group_spellings() -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = {}
    for spelling, group in NAME_GROUP_OF_KEY.items():
        members.setdefault(group, set()).add(spelling)
    return {spelling: frozenset(members[group]) for spelling, group in NAME_GROUP_OF_KEY.items()}


_SPELLINGS_OF = _group_spellings()


def other_given_names(left: ParsedName, right: ParsedName) -> bool:
    """Each side gives a known given name, spelt as it is known, that the other lacks, and
    the two are at least two letters apart (Исаева Мадина, Исаева Малика; Иса, Муса): two
    people, however alike the rest reads. A word that only a typo repair joined to a name
    (Zaina read as Zainab) is not taken for one, nor is a name split by a stray space."""
    mine = _lacked_given_names(left, right)
    theirs = _lacked_given_names(right, left) if mine else []
    if not theirs or _split_name(left) or _split_name(right):
        return False
    return any(_name_edits(a, b) >= _OTHER_NAME_EDITS for a in mine for b in theirs)


def _name_edits(left: str, right: str) -> int:
    """Edits between the nearest spellings of two known names' groups."""
    cutoff = _OTHER_NAME_EDITS - 1
    return min(
        OSA.distance(a, b, score_cutoff=cutoff)
        for a in _SPELLINGS_OF.get(left, (left,))
        for b in _SPELLINGS_OF.get(right, (right,))
    )


def _lacked_given_names(name: ParsedName, other: ParsedName) -> list[str]:
    return [
        spelling
        for spelling in name.spelled
        if spelling in _KNOWN_GIVEN_SPELLINGS and canonical_token(spelling) not in other.tokens
    ]


def _split_name(name: ParsedName) -> bool:
    """A short word that makes a known given name with the word beside it (Ми лана)."""
    typed = name.typed
    return any(
        latin_key(typed[index] + typed[index + 1]) in _KNOWN_GIVEN_SPELLINGS
        for index in range(len(typed) - 1)
        if min(len(typed[index]), len(typed[index + 1])) <= _FRAGMENT_LENGTH
    )


def looks_like_surname(key: str) -> bool:
    """A surname by a sure ending (Dudaev, Dudaeva, Aliev), never a grouped given name, for
    telling the halves of a name apart. Ilyina is missed: that errs towards two people."""
    if key in _GIVEN_NAME_KEYS:
        return False
    return len(key) >= _SURNAME_MIN_LENGTH and key.endswith(_SURE_SURNAME_SUFFIXES)


def _looks_like_family_word(key: str) -> bool:
    """A surname or patronymic (Dadaev, Ahmedovich), which a compound prefix never joins."""
    suffixes = _SURNAME_SUFFIXES + _PATRONYMIC_SUFFIXES + _WEAK_PATRONYMIC_SUFFIXES
    return key.endswith(suffixes) and len(key) > 5


def _join_compounds(keys: list[str]) -> list[str]:
    """Join "abdul karim" and "abdul-karim" into "abdulkarim"; split nothing else."""
    joined: list[str] = []
    pending = ""
    for key in keys:
        if key in _COMPOUND_PREFIX_KEYS and not pending:
            pending = key
            continue
        if pending and _looks_like_family_word(key):
            joined.append(pending)  # Said Dadaev: a name of its own before a surname
            pending = ""
        joined.append(pending + key)
        pending = ""
    if pending:
        joined.append(pending)
    return joined


def _split_patronymic(keys: list[str]) -> tuple[list[str], str]:
    """Separate a patronymic when enough other words remain to be a name.

    Of two words, one is taken for the patronymic only with a strong suffix (-ovich, -ovna)
    when the other has none: "Ruslan Beslanovich" is a name with its surname dropped.
    """
    for index, key in enumerate(keys):
        if key in _PATRONYMIC_MARKERS and index > 0 and len(keys) >= 3:
            rest = keys[: index - 1] + keys[index + 1 :]
            return rest, keys[index - 1] + _MARKER_OF[key]
    if len(keys) == 2:
        for suffixes in (_PATRONYMIC_SUFFIXES, _MISTYPED_PATRONYMIC_SUFFIXES):
            strong = [index for index, key in enumerate(keys) if key.endswith(suffixes)]
            if len(strong) == 1 and len(keys[strong[0]]) > 6:
                return [keys[1 - strong[0]]], keys[strong[0]]
            if strong:
                break
        return keys, ""
    if len(keys) < 3:
        return keys, ""
    for suffixes in (
        _PATRONYMIC_SUFFIXES,
        _WEAK_PATRONYMIC_SUFFIXES,
        _MISTYPED_PATRONYMIC_SUFFIXES,
    ):
        candidates = [index for index, key in enumerate(keys) if key.endswith(suffixes)]
        if len(candidates) == 1:
            index = candidates[0]
            return keys[:index] + keys[index + 1 :], keys[index]
        if candidates:
            break
    return keys, ""


#: Shortest part a word is split into at a capital after a small letter.
_CAMEL_PART = 3


def _camel_split(word: str) -> list[str]:
    """Two words typed without the space between them, each with its capital (ХасановРуслан,
    MagomedovIslam): split where a capital follows a small letter, when both parts are words
    of three letters or more. A stray capital (АлиеВ) or a name like McLean stays whole."""
    parts, start = [], 0
    for i in range(1, len(word)):
        capital = word[i].isupper() and word[i - 1].islower()
        if capital and i - start >= _CAMEL_PART and len(word) - i >= _CAMEL_PART:
            parts.append(word[start:i])
            start = i
    return [*parts, word[start:]]


#: How much likelier (natural log) a moved space must read than the words as typed: a
#: capital pressed a letter late (Магомед аЛиев) reads as typed, and must stay so.
_MOVED_MARGIN = 1.0


def _space_moved_back(words: list[str]) -> list[str]:
    """Put back a space typed one letter early (Алиха нХасанов, Zarem aMagomedovna): a word
    that opens with one small letter before a capital gives that letter to the word before
    it, when the two then read as names clearly likelier than as typed (a capital pressed a
    letter late: Магомед аЛиев) and than with the word's first two letters swapped (a typo:
    Khasanov aMgomed). A capital second after a capital (McLean), or after a word in
    capitals, stays as typed. The hashes the desk compares also keep the reading without
    this repair (`name_parse_as_typed`), so it only ever adds a match there."""
    repaired = list(words)
    for i in range(1, len(repaired)):
        before, word = repaired[i - 1], repaired[i]
        if not (
            len(word) >= 4
            and word[0].islower()
            and word[1].isupper()
            and word[2:].islower()
            and len(before) >= 2
            and before[-1].islower()
        ):
            continue
        moved = name_log_likelihood(before + word[0]) + name_log_likelihood(word[1:])
        typed = name_log_likelihood(before) + name_log_likelihood(word)
        swapped = name_log_likelihood(before) + name_log_likelihood(word[1] + word[0] + word[2:])
        if moved > max(typed, swapped) + _MOVED_MARGIN:
            repaired[i - 1], repaired[i] = before + word[0], word[1:]
    return repaired


def name_words(raw: str, *, moved_space: bool = True) -> list[str]:
    """The words of a raw name after Unicode, moved-space (unless not `moved_space`),
    mixed-script and keyboard-layout repair, with words glued by their capitals split."""
    text = unicodedata.normalize("NFKC", raw)
    typed = _space_moved_back(text.split()) if moved_space else text.split()
    words = keyboard_layout_repair([mixed_script_repair(word) for word in typed])
    return [
        piece
        for word in words
        for part in _SEPARATORS.split(word)
        if part
        for piece in _camel_split(part)
    ]


_SIBILANTS = re.compile(r"dsH|sH|[ZC]")


def coarse_key(key: str) -> str:
    """A folded key with з, с, ж, ш and ц merged, for the tolerant comparison only: German
    spells з as s and ж as sh, where the passport has z and zh (Sakriew, Zakriev)."""
    return _SIBILANTS.sub("s", key)


@lru_cache(maxsize=200_000)
def typed_spelling(word: str) -> str:
    """A word's plain Latin spelling: Cyrillic through ICAO, marks stripped, not folded."""
    lowered = unicodedata.normalize("NFKC", word).casefold()
    if any("\u0400" <= ch <= "\u04ff" for ch in lowered):
        lowered = cyrillic_to_latin(lowered)
    return strip_marks(lowered)


_SON_SUFFIXES = tuple(latin_key(suffix) for suffix in ("ovich", "evich"))
_DAUGHTER_SUFFIXES = tuple(latin_key(suffix) for suffix in ("ovna", "evna"))


def same_father(left: str, right: str) -> bool:
    """A Turkic patronymic and a Russian one naming one father, for a son or for a daughter
    (Мамед оглы and Мамедович, Мамед кызы and Мамедовна): one person writes either."""
    for turkic, russian in ((left, right), (right, left)):
        for marker, suffixes in ((_SON, _SON_SUFFIXES), (_DAUGHTER, _DAUGHTER_SUFFIXES)):
            if turkic.endswith(marker) and len(turkic) > len(marker):
                father = turkic[: -len(marker)]
                return any(russian == father + suffix for suffix in suffixes)
    return False


def _typed_turkic_patronymic(typed: tuple[str, ...]) -> str:
    """The father's name with its marker, as typed ("mamedogly"): the marker alone would make
    every two Turkic patronymics alike (Мамед оглы, Гусейн оглы)."""
    for index in range(len(typed) - 1, 0, -1):
        if latin_key(typed[index]) in _PATRONYMIC_MARKERS:
            return typed[index - 1] + typed[index]
    return ""


@lru_cache(maxsize=500_000)
def name_parse(raw: str) -> ParsedName:
    """Parse a full name as typed by anyone, in any order, script or layout."""
    return _parsed(name_words(raw))


@lru_cache(maxsize=50_000)
def name_parse_as_typed(raw: str) -> ParsedName:
    """`name_parse` without the moved-space repair: the desk's exact hashes keep both
    readings of a request's name, so a repair that misreads a name never costs a match."""
    return _parsed(name_words(raw, moved_space=False))


def name_readings(raw: str) -> list[ParsedName]:
    """The name read with and without the moved-space repair (one reading where they agree):
    exact checks that hash a name hash both, so the repair adds matches and costs none."""
    repaired, typed = name_parse(raw), name_parse_as_typed(raw)
    return [repaired] if typed == repaired else [repaired, typed]


def _parsed(words: list[str]) -> ParsedName:
    keys = _join_compounds([key for key in (canonical_token(word) for word in words) if key])
    keys, patronymic = _split_patronymic(keys)
    spelled = _join_compounds([key for key in (latin_key(word) for word in words) if key])
    spelled, _ = _split_patronymic(spelled)
    typed = tuple(spelling for spelling in (typed_spelling(word) for word in words) if spelling)
    ending = patronymic[-3:]
    typed_patronymic = _typed_turkic_patronymic(typed) if patronymic else ""
    typed_patronymic = typed_patronymic or next(
        (word for word in reversed(typed) if patronymic and latin_key(word).endswith(ending)), ""
    )
    return ParsedName(
        tokens=tuple(sorted(keys)),
        patronymic=patronymic,
        spelled=tuple(sorted(spelled)),
        typed=typed,
        coarse=tuple(coarse_key(latin_key(word)) for word in typed),
        typed_patronymic=typed_patronymic,
    )
