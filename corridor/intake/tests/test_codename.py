"""Codenames: entropy from the vendored lists, normalisation, and the keys derived from them."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.intake import codename as codenames
from corridor.intake import sealing
from corridor.vault import crypto

SIZE = 7776
DECISION = Path(__file__).resolve().parents[3] / "docs/decisions/0031-intake-desk-safety.md"
# Roots of the topics a codename must never show, a check independent of the screening files
# (which a person wrote and a later list change could leave behind): no drawable word may
# start with one. Chosen from the words that slipped through the Russian list's own filter
# (issue 13: «покойный», «эстроген») and the EFF list's plain English.
RISKY_ROOTS = {
    "ru": (
        "покойн", "смерт", "мертв", "труп", "гроб", "могил", "похорон", "кладбищ", "убий",
        "эстроген", "гормон", "тестостерон", "болезн", "инфекц", "опухол", "наркот", "героин",
        "секс", "эрот", "оруж", "пистолет", "бомб", "взрыв", "войн", "полиц", "тюрьм", "пытк",
        "церков", "молитв", "мечет", "библи", "президент", "выборн", "партийн", "однопол",
    ),
    "en": (
        "dead", "death", "dying", "corpse", "coffin", "funeral", "cemetery", "tomb", "murder",
        "kill", "disease", "cancer", "tumor", "hormone", "estrogen", "sex", "erotic", "drug",
        "cocaine", "heroin", "rifle", "pistol", "bomb", "explosi", "warfare", "police", "prison",
        "jail", "tortur", "church", "pray", "bible", "jesus", "president", "election", "gay",
    ),
}  # fmt: skip
positions_strategy = st.lists(
    st.integers(min_value=0, max_value=SIZE - 1), min_size=7, max_size=7
).map(tuple)


def test_it_draws_the_stated_entropy_from_the_vendored_lists() -> None:
    # Given the two vendored lists
    for language in codenames.LANGUAGES:
        words = codenames.wordlist(language)
        # Then each holds 7,776 distinct words, distinct even after normalisation
        assert len(words) == SIZE
        assert len({codenames.word_normalise(w) for w in words}) == SIZE
    # And seven words drawn from the positions safe in both lists carry what the docs state
    assert codenames.WORDS >= 7
    drawable = len(codenames.drawable_positions())
    assert codenames.entropy_bits() == pytest.approx(7 * math.log2(drawable))
    assert codenames.entropy_bits() >= 85
    stated = f"{codenames.entropy_bits():.2f} bits"
    for doc in (codenames.WORDLIST_DIR / "README.md", DECISION):
        assert stated in doc.read_text(encoding="utf-8"), (doc, stated)


def test_it_keeps_the_two_alphabets_apart() -> None:
    # Given the Russian and English lists
    russian = set(codenames.wordlist("ru"))
    english = set(codenames.wordlist("en"))
    # Then no word is in both, Russian words are Cyrillic and English ones Latin
    assert not russian & english
    assert all(all("а" <= ch <= "я" for ch in w) for w in russian)
    assert all(all("a" <= ch <= "z" or ch == "-" for ch in w) for w in english)


def test_it_never_draws_a_word_about_death_illness_sex_drugs_violence_politics_religion() -> None:
    # Given the positions a codename is drawn from
    drawable = codenames.drawable_positions()
    for language in codenames.LANGUAGES:
        words = codenames.wordlist(language)
        excluded = codenames.excluded(language)
        # Then no drawable position holds a screened word, in either language
        assert not {words[p] for p in drawable} & set(excluded)
        # And none starts with a root of those topics
        risky = [words[p] for p in drawable if words[p].startswith(RISKY_ROOTS[language])]
        assert not risky, risky
    # And the two words seen in a codename are among the screened ones
    assert {"покойный", "эстроген"} <= set(codenames.excluded("ru"))
    # And a thousand generated codenames show none of them
    for _ in range(1000):
        for language in codenames.LANGUAGES:
            assert not set(codenames.codename_generate(language).split()) & set(
                codenames.excluded(language)
            )


def test_it_still_reads_a_codename_given_out_before_the_screening() -> None:
    # Given a codename drawn when «покойный» and «эстроген» could still be drawn
    words = codenames.wordlist("ru")
    old = "покойный эстроген"
    typed = old + " " + " ".join(words[p] for p in codenames.drawable_positions()[:5])
    # Then it still opens its thread: every position reads, only drawing is screened
    positions = codenames.codename_positions(typed)
    assert positions[:2] == (words.index("покойный"), words.index("эстроген"))


def test_it_refuses_a_screening_file_that_names_a_word_not_in_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a screening file with a typo (the real word would stay drawable)
    for language in codenames.LANGUAGES:
        (tmp_path / f"{language}.txt").write_text(
            (codenames.WORDLIST_DIR / f"{language}.txt").read_text(encoding="utf-8")
        )
    (tmp_path / "excluded-ru.txt").write_text("покойнный\tdeath\n", encoding="utf-8")
    (tmp_path / "excluded-en.txt").write_text("", encoding="utf-8")
    monkeypatch.setattr(codenames, "WORDLIST_DIR", tmp_path)
    codenames.wordlist.cache_clear()
    codenames.excluded.cache_clear()
    try:
        # Then the lists refuse to load, naming the word
        with pytest.raises(ImproperlyConfigured, match="покойнный"):
            codenames.excluded("ru")
    finally:
        codenames.wordlist.cache_clear()
        codenames.excluded.cache_clear()


def test_it_draws_every_safe_position_with_equal_chance() -> None:
    # Drawing maps a uniform index onto the safe positions: every one of them is reachable
    # and nothing else is (the entropy figure assumes exactly that)
    drawable = codenames.drawable_positions()
    assert len(set(drawable)) == len(drawable) and sorted(drawable) == list(drawable)
    assert all(0 <= p < SIZE for p in drawable)
    seen: set[int] = set()
    for _ in range(3000):
        seen.update(codenames.codename_positions(codenames.codename_generate("en")))
    assert seen <= set(drawable)
    assert len(seen) > 0.9 * len(drawable)  # 21,000 draws over ~5,450 positions: ~98% seen


def test_it_generates_seven_words_of_the_language_asked() -> None:
    for language in codenames.LANGUAGES:
        words = codenames.codename_generate(language).split()
        assert len(words) == 7
        assert set(words) <= set(codenames.wordlist(language))


@settings(max_examples=200, deadline=None)
@given(positions=positions_strategy, data=st.data())
def test_it_reads_a_codename_however_it_is_typed(
    positions: tuple[int, ...], data: st.DataObject
) -> None:
    # Given a codename, each word written in Russian or English, in any case, with ё or е,
    # with extra spaces and punctuation between the words
    words = []
    for p in positions:
        language = data.draw(st.sampled_from(codenames.LANGUAGES))
        word = codenames.wordlist(language)[p]
        word = data.draw(st.sampled_from([word, word.upper(), word.capitalize()]))
        words.append(word.replace("е", data.draw(st.sampled_from(["е", "ё"]))))
    separator = data.draw(st.sampled_from([" ", "  ", " , ", "\n", ". ", "\u00a0"]))
    typed = "  " + separator.join(words) + " "
    # Then it reads back as the same positions
    assert codenames.codename_positions(typed) == positions


def test_it_says_what_is_wrong_with_a_codename() -> None:
    # Given a codename with a word too few, and one with a word not in the lists
    six = " ".join(codenames.wordlist("en")[:6])
    with pytest.raises(codenames.CodenameInvalid) as short:
        codenames.codename_positions(six)
    with pytest.raises(codenames.CodenameInvalid) as unknown:
        codenames.codename_positions(six + " qwertyuiop")
    # Then the messages say so
    assert "7" in short.value.messages[0] and "6" in short.value.messages[0]
    assert "qwertyuiop" in unknown.value.messages[0]


def test_it_accepts_hyphenated_words_without_the_hyphen() -> None:
    english = codenames.wordlist("en")
    assert "t-shirt" in english
    typed = "tshirt " + " ".join(english[:6])
    assert codenames.codename_positions(typed)[0] == english.index("t-shirt")


@settings(max_examples=15, deadline=None)
@given(positions=positions_strategy, text=st.text(max_size=300))
def test_it_seals_replies_that_only_the_codename_opens(
    positions: tuple[int, ...], text: str
) -> None:
    # Given the keys of a codename, derived twice (once at submission, once on the status page)
    stored = codenames.codename_keys(positions)
    typed_again = codenames.codename_keys(positions)
    assert stored == typed_again
    # When a reply is sealed to the stored public key
    text = text.encode("utf-8", "replace").decode("utf-8")
    sealed = sealing.reply_seal(stored.reply_public_key, text)
    # Then the key derived from the typed codename opens it, and another codename's does not
    assert sealing.reply_unseal(typed_again.reply_private_key, sealed) == text
    other = codenames.codename_keys((*positions[:-1], (positions[-1] + 1) % SIZE))
    assert other.lookup_hash != stored.lookup_hash
    with pytest.raises(crypto.DecryptionError):
        sealing.reply_unseal(other.reply_private_key, sealed)


def test_it_keys_the_stored_hash_with_the_pepper(settings: object) -> None:
    # Given one codename under two peppers
    positions = (1, 2, 3, 4, 5, 6, 7)
    settings.CORRIDOR_INTAKE_PEPPER = "first pepper"  # type: ignore[attr-defined]
    first = codenames.codename_keys(positions)
    settings.CORRIDOR_INTAKE_PEPPER = "second pepper"  # type: ignore[attr-defined]
    second = codenames.codename_keys(positions)
    # Then neither the lookup hash nor the reply key is the same: a database without the
    # pepper cannot test a guess
    assert first.lookup_hash != second.lookup_hash
    assert first.reply_public_key != second.reply_public_key


def test_it_refuses_to_run_in_production_without_a_pepper(settings: object) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.CORRIDOR_INTAKE_PEPPER = ""  # type: ignore[attr-defined]
    settings.PRODUCTION = True  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured):
        codenames.pepper()


def test_it_uses_the_word_lists_as_vendored() -> None:
    # Given the hashes noted beside the lists: a list edited in place would silently change
    # what every codename already given out means
    import hashlib

    readme = (codenames.WORDLIST_DIR / "README.md").read_text(encoding="utf-8")
    for language in codenames.LANGUAGES:
        data = (codenames.WORDLIST_DIR / f"{language}.txt").read_bytes()
        assert f"{hashlib.sha256(data).hexdigest()}  {language}.txt" in readme
