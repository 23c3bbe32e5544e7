"""Name keys: accent folding for comparison and Welsh-aware alphabetical sort keys."""

from __future__ import annotations

import unicodedata

# The Welsh alphabet: digraphs are single letters and sort after their first letter
# (c < ch < d < dd < e < f < ff < g < ng < h ...). Letters Welsh borrows sort by English position.
_WELSH_LETTERS = [
    "a", "b", "c", "ch", "d", "dd", "e", "f", "ff", "g", "ng", "h", "i", "j", "k", "l", "ll",
    "m", "n", "o", "p", "ph", "q", "r", "rh", "s", "t", "th", "u", "v", "w", "x", "y", "z",
]  # fmt: skip
_WELSH_RANK = {letter: index for index, letter in enumerate(_WELSH_LETTERS)}
_DIGRAPHS = tuple(letter for letter in _WELSH_LETTERS if len(letter) == 2)
_ENGLISH_RANK = {letter: index for index, letter in enumerate("abcdefghijklmnopqrstuvwxyz")}
# Codes are two characters from a printable range, so keys sort correctly as plain text
# (binary comparison in SQLite, no collation function needed on a 100k-row ORDER BY).
_BASE = 0x30
# Letters that carry no combining accent in Unicode, so NFKD leaves them whole
# ('Łukasz' would otherwise sort under U and never match 'Lukasz').
_PLAIN_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
)


def fold(text: str) -> str:
    """Case- and accent-folded text for comparison only: 'Siân Glyndŵr' -> 'sian glyndwr'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(
        _PLAIN_LETTERS
    )


def _code(rank: int) -> str:
    return chr(_BASE + 1 + rank // 64) + chr(_BASE + rank % 64)


def _key(text: str, welsh: bool) -> str:
    letters = fold(text)
    out: list[str] = []
    i = 0
    while i < len(letters):
        pair = letters[i : i + 2]
        if welsh and pair in _DIGRAPHS:
            out.append(_code(_WELSH_RANK[pair]))
            i += 2
            continue
        ch = letters[i]
        i += 1
        if ch in _ENGLISH_RANK:
            out.append(_code(_WELSH_RANK[ch] if welsh else _ENGLISH_RANK[ch]))
        elif ch.isdigit():
            out.append("&" + ch)  # digits sort before letters
        elif (ch.isspace() or ch in "-'’.,") and out and out[-1] != " ":
            # Word breaks sort before any letter so "Ap Rhys" < "Aprhys".
            out.append(" ")
        # Anything else (punctuation, symbols) does not affect the order.
    return "".join(out).strip()


def welsh_sort_key(text: str) -> str:
    """Sort key in Welsh alphabetical order: 'Llewelyn' sorts after 'Lowri' ('ll' follows 'l')."""
    return _key(text, welsh=True)


def english_sort_key(text: str) -> str:
    """Sort key in English alphabetical order, ignoring case and accents."""
    return _key(text, welsh=False)


def person_sort_text(first_name: str, last_name: str) -> str:
    """People are listed surname first."""
    return f"{last_name} {first_name}".strip()
