"""Welsh-aware name keys: variants both ways, mutations undone, patronymics, sound keys."""

from __future__ import annotations

import itertools

import pytest

from cvcdesk.domain.namekeys import (
    compact_name,
    first_name_key,
    first_name_keys,
    fold_name,
    mutation_of,
    patronymic_of,
    radical_name,
    same_given_name,
    short_form_of,
    sound_key,
    surname_key,
    unmutated_forms,
)
from cvcdesk.services import demo_data

VARIANT_GROUPS = [
    ["Dafydd", "David", "Dai", "Dave", "Dewi"],
    ["Siôn", "John", "Jon", "Sion", "Shôn", "Ioan", "Jack"],
    ["Gwilym", "William", "Bill", "Will", "Wil"],
    ["Ieuan", "Evan", "Iwan", "Ifan"],
    ["Siân", "Sian", "Jane", "Jean"],
    ["Rhys", "Rees", "Reece", "Rice"],
    ["Llywelyn", "Llewellyn", "Llew"],
    ["Huw", "Hugh"],
    ["Owain", "Owen"],
    ["Gruffydd", "Griffith", "Gruffudd"],
    ["Elin", "Ellen", "Helen", "Elen"],
    ["Margaret", "Megan", "Mags", "Peggy", "Maggie", "Mererid"],
    ["Elizabeth", "Beth", "Betsan", "Liz"],
    ["Catrin", "Catherine", "Kate", "Cath", "Cat"],
    ["Robert", "Bob", "Rob"],
    ["Richard", "Dic", "Rich", "Dick", "Rhisiart"],
    ["Thomas", "Twm", "Tom", "Tomos"],
    ["Mair", "Mary"],
    ["Pedr", "Peter", "Pete"],
    ["Sioned", "Janet"],
]


@pytest.mark.parametrize("group", VARIANT_GROUPS, ids=lambda g: g[0])
def test_every_pair_in_a_variant_group_is_the_same_name_both_ways(group: list[str]) -> None:
    for a, b in itertools.permutations(group, 2):
        assert same_given_name(a, b), (a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Dafydd", "Siôn"),
        ("Rhys", "Rhian"),
        ("Elizabeth", "Bethan"),  # both are "Beth", but not each other
        ("Gwen", "Gwyneth"),
        ("Owain", "Ieuan"),
        ("Gareth", "Geraint"),
        ("Catrin", "Carys"),
        ("Wyn", "Gwilym"),
    ],
)
def test_different_names_are_not_variants(a: str, b: str) -> None:
    assert not same_given_name(a, b)
    assert not same_given_name(b, a)


def test_a_nickname_can_belong_to_two_names() -> None:
    assert first_name_keys("Beth") == {"elizabeth", "bethan"}
    assert same_given_name("Beth", "Elizabeth") and same_given_name("Beth", "Bethan")
    assert first_name_key("Beth") == "bethan"  # one canonical key: the first alphabetically


def test_every_nickname_the_demo_uses_is_known() -> None:
    for name, nicknames in demo_data.NICKNAMES.items():
        for nickname in nicknames:
            assert same_given_name(name, nickname), (name, nickname)


def test_accents_and_case_do_not_matter() -> None:
    assert first_name_keys("SIÂN") == first_name_keys("sian") == first_name_keys("Siân")
    assert fold_name("  Siân  ap-Rhys ") == "sian ap rhys"
    assert compact_name("Glyndŵr") == "glyndwr"
    assert compact_name("Michał") == "michal"  # letters without a combining accent too
    assert first_name_keys("Llŷr") == {"llyr"}


@pytest.mark.parametrize(
    ("mutated", "radical"),
    [
        # soft mutation
        ("Areth", "Gareth"),
        ("Fethan", "Bethan"),
        ("Ddafydd", "Dafydd"),
        ("Gatrin", "Catrin"),
        ("Bedr", "Pedr"),
        ("Domos", "Tomos"),
        ("Linos", "Llinos"),
        ("Rian", "Rhian"),
        ("Fair", "Mair"),
        ("Wilym", "Gwilym"),
        # nasal mutation
        ("Ngareth", "Gareth"),
        ("Methan", "Bethan"),
        ("Nafydd", "Dafydd"),
        ("Nghatrin", "Catrin"),
        ("Mhedr", "Pedr"),
        ("Nhomos", "Tomos"),
        # aspirate mutation
        ("Chatrin", "Catrin"),
        ("Phedr", "Pedr"),
        ("Thomos", "Tomos"),
        # h before a vowel
        ("Heleri", "Eleri"),
    ],
)
def test_mutations_are_undone_to_a_known_name(mutated: str, radical: str) -> None:
    assert radical_name(fold_name(mutated)) == fold_name(radical)
    assert mutation_of(fold_name(mutated), fold_name(radical))
    assert first_name_keys(mutated) == first_name_keys(radical)
    assert same_given_name(mutated, radical) and same_given_name(radical, mutated)


@pytest.mark.parametrize(
    "name", ["Wyn", "Non", "Mair", "Nia", "Rhian", "Llinos", "Chris", "Thomas"]
)
def test_a_known_name_is_never_read_as_a_mutation(name: str) -> None:
    assert radical_name(fold_name(name)) == fold_name(name)


def test_an_unknown_name_is_left_alone() -> None:
    assert radical_name("zephyrine") == "zephyrine"
    assert first_name_keys("Zephyrine") == {"zephyrine"}
    assert first_name_keys("") == frozenset()
    assert ("gareth", "nasal") in unmutated_forms("ngareth")


def test_mutated_variants_meet_their_english_form() -> None:
    assert same_given_name("Nafydd", "David")
    assert same_given_name("Ddafydd", "Dai")
    assert same_given_name("Nghatrin", "Catherine")


@pytest.mark.parametrize(
    ("a", "b", "given"),
    [
        ("ap Rhys", "Price", "rhys"),
        ("ap Rhys", "Prys", "rhys"),
        ("ap Rhys", "Preece", "rhys"),
        ("ab Owain", "Bowen", "owen"),
        ("ab Owen", "Bowen", "owen"),
        ("ap Hywel", "Powell", "hywel"),
        ("ap Huw", "Pugh", "hugh"),
        ("ap Rhisiart", "Pritchard", "richard"),
        ("ap Robert", "Probert", "robert"),
        ("ab Ifan", "Bevan", "evan"),
        ("ap Dafydd", "ap David", "david"),
        ("ferch Dafydd", "ap Dafydd", "david"),
        ("Ap-Rhys", "aprhys", "rhys"),
    ],
)
def test_patronymics_meet_in_any_form(a: str, b: str, given: str) -> None:
    assert patronymic_of(a) == patronymic_of(b) == given
    assert surname_key(a) == surname_key(b) == f"ap {given}"


def test_a_patronymic_is_not_the_plain_given_name() -> None:
    assert surname_key("Price") != surname_key("Rees")  # ap Rhys and Rhys are two families
    assert surname_key("Bowen") != surname_key("Owen")
    assert patronymic_of("Jones") == "" and patronymic_of("Apperley") == ""


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Griffiths", "Gruffydd"),
        ("Llewellyn", "Llywelyn"),
        ("Williams", "William"),
        ("Hughes", "Hugh"),
        ("Glyndŵr", "glyndwr"),
    ],
)
def test_surname_keys_join_spellings(a: str, b: str) -> None:
    assert surname_key(a) == surname_key(b)


def test_jones_is_not_john() -> None:
    assert surname_key("Jones") == "jones"
    assert surname_key("Jones") != surname_key("John")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jones", "Joens"),
        ("Jones", "Johns"),
        ("Meredith", "Meredydd"),
        ("Vaughan", "Fychan"),
        ("Davies", "Davis"),
        ("Thomas", "Tomos"),
        ("Harries", "Harris"),
        ("Phillips", "Philips"),
        ("Humphreys", "Humphries"),
    ],
)
def test_sound_keys_join_names_that_sound_alike(a: str, b: str) -> None:
    assert sound_key(a) == sound_key(b)


@pytest.mark.parametrize(("a", "b"), [("Jones", "Evans"), ("Price", "Pugh"), ("Rees", "Lewis")])
def test_sound_keys_keep_different_names_apart(a: str, b: str) -> None:
    assert sound_key(a) != sound_key(b)


def test_short_forms() -> None:
    assert short_form_of("Gwen", "Gwenllian") and short_form_of("Alexandra", "Alex")
    assert not short_form_of("Al", "Alun")  # too short to tell
    assert not short_form_of("Gwen", "Gwen")
