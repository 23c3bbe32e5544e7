"""Word lists for realistic Welsh sample data (names, towns, real postcode districts)."""

from __future__ import annotations

WELSH_FIRST = [
    "Dafydd", "Siân", "Rhys", "Gwenllian", "Ieuan", "Llinos", "Angharad", "Cerys", "Gethin",
    "Gwion", "Elin", "Nia", "Owain", "Aled", "Bethan", "Catrin", "Dylan", "Emyr", "Ffion",
    "Glesni", "Huw", "Iolo", "Lowri", "Mali", "Myfanwy", "Non", "Rhodri", "Seren", "Tomos",
    "Wyn", "Llŷr", "Siôn", "Gwilym", "Heledd", "Manon", "Rhiannon", "Gareth", "Eleri", "Osian",
    "Carys", "Geraint", "Mererid", "Sioned", "Llywelyn", "Meinir", "Tudur", "Eurig", "Dwynwen",
]  # fmt: skip
ENGLISH_FIRST = [
    "David", "Sarah", "John", "Margaret", "William", "Elizabeth", "Robert", "Susan", "Thomas",
    "Jennifer", "Richard", "Catherine", "Michael", "Helen", "Christopher", "Emma", "Stephen",
    "Rachel", "Anthony", "Claire", "Matthew", "Joanne", "Mark", "Karen", "Paul", "Lisa",
    "James", "Amanda", "Peter", "Julie", "Andrew", "Nicola", "Evan", "Jane", "Hugh", "Owen",
    "Aisha", "Mohammed", "Agnieszka", "Tomasz", "Priya", "Wei",
]  # fmt: skip
SURNAMES = [
    "Jones", "Davies", "Williams", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan",
    "Griffiths", "Price", "Rees", "Owen", "Jenkins", "Powell", "Edwards", "Pritchard", "Parry",
    "Lloyd", "Morris", "Howells", "Bowen", "Vaughan", "Llewellyn", "ap Dafydd", "ab Owain",
    "Glyndŵr", "Prosser", "Probert", "Bevan", "Pugh", "Meredith", "Gwynne", "Harries",
    "Smith", "Taylor", "Brown", "Walker", "Wright", "Green", "Hall", "Wood", "Clarke",
    "Patel", "Khan", "Kowalski", "Nowak", "Ahmed", "Chen", "Rowlands", "Humphreys", "Gruffydd",
    "Cadwaladr", "Tudor", "Bennett", "Mathias", "Phillips", "James", "John", "Watkins",
]  # fmt: skip
# Weighted so common Welsh surnames are as common as they are (namesakes are the norm).
SURNAME_WEIGHTS = [12, 10, 10, 8, 6, 5, 5, 5, 4] + [2] * (len(SURNAMES) - 9)

NICKNAMES: dict[str, list[str]] = {
    "Dafydd": ["Dai", "Dave", "David"], "David": ["Dave", "Dai", "Dafydd"],
    "William": ["Bill", "Will", "Gwilym"], "Gwilym": ["William", "Wil"],
    "Elizabeth": ["Liz", "Beth"], "Margaret": ["Maggie", "Mags"], "Robert": ["Rob", "Bob"],
    "Siân": ["Sian", "Jane"], "John": ["Siôn", "Jack"], "Siôn": ["John", "Sion"],
    "Evan": ["Ieuan"], "Ieuan": ["Evan"], "Rhys": ["Rees", "Reece"],
    "Catherine": ["Cath", "Catrin"], "Catrin": ["Cat", "Catherine"], "Thomas": ["Tom", "Twm"],
    "Tomos": ["Tom", "Twm"], "Jennifer": ["Jen", "Jenny"], "Gwenllian": ["Gwen"],
    "Llywelyn": ["Llew", "Llewellyn"], "Gareth": ["Gaz"], "Richard": ["Rich", "Dick"],
    "Anthony": ["Tony"], "Susan": ["Sue"], "Christopher": ["Chris"], "Michael": ["Mike"],
    "Stephen": ["Steve"], "Matthew": ["Matt"], "Owain": ["Owen"], "Huw": ["Hugh"],
    "Bethan": ["Beth"], "Rhiannon": ["Rhi"], "Jane": ["Siân"], "Hugh": ["Huw"],
    "Owen": ["Owain"], "Sarah": ["Sara"], "Andrew": ["Andy"], "Peter": ["Pete"],
}  # fmt: skip

# UK mobile numbers start 074-075 and 077-079. These blocks are left out: 07700 is Ofcom's
# range for drama, parts of 07911 are unallocated, and the rest belong to the Isle of Man and
# the Channel Islands, so a real Welsh volunteer would not have them.
_MOBILE_AVOID = {"07457", "07509", "07524", "07700", "07781", "07797", "07829", "07839", "07911",
                 "07937"}  # fmt: skip
MOBILE_PREFIXES = [
    f"{block}{n:02d}"
    for block in ("074", "075", "077", "078", "079")
    for n in range(100)
    if f"{block}{n:02d}" not in _MOBILE_AVOID
]

# (district, town in English, town in Welsh, landline area code)
DISTRICTS = [
    ("SA61", "Haverfordwest", "Hwlffordd", "01437"),
    ("SA62", "Haverfordwest", "Hwlffordd", "01437"),
    ("SA31", "Carmarthen", "Caerfyrddin", "01267"), ("SA70", "Tenby", "Dinbych-y-pysgod", "01834"),
    ("SA1", "Swansea", "Abertawe", "01792"), ("SA2", "Swansea", "Abertawe", "01792"),
    ("SA43", "Cardigan", "Aberteifi", "01239"),
    ("SA48", "Lampeter", "Llanbedr Pont Steffan", "01570"),
    ("CF10", "Cardiff", "Caerdydd", "029"), ("CF14", "Cardiff", "Caerdydd", "029"),
    ("CF37", "Pontypridd", "Pontypridd", "01443"), ("CF83", "Caerphilly", "Caerffili", "029"),
    ("NP20", "Newport", "Casnewydd", "01633"), ("NP7", "Abergavenny", "Y Fenni", "01873"),
    ("NP44", "Cwmbran", "Cwmbrân", "01633"), ("LD1", "Llandrindod Wells", "Llandrindod", "01597"),
    ("LD3", "Brecon", "Aberhonddu", "01874"), ("SY16", "Newtown", "Y Drenewydd", "01686"),
    ("SY23", "Aberystwyth", "Aberystwyth", "01970"),
    ("SY20", "Machynlleth", "Machynlleth", "01654"),
    ("LL55", "Caernarfon", "Caernarfon", "01286"), ("LL57", "Bangor", "Bangor", "01248"),
    ("LL11", "Wrexham", "Wrecsam", "01978"), ("LL18", "Rhyl", "Y Rhyl", "01745"),
    ("LL77", "Llangefni", "Llangefni", "01248"), ("LL53", "Pwllheli", "Pwllheli", "01758"),
]  # fmt: skip

# Named communities over the demo's postcode districts: (code, English, Welsh, postcode
# sectors or districts). Real places with their own Welsh names; each holds the sectors of
# its town (a sector's edges never quite follow a community's, as in real life).
COMMUNITIES = [
    ("HWLFFORDD", "Haverfordwest", "Hwlffordd", ("SA61 1", "SA61 2")),
    ("TYDDEWI", "St Davids", "Tyddewi", ("SA62 6",)),
    ("CAERFYRDDIN", "Carmarthen", "Caerfyrddin", ("SA31 1", "SA31 2", "SA31 3")),
    ("DINBYCH-Y-PYSGOD", "Tenby", "Dinbych-y-pysgod", ("SA70 7", "SA70 8")),
    ("ABERTEIFI", "Cardigan", "Aberteifi", ("SA43 1",)),
    ("LLANBEDR-PS", "Lampeter", "Llanbedr Pont Steffan", ("SA48 7",)),
    ("ABERYSTWYTH", "Aberystwyth", "Aberystwyth", ("SY23 1", "SY23 2")),
    ("CAERNARFON", "Caernarfon", "Caernarfon", ("LL55 1", "LL55 2")),
    ("PEN-LLYN", "Llŷn Peninsula", "Pen Llŷn", ("LL53 6", "LL53 7", "LL53 8")),
    ("CWMBRAN", "Cwmbran", "Cwmbrân", ("NP44",)),
    ("Y-FENNI", "Abergavenny", "Y Fenni", ("NP7 5", "NP7 6")),
    ("CAERFFILI", "Caerphilly", "Caerffili", ("CF83 1", "CF83 2", "CF83 3")),
]  # fmt: skip

STREETS = [
    "Heol y Dŵr", "Stryd Fawr", "High Street", "Ffordd y Capel", "Church Road", "Maes y Llan",
    "Bryn Teg", "Heol Tŷ Newydd", "Station Road", "Lôn Glan Môr", "Victoria Street", "Rhodfa'r Môr",
    "Ffordd yr Orsaf", "Park Avenue", "Clos y Gwŷdd", "Heol Llŷn", "Mill Lane", "Trem y Môr",
]  # fmt: skip

GROUP_PATTERNS = [
    ("{town} Mutual Aid", "Cymorth Cydfuddiannol {town_cy}", "mutual_aid"),
    ("Friends of {town}", "Cyfeillion {town_cy}", "community_group"),
    ("{town} Food Bank", "Banc Bwyd {town_cy}", "social_enterprise"),
    ("{town} Chapel Helpers", "Cynorthwywyr Capel {town_cy}", "faith_group"),
    ("{town} Community Council", "Cyngor Cymuned {town_cy}", "community_council"),
    ("{town} Good Neighbours", "Cymdogion Da {town_cy}", "community_group"),
    ("{town} Men's Shed", "Sied Dynion {town_cy}", "community_group"),
    ("{town} Befriending Circle", "Cylch Cyfeillio {town_cy}", "community_group"),
]  # fmt: skip

ACTIVITY_TITLES = {
    "food_parcels": ("Food parcel run", "Dosbarthu parseli bwyd"),
    "shopping": ("Shopping round", "Rownd siopa"),
    "prescriptions": ("Prescription collection", "Casglu presgripsiynau"),
    "hot_meals": ("Lunch club", "Clwb cinio"),
    "befriending_phone": ("Phone befriending calls", "Galwadau cyfeillio"),
    "befriending_in_person": ("Befriending visits", "Ymweliadau cyfeillio"),
    "transport": ("Community car scheme", "Cynllun ceir cymunedol"),
    "dog_walking": ("Dog walking", "Mynd â chŵn am dro"),
    "digital_help": ("Digital drop-in", "Sesiwn galw heibio digidol"),
    "advice": ("Advice surgery", "Sesiwn gyngor"),
}
