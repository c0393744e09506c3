"""Rebuild `ru.txt`, the Russian codename word list (run by hand; not used by the app).

    python -m venv /tmp/wl && /tmp/wl/bin/pip install wordfreq==3.1.1 pymorphy3==2.0.6 \
        pymorphy3-dicts-ru==2.4.417150.4580142
    /tmp/wl/bin/python corridor/intake/wordlists/build_ru.py > corridor/intake/wordlists/ru.txt

Frequency from wordfreq's Russian data (CC BY-SA 4.0); parts of speech from the OpenCorpora
dictionary shipped with pymorphy3 (CC BY-SA 3.0). It keeps the most frequent nouns in their
dictionary form (nominative singular), then adjectives, 3 to 9 letters, written with ё folded
to е, and drops proper names and nouns for people (professions, ethnicities), abbreviations, slang, obscenities and every word that could
put a requester at risk if someone read their codename (sexuality, police and courts,
violence, religion, ethnicity, flight, documents): a codename is random, but a phone
searched at a checkpoint must not show "гей" or "побег" in it.
"""

from __future__ import annotations

import re
import sys

import pymorphy3
import wordfreq

SIZE = 7776
BANNED_TAGS = {
    "Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Init", "Infr", "Slng", "Arch",
    "Litr", "Erro", "Dist", "Fixd", "Pltm", "Ques", "Dmns", "Prnt",
}  # fmt: skip
# Roots a codename must never contain (T7: the requester's phone may be searched).
RISKY_ROOTS = (
    "гей", "гомо", "лесб", "транс", "секс", "интим", "педи", "пидо", "голуб", "розов", "радуг",
    "любов", "любим", "постел", "презерв", "член", "гениталь", "оргазм", "эрот", "порн",
    "полиц", "милиц", "мент", "фсб", "кгб", "мвд", "силовик", "спецназ", "омон", "росгвард",
    "тюрьм", "тюрем", "арест", "задерж", "допрос", "пытк", "пыт", "убий", "убит", "убив", "смерт",
    "мертв", "труп", "могил", "похорон", "оруж", "пистолет", "автомат", "винтов", "патрон",
    "бомб", "взрыв", "граната", "стрел", "расстр", "казн", "насил", "изнас", "избие", "побо",
    "кров", "ран", "нож", "наркот", "героин", "кокаин", "побег", "бегств", "беглец", "беглян",
    "эвакуа", "убежищ", "бежен", "эмигр", "мигра", "чечн", "чечен", "кадыр", "грозн", "кавказ",
    "ислам", "мусульм", "аллах", "мечет", "намаз", "христ", "церк", "бог", "религ", "вер",
    "войн", "воен", "солдат", "арми", "заключ", "лагер", "плен", "суд", "прокур", "следств",
    "следоват", "шпион", "агент", "развед", "предат", "терро", "экстрем", "джихад", "паспорт",
    "виза", "визы", "границ", "таможн", "депорт", "прост", "шлюх", "блуд", "жоп", "хуй", "хуе",
    "бляд", "ебл", "ебат", "сук", "говн", "срак", "пизд", "муда", "дерьм", "сран", "ссать",
    "преступ", "кримин", "вор", "краж", "банд", "мафи", "дурак", "идиот", "урод", "шизо", "псих",
    "самоуб", "суицид", "помощ", "спасен", "спасат", "правозащ", "активист", "свобод", "протест",
    "родств", "семь", "брат", "сестр", "отец", "мать", "дядя", "позор", "честь", "стыд",
    "нацист", "фашист", "фюрер", "раб", "жертв", "жид", "негр", "хач", "чурк", "аборт",
    "автозак", "удар", "агресс", "адвокат", "конвой", "обыск", "выкидыш", "амфетамин", "похищ",
    "опозна", "дознан", "кончин", "пулем", "даун", "кретин", "распят", "темниц", "казарм",
    "каторг", "ссылк", "пропаж", "хищен", "канонад", "штык", "танк", "ракет", "снаряд", "мина",
    "пуля", "пули", "выстрел", "обстрел", "бойн", "резня", "погром", "казн", "висел", "петля",
    "яд", "отрав", "болезн", "рак", "вич", "спид", "инфекц", "венер", "гепат", "алкогол",
    "водк", "пьян", "табак", "сигарет", "гашиш", "марихуан", "опий", "доза", "шприц",
    "полит", "выбор", "митинг", "оппозиц", "режим", "диктат", "власт", "президент", "депутат",
    "эвтаназ", "удав", "облав", "гибел", "злодея", "визов", "дебил", "хрен", "какаш", "зенит",
    "анус", "сперм", "некроз", "метеоризм", "понос", "рвот", "гной", "моча", "кал",
    "паранд", "хиджаб", "шариат", "крест", "икона", "молитв", "храм", "грех", "ад",
)  # fmt: skip
CYRILLIC = re.compile(r"[а-я]{3,9}")


def acceptable(word: str, morph: pymorphy3.MorphAnalyzer, pos: str) -> bool:
    if not CYRILLIC.fullmatch(word) or any(root in word for root in RISKY_ROOTS):
        return False
    if not morph.word_is_known(word):  # guessed parses are mostly foreign names
        return False
    parses = morph.parse(word)
    best = parses[0]
    if best.score < 0.5 or best.normal_form.replace("ё", "е") != word:
        return False
    if pos != best.tag.POS or any(tag in best.tag for tag in BANNED_TAGS):
        return False
    if any(tag in parse.tag for parse in parses for tag in BANNED_TAGS):
        return False
    if pos == "NOUN":
        # Inanimate only: no people, so no professions, ethnicities or names.
        return {"nomn", "sing", "inan"} <= best.tag.grammemes
    return {"nomn", "sing", "masc"} <= best.tag.grammemes


def main() -> None:
    morph = pymorphy3.MorphAnalyzer()
    ranked = [w.replace("ё", "е") for w in wordfreq.top_n_list("ru", 200_000, wordlist="large")]
    chosen: list[str] = []
    seen: set[str] = set()
    for pos in ("NOUN", "ADJF"):
        for word in ranked:
            if len(chosen) == SIZE:
                break
            if word not in seen and acceptable(word, morph, pos):
                seen.add(word)
                chosen.append(word)
    if len(chosen) != SIZE:
        sys.exit(f"only {len(chosen)} words passed the filters")
    sys.stdout.write("\n".join(sorted(chosen)) + "\n")


if __name__ == "__main__":
    main()
