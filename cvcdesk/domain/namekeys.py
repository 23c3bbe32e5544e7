"""Welsh-aware keys for matching people's names: variants, nicknames, mutations, patronymics.

Everything here compares *folded* names (case and accents removed, see :func:`fold`); the names
people typed are never changed. Three things make Welsh names hard to match by spelling alone:

- the same name has Welsh and English forms and nicknames (Dafydd, David, Dai, Dave, Dewi);
- initial consonants mutate after some words, and forms such as "Ngareth" or "Fethan" end up
  in registers copied from letters and forms ("i Ngareth", "annwyl Fethan");
- surnames are often patronymics, written apart ("ap Rhys", "ab Owain") or fused ("Price",
  "Bowen").

The variant table is a graph, not a partition: "Beth" is short for both Elizabeth and Bethan,
but Elizabeth and Bethan are different names. Two names are variants when they share a group.
"""

from __future__ import annotations

import functools
import re

from cvcdesk.domain.names import fold

# -- the variant and nickname table ---------------------------------------------------------
# Each line is one name in its forms; the first is the group's key. Used both ways: any two
# names on one line are the same name. Folded spellings (no accents): "sian" covers "Siân".
_GROUPS: tuple[tuple[str, ...], ...] = (
    ("david", "dafydd", "dai", "dave", "davy", "davey", "dewi", "deio", "dafi"),
    ("john", "jon", "johnny", "jack", "sion", "shon", "sionyn", "ioan", "jac"),
    ("evan", "ieuan", "iwan", "ifan", "ianto", "iefan"),
    ("william", "gwilym", "bill", "billy", "will", "wil", "willie", "wiliam", "gwil"),
    ("jane", "sian", "shan", "jean", "jeanne", "janey"),
    ("janet", "sioned", "jeanette", "janette"),
    ("joan", "siwan", "joanie"),
    ("rhys", "rees", "reece", "reese", "rice"),
    ("llywelyn", "llewellyn", "llewelyn", "llewelin", "llywelin", "llew", "llewella"),
    ("hugh", "huw", "hughie", "hew"),
    ("owen", "owain", "owein", "owi"),
    ("griffith", "gruffydd", "gruffudd", "griff", "gruff", "guto"),
    ("ellen", "elin", "elen", "helen", "nell", "nellie"),
    ("margaret", "megan", "meg", "mags", "maggie", "peggy", "pegi", "marged", "mared",
     "mererid", "margo", "madge"),
    ("elizabeth", "elisabeth", "eliza", "beth", "betsan", "betsi", "betty", "bet", "liz",
     "lizzie", "lizzy", "elsbeth", "bess"),
    ("bethan", "beth"),
    ("catherine", "katherine", "kathryn", "catrin", "cathryn", "catharine", "kate", "katie",
     "cath", "cathy", "cat", "kath", "kathy", "cadi"),
    ("robert", "bob", "bobby", "rob", "robbie", "robat"),
    ("richard", "dic", "dick", "rich", "richie", "rick", "ricky", "rhisiart"),
    ("thomas", "tomos", "twm", "tom", "tommy", "tomi", "tomasz", "tomek"),
    ("mary", "mair", "mari", "molly", "polly", "maria"),
    ("ann", "anne", "annie", "ana", "nan", "nansi"),
    ("peter", "pedr", "pete"),
    ("paul", "pawl"),
    ("james", "jim", "jimmy", "jamie", "iago", "siams"),
    ("joseph", "joe", "joey", "joseff", "jos"),
    ("edward", "ted", "teddy", "ed", "eddie", "ned", "iorwerth"),
    ("iorwerth", "iolo", "iori"),
    ("henry", "harry", "harri", "hal", "hendry"),
    ("stephen", "steven", "steve", "steffan", "stephan", "stevie"),
    ("michael", "mike", "mick", "mickey", "mihangel", "mikey"),
    ("matthew", "mathew", "matt", "mathau", "matty"),
    ("andrew", "andy", "drew", "andreas"),
    ("christopher", "chris", "kit", "christoffer"),
    ("christine", "chris", "christina", "chrissie"),
    ("anthony", "tony", "antony", "anton"),
    ("susan", "sue", "susie", "susanna", "susannah", "suzy"),
    ("jennifer", "jen", "jenny", "jenni"),
    ("gwenllian", "gwen", "gwenno"),
    ("gwendolen", "gwendoline", "gwen", "gwenda"),
    ("gareth", "gaz"),
    ("rhiannon", "rhi"),
    ("sarah", "sara", "sal", "sally"),
    ("nicola", "nicky", "nikki", "nic"),
    ("nicholas", "nick", "nicky", "nic", "nico"),
    ("rachel", "rachael", "rach"),
    ("joanne", "jo", "joanna", "jo-anne", "joann"),
    ("amanda", "mandy"),
    ("samuel", "sam", "sammy", "sami"),
    ("samantha", "sam", "sammy", "sammi"),
    ("alexander", "alex", "alec"),
    ("alexandra", "alex", "alexa"),
    ("daniel", "dan", "danny", "deiniol"),
    ("benjamin", "ben", "benny", "benji"),
    ("timothy", "tim", "timmy"),
    ("patrick", "pat", "paddy", "padrig"),
    ("patricia", "pat", "patsy", "trish", "tricia"),
    ("kenneth", "ken", "kenny"),
    ("ivor", "ifor"),
    ("emrys", "ambrose"),
    ("hywel", "howell", "howel", "hywell"),
    ("madog", "madoc"),
    ("tudur", "tudor"),
    ("einion", "eynon", "einon"),
    ("bronwen", "bronwyn", "bron"),
    ("myfanwy", "myfi", "myf"),
    ("eluned", "luned", "lynette"),
    ("lowri", "laura", "lora"),
    ("rhodri", "roderick", "roderic"),
    ("philip", "phillip", "phil", "philyp", "phylip"),
    ("rowland", "roland", "rolant"),
    ("humphrey", "humphry", "wmffre"),
    ("lewis", "lewys", "louis", "lew"),
    ("claire", "clare", "clair"),
    ("mark", "marc"),
    ("karen", "caren", "karin"),
    ("julie", "julia", "jules"),
    ("aisha", "ayesha", "aysha", "aishah"),
    ("mohammed", "muhammad", "mohamed", "mohammad", "mohamad", "muhammed", "mo"),
    ("agnieszka", "aga", "agnes"),
    ("emma", "em", "emmy"),
    ("dominic", "dom", "dominik"),
    ("lynne", "lyn", "lynn"),
    ("linda", "lynda"),
    ("may", "mai"),
    ("gwyneth", "gwynneth"),
)  # fmt: skip

# Names known to the matcher although they have no variants here, so a mutated form of them
# can be recognised ("Fethan" -> Bethan). Names from the table above are known as well.
_KNOWN_TEXT = """
    aled alun alwyn aneurin angharad anwen arwel arwyn awen bleddyn branwen bryn brynmor
    cai caradog carwyn carys ceinwen ceri cerys cledwyn dafydd delyth dilwyn dilys dwynwen
    efa eifion eilir eirian eirlys eirwen eleri emlyn emyr enfys eurig ffion gethin glenys
    glesni glyn gwion gwyn hafwen heddwyn heledd heulwen idris iestyn llinos llio llyr mabli
    mali manon medi meinir meirion nerys nest nia non olwen osian prys rhian rhidian rhun
    seren tegan tegwen teleri wyn ynyr dylan gwenllian gwilym gareth geraint bethan catrin tomos
    pedr
    emma helen claire lisa mark paul peter priya wei aisha andrew amanda julie nicola rachel
"""

_VOWELS = frozenset("aeiouwy")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_NOT_WORD = re.compile(r"[^a-z ]+")
_PATRONYMIC_WORDS = frozenset({"ap", "ab", "ferch", "verch", "fch", "vch"})

# Fused patronymics: ab Owain became Bowen, ap Rhys became Price. Values are given names.
_FUSED_PATRONYMICS: dict[str, str] = {
    "bowen": "owen", "price": "rhys", "pryce": "rhys", "prys": "rhys", "pryse": "rhys",
    "preece": "rhys", "preese": "rhys", "powell": "hywel", "powel": "hywel", "pugh": "hugh",
    "pughe": "hugh", "pritchard": "richard", "prichard": "richard", "parry": "harry",
    "penry": "henry", "probert": "robert", "prosser": "rosser", "bevan": "evan",
    "beavan": "evan", "beven": "evan", "bevin": "evan", "beynon": "einion",
    "benyon": "einion", "bennion": "einion", "baynon": "einion", "bellis": "ellis",
    "bithell": "ithel", "pumphrey": "humphrey", "probyn": "robin", "probin": "robin",
    "prothero": "rhydderch", "prydderch": "rhydderch", "bedward": "edward", "bunnell": "einion",
    "pellin": "llywelyn", "plevin": "llywelyn",
}  # fmt: skip


# Letters that carry no combining accent, so Unicode decomposition leaves them as they are.
_LATIN_EXTRA = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"})


def _fold(text: str) -> str:
    if text.isascii():  # the common case, and much quicker than decomposing
        return text.lower()
    return fold(text).translate(_LATIN_EXTRA)


def _fold_word(text: str) -> str:
    return _NOT_LETTERS.sub("", _fold(text))


def _build_groups() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for line in _GROUPS:
        key = _fold_word(line[0])
        for name in line:
            groups.setdefault(_fold_word(name), set()).add(key)
    return {name: frozenset(keys) for name, keys in groups.items()}


_NAME_GROUPS = _build_groups()
_KNOWN_NAMES = frozenset(_NAME_GROUPS) | frozenset(_fold_word(n) for n in _KNOWN_TEXT.split())


# -- folding --------------------------------------------------------------------------------


def fold_name(text: str) -> str:
    """Letters and single spaces, case and accents folded: 'Siân  ap-Rhys' -> 'sian ap rhys'."""
    words = _NOT_WORD.sub(" ", _fold(text).replace("'", "").replace("’", ""))
    return " ".join(words.split())


def compact_name(text: str) -> str:
    """Folded letters with no spaces at all: 'ab Owain' -> 'abowain', 'Foodbank' = 'Food Bank'."""
    return _NOT_LETTERS.sub("", _fold(text))


def first_word(text: str) -> str:
    """The first folded word of a given name: 'Mary-Ann' -> 'mary', 'Dafydd Wyn' -> 'dafydd'."""
    folded = fold_name(text)
    return folded.split(" ", 1)[0] if folded else ""


# -- mutations ------------------------------------------------------------------------------
# Initial-consonant mutations reversed: (mutated start, radical start). Longer starts first, so
# "ngh" is tried before "ng" and "n". Soft: c>g p>b t>d g>- b>f d>dd m>f ll>l rh>r.
# Nasal: c>ngh p>mh t>nh g>ng b>m d>n. Aspirate: c>ch p>ph t>th. Also h before a vowel.
_UNMUTATE: tuple[tuple[str, str, str], ...] = (
    ("ngh", "c", "nasal"),
    ("mh", "p", "nasal"),
    ("nh", "t", "nasal"),
    ("ng", "g", "nasal"),
    ("ch", "c", "aspirate"),
    ("ph", "p", "aspirate"),
    ("th", "t", "aspirate"),
    ("dd", "d", "soft"),
    ("m", "b", "nasal"),
    ("n", "d", "nasal"),
    ("g", "c", "soft"),
    ("b", "p", "soft"),
    ("d", "t", "soft"),
    ("f", "b", "soft"),
    ("f", "m", "soft"),
    ("l", "ll", "soft"),
    ("r", "rh", "soft"),
    ("", "g", "soft"),  # g disappears: Areth, Wilym, Lenys
    ("h", "", "h-prothesis"),
)
_DIGRAPH_STARTS = ("ch", "dd", "ff", "ng", "ll", "ph", "rh", "th")


def unmutated_forms(word: str) -> list[tuple[str, str]]:
    """Every radical form a folded word could be a mutation of, with the mutation's name.

    'ngareth' -> [('gareth', 'nasal'), ...]. Purely mechanical; :func:`radical_name` keeps only
    the forms that are known names.
    """
    forms: list[tuple[str, str]] = []
    for mutated, radical, kind in _UNMUTATE:
        if not word.startswith(mutated):
            continue
        rest = word[len(mutated) :]
        if not rest:
            continue
        if len(mutated) == 1 and word[:2] in _DIGRAPH_STARTS:
            continue  # "ll" is not a mutated "l", "dd" is handled as a digraph
        if mutated == "" and word[0] not in _VOWELS and word[0] not in "lr":
            continue
        if mutated == "h" and rest[0] not in _VOWELS:
            continue
        forms.append((radical + rest, kind))
    return forms


@functools.lru_cache(maxsize=65536)
def radical_name(word: str) -> str:
    """A folded name with an initial mutation undone when that gives a known name.

    'ngareth' -> 'gareth', 'fethan' -> 'bethan', 'chatrin' -> 'catrin'. A name that is known
    as it stands is never changed ('wyn' stays 'wyn', not 'gwyn'); an unknown one with no known
    radical form is returned as it is.
    """
    if not word or word in _KNOWN_NAMES:
        return word
    for form, _kind in unmutated_forms(word):
        if form in _KNOWN_NAMES:
            return form
    return word


def mutation_of(a: str, b: str) -> bool:
    """True when one folded name is a mutated form of the other ('nafydd', 'dafydd')."""
    if a == b or not a or not b:
        return False
    return radical_name(a) == b or radical_name(b) == a or radical_name(a) == radical_name(b)


# -- given names ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def first_name_keys(text: str) -> frozenset[str]:
    """The variant groups a given name belongs to; its own radical form if it is in none.

    'Dai' and 'Dafydd' -> {'david'}; 'Beth' -> {'bethan', 'elizabeth'}; 'Nafydd' -> {'david'};
    'Wenna' (unknown) -> {'wenna'}. Two given names are the same name when their keys meet.
    """
    word = radical_name(first_word(text))
    if not word:
        return frozenset()
    return _NAME_GROUPS.get(word, frozenset((word,)))


def first_name_key(text: str) -> str:
    """One canonical key for a given name (the first of its groups, alphabetically)."""
    keys = first_name_keys(text)
    return min(keys) if keys else ""


def same_given_name(a: str, b: str) -> bool:
    """Whether two given names are the same name in another form (variant, nickname, mutation)."""
    keys_a, keys_b = first_name_keys(a), first_name_keys(b)
    return bool(keys_a and keys_b and not keys_a.isdisjoint(keys_b))


def short_form_of(a: str, b: str) -> bool:
    """'Gwen' and 'Gwenllian', 'Alex' and 'Alexandra': one begins the other (3 letters or more)."""
    x, y = first_word(a), first_word(b)
    if not x or not y or x == y:
        return False
    short, long = (x, y) if len(x) < len(y) else (y, x)
    return len(short) >= 3 and long.startswith(short)


# -- surnames -------------------------------------------------------------------------------


def _genitive_base(word: str) -> str | None:
    """'griffiths' -> 'griffith', 'roberts' -> 'robert', 'hughes' -> 'hugh' when known.

    Only a final s is taken off ('Jones' is not 'John'), and Hughes, where it is 'es'.
    """
    if word == "hughes":
        return "hugh"
    if word.endswith("s") and len(word) > 3 and word[:-1] in _NAME_GROUPS:
        return word[:-1]
    return None


@functools.lru_cache(maxsize=65536)
def patronymic_of(text: str) -> str:
    """The given-name key of a patronymic surname, or '' if it is not one.

    'ap Rhys', 'Price', 'Prys' and 'Preece' -> 'rhys'; 'ab Owain' and 'Bowen' -> 'owen';
    'ferch Dafydd' -> 'david'.
    """
    folded = fold_name(text)
    words = folded.split()
    if len(words) >= 2 and words[0] in _PATRONYMIC_WORDS:
        given = radical_name("".join(words[1:]))  # "ferch Ddafydd": the name mutates after it
        return first_name_key(given)
    fused = _FUSED_PATRONYMICS.get(compact_name(text))
    if fused is not None:
        return first_name_key(fused)
    # "Ap Rhys" typed as one word: "aprhys", "abowain".
    compact = compact_name(text)
    for prefix in ("ap", "ab"):
        rest = compact[len(prefix) :]
        if compact.startswith(prefix) and len(rest) >= 3 and rest in _NAME_GROUPS:
            return first_name_key(rest)
    return ""


@functools.lru_cache(maxsize=65536)
def surname_key(text: str) -> str:
    """A key under which spellings of one surname meet.

    Patronymics share a key whatever their form ('ap Rhys', 'Price', 'Prys' -> 'ap rhys');
    surnames that are given names take the given name's key ('Llewellyn', 'Llywelyn' ->
    'llywelyn'; 'Griffiths', 'Gruffydd' -> 'griffith'); anything else is its compact folded
    spelling ('Glyndŵr' -> 'glyndwr').
    """
    patronymic = patronymic_of(text)
    if patronymic:
        return "ap " + patronymic
    compact = compact_name(text)
    if not compact:
        return ""
    if compact in _NAME_GROUPS:
        return first_name_key(compact)
    base = _genitive_base(compact)
    if base is not None:
        return first_name_key(base)
    return compact


# Classes of sounds, as in Soundex, with the Welsh digraphs and f/v as Welsh reads them.
_SOUND_DIGRAPHS = (("ph", "f"), ("ff", "f"), ("dd", "0"), ("th", "0"), ("ll", "l"),
                   ("rh", "r"), ("ch", "k"), ("ck", "k"), ("gh", "g"), ("sh", "s"))  # fmt: skip
_SOUND_CLASS = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt0", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


@functools.lru_cache(maxsize=65536)
def sound_key(text: str) -> str:
    """A phonetic key for surnames: Jones/Johns/Joens, Meredith/Meredydd, Vaughan/Fychan.

    The first letter (th read as t, v as f) and then the classes of the consonants, vowels and
    w, y, h dropped, repeats merged, and a final genitive s ignored.
    """
    word = compact_name(text)
    if word.endswith("s") and len(word) > 3:
        word = word[:-1]
    if not word:
        return ""
    for digraph, sound in _SOUND_DIGRAPHS:
        word = word.replace(digraph, sound)
    head = {"0": "t", "v": "f", "k": "c", "q": "c"}.get(word[0], word[0])
    out = [head]
    last = _SOUND_CLASS.get(word[0], "")
    for ch in word[1:]:
        code = _SOUND_CLASS.get(ch, "")
        if code and code != last:
            out.append(code)
        if ch not in "hw":  # as in Soundex, h and w do not separate two equal sounds
            last = code
    return "".join(out)


def name_keys(first_name: str, last_name: str) -> tuple[frozenset[str], str, str]:
    """(given-name keys, surname key, surname sound key) for a person's names."""
    return first_name_keys(first_name), surname_key(last_name), sound_key(last_name)
