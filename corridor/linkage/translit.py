"""Cyrillic to Latin transliteration and the canonical Latin key of a name token.

The same name reaches the desk in Cyrillic, in a passport's ICAO spelling, in a volunteer's
ear-spelling and in a German or scholarly transliteration. Rather than guess which scheme a
spelling came from, every spelling is folded onto one coarse phonetic key in which the letters
that the schemes disagree about collapse together (kh/h/x, ch/tsch, sh/sch/shch, zh/z, ts/c,
ya/ia/ja, yu/iu/ju, ye/e, yo/e, w/v, doubled letters). The key is lossy on purpose: it is used for
blocking and for exact agreement; finer differences are left to the similarity comparisons.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import iuliia

#: Schemes whose output folds onto the same key as the Cyrillic original. Telegram, the
#: French MVD table, GOST 16876 "alt" and the Uzbek table are left out: they spell ж as j,
#: ш as ch, э as eh or ц as s, which collide with other letters; such spellings still meet
#: through the fuzzy comparisons.
SUPPORTED_SCHEMES: dict[str, iuliia.Schema] = {}

_SCHEME_NAMES = (
    "ICAO_DOC_9303",
    "MVD_310",
    "MVD_782",
    "BGN_PCGN",
    "BGN_PCGN_ALT",
    "WIKIPEDIA",
    "YANDEX_MAPS",
    "YANDEX_MONEY",
    "MOSMETRO",
    "GOST_52535",
    "GOST_52290",
    "GOST_7034",
    "GOST_779",
    "GOST_779_ALT",
    "GOST_16876",
    "SCIENTIFIC",
    "ISO_9_1954",
    "ISO_9_1968",
    "ISO_9_1968_ALT",
    "UNGEGN_1987",
    "ALA_LC",
    "ALA_LC_ALT",
    "BS_2979",
    "BS_2979_ALT",
)
for _name in _SCHEME_NAMES:
    SUPPORTED_SCHEMES[_name] = getattr(iuliia, _name)

#: The scheme used to bring Cyrillic into Latin before folding: the one printed in
#: Russian international passports since 2013.
PASSPORT_SCHEME = iuliia.ICAO_DOC_9303

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Letters with diacritics used by ISO 9, GOST 7.79 and the scholarly system, spelled out
# before the marks are stripped so that č meets ch rather than c.
_DIACRITIC_LETTERS = {
    "š": "sh",
    "č": "ch",
    "ž": "zh",
    "ŝ": "shch",
    "ĉ": "ch",
    "ẑ": "zh",
    "â": "ya",
    "û": "yu",
    "ë": "yo",
    "ē": "e",
    "è": "e",
    "é": "e",
    "ė": "e",
    "ǎ": "a",
    "ĭ": "y",
    "ȳ": "y",
    "ß": "ss",
    "ı": "i",
    # Azerbaijani and Turkish Latin, where ş is ш and ç is ч (Şamil, Çingiz), and ə is
    # written а in Russian more often than е (Əliyev, Алиев).
    "ş": "sh",
    "ç": "ch",
    "ə": "a",
    # Kazakh, Azerbaijani, Tatar and Bashkir Cyrillic letters that the Russian schemes leave
    # as they are (Қайрат, Әлиев, Ғани, Ұлы).
    "ә": "a",
    "қ": "k",
    "ғ": "g",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
    "ҙ": "z",
    "ҫ": "s",
    "җ": "zh",
}

# Ordered rewrites on the bare Latin string: longest and most specific first. Upper-case
# letters are the folded classes and cannot be produced by the input (it is casefolded).
# ш stays s + h, so that ISO's "sh" for сх meets ICAO's "skh".
_DIGRAPHS = (
    ("shch", "sH"),
    ("tsch", "H"),
    ("sch", "sH"),
    ("shh", "sH"),
    ("tch", "H"),
    ("dzh", "Z"),
    ("ch", "H"),
    ("kh", "H"),
    ("zh", "Z"),
    ("ts", "C"),
    ("tc", "C"),
    ("tz", "C"),
    ("cz", "C"),
    ("ck", "k"),
    ("ph", "f"),
    ("ou", "u"),
    ("oo", "u"),
    ("h", "H"),
    ("x", "H"),
    ("c", "C"),
    ("z", "Z"),
    ("w", "v"),
    ("q", "k"),
    ("j", "i"),
    ("y", "i"),
)
_DIGRAPH_PATTERN = re.compile("|".join(re.escape(src) for src, _ in _DIGRAPHS))
_DIGRAPH_MAP = dict(_DIGRAPHS)

_LETTER_CATEGORIES = frozenset({"Ll", "Lu", "Lo"})
_DOUBLED = re.compile(r"(.)\1+")
# Iotation is where the schemes disagree most: е is e or ye, ё is e, yo or jo, ья is ya or a.
# Folding ie/io to e and dropping i between a consonant and a or u makes them agree, at the
# price of a few collisions (Maria/Mara) that the other fields resolve.
_IOTATED_E = re.compile(r"i[eo]")
_GLIDE = re.compile(r"(?<=[^aeiou])i(?=[au])")
# ICAO spells ъ "ie", always before an iotated vowel (Подъячев, Podieiachev).
_ICAO_HARD_SIGN = re.compile(r"iei(?=[aeou])")
# Hard and soft signs are marks that ICAO spells "ie" and ""; other schemes use apostrophes.
_SIGNS = str.maketrans("", "", "ъь")


def strip_marks(text: str) -> str:
    """Drop combining marks, apostrophes and other non-letters after spelling out diacritics."""
    spelled = "".join(_DIACRITIC_LETTERS.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFD", spelled)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) in _LETTER_CATEGORIES)


def cyrillic_to_latin(text: str, scheme: iuliia.Schema = PASSPORT_SCHEME) -> str:
    """Transliterate the Cyrillic letters of `text`, leaving other characters as they are."""
    return str(scheme.translate(text))


@lru_cache(maxsize=200_000)
def latin_key(token: str) -> str:
    """The canonical key of one name token, in any script; empty if it has no letters."""
    lowered = unicodedata.normalize("NFKC", token).casefold()
    if _CYRILLIC.search(lowered):
        lowered = cyrillic_to_latin(lowered.translate(_SIGNS))
    bare = strip_marks(lowered)
    folded = _DIGRAPH_PATTERN.sub(lambda match: _DIGRAPH_MAP[match.group(0)], bare)
    folded = _DOUBLED.sub(r"\1", folded)
    folded = _ICAO_HARD_SIGN.sub("i", folded)
    folded = _IOTATED_E.sub("e", folded)
    folded = _GLIDE.sub("", folded)
    return _DOUBLED.sub(r"\1", folded)
