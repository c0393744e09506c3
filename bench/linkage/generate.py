"""Synthetic help requests with ground truth, as hard as the desk's real traffic.

Each person writes one or more requests through different channels: the web form in
Cyrillic (sometimes on the wrong keyboard layout or with Latin look-alikes), the hotline where
a volunteer writes the name in Latin as she hears it, and partner referrals with a passport or
foreign spelling, surname first or last, with or without patronymic. Names follow a steep
frequency curve, so many different men are called Magomed Magomadov; fields go missing; dates
and phones come in every format, with typos; and some phones stand behind different people:
relatives sharing a phone and traps (one number writing under several names).

This module deliberately does not import the engine: its spelling variants are written here
from how the names are heard and printed, not from the engine's tables.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import iuliia

MALE = [
    "Магомед",
    "Ахмед",
    "Хусейн",
    "Ислам",
    "Рамзан",
    "Руслан",
    "Аслан",
    "Адам",
    "Иса",
    "Муса",
    "Умар",
    "Ибрагим",
    "Хасан",
    "Шамиль",
    "Зелимхан",
    "Джамбулат",
    "Ильяс",
    "Юсуп",
    "Мурад",
    "Тимур",
    "Беслан",
    "Алихан",
    "Мансур",
    "Рустам",
    "Саид",
    "Хамзат",
    "Сайд-Магомед",
    "Абдул-Керим",
    "Турпал-Али",
    "Ваха",
    "Лечи",
    "Анзор",
    "Артур",
    "Дени",
    "Арби",
    "Ризван",
    "Султан",
    "Апти",
    "Сергей",
    "Андрей",
    "Дмитрий",
    "Алексей",
    "Евгений",
    "Юрий",
    "Иван",
    "Михаил",
    "Николай",
    "Павел",
    "Артём",
    "Фёдор",
    "Илья",
]
FEMALE = [
    "Малика",
    "Зарема",
    "Хеда",
    "Луиза",
    "Амина",
    "Фатима",
    "Марьям",
    "Зайнап",
    "Айшат",
    "Хадижат",
    "Мадина",
    "Залина",
    "Седа",
    "Лейла",
    "Петимат",
    "Хава",
    "Милана",
    "Элина",
    "Раиса",
    "Асет",
    "Ирина",
    "Елена",
    "Наталья",
    "Юлия",
    "Ольга",
    "Татьяна",
    "Ксения",
    "Дарья",
]
SURNAMES = [
    "Магомадов",
    "Ахмадов",
    "Умаров",
    "Исаев",
    "Мусаев",
    "Хасанов",
    "Алиев",
    "Ибрагимов",
    "Юсупов",
    "Абдулаев",
    "Дудаев",
    "Басаев",
    "Масхадов",
    "Гелаев",
    "Арсанов",
    "Закаев",
    "Сайдулаев",
    "Тагаев",
    "Батукаев",
    "Межидов",
    "Эльмурзаев",
    "Тасуев",
    "Дадаев",
    "Гайрбеков",
    "Сатуев",
    "Исмаилов",
    "Ахматов",
    "Хизриев",
    "Чагаев",
    "Асуев",
    "Хадаев",
    "Цакаев",
    "Джабраилов",
    "Гехаев",
    "Шахидов",
    "Тимаев",
    "Абубакаров",
    "Арсамаков",
    "Бекмурзаев",
    "Висаитов",
    "Даудов",
    "Жамалдаев",
    "Зубайраев",
    "Идрисов",
    "Кагерманов",
    "Лорсанов",
    "Мовсаров",
    "Оздамиров",
    "Расуханов",
    "Сугаипов",
    "Турпалов",
    "Усманов",
    "Хатуев",
    "Эдиев",
    "Ясуев",
    "Магомедов",
    "Хусейнов",
    "Мамаев",
    "Вахаев",
    "Хамзатов",
    "Шамилев",
    "Юнусов",
    "Алханов",
    "Бисултанов",
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Соколов",
    "Лебедев",
    "Козлов",
    "Новиков",
    "Морозов",
    "Петров",
    "Волков",
    "Соловьёв",
    "Васильев",
    "Зайцев",
    "Павлов",
    "Семёнов",
    "Голубев",
    "Виноградов",
    "Богданов",
    "Воробьёв",
    "Фёдоров",
    "Михайлов",
    "Щукин",
]

# How a hotline volunteer or a foreign partner may hear or print these names.
HEARD = {
    "Магомед": [
        "Magomed",
        "Mahomed",
        "Muhammad",
        "Mohammed",
        "Magamed",
        "Mukhammad",
        "Mohamed",
        "Mohmad",
    ],
    "Хусейн": ["Khuseyn", "Husein", "Hussein", "Chussein", "Huseyn", "Gusein", "Hussain"],
    "Ахмед": ["Akhmed", "Ahmed", "Achmed", "Ahmad", "Akhmad"],
    "Хасан": ["Khasan", "Hasan", "Hassan", "Gasan"],
    "Ибрагим": ["Ibragim", "Ibrahim", "Ibrahem"],
    "Юсуп": ["Yusup", "Yusuf", "Jusup", "Yousef"],
    "Умар": ["Umar", "Omar"],
    "Ильяс": ["Ilyas", "Ilias", "Elias"],
    "Саид": ["Said", "Saeed", "Sayid"],
    "Хамзат": ["Khamzat", "Hamzat", "Hamza"],
    "Рамзан": ["Ramzan", "Ramazan"],
    "Муса": ["Musa", "Moussa"],
    "Айшат": ["Aishat", "Ayshat", "Aisha"],
    "Хадижат": ["Khadizhat", "Hadizhat", "Khadija", "Hadijat"],
    "Марьям": ["Maryam", "Mariam", "Mariyam"],
    "Зайнап": ["Zainap", "Zaynab", "Zainab"],
    "Фатима": ["Fatima", "Fatimat"],
    "Шамиль": ["Shamil", "Chamil", "Schamil"],
}
PASSPORT_SCHEMES = (iuliia.ICAO_DOC_9303, iuliia.MVD_310, iuliia.MVD_782)
EAR_SCHEMES = (
    iuliia.WIKIPEDIA,
    iuliia.TELEGRAM,
    iuliia.BGN_PCGN,
    iuliia.YANDEX_MAPS,
    iuliia.SCIENTIFIC,
)
FOREIGN_SCHEMES = (iuliia.MVD_310_FR, iuliia.ALA_LC, iuliia.GOST_7034, iuliia.ISO_9_1968)
QWERTY = str.maketrans("ёйцукенгшщзхъфывапролджэячсмитьбю", "`qwertyuiop[]asdfghjkl;'zxcvbnm,.")
LOOKALIKES = str.maketrans("аеорсхАЕОРСХ", "aeopcxAEOPCX")
LETTERS_LATIN = "abcdefghijklmnoprstuvyz"
# German (Duden) transliteration, as a German partner office or a German passport prints it.
GERMAN = {
    "а": "a", "б": "b", "в": "w", "г": "g", "д": "d", "е": "e", "ё": "jo", "ж": "sh", "з": "s",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch",
    "щ": "schtsch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "ju", "я": "ja",
}  # fmt: skip
# A Latin letter typed in a Cyrillic word when the layout switches for one key.
STRAY_LATIN = "ieaoucxyk"
LETTERS_CYRILLIC = "абвгдежзиклмнопрстуфхцчшщыэюя"
FOREIGN_PREFIXES = ("+49 30", "+90 532", "+33 6", "+995 599", "+374 91", "+370 612", "+48 501")
MONTHS_RU = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


#: Bumped whenever the generator changes, so that a cached dataset is never reused.
VERSION = 2


@dataclass
class Person:
    person_id: int
    given: str
    surname: str
    patronymic: str
    female: bool
    year: int
    month: int
    day: int
    phones: list[str]


def _zipf_weights(count: int, exponent: float) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


def _patronymic(father: str, female: bool) -> str:
    base = father.split("-")[-1]
    if base.endswith("ий"):
        stem, ending = base[:-2] + "ь", ("евна" if female else "евич")
    elif base.endswith(("а", "я")):
        stem, ending = base[:-1], ("аевна" if female else "аевич")
    else:
        stem, ending = base, ("овна" if female else "ович")
    return stem + ending


def _russian_mobile(rng: random.Random) -> str:
    return f"+79{rng.randrange(10**9):09d}"


def _foreign_number(rng: random.Random) -> str:
    prefix = rng.choice(FOREIGN_PREFIXES)
    return f"{prefix}{rng.randrange(10**6, 10**7)}"


class PopulationGenerator:
    """Draws persons and their requests reproducibly from a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.male_weights = _zipf_weights(len(MALE), 1.1)
        self.female_weights = _zipf_weights(len(FEMALE), 1.0)
        self.surname_weights = _zipf_weights(len(SURNAMES), 1.0)

    def person(self, person_id: int) -> Person:
        rng = self.rng
        female = rng.random() < 0.3
        given = rng.choices(
            FEMALE if female else MALE, self.female_weights if female else self.male_weights
        )[0]
        surname = rng.choices(SURNAMES, self.surname_weights)[0]
        if female:
            surname += "а" if not surname.endswith("ин") else "а"
        father = rng.choices(MALE, self.male_weights)[0]
        phone = _foreign_number(rng) if rng.random() < 0.1 else _russian_mobile(rng)
        phones = [phone] + ([_russian_mobile(rng)] if rng.random() < 0.15 else [])
        return Person(
            person_id, given, surname, _patronymic(father, female), female,
            rng.randint(1960, 2006), rng.randint(1, 12), rng.randint(1, 28), phones,
        )  # fmt: skip

    def sibling(self, person_id: int, of: Person) -> Person:
        """A brother or sister: same surname, patronymic and phone, another name and birthday."""
        other = self.person(person_id)
        other.surname = of.surname if other.female == of.female else other.surname
        other.patronymic = of.patronymic if other.female == of.female else other.patronymic
        other.phones = [of.phones[0]]
        return other

    def requests_per_person(self) -> int:
        roll = self.rng.random()
        for size, cumulative in ((1, 0.45), (2, 0.70), (3, 0.83), (4, 0.91), (5, 0.95), (6, 0.98)):
            if roll < cumulative:
                return size
        return self.rng.randint(7, 10)


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 3:
        return word
    letters = LETTERS_CYRILLIC if any("а" <= ch <= "я" for ch in word.lower()) else LETTERS_LATIN
    position = rng.randrange(1, len(word))
    kind = rng.randrange(4)
    if kind == 0:
        return word[:position] + rng.choice(letters) + word[position + 1 :]
    if kind == 1:
        return word[:position] + word[position + 1 :]
    if kind == 2:
        return word[:position] + rng.choice(letters) + word[position:]
    return word[: position - 1] + word[position] + word[position - 1] + word[position + 1 :]


@lru_cache(maxsize=100_000)
def _translit(word: str, scheme_index: int, family: str) -> str:
    schemes = {"passport": PASSPORT_SCHEMES, "ear": EAR_SCHEMES, "foreign": FOREIGN_SCHEMES}[family]
    return "-".join(str(schemes[scheme_index].translate(part)) for part in word.split("-"))


def _latin_word(word: str, family: str, rng: random.Random) -> str:
    parts = word.split("-")
    if family != "passport" and rng.random() < 0.5 and all(part in HEARD for part in parts):
        return "-".join(rng.choice(HEARD[part]) for part in parts)
    schemes = {"passport": PASSPORT_SCHEMES, "ear": EAR_SCHEMES, "foreign": FOREIGN_SCHEMES}[family]
    return _translit(word, rng.randrange(len(schemes)), family)


def _name_words(person: Person, rng: random.Random, classes: list[str]) -> list[str]:
    given = person.given
    if "-" in given and rng.random() < 0.4:
        given = given.replace("-", " " if rng.random() < 0.5 else "")
    with_patronymic = rng.random() < 0.45
    if with_patronymic and rng.random() < 0.1:
        # A part dropped other than the patronymic: "Ruslan Beslanovich", "Isaev Beslanovich".
        classes.append("dropped-part")
        kept = (
            [given, person.patronymic]
            if rng.random() < 0.6
            else [person.surname, person.patronymic]
        )
        return kept
    order = rng.random()
    if order < 0.45:
        words = [person.surname, given] + ([person.patronymic] if with_patronymic else [])
    elif order < 0.85:
        words = [given] + ([person.patronymic] if with_patronymic else []) + [person.surname]
    else:
        words = [given, person.surname]
    if not with_patronymic:
        classes.append("no-patronymic")
    if order >= 0.45:
        classes.append("order")
    return words


def space_moved(text: str, rng: random.Random) -> str:
    """A word split or two words merged, or the space between them moved by one letter."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    kind = rng.randrange(3)
    if spaces and kind == 0:
        i = rng.choice(spaces)
        return text[:i] + text[i + 1 :]
    if spaces and kind == 1:
        i = rng.choice(spaces)
        if 1 < i < len(text) - 2:
            return text[: i - 1] + " " + text[i - 1] + text[i + 1 :]
    inner = [i for i in range(2, len(text) - 2) if text[i - 1] != " " and text[i] != " "]
    if not inner:
        return text
    i = rng.choice(inner)
    return text[:i] + " " + text[i:]


def stray_latin(word: str, rng: random.Random) -> str:
    """One letter of a Cyrillic word replaced by a Latin one."""
    if len(word) < 3:
        return word
    position = rng.randrange(1, len(word))
    return word[:position] + rng.choice(STRAY_LATIN) + word[position + 1 :]


def german(word: str) -> str:
    letters = []
    for position, ch in enumerate(word):
        lower = ch.lower()
        spelled = GERMAN.get(lower, lower)
        if lower == "е" and (position == 0 or word[position - 1].lower() in "аеиоуыэюяьъ"):
            spelled = "je"
        if (
            lower == "с"
            and 0 < position < len(word) - 1
            and word[position - 1].lower() in "аеиоуыэюя"
            and word[position + 1].lower() in "аеиоуыэюя"
        ):
            spelled = "ss"
        letters.append(spelled.capitalize() if ch.isupper() else spelled)
    return "".join(letters)


def render_name(person: Person, channel: str, rng: random.Random, classes: list[str]) -> str:
    words = _name_words(person, rng, classes)
    if channel == "web":
        if rng.random() < 0.08:
            index = rng.randrange(len(words))
            words[index] = typo(words[index], rng)
            classes.append("typo")
        if rng.random() < 0.04:
            index = rng.randrange(len(words))
            words[index] = stray_latin(words[index], rng)
            classes.append("stray-script")
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.lower()
        if rng.random() < 0.04:
            text = space_moved(text, rng)
            classes.append("split-merge")
        roll = rng.random()
        if roll < 0.08:
            classes.append("layout")
            return (
                text.lower().translate(QWERTY).title()
                if rng.random() < 0.7
                else text.lower().translate(QWERTY)
            )
        if roll < 0.11:
            classes.append("lookalike")
            return "".join(ch.translate(LOOKALIKES) if rng.random() < 0.3 else ch for ch in text)
        return text
    family = "ear" if channel == "hotline" else rng.choice(("passport", "passport", "foreign"))
    if channel == "partner" and rng.random() < 0.25:
        latin = [german(word) for word in words]
        classes.append("german")
    else:
        latin = [_latin_word(word, family, rng) for word in words]
        classes.append("latin")
    if rng.random() < (0.12 if channel == "hotline" else 0.05):
        index = rng.randrange(len(latin))
        latin[index] = typo(latin[index], rng)
        classes.append("typo")
    if rng.random() < 0.03:
        latin = space_moved(" ".join(latin), rng).split(" ")
        classes.append("split-merge")
    if channel == "partner" and rng.random() < 0.5:
        latin[0] = latin[0].upper()
    return " ".join(latin)


def render_phone(phone: str, rng: random.Random) -> str:
    if rng.random() < 0.03:
        position = rng.randrange(len(phone) - 4, len(phone))
        phone = phone[:position] + str(rng.randrange(10)) + phone[position + 1 :]
    if not phone.startswith("+7"):
        return phone if rng.random() < 0.7 else "00" + phone[1:]
    n = phone[2:]
    styles = (
        f"+7 {n[:3]} {n[3:6]}-{n[6:8]}-{n[8:]}",
        f"8 ({n[:3]}) {n[3:6]}-{n[6:8]}-{n[8:]}",
        f"{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:]}",
        f"+7{n}",
        f"8{n}",
        f"8-{n[:3]}-{n[3:]}",
        f"8 {n[:3]} {n[3:6]} {n[6:8]} {n[8:]}",
        f"+7-{n[:3]}-{n[3:]}",
        f"7{n}",
    )
    return rng.choice(styles)


def render_date(person: Person, rng: random.Random) -> str:
    year, month, day = person.year, person.month, person.day
    roll = rng.random()
    if roll < 0.03:
        day = min(28, max(1, day + rng.choice((-1, 1, 10))))
    elif roll < 0.05:
        year += rng.choice((-1, 1, -10))
    elif roll < 0.07:
        month, day = (day, month) if day <= 12 else (month, day)
    style = rng.random()
    if style < 0.35:
        return f"{day:02d}.{month:02d}.{year}"
    if style < 0.55:
        return f"{year}-{month:02d}-{day:02d}"
    if style < 0.70:
        return f"{month}/{day}/{year % 100:02d}"
    if style < 0.76:
        return f"{day} {MONTHS_RU[month - 1]} {year}"
    if style < 0.82:
        return f"{day:02d}.{month:02d}.{year % 100:02d}"
    if style < 0.85:
        return f"{month}/{day}/{year}"  # American, four-digit year
    if style < 0.88:
        return f"{day}/{month}/{year}"  # European with slashes
    return str(year)


def generate(size: int, seed: int = 5) -> tuple[list[dict[str, str]], list[int]]:
    """`size` requests and, for each, the id of the person who really wrote it."""
    generator = PopulationGenerator(seed)
    rng = generator.rng
    rows: list[dict[str, str]] = []
    truth: list[int] = []
    person_id = 0
    previous: Person | None = None
    while len(rows) < size:
        person = generator.person(person_id)
        if previous is not None and rng.random() < 0.03:
            person = generator.sibling(person_id, previous)
        count = generator.requests_per_person()
        if rng.random() < 0.01:
            _trap_requests(generator, person, rows, truth, person_id, size)
            person_id += 10
            continue
        for _ in range(count):
            if len(rows) >= size:
                break
            rows.append(_request(person, len(rows), rng))
            truth.append(person.person_id)
        previous = person
        person_id += 1
    return rows, truth


def _trap_requests(
    generator: PopulationGenerator,
    operator: Person,
    rows: list[dict[str, str]],
    truth: list[int],
    first_id: int,
    size: int,
) -> None:
    """One phone writing as several different people: each fake identity is its own truth."""
    for offset in range(generator.rng.randint(2, 5)):
        if len(rows) >= size:
            return
        fake = generator.person(first_id + offset)
        fake.phones = [operator.phones[0]]
        rows.append(_request(fake, len(rows), generator.rng))
        truth.append(fake.person_id)


def _request(person: Person, index: int, rng: random.Random) -> dict[str, str]:
    channel = rng.choices(("web", "hotline", "partner"), (0.4, 0.35, 0.25))[0]
    classes: list[str] = [channel]
    return {
        "id": f"r{index}",
        "full_name": render_name(person, channel, rng, classes) if rng.random() > 0.01 else "",
        "phone": render_phone(rng.choice(person.phones), rng) if rng.random() < 0.75 else "",
        "birth_date": render_date(person, rng) if rng.random() < 0.75 else "",
        "channel": channel,
        "classes": " ".join(classes),
    }


def write_dataset(size: int, directory: Path, seed: int = 5) -> tuple[Path, Path]:
    """Write requests.csv and truth.csv for `size` records; reuse them if present."""
    directory.mkdir(parents=True, exist_ok=True)
    requests_path = directory / f"requests-{size}-v{VERSION}.csv"
    truth_path = directory / f"truth-{size}-v{VERSION}.csv"
    if requests_path.exists() and truth_path.exists():
        return requests_path, truth_path
    rows, truth = generate(size, seed)
    classes = [row.pop("classes") for row in rows]
    with requests_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["id", "full_name", "phone", "birth_date", "channel"]
        )
        writer.writeheader()
        writer.writerows(rows)
    with truth_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("id", "person", "classes"))
        writer.writerows(
            (row["id"], person, kinds)
            for row, person, kinds in zip(rows, truth, classes, strict=True)
        )
    return requests_path, truth_path
