"""Names: accent folding for comparison, and Welsh versus English alphabetical order."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cvcdesk.domain.names import english_sort_key, fold, person_sort_text, welsh_sort_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Siân", "Sian"),
        ("SIÂN", "sian"),
        ("Glyndŵr", "Glyndwr"),
        ("Llŷr", "Llyr"),
        ("Dafydd", "DAFYDD"),
        ("Zoë", "Zoe"),
        ("Łukasz", "Lukasz"),
        ("Søren", "Soren"),
        ("Straße", "Strasse"),
    ],
)
def test_accents_and_case_are_ignored_when_comparing(a: str, b: str) -> None:
    assert fold(a) == fold(b)


def test_folding_is_for_comparison_only_and_keeps_the_letters() -> None:
    assert fold("Siân Glyndŵr") == "sian glyndwr"
    assert fold("Rhys ap Gruffydd") == "rhys ap gruffydd"
    assert fold("") == ""


def test_different_names_stay_different_after_folding() -> None:
    assert fold("Sian") != fold("Sion")
    assert fold("Llinos") != fold("Linos")


def _welsh(names: list[str]) -> list[str]:
    return sorted(names, key=welsh_sort_key)


def _english(names: list[str]) -> list[str]:
    return sorted(names, key=english_sort_key)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Lyn", "Llewelyn"),  # ll follows l
        ("Lowri", "Llinos"),
        ("Cynan", "Chris"),  # ch follows c
        ("Dylan", "Dd"),  # dd follows d
        ("Fychan", "Ffion"),  # ff follows f
        ("Gwyn", "Ngaio"),  # ng follows g ...
        ("Ngaio", "Hywel"),  # ... and comes before h
        ("Pugh", "Philip"),  # ph follows p
        ("Roberts", "Rhys"),  # rh follows r
        ("Tudur", "Thomas"),  # th follows t
        ("Cadwaladr", "Cynan"),
    ],
)
def test_welsh_order_treats_digraphs_as_single_letters(before: str, after: str) -> None:
    assert welsh_sort_key(before) < welsh_sort_key(after)
    assert _welsh([after, before]) == [before, after]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Llewelyn", "Lyn"),
        ("Chris", "Cynan"),
        ("Rhys", "Roberts"),
        ("Ffion", "Fychan"),
        ("Philip", "Pugh"),
        ("Thomas", "Tudur"),
    ],
)
def test_english_order_reads_the_same_pairs_letter_by_letter(first: str, second: str) -> None:
    assert english_sort_key(first) < english_sort_key(second)
    assert welsh_sort_key(first) > welsh_sort_key(second)


def test_a_class_list_in_each_order() -> None:
    names = ["Rhys", "Llewelyn", "Chris", "Lyn", "Cynan", "Roberts", "Angharad", "Ffion", "Fay"]
    assert _welsh(names) == [
        "Angharad",
        "Cynan",
        "Chris",
        "Fay",
        "Ffion",
        "Lyn",
        "Llewelyn",
        "Roberts",
        "Rhys",
    ]
    assert _english(names) == [
        "Angharad",
        "Chris",
        "Cynan",
        "Fay",
        "Ffion",
        "Llewelyn",
        "Lyn",
        "Rhys",
        "Roberts",
    ]


def test_sorting_ignores_case_and_accents() -> None:
    for key in (welsh_sort_key, english_sort_key):
        assert key("Siân") == key("sian") == key("SIAN")
        assert key("Sian") < key("Sion")
        assert key("Łapiński") < key("Lewis")  # Ł files under L, not after Z


def test_a_word_break_sorts_before_any_letter() -> None:
    for key in (welsh_sort_key, english_sort_key):
        assert key("Ap Rhys") < key("Aprhys")
        assert key("Mary-Jane") == key("Mary Jane")
        assert key("Jones Zoe") < key("Jonesy Alun")


def test_digits_sort_before_letters_and_punctuation_is_ignored() -> None:
    for key in (welsh_sort_key, english_sort_key):
        assert key("Group 2") < key("Group A")
        assert key("O'Brien") == key("O Brien")
        assert key("St. David's") == key("St David s")
        assert key("") == ""


def test_people_are_listed_surname_first() -> None:
    assert person_sort_text("Dafydd", "Jones") == "Jones Dafydd"
    assert person_sort_text("", "Jones") == "Jones"
    assert person_sort_text("Dafydd", "") == "Dafydd"
    people = [("Zoe", "Davies"), ("Aled", "Williams"), ("Bethan", "Davies")]
    ordered = sorted(people, key=lambda p: english_sort_key(person_sort_text(*p)))
    assert ordered == [("Bethan", "Davies"), ("Zoe", "Davies"), ("Aled", "Williams")]


def test_surname_groups_stay_together_in_welsh_order() -> None:
    people = [("Aled", "Lloyd"), ("Zoe", "Lewis"), ("Bethan", "Lloyd"), ("Alun", "Lynch")]
    ordered = sorted(people, key=lambda p: welsh_sort_key(person_sort_text(*p)))
    assert ordered == [("Zoe", "Lewis"), ("Alun", "Lynch"), ("Aled", "Lloyd"), ("Bethan", "Lloyd")]


_NAME_TEXT = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzâêîôûŵŷäëïöüéèáLlChDdFfNgPhRhTh -'.09")
    ),
    max_size=12,
)
_WELSH_ALPHABET = "a b c ch d dd e f ff g ng h i j k l ll m n o p ph q r rh s t th u v w x y z"
_ENGLISH_ALPHABET = " ".join("abcdefghijklmnopqrstuvwxyz")


def _letters(text: str, alphabet: str) -> tuple[int, ...]:
    """A plain reading of a name as a list of letter positions; a word break is -1."""
    letters = alphabet.split()
    rank = {letter: index for index, letter in enumerate(letters)}
    words = fold(text).split()
    out: list[int] = []
    for number, word in enumerate(words):
        if number:
            out.append(-1)
        i = 0
        while i < len(word):
            if word[i : i + 2] in rank:
                out.append(rank[word[i : i + 2]])
                i += 2
            else:
                out.append(rank[word[i]])
                i += 1
    return tuple(out)


_PLAIN_NAME = st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz  ")), max_size=10)


@settings(deadline=None)  # shared build machines: no timing limits
@given(_PLAIN_NAME, _PLAIN_NAME)
def test_sort_keys_order_names_letter_by_letter(a: str, b: str) -> None:
    # The compact text keys compare exactly as the names' letters do, alphabet by alphabet.
    for key, alphabet in ((welsh_sort_key, _WELSH_ALPHABET), (english_sort_key, _ENGLISH_ALPHABET)):
        left, right = _letters(a, alphabet), _letters(b, alphabet)
        assert (key(a) < key(b)) == (left < right)
        assert (key(a) == key(b)) == (left == right)


@settings(deadline=None)  # shared build machines: no timing limits
@given(st.lists(_NAME_TEXT, min_size=2, max_size=8))
def test_sorting_by_key_gives_the_same_list_whatever_order_names_came_in(
    names: list[str],
) -> None:
    for key in (welsh_sort_key, english_sort_key):
        forwards = sorted(names, key=lambda n: (key(n), n))
        backwards = sorted(reversed(names), key=lambda n: (key(n), n))
        assert forwards == backwards
        assert all(key(a) <= key(b) for a, b in itertools.pairwise(forwards))


@settings(deadline=None)  # shared build machines: no timing limits
@given(_NAME_TEXT, _NAME_TEXT)
def test_a_name_sorts_before_any_longer_name_it_begins(a: str, b: str) -> None:
    # "Lyn" before "Lynne", "Jones" before "Jones Alun", in either language.
    stem = a.strip(" -'.")
    if not stem:
        return
    longer = stem + "x" + b
    for key in (welsh_sort_key, english_sort_key):
        assert key(stem) <= key(longer)


@settings(deadline=None)  # shared build machines: no timing limits
@given(_NAME_TEXT)
def test_case_and_accents_never_change_the_order(name: str) -> None:
    for key in (welsh_sort_key, english_sort_key):
        assert key(name) == key(name.upper()) == key(fold(name))
