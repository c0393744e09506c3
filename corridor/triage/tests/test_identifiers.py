"""Reading identifiers out of a request as people type them (no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from corridor.triage.identifiers import Identifiers, identifiers_of, message_of

digits = st.text(alphabet="0123456789", min_size=7, max_size=7)
operator = st.sampled_from(["900", "912", "928", "938", "963", "999"])


def _spellings(code: str, number: str) -> list[str]:
    a, b, c = number[:3], number[3:5], number[5:]
    return [
        f"+7 {code} {a}-{b}-{c}",
        f"8 ({code}) {a}-{b}-{c}",
        f"8{code}{number}",
        f"+7{code}{number}",
        f"{code}-{a}-{b}-{c}",
    ]


@given(operator, digits, st.integers(min_value=0, max_value=4))
def test_it_reads_every_spelling_of_a_russian_number_as_one_phone(
    code: str, number: str, spelling: int
) -> None:
    # Given a number written the way a caller, a form or a partner writes it, inside text
    written = _spellings(code, number)[spelling]
    # When the identifiers of the contact field and of the message are read
    from_contact = identifiers_of({"contact": written})
    from_message = identifiers_of({"message": f"Звоните мне на {written}, только вечером"})
    # Then both give the one E.164 number
    assert from_contact.phones == (f"+7{code}{number}",)
    assert from_message.phones == (f"+7{code}{number}",)


def test_it_reads_handles_and_addresses_case_free_and_without_repeats() -> None:
    found = identifiers_of(
        {
            "name": "  Руслан   Ахмедов ",
            "contact": "telegram @Ruslan_95 или Ruslan.A@Mail.ru",
            "messenger": "ruslan_95",
            "message": "мой второй: t.me/other_guy, почта ruslan.a@mail.ru",
        }
    )
    assert found == Identifiers(
        name="Руслан Ахмедов",
        handles=("ruslan_95", "other_guy"),
        emails=("ruslan.a@mail.ru",),
    )


def test_it_does_not_take_dates_or_amounts_for_phones() -> None:
    found = identifiers_of({"message": "12.05.2024 забрали 150000 рублей, 2 года назад"})
    assert found.phones == ()


def test_it_merges_a_follow_up_and_keeps_the_first_name() -> None:
    first = identifiers_of({"name": "Руслан", "contact": "+7 928 111-22-33"})
    later = identifiers_of({"name": "Ruslan", "message": "новый номер 8 928 444 55 66"})
    merged = first.merged(later)
    assert merged.name == "Руслан"
    assert merged.phones == ("+79281112233", "+79284445566")


def test_it_normalises_messages_for_comparison() -> None:
    assert message_of({"message": "  Нужна   ПОМОЩЬ\n срочно "}) == "нужна помощь срочно"
    assert message_of({}) == ""
