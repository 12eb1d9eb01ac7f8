"""Synthetic two-system crime records for ``foidesk synth`` and ``foidesk demo``.

This module sits before the whole flow: it writes the extracts a force would hand over
(``legacy.csv`` up to the May 2018 migration, ``athena.csv`` after it, with some migrated
records in both), the request file for FOI2019/02832 pointing at them, and ``labels.csv``, the
true platforms of every crime that mentions one (for the demo and benchmarks only; the flow
never reads it).

Everything is deterministic for a seed: numpy draws every choice in arrays (dates, offences,
outcomes, which templates and slot values make up each note), pyarrow assembles the strings,
and a small CSV writer with minimal quoting writes the bytes. Notes are built from templated
crime-note sentences; platform mentions use every form of DESIGN.md section 3 "What counts as
a mention", and look-alike traps ("cold snap", "IG checks", "Seattle WA") are added
unlabelled. No mention form and no trap ever share a note field.

The shape can be set: the share of drug offences and the mean bytes of free text per record
(longer notes hold more of the same sentences per field; see "Note length" below). The
defaults write the same bytes as before these options existed.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from foidesk.errors import FoideskError

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

LEGACY_START = date(2014, 1, 1)
LEGACY_END = date(2018, 5, 22)
ATHENA_START = date(2018, 5, 23)
ATHENA_END = date(2019, 12, 31)
MIGRATION_FROM = date(2017, 6, 1)  # migrated records are legacy records from here on
TIKTOK_FROM = date(2018, 8, 2)  # musical.ly became TikTok: no earlier TikTok mentions

LEGACY_COLUMNS = (
    "crime_ref",
    "recorded_date",
    "offence",
    "ho_code",
    "outcome",
    "ho_outcome",
    "status",
    "system",
    "text_mo",
    "text_summary",
)
ATHENA_COLUMNS = (*LEGACY_COLUMNS, "text_log")
PLATFORMS = ("Facebook", "Instagram", "Snapchat", "TikTok", "Twitter", "WhatsApp")

REQUEST_NAME = "foi2019-02832.toml"
REQUEST_TOML = """\
reference = "FOI2019/02832"
received = 2019-04-26
request = "The number of police cases related to drug offences where a social media platform \
is mentioned in the report for each year from 2015 to present. Please break this down by year, \
the type of offence, the social media platform or website (i.e Facebook, Instagram, Snapchat, \
TikTok...etc), whether a conviction was reached, and any additional details about the case you \
can include."
clarification = "By social media I mean: Facebook, Twitter, WhatsApp, Instagram, TikTok, or \
SnapChat."

[population]
from = 2015-01-01
to = 2019-04-30
offences = ["drugs"]

[search]
lexicon = "social-media"
terms = ["Facebook", "Twitter", "WhatsApp", "Instagram", "TikTok", "Snapchat"]

[table]
rows = ["outcome", "offence", "platform"]
columns = "year"
offence_label = "force"

[[source]]
path = "legacy.csv"
system = "Legacy"

[[source]]
path = "athena.csv"
system = "Athena"
data_quality_from = 2018-05-23

[force]
name = "Anyshire Constabulary"
unit = "Information Rights"
address = "Police Headquarters, 1 Example Road, Anytown, AN1 1AA"
email = "foi@anyshire.police.example"
signatory = "A. N. Officer"
"""

CHUNK_ROWS = 50_000  # rows of notes built and written at a time (bounded memory)
DRUG_SHARE = 0.30
TWO_PLATFORMS = 0.15  # share of mentioning crimes that name two platforms
LIST_FORM = 0.25  # share of those where the platforms come in one list ("via FB, Snap and WA")
TRAP_RATE = 0.03
MIGRATED_SHARE = 0.02
MIGRATED_MENTION_BOOST = 5.0  # so that even a small demo has migrated crimes with mentions


@dataclass(frozen=True)
class SynthResult:
    """What ``make_synthetic`` wrote: the four files and the row counts."""

    legacy_path: Path
    athena_path: Path
    labels_path: Path
    request_path: Path
    legacy_rows: int
    athena_rows: int
    migrated: int
    labelled: int


# --------------------------------------------------------------------------------------------
# Catalogue: offences, outcomes, word pools, sentence templates, mention forms, traps.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Offence:
    code: str
    family: str
    weight: float  # share within its Home Office code (drugs) or among non-drug offences
    legacy: str
    athena: str
    drugs: tuple[str, ...] = ()
    amounts: tuple[str, ...] = ()


_HERBAL = ("a small bag", "two small bags", "a grinder and a small quantity", "a quantity",
           "a joint and a small bag", "about 5g", "a large bag")  # fmt: skip
_POWDER = ("3 wraps", "a wrap", "two wraps", "a small bag", "12 wraps", "a quantity", "6 deals")
_ROCKS = ("4 rocks", "several rocks", "a wrap", "10 rocks", "a quantity")
_TABLETS = ("6 tablets", "a strip of tablets", "a bag of tablets", "20 tablets")

_SB = "(B) STATE BASED: "
_POSS = _SB + "MISUSE OF DRUGS HAVING POSSESSION OF A CONTROLLED DRUG - "
_SUPPLY = _SB + "SUPPLYING OR OFFERING TO SUPPLY A CONTROLLED DRUG - "
_PWITS = _SB + "POSSESSION WITH INTENT TO SUPPLY A CONTROLLED DRUG - "
_CANN = ("cannabis", "cannabis", "herbal cannabis", "skunk")

_DRUG_CODE_SHARE = {"92A": 0.17, "92C": 0.08, "92D": 0.20, "92E": 0.55}
_DRUG_OFFENCES = (
    _Offence("92E", "possession", 0.80,
             _SB + "DRUGS - CLASS B CANNABIS - POSSESSION OF A CONTROLLED DRUG",
             "Possession of a controlled drug - Class B - Cannabis", _CANN, _HERBAL),
    _Offence("92E", "possession", 0.12,
             _SB + "DRUGS - CLASS B CANNABIS RESIN - POSSESSION OF A CONTROLLED DRUG",
             "Possession of a controlled drug - Class B - Cannabis resin",
             ("cannabis resin",), ("a small block", "a quantity", "a small bag")),
    _Offence("92E", "possession", 0.08, _POSS + "CLASS B CANNABIS",
             "Possess controlled drug - Class B - Cannabis", _CANN, _HERBAL),
    _Offence("92D", "possession", 0.35, _POSS + "CLASS A COCAINE",
             "Possess controlled drug - Class A - Cocaine", ("cocaine",), _POWDER),
    _Offence("92D", "possession", 0.10, _POSS + "CLASS A CRACK COCAINE",
             "Possess controlled drug - Class A - Crack cocaine", ("crack cocaine",), _ROCKS),
    _Offence("92D", "possession", 0.12, _POSS + "CLASS A HEROIN",
             "Possess controlled drug - Class A - Heroin", ("heroin",), _POWDER),
    _Offence("92D", "possession", 0.12, _POSS + "CLASS A MDMA (ECSTASY)",
             "Possess controlled drug - Class A - MDMA", ("MDMA", "ecstasy"), _TABLETS),
    _Offence("92D", "possession", 0.08, _POSS + "CLASS B AMPHETAMINE",
             "Possess controlled drug - Class B - Amphetamine", ("amphetamine", "speed"),
             _POWDER),
    _Offence("92D", "possession", 0.08, _POSS + "CLASS B KETAMINE",
             "Possess controlled drug - Class B - Ketamine", ("ketamine",), _POWDER),
    _Offence("92D", "possession", 0.08, _POSS + "CLASS C BENZODIAZEPINES",
             "Possess controlled drug - Class C - Benzodiazepines", ("diazepam",), _TABLETS),
    _Offence("92D", "possession", 0.07, _POSS + "CLASS B SYNTHETIC CANNABINOID (SPICE)",
             "Possess controlled drug - Class B - Synthetic cannabinoid", ("spice",),
             ("a small bag", "a quantity", "two small bags")),
    _Offence("92A", "supply", 0.20, _SUPPLY + "CLASS A HEROIN",
             "Supply or offer to supply a controlled drug - Class A - Heroin", ("heroin",),
             _POWDER),
    _Offence("92A", "supply", 0.15, _SUPPLY + "CLASS A CRACK COCAINE",
             "Supply or offer to supply a controlled drug - Class A - Crack cocaine",
             ("crack cocaine",), _ROCKS),
    _Offence("92A", "supply", 0.15, _SUPPLY + "CLASS A COCAINE",
             "Supply or offer to supply a controlled drug - Class A - Cocaine", ("cocaine",),
             _POWDER),
    _Offence("92A", "supply", 0.25, _PWITS + "CLASS B CANNABIS",
             "Possess with intent to supply a controlled drug - Class B - Cannabis", _CANN,
             _HERBAL),
    _Offence("92A", "supply", 0.10, _PWITS + "CLASS A COCAINE",
             "Possess with intent to supply a controlled drug - Class A - Cocaine",
             ("cocaine",), _POWDER),
    _Offence("92A", "supply", 0.05,
             _SB + "BEING CONCERNED IN THE SUPPLY OF A CONTROLLED DRUG - CLASS A MDMA (ECSTASY)",
             "Be concerned in the supply of a controlled drug - Class A - MDMA",
             ("MDMA", "ecstasy"), _TABLETS),
    _Offence("92A", "supply", 0.10, _SB + "PRODUCTION OF A CONTROLLED DRUG - CLASS B CANNABIS",
             "Produce a controlled drug - Class B - Cannabis", _CANN, _HERBAL),
    _Offence("92C", "cultivation", 0.45, _SB + "CULTIVATE CANNABIS PLANT",
             "Cultivate cannabis plant", ("cannabis",), _HERBAL),
    _Offence("92C", "premises", 0.25,
             _SB + "OCCUPIER / MANAGER PERMITTING PREMISES TO BE USED FOR SMOKING CANNABIS",
             "Permit premises to be used for smoking cannabis", ("cannabis",), _HERBAL),
    _Offence("92C", "premises", 0.15,
             _SB + "OCCUPIER / MANAGER PERMITTING PREMISES TO BE USED FOR SUPPLY OF A "
             "CONTROLLED DRUG - CLASS A",
             "Permit premises to be used for supply of a controlled drug - Class A",
             ("crack cocaine", "heroin"), _ROCKS),
    _Offence("92C", "obstruct", 0.15, _SB + "OBSTRUCT / RESIST SEARCH FOR DRUGS",
             "Obstruct search under the Misuse of Drugs Act 1971", ("cannabis", "cocaine"),
             _POWDER),
)  # fmt: skip

_VB = "(A) VICTIM BASED: "
_OTHER_OFFENCES = (
    _Offence("8N", "assault", 0.14, _VB + "ASSAULT OCCASIONING ACTUAL BODILY HARM",
             "Assault occasioning actual bodily harm"),
    _Offence("105A", "assault", 0.16, _VB + "COMMON ASSAULT", "Common assault and battery"),
    _Offence("49", "theft", 0.14, _VB + "THEFT - OTHER", "Theft - other"),
    _Offence("46", "shoplifting", 0.12, _VB + "SHOPLIFTING", "Theft from a shop or stall"),
    _Offence("45", "vehicle", 0.07, _VB + "THEFT FROM A MOTOR VEHICLE",
             "Theft from a motor vehicle"),
    _Offence("28E", "burglary", 0.08, _VB + "BURGLARY - RESIDENTIAL - DWELLING",
             "Burglary - residential - home"),
    _Offence("58A", "damage", 0.06, _VB + "CRIMINAL DAMAGE TO A DWELLING",
             "Criminal damage to a dwelling"),
    _Offence("58C", "damage", 0.07, _VB + "CRIMINAL DAMAGE TO A VEHICLE",
             "Criminal damage to a vehicle"),
    _Offence("53", "fraud", 0.04, _VB + "FRAUD BY FALSE REPRESENTATION",
             "Fraud by false representation"),
    _Offence("8L", "harassment", 0.06, _VB + "HARASSMENT", "Harassment without violence"),
    _Offence("8R", "harassment", 0.05, _VB + "MALICIOUS COMMUNICATIONS",
             "Malicious communications"),
    _Offence("8Q", "harassment", 0.01, _VB + "STALKING", "Stalking"),
)  # fmt: skip
_OFFENCES = _DRUG_OFFENCES + _OTHER_OFFENCES

_FAMILIES = ("possession", "supply", "cultivation", "premises", "obstruct", "assault", "theft",
             "shoplifting", "vehicle", "burglary", "damage", "fraud", "harassment")  # fmt: skip
_DRUG_FAMILIES = frozenset(("possession", "supply", "cultivation", "premises", "obstruct"))
# Chance that a crime's notes mention one of the six platforms (about 4% of drug offences and
# 1% of the rest, overall).
_MENTION_RATE = {"possession": 0.036, "supply": 0.065, "cultivation": 0.02, "premises": 0.04,
                 "obstruct": 0.01, "assault": 0.002, "theft": 0.005, "shoplifting": 0.004,
                 "vehicle": 0.005, "burglary": 0.002, "damage": 0.002, "fraud": 0.03,
                 "harassment": 0.05}  # fmt: skip

# Force outcome labels and their Home Office outcome type; "" = still under investigation.
_OUTCOMES = (
    ("CHARGED", "1"),
    ("CAUTION", "3"),
    ("YOUTH CAUTION", "2"),
    ("COMMUNITY RESOLUTION", "8"),
    ("CANNABIS WARNING", "7"),
    ("PENALTY NOTICE FOR DISORDER", "6"),
    ("NO FURTHER ACTION", "16"),
    ("EVIDENTIAL DIFFICULTIES", "15"),
    ("UNDETECTED", "18"),
    ("UNDER INVESTIGATION", ""),
    ("", ""),
)
_OPEN_OUTCOMES = (9, 10)  # UNDER INVESTIGATION, blank
# Weights of the closed outcomes (first nine above) by Home Office code.
_OUTCOME_WEIGHTS = {
    "92E": (5, 8, 4, 25, 35, 8, 10, 4, 1),
    "92D": (30, 20, 4, 12, 0, 6, 18, 8, 2),
    "92A": (60, 3, 2, 2, 0, 0, 13, 15, 5),
    "92C": (40, 15, 2, 8, 0, 0, 20, 10, 5),
    "other": (12, 4, 2, 6, 0, 1, 10, 25, 40),
}

_PLATFORM_WEIGHTS = (0.20, 0.16, 0.28, 0.06, 0.06, 0.24)  # in PLATFORMS order


def _officers() -> tuple[str, ...]:
    gen = np.random.default_rng(4512)
    ranks = gen.choice(["PC", "PC", "PC", "PC", "PC", "DC", "DC", "SC", "PS"], 300)
    numbers = gen.integers(100, 9999, 300)
    pool = [f"{r} {n}" for r, n in zip(ranks.tolist(), numbers.tolist(), strict=True)]
    return ("PC 1234", "DC 5678", "SC 4512", *pool)


# Letters that could read as a platform inside a random code: such codes are not used.
_LOOKALIKE = re.compile(r"snap|insta|tweet|twit|face|book|gram|tik|tok|fb|ig|wa|tt|what", re.I)


def _codes(length: int, count: int, seed: int) -> tuple[str, ...]:
    gen = np.random.default_rng(seed)
    alphabet = np.array(list(string.ascii_letters + string.digits))
    picks = alphabet[gen.integers(0, len(alphabet), (count * 2, length))]
    codes = ("".join(row) for row in picks.tolist())
    return tuple(c for c in codes if not _LOOKALIKE.search(c))[:count]


_NICKS = ("kezza", "deano", "jaybee", "tyla", "lilmase", "bigc", "smokey", "shaz", "kdog",
          "reecey", "jojo", "b_man", "ghost", "redz", "mizz_j", "lewi", "tru", "dubz", "chels",
          "marley")  # fmt: skip
_HANDLE_ENDS = ("", "99", "07", "_01", "x", "23", "_uk", "210", ".official", "_2k")

_POOLS: dict[str, tuple[str, ...]] = {
    "first": ("Jordan", "Kayleigh", "Dean", "Chantelle", "Tyler", "Jade", "Kieran", "Leanne",
              "Callum", "Shannon", "Reece", "Demi", "Liam", "Chloé", "Aaron", "Stacey",
              "Connor", "Zoë", "Bradley", "Jodie", "Ryan", "Siobhán", "Jamal", "Priya",
              "Lewis", "Aisha", "Declan", "Renée", "Mason", "Nadia", "José", "Ellie", "Kyle",
              "Amber", "Tomasz", "Holly", "Rhys", "Gemma", "Ashley", "Marcus"),
    "surname": ("Harlow", "Pickering", "Adebayo", "Kowalski", "Thornbury", "Mendes", "Okafor",
                "Hartley", "Brennan", "Fairweather", "Sidhu", "Whitlock", "Dunmore", "Castell",
                "Rourke", "Ashworth", "Galloway", "Pemberton", "Oduya", "Fenwick", "Marsh",
                "Lindqvist", "Carrow", "Beckett", "Holloway", "Quayle", "Stannard", "Yardley",
                "Norcott", "Vance", "O'Dowd", "Ní Bhriain"),
    "street": ("Bedford Road", "Station Road", "Mill Lane", "Church Street", "High Street",
               "Orchard Way", "Queens Avenue", "Victoria Road", "Willow Close", "Kingsway",
               "Marsh Lane", "Canal Street", "Elm Grove", "Park Road", "The Crescent",
               "Baker's Row", "Foundry Lane", "Abbey Walk", "Granary Court", "Linden Drive"),
    "place": ("the bus station", "the retail park", "the skate park", "the train station",
              "the leisure centre", "the convenience store", "the recreation ground",
              "the underpass", "the library", "the taxi rank", "the car park behind the precinct"),
    "venue": ("the Crown public house", "the Roxy nightclub", "the King's Arms",
              "the Plough Inn", "the Vault bar", "the Red Lion"),
    "vehicle": ("silver Ford Focus", "black Audi A3", "white Ford Transit van",
                "blue Vauxhall Corsa", "grey BMW 1 Series", "red Peugeot 207",
                "black Mercedes C-Class", "white Nissan Qashqai", "green Toyota Yaris",
                "silver VW Golf", "black Range Rover Evoque", "blue Seat Leon"),
    "pocket": ("his jacket pocket", "her handbag", "the glovebox", "his sock",
               "the centre console", "his waistband", "a bum bag", "her coat pocket"),
    "time": tuple(f"{h:02d}:{m:02d}" for h in range(24) for m in range(0, 60, 5)),
    "officer": _officers(),
    "age": tuple(str(a) for a in range(14, 63)),
    "youngage": ("14", "15", "16", "17"),
    "number": tuple(str(n) for n in range(1, 161)),
    "plants": tuple(str(n) for n in (3, 4, 6, 8, 12, 15, 20, 24, 36, 48, 60, 85, 120, 240)),
    "cash": ("£340", "£1,250", "£2,870", "£95", "£560", "£4,100", "£780", "£12,500", "£215"),
    "money": ("£250", "£1,200", "£3,450", "£85", "£640", "£9,800", "£120", "£2,000"),
    "phones": ("two mobile phones", "three mobile phones", "a burner phone and an iPhone",
               "two basic handsets", "a cheap Nokia handset"),
    "item": ("a laptop", "jewellery", "a pedal cycle", "a wallet", "a mobile phone",
             "power tools", "a handbag", "a games console", "cash", "a television",
             "a designer watch"),
    "shopitem": ("meat products", "bottles of spirits", "razor blades", "baby formula",
                 "perfume", "jars of coffee", "chocolate", "clothing"),
    "injury": ("a cut to the lip", "bruising to the arm", "a swollen eye", "a broken nose",
               "a cut above the eye", "a sprained wrist"),
    "court": ("Anytown Magistrates' Court", "Anytown Crown Court", "Northbury Magistrates' Court"),
    "team": ("CID", "the Proactive Team", "the Neighbourhood Team", "the Investigation Hub",
             "the Drugs Team", "the Response Team"),
    "propref": tuple(f"P{n:06d}" for n in range(4100, 4400, 7)),
    "handle": tuple(n + e for n in _NICKS for e in _HANDLE_ENDS),
    "digits": tuple(str(n) for n in range(100004512330871, 100004512330871 + 97 * 60, 97)),
    "d3": tuple(f"{n:03d}" for n in range(0, 1000, 7)),
    "code22": _codes(22, 60, 22),
    "code9": tuple("ZM" + c for c in _codes(7, 60, 9)),
}  # fmt: skip
_KEYED_POOLS = ("drug", "amount")  # pools that depend on the crime's offence

# Sentences of the notes, by offence family and field ("mo", "summary", "log"). No sentence
# starts or ends with a short-form signal word (on, via, his, her, my, account, page, ...), so
# traps and mentions never pick one up from a neighbouring sentence.
_SENTENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "possession": {
        "mo": (
            "Suspect stopped on {street} at {time} and found in possession of {amount} of "
            "suspected {drug}.",
            "Officers on patrol noticed a strong smell of cannabis coming from a {vehicle} "
            "parked on {street}.",
            "Section 23 search conducted; {amount} of suspected {drug} found in {pocket}.",
            "Suspect seen acting suspiciously near {place} and detained for a search at {time}.",
            "Officers attended following a report from a neighbour; strong smell of cannabis.",
            "During a search of the address under warrant {amount} of suspected {drug} was "
            "found in the bedroom.",
            "Vehicle stopped on {street}, driver {first} {surname} ({age}) searched under S23 MDA.",
            "Suspect discarded {amount} of suspected {drug} when approached by officers.",
            "Door staff at {venue} detained the suspect after seeing {amount} of suspected "
            "{drug} being passed around.",
            "Suspect found in the toilets at {venue} with {amount} of suspected {drug}.",
        ),
        "summary": (
            "Suspect admitted the {drug} was for personal use.",
            "Drugs field tested positive for {drug} and seized under property ref {propref}.",
            "Suspect interviewed under caution and made full admissions.",
            "No comment interview; drugs sent for analysis.",
            "Suspect is a youth; appropriate adult present for interview.",
            "Suspect has no previous convictions for drugs offences.",
            "Lab results confirm the substance as {drug}.",
            "Suspect {first} {surname} ({age}) dealt with at the roadside.",
        ),
        "log": (
            "{officer} - drugs booked into the property store under ref {propref}.",
            "{officer} - lab submission made for the seized {drug}.",
        ),
    },
    "supply": {
        "mo": (
            "Intelligence received that {first} {surname} is dealing {drug} from an address on "
            "{street}.",
            "Suspect seen conducting what appeared to be a drug deal with the occupant of a "
            "{vehicle} on {street} at {time}.",
            "Warrant executed at {number} {street}; {amount} of suspected {drug}, scales and "
            "{cash} in cash recovered.",
            "Suspect found with {phones}, {cash} in cash and a quantity of suspected {drug}.",
            "Vehicle stopped on {street}; driver {first} {surname} found with a large quantity "
            "of suspected {drug} and {cash}.",
            "Test purchase officer bought {amount} of {drug} from the suspect near {place}.",
            "Deal line identified, with bulk text messages advertising {drug} sent to local users.",
            "Suspect ran from officers near {place} and threw away a bag containing {amount} of "
            "suspected {drug}.",
        ),
        "summary": (
            "Phones seized and submitted for download.",
            "Suspect charged and remanded to appear at {court}.",
            "Cash seized under POCA pending a forfeiture hearing.",
            "Phone download shows text messages consistent with drug supply.",
            "Suspect released under investigation pending lab results.",
            "File submitted to CPS for a charging decision.",
            "Safeguarding referral made as the suspect is {youngage} and believed to be exploited.",
            "Suspect denies supplying and claims the {drug} was for personal use.",
        ),
        "log": (
            "{officer} - phone download requested from the digital forensics unit.",
            "{officer} - CPS advice file submitted.",
            "{officer} - intelligence report submitted on {first} {surname}.",
        ),
    },
    "cultivation": {
        "mo": (
            "Officers attended {number} {street} after a report of a strong smell of cannabis "
            "and found {plants} cannabis plants in a loft grow.",
            "Electricity supply found to be bypassed at the address to power a cannabis grow.",
            "Grow tent containing {plants} plants found in the spare bedroom at {number} {street}.",
            "Landlord reported a suspected cannabis factory at {number} {street}.",
        ),
        "summary": (
            "Plants counted, photographed and destroyed; samples retained.",
            "Occupier {first} {surname} interviewed and denied knowledge of the grow.",
            "Electricity board informed of the bypass.",
            "Suspect states the plants were for his own use for back pain.",
        ),
        "log": ("{officer} - plant count confirmed as {plants}.",),
    },
    "premises": {
        "mo": (
            "Occupier {first} {surname} allowed the flat at {number} {street} to be used by "
            "others to take {drug}.",
            "Neighbours report a steady stream of visitors to {number} {street} at all hours.",
            "Warrant executed at {number} {street}; several people found using {drug} in the "
            "lounge.",
        ),
        "summary": (
            "Closure order considered for the premises.",
            "Occupier interviewed and states she was afraid to refuse the visitors.",
            "Housing provider informed and joint visit arranged.",
        ),
        "log": ("{officer} - partnership meeting held about the address.",),
    },
    "obstruct": {
        "mo": (
            "Suspect refused to be searched and pushed officers away during an S23 search on "
            "{street}.",
            "Suspect tried to swallow a package when detained for a drugs search near {place}.",
            "Suspect ran from officers when told he was being detained for a search.",
        ),
        "summary": (
            "Suspect later calmed down and apologised to the officers.",
            "Body-worn video of the search retained.",
        ),
        "log": ("{officer} - body-worn video reviewed and retained.",),
    },
    "assault": {
        "mo": (
            "IP was punched to the head by the suspect outside {venue} at {time}.",
            "Argument between the IP and suspect {first} {surname} escalated and the suspect "
            "pushed the IP to the ground.",
            "IP sustained {injury} after being struck with a bottle.",
            "Domestic incident at {number} {street}; suspect grabbed the IP by the arm.",
            "Suspect spat at the IP during an argument in {place}.",
        ),
        "summary": (
            "IP declined medical treatment.",
            "Body-worn video footage of the scene retained.",
            "IP does not support a prosecution.",
            "Suspect arrested and interviewed; claims self defence.",
            "Injuries photographed: {injury}.",
        ),
        "log": ("{officer} - DASH risk assessment completed.",),
    },
    "theft": {
        "mo": (
            "IP left {item} unattended at {place} and it was taken by an unknown person.",
            "IP's pedal cycle was taken from outside {place} at around {time}.",
            "Suspect snatched {item} from the IP on {street} and ran off.",
            "Offender took {item} from the IP's garden shed on {street} overnight.",
        ),
        "summary": (
            "Property marked and circulated.",
            "No witnesses or CCTV identified.",
            "Suspect identified as {first} {surname} from CCTV.",
        ),
        "log": ("{officer} - serial numbers circulated to local pawn shops.",),
    },
    "shoplifting": {
        "mo": (
            "Suspect entered the store and concealed {shopitem} before leaving without paying.",
            "Suspect detained by store security at {time} with {shopitem} in a bag.",
            "Suspect seen on CCTV filling a rucksack with {shopitem}.",
        ),
        "summary": (
            "Store security provided CCTV of the suspect.",
            "Goods recovered in a saleable condition.",
            "Suspect is a prolific shoplifter known to the store.",
        ),
        "log": ("{officer} - CCTV collected from the store manager.",),
    },
    "vehicle": {
        "mo": (
            "Offender smashed the window of the IP's {vehicle} on {street} and took {item}.",
            "IP's {vehicle} was left insecure on {street} and {item} was taken from inside.",
            "Catalytic converter cut from the IP's {vehicle} overnight on {street}.",
        ),
        "summary": (
            "Vehicle examined by scenes of crime, no forensic opportunities.",
            "House-to-house enquiries on {street} negative.",
        ),
        "log": ("{officer} - doorbell footage requested from neighbours.",),
    },
    "burglary": {
        "mo": (
            "Offenders forced the rear door of the property on {street} between {time} and "
            "{time2}.",
            "Entry gained through an insecure rear window; {item} stolen.",
            "IP returned home at {time} to find the front door forced and the house ransacked.",
            "Suspects smashed the patio door and took {item} and car keys.",
        ),
        "summary": (
            "Scenes of crime attended and recovered a partial footwear mark.",
            "House-to-house enquiries on {street} negative.",
            "Doorbell camera footage shows two males wearing hoods.",
            "IP given crime prevention advice.",
        ),
        "log": ("{officer} - forensic results awaited.",),
    },
    "damage": {
        "mo": (
            "Suspect kicked the wing mirror of the IP's {vehicle} on {street}.",
            "Windows of the property at {number} {street} smashed with a brick at around {time}.",
            "Offender scratched the paintwork of the IP's {vehicle} with a key.",
            "Graffiti sprayed on the side of the house overnight.",
        ),
        "summary": (
            "Estimate for repair is {money}.",
            "No witnesses; area canvassed.",
            "Suspect {first} {surname} admitted the damage and offered to pay.",
        ),
        "log": ("{officer} - repair quote received from the IP.",),
    },
    "fraud": {
        "mo": (
            "IP received a call from someone claiming to be from her bank and moved {money} "
            "into a so-called safe account at their request.",
            "IP paid {money} for a {vehicle} advertised online that never existed.",
            "IP's bank card was used for contactless payments totalling {money} near {place}.",
            "Suspect took {money} from the IP for building work that was never completed.",
        ),
        "summary": (
            "Referred to Action Fraud.",
            "Receiving account has been frozen by the bank.",
            "Enquiries with the bank ongoing.",
        ),
        "log": ("{officer} - production order applied for.",),
    },
    "harassment": {
        "mo": (
            "IP has received repeated unwanted calls and text messages from her ex-partner "
            "{first} {surname}.",
            "Suspect has been turning up at the IP's workplace on {street} uninvited.",
            "IP received a threatening letter posted through the door.",
            "Suspect sent the IP abusive text messages after the end of their relationship.",
        ),
        "summary": (
            "Police information notice considered.",
            "Screenshots of the text messages provided by the IP.",
            "Suspect interviewed and denies sending the messages.",
            "Restraining order applied for at court.",
        ),
        "log": ("{officer} - safeguarding plan agreed with the IP.",),
    },
    # Generic sentences added to every drug (state) or non-drug (victim) family.
    "state": {
        "summary": (
            "PNC and local checks completed on the suspect.",
            "Suspect arrested at {time} and conveyed to custody.",
            "{officer} dealt; outcome authorised by the custody sergeant.",
            "Crime reviewed by the supervisor; lines of enquiry set.",
            "Suspect details: {first} {surname}, aged {age}.",
        ),
        "log": (
            "{officer} - crime allocated to {team}.",
            "{officer} - supervisor review completed, investigation to continue.",
            "{officer} - suspect interviewed, full account obtained.",
            "{officer} - file finalised and outcome recorded.",
            "{officer} - exhibits booked into the property store.",
        ),
    },
    "victim": {
        "summary": (
            "{officer} attended and took an initial account from the IP.",
            "PNC and local checks completed on the suspect.",
            "Victim care letter sent.",
            "Crime reviewed by the supervisor; lines of enquiry set.",
            "Suspect details: {first} {surname}, aged {age}.",
        ),
        "log": (
            "{officer} - crime allocated to {team}.",
            "{officer} - update given to the IP by phone.",
            "{officer} - CCTV requested from {place}.",
            "{officer} - supervisor review completed, investigation to continue.",
            "{officer} - file finalised and outcome recorded.",
        ),
    },
}

# Traps: look-alikes that are not mentions of the six platforms (DESIGN.md section 3).
_TRAPS: tuple[tuple[str, float], ...] = (
    ("Suspect snapped at officers when asked to turn out his pockets.", 1.0),
    ("Cold snap overnight; suspect found sheltering in a doorway on {street}.", 1.0),
    ("{officer} made a snap decision to detain the suspect for a search.", 1.0),
    ("Snapshot of the custody record attached to the file.", 1.0),
    ("Suspect works at the Red Snapper restaurant on {street}.", 0.7),
    ("Several snap bags and a set of scales found in the kitchen.", 0.5),
    ("IP pays for the car in monthly instalments.", 0.8),
    ("Suspect gave no explanation whatsoever for being in the area.", 1.0),
    ("Witness said all she could hear was the tick tock of the clock.", 0.7),
    ("Birds twittering in the garden woke the witness at {time}.", 0.7),
    ("SC 4512 assisted with the search.", 1.0),
    ("TT unit deployed to {street} to assist with the arrest.", 1.0),
    ("IG checks completed, no trace of the suspect.", 1.0),
    ("Suspect gave an address at {number} {street}, Warrington WA1 2AB.", 0.8),
    ("Parcel sent from Seattle WA to the address was intercepted.", 0.6),
    ("Receipt from Caféfacebook found in the vehicle.", 0.6),
    ("Suspect had a cut to his face. Book of names found in his pocket.", 0.6),
    ("Suspect used Telegram to arrange meetings.", 0.8),
    ("Messages sent using Signal were recovered from the phone.", 0.6),
    ("Wickr username written on a piece of paper in the car.", 0.4),
    ("Suspect contacted the IP using Kik.", 0.4),
    ("Discord server linked to the suspect identified by the cyber team.", 0.4),
    ("Video of the incident was uploaded to YouTube.", 0.6),
)

# Mention forms: (platforms, kind, text, weight). The kind says which carrier sentences the
# form fits: "noun" (after on / via), "verb", "adv" (a phrase with its own preposition), "url",
# "emoji" (a name after an accented word and an emoji), "story" (an Insta story), "tweet".
_F, _I, _S, _K, _T, _W = PLATFORMS
_FORMS: tuple[tuple[tuple[str, ...], str, str, float], ...] = (
    # Facebook
    ((_F,), "noun", "Facebook", 30), ((_F,), "noun", "facebook", 10),
    ((_F,), "noun", "FACEBOOK", 4), ((_F,), "noun", "Face book", 3),
    ((_F,), "noun", "face-book", 1), ((_F,), "noun", "Face\u00a0book", 0.5),
    ((_F,), "noun", "facebok", 2), ((_F,), "noun", "Facebook Messenger", 6),
    ((_F,), "noun", "Facebook Marketplace", 5), ((_F,), "noun", "FB Messenger", 2),
    ((_F,), "noun", "FB marketplace", 1),
    ((_F,), "adv", "on FB", 3), ((_F,), "adv", "via FB", 2), ((_F,), "adv", "on his FB page", 2),
    ((_F,), "adv", "through her FB profile", 1),
    ((_F,), "url", "facebook.com/{handle}", 1.5), ((_F,), "url", "www.facebook.com/{handle}", 1),
    ((_F,), "url", "https://www.facebook.com/profile.php?id={digits}", 0.5),
    ((_F,), "url", "fb.com/{handle}", 0.5), ((_F,), "url", "m.facebook.com/{handle}", 0.5),
    ((_F,), "emoji", "Facebook", 0.7),
    # Instagram
    ((_I,), "noun", "Instagram", 30), ((_I,), "noun", "instagram", 10),
    ((_I,), "noun", "INSTAGRAM", 3), ((_I,), "noun", "instagramm", 2),
    ((_I,), "noun", "Insta gram", 0.5), ((_I,), "noun", "Instagram Live", 3),
    ((_I,), "noun", "Instagram DM", 2),
    ((_I,), "verb", "instagrammed", 2),
    ((_I,), "adv", "on his IG account", 2), ((_I,), "adv", "via IG DM", 2),
    ((_I,), "adv", "on her insta", 3), ((_I,), "adv", "via insta", 2), ((_I,), "adv", "on IG", 1),
    ((_I,), "adv", "through @{handle} on insta", 1.5),
    ((_I,), "story", "Insta story", 2),
    ((_I,), "url", "instagram.com/{handle}", 1.5),
    ((_I,), "url", "https://www.instagram.com/{handle}/", 1),
    ((_I,), "emoji", "Instagram", 0.7),
    # Snapchat
    ((_S,), "noun", "Snapchat", 30), ((_S,), "noun", "snapchat", 12),
    ((_S,), "noun", "SNAPCHAT", 3), ((_S,), "noun", "SnapChat", 4),
    ((_S,), "noun", "Snap chat", 3), ((_S,), "noun", "snap-chat", 2),
    ((_S,), "noun", "Snap\u00a0chat", 0.5), ((_S,), "noun", "snapchatt", 2),
    ((_S,), "noun", "Snapchat story", 2),
    ((_S,), "verb", "snapchatted", 3),
    ((_S,), "adv", "via Snap", 3), ((_S,), "adv", "on snap", 3),
    ((_S,), "adv", "on his snap story", 2), ((_S,), "adv", "on Snap Map", 1),
    ((_S,), "url", "snapchat.com/add/{handle}", 1.5),
    ((_S,), "emoji", "Snapchat", 0.7),
    # TikTok
    ((_K,), "noun", "TikTok", 30), ((_K,), "noun", "Tiktok", 6), ((_K,), "noun", "tiktok", 8),
    ((_K,), "noun", "TIKTOK", 2), ((_K,), "noun", "Tik Tok", 4), ((_K,), "noun", "tik-tok", 2),
    ((_K,), "noun", "Tik\u00a0Tok", 0.5), ((_K,), "noun", "tiktock", 2),
    ((_K,), "noun", "TikTok Live", 2),
    ((_K,), "adv", "on his TT account", 2), ((_K,), "adv", "on TT", 1),
    ((_K,), "url", "tiktok.com/@{handle}", 2), ((_K,), "url", "vm.tiktok.com/{code9}/", 1.5),
    ((_K,), "url", "www.tiktok.com/@{handle}/video/{digits}", 0.5),
    ((_K,), "emoji", "TikTok", 0.7),
    # Twitter
    ((_T,), "noun", "Twitter", 30), ((_T,), "noun", "twitter", 10),
    ((_T,), "noun", "TWITTER", 3), ((_T,), "noun", "twiter", 2),
    ((_T,), "noun", "X (formerly Twitter)", 3), ((_T,), "noun", "Twitter DM", 2),
    ((_T,), "verb", "tweeted", 6), ((_T,), "verb", "retweeted", 2),
    ((_T,), "tweet", "tweet", 1.5),
    ((_T,), "url", "twitter.com/{handle}", 2), ((_T,), "url", "x.com/{handle}", 1.5),
    ((_T,), "url", "https://twitter.com/{handle}/status/{digits}", 1),
    ((_T,), "emoji", "Twitter", 0.7),
    # WhatsApp
    ((_W,), "noun", "WhatsApp", 30), ((_W,), "noun", "Whatsapp", 8),
    ((_W,), "noun", "whatsapp", 8), ((_W,), "noun", "WHATSAPP", 3),
    ((_W,), "noun", "What's App", 3), ((_W,), "noun", "Whats app", 3),
    ((_W,), "noun", "What\u2019s App", 1.5), ((_W,), "noun", "whats-app", 1),
    ((_W,), "noun", "What's\u00a0App", 0.5), ((_W,), "noun", "whatsap", 2),
    ((_W,), "noun", "WhatsApp group", 3),
    ((_W,), "verb", "whatsapped", 4),
    ((_W,), "adv", "on WA", 2), ((_W,), "adv", "via WA", 2), ((_W,), "adv", "in a WA group", 1),
    ((_W,), "url", "wa.me/447700900{d3}", 1.5), ((_W,), "url", "chat.whatsapp.com/{code22}", 1.5),
    ((_W,), "url", "https://wa.me/447700900{d3}", 0.5),
    ((_W,), "emoji", "WhatsApp", 0.7),
)  # fmt: skip
# Forms naming several platforms at once, used for some crimes that mention two or more.
_LIST_FORMS: tuple[tuple[tuple[str, ...], str, str, float], ...] = (
    ((_F, _S, _W), "adv", "via FB, Snap and WA", 3),
    ((_F, _I), "noun", "Facebook and Instagram", 3),
    ((_S, _I), "adv", "on snap and insta", 2),
    ((_W, _S), "noun", "WhatsApp and Snapchat", 3),
    ((_I, _F), "adv", "via insta and FB", 1),
    ((_T, _F), "noun", "Twitter and Facebook", 1),
)
# Carrier sentences for each kind of form; {m} is the mention.
_CARRIERS: dict[str, dict[str, tuple[str, ...]]] = {
    "noun": {
        "drug": (
            "IP states she was contacted via {m} by an unknown male offering {drug}.",
            "Suspect was advertising {drug} for sale on {m}.",
            "Intelligence suggests {first} {surname} is selling {drug} through {m}.",
            "Phone seized; messages on {m} appear to show deals being arranged.",
            "Screenshots from {m} showing prices for {drug} were provided by the informant.",
            "Buyer told officers he arranged the deal on {m} earlier that day.",
            "Suspect admitted in interview using {m} to sell to friends.",
            "Suspect denies using {m} to sell drugs.",
            "Photos of {drug} with prices were found posted on {m}.",
        ),
        "other": (
            "IP received abusive messages via {m} from the suspect.",
            "Stolen items later advertised for sale on {m}.",
            "Suspect posted threats towards the IP on {m}.",
            "IP was contacted through {m} by a person posing as a friend and asked for money.",
            "Witness identified the suspect from photos on {m}.",
            "Suspect denies sending the messages on {m}.",
        ),
    },
    "verb": {
        "drug": (
            "Suspect {m} photos of {drug} with a price list.",
            "Buyer says {first} {m} him about a deal at {time}.",
        ),
        "other": (
            "Suspect {m} photos of the IP without her consent.",
            "Suspect {m} abusive comments about the IP.",
        ),
    },
    "adv": {
        "drug": (
            "Suspect contacted buyers {m} to arrange deals.",
            "Deal arranged {m} according to the buyer.",
            "Prices for {drug} were advertised {m}.",
            "IP says she was offered {drug} {m} by {first}.",
        ),
        "other": (
            "Threats were sent to the IP {m} over several days.",
            "Stolen phone was offered for sale {m}.",
            "IP was messaged {m} by the suspect after the incident.",
        ),
    },
    "url": {
        "drug": (
            "Suspect identified as the owner of the profile {m}.",
            "Link {m} was sent to buyers with a menu of prices.",
            "Phone seized from the suspect is linked to the account at {m}.",
        ),
        "other": (
            "Suspect identified as the owner of the profile {m}.",
            "IP was sent the link {m} by the suspect.",
        ),
    },
    "emoji": {
        "drug": (
            "Screenshot caption reads café 😀 {m} message from the dealer.",
            "Contact saved as Zoë 🔥 on {m} in the seized phone.",
        ),
        "other": (
            "Screenshot caption reads café 😀 {m} message from the suspect.",
            "Suspect saved as Renée ✨ on {m} in the IP's phone.",
        ),
    },
    "story": {
        "drug": (
            "Suspect posted an {m} showing {drug} and a price list.",
            "{m} saved on the suspect's phone shows {amount} of {drug}.",
        ),
        "other": (
            "Suspect posted an {m} mocking the IP.",
            "IP was sent a screenshot of an {m} showing the stolen property.",
        ),
    },
    "tweet": {
        "drug": ("A {m} from the suspect's profile advertised {drug} for sale.",),
        "other": (
            "A {m} from the suspect's profile named the IP.",
            "Suspect posted a {m} threatening the IP.",
        ),
    },
}
_FIELD_WEIGHTS = {"legacy": (0.55, 0.45), "athena": (0.40, 0.35, 0.25)}
_SENTENCE_COUNTS = {  # chance of 0, 1, 2, 3 sentences in a field
    "mo": (0.06, 0.45, 0.37, 0.12),
    "summary": (0.10, 0.40, 0.35, 0.15),
    "log": (0.20, 0.35, 0.30, 0.15),
}
_UPPER_MO = 0.12  # share of legacy MO fields typed in capitals


# --------------------------------------------------------------------------------------------
# Templates and their vectorised rendering.
# --------------------------------------------------------------------------------------------


def _mean_bytes(values: Sequence[str]) -> float:
    return sum(len(v.encode()) for v in values) / len(values)


class _Templates:
    """Every template parsed into literal and slot pieces, with the word pools as Arrow."""

    def __init__(self) -> None:
        self.pieces: list[tuple[tuple[bool, str], ...]] = []
        self.pools: dict[str, pa.Array] = {k: pa.array(v, pa.string()) for k, v in _POOLS.items()}
        keyed: dict[str, tuple[pa.Array, IntArray, IntArray]] = {}
        for name in _KEYED_POOLS:
            lists = [o.drugs if name == "drug" else o.amounts for o in _OFFENCES]
            lists = [v or ("",) for v in lists]
            sizes = np.array([len(v) for v in lists], np.int64)
            starts = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
            values = pa.array([x for v in lists for x in v], pa.string())
            keyed[name] = (values, starts, sizes)
        self.keyed = keyed
        self._ids: dict[str, int] = {}

    def mean_bytes(self, tid: int, offence: int) -> float:
        """Expected UTF-8 bytes of template ``tid`` filled for ``offence`` (``{m}`` as 0)."""
        total = 0.0
        for is_slot, value in self.pieces[tid]:
            if not is_slot:
                total += len(value.encode())
            elif value in self.keyed:
                o = _OFFENCES[offence]
                values = (o.drugs if value == "drug" else o.amounts) or ("",)
                total += _mean_bytes(values)
            elif value != "m":
                total += _mean_bytes(_POOLS[value])
        return total

    def add(self, text: str) -> int:
        """Parse a template (once) and return its id."""
        if text in self._ids:
            return self._ids[text]
        pieces: list[tuple[bool, str]] = []
        for literal, field, _spec, _conv in string.Formatter().parse(text):
            if literal:
                pieces.append((False, literal))
            if field is not None:
                slot = field.rstrip("0123456789") if field not in self.pools else field
                if slot != "m" and slot not in self.pools and slot not in self.keyed:
                    raise ValueError(f"unknown slot {{{field}}} in template {text!r}")
                pieces.append((True, slot))
        self.pieces.append(tuple(pieces))
        self._ids[text] = len(self.pieces) - 1
        return self._ids[text]

    def add_all(self, texts: Sequence[str]) -> IntArray:
        """Ids of several templates."""
        return np.array([self.add(t) for t in texts], np.int64)

    def render(
        self,
        rng: np.random.Generator,
        tids: IntArray,
        offence: IntArray,
        extra: pa.Array | None = None,
    ) -> pa.Array:
        """Fill the templates ``tids`` (one per cell), in cell order.

        ``offence`` is each cell's offence index (for the drug and amount slots); ``extra``
        holds each cell's ``{m}`` text. Slot values are drawn from the pools with ``rng``.
        """
        n = len(tids)
        if n == 0:
            return pa.array([], pa.string())
        order = np.argsort(tids, kind="stable")
        sorted_t = tids[order]
        cuts = np.flatnonzero(np.diff(sorted_t)) + 1
        starts = np.concatenate(([0], cuts))
        ends = np.concatenate((cuts, [n]))
        parts = []
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            idx = order[start:end]
            size = end - start
            args: list[object] = []
            for is_slot, value in self.pieces[int(sorted_t[start])]:
                if not is_slot:
                    args.append(value)
                elif value == "m":
                    assert extra is not None
                    args.append(extra.take(pa.array(idx)))
                elif value in self.keyed:
                    values, offs, sizes = self.keyed[value]
                    key = offence[idx]
                    pick = offs[key] + (rng.random(size) * sizes[key]).astype(np.int64)
                    args.append(values.take(pa.array(pick)))
                else:
                    pool = self.pools[value]
                    args.append(pool.take(pa.array(rng.integers(0, len(pool), size))))
            if any(isinstance(a, pa.Array) for a in args):
                parts.append(pc.binary_join_element_wise(*args, ""))
            else:
                parts.append(pa.repeat(pa.scalar("".join(map(str, args))), size))
        rendered = pa.concat_arrays(parts)
        inverse = np.empty(n, np.int64)
        inverse[order] = np.arange(n)
        return rendered.take(pa.array(inverse))


@dataclass(frozen=True)
class _Catalog:
    templates: _Templates
    offence_family: IntArray  # family index per offence
    offence_is_drug: BoolArray
    offence_weights: npt.NDArray[np.float64]
    outcome_p: npt.NDArray[np.float64]  # (offence, closed outcome) probabilities
    field_pools: dict[tuple[int, str], IntArray]  # (family, field) -> template ids
    trap_ids: IntArray
    trap_p: npt.NDArray[np.float64]
    form_ids: IntArray  # template id of each form (single-platform forms, then list forms)
    form_kind: tuple[str, ...]
    form_mask: IntArray  # platform bit mask of each form, bit i = PLATFORMS[i]
    form_p_by_platform: list[tuple[IntArray, npt.NDArray[np.float64]]]
    list_forms: IntArray  # indices into the form arrays of the list forms
    list_p: npt.NDArray[np.float64]
    carriers: dict[tuple[str, bool], IntArray]  # (kind, drug) -> template ids


def _catalog(drug_share: float = DRUG_SHARE) -> _Catalog:
    tpl = _Templates()
    family_index = {f: i for i, f in enumerate(_FAMILIES)}
    offence_family = np.array([family_index[o.family] for o in _OFFENCES], np.int64)
    is_drug = np.array([o.family in _DRUG_FAMILIES for o in _OFFENCES], np.bool_)
    weights = np.array(
        [
            (drug_share * _DRUG_CODE_SHARE[o.code] if d else 1 - drug_share) * o.weight
            for o, d in zip(_OFFENCES, is_drug.tolist(), strict=True)
        ]
    )
    outcome_p = np.array(
        [
            _OUTCOME_WEIGHTS[o.code if d else "other"]
            for o, d in zip(_OFFENCES, is_drug, strict=True)
        ],
        np.float64,
    )
    outcome_p /= outcome_p.sum(axis=1, keepdims=True)
    field_pools: dict[tuple[int, str], IntArray] = {}
    for fam, i in family_index.items():
        generic = _SENTENCES["state" if fam in _DRUG_FAMILIES else "victim"]
        for field in ("mo", "summary", "log"):
            texts = _SENTENCES[fam].get(field, ()) + generic.get(field, ())
            field_pools[(i, field)] = tpl.add_all(texts)
    trap_ids = tpl.add_all([t for t, _ in _TRAPS])
    trap_p = np.array([w for _, w in _TRAPS])
    forms = _FORMS + _LIST_FORMS
    bit = {p: 1 << i for i, p in enumerate(PLATFORMS)}
    form_ids = tpl.add_all([text for _, _, text, _ in forms])
    form_mask = np.array([sum(bit[p] for p in plats) for plats, _, _, _ in forms], np.int64)
    form_p_by_platform = []
    for i in range(len(PLATFORMS)):
        own = np.array([k for k in range(len(_FORMS)) if form_mask[k] == 1 << i], np.int64)
        w = np.array([_FORMS[k][3] for k in own])
        form_p_by_platform.append((own, w / w.sum()))
    list_forms = np.arange(len(_FORMS), len(forms), dtype=np.int64)
    list_p = np.array([w for _, _, _, w in _LIST_FORMS])
    carriers = {
        (kind, drug): tpl.add_all(by[("drug" if drug else "other")])
        for kind, by in _CARRIERS.items()
        for drug in (True, False)
    }
    return _Catalog(
        templates=tpl,
        offence_family=offence_family,
        offence_is_drug=is_drug,
        offence_weights=weights / weights.sum(),
        outcome_p=outcome_p,
        field_pools=field_pools,
        trap_ids=trap_ids,
        trap_p=trap_p / trap_p.sum(),
        form_ids=form_ids,
        form_kind=tuple(kind for _, kind, _, _ in forms),
        form_mask=form_mask,
        form_p_by_platform=form_p_by_platform,
        list_forms=list_forms,
        list_p=list_p / list_p.sum(),
        carriers=carriers,
    )


# --------------------------------------------------------------------------------------------
# Planning: the structured columns of each system and which crimes mention what.
# --------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """The structured columns of one system's rows, in file order, plus mention items."""

    day: IntArray  # days since 1970-01-01
    second: IntArray  # seconds into the day (Athena timestamps)
    offence: IntArray
    outcome: IntArray
    status: IntArray  # 0 recorded (blank), 1 cancelled, 2 transferred
    ref_prefix: IntArray  # index into _REF_PREFIXES: where the crime was born
    ref_year: IntArray
    ref_seq: IntArray
    item_row: IntArray  # mention items: row of each, sorted
    item_form: IntArray


def _epoch(day: date) -> int:
    return (day - date(1970, 1, 1)).days


_REF_PREFIXES = ("LG", "AT")


def _ref_numbers(day: IntArray) -> tuple[IntArray, IntArray]:
    """Year and number of each reference, numbered per recorded year in date order."""
    years = day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    first = np.searchsorted(years, years, side="left")  # rows are in date order
    return years, (np.arange(len(day)) - first + 1).astype(np.int64)


def _ref_text(prefix: int, year: int, seq: int) -> str:
    """A crime reference such as ``LG/14/000123``."""
    return f"{_REF_PREFIXES[prefix]}/{year % 100:02d}/{seq:06d}"


def _ref_array(prefix: IntArray, year: IntArray, seq: IntArray) -> pa.Array:
    """``_ref_text`` for many rows at once, as an Arrow array."""
    prefixes = pa.array(_REF_PREFIXES, pa.string()).take(pa.array(prefix))
    yy = pc.utf8_lpad(pa.array(year % 100).cast(pa.string()), 2, "0")
    number = pc.utf8_lpad(pa.array(seq).cast(pa.string()), 6, "0")
    return pc.binary_join_element_wise(prefixes, yy, number, "/")


def _outcomes(
    rng: np.random.Generator, cat: _Catalog, offence: IntArray, open_p: npt.NDArray[np.float64]
) -> IntArray:
    """A closed outcome drawn for each offence, or an open one with chance ``open_p``."""
    closed = np.empty(len(offence), np.int64)
    for i, p in enumerate(cat.outcome_p):
        sel = offence == i
        closed[sel] = rng.choice(len(p), int(sel.sum()), p=p)
    still_open = rng.random(len(offence)) < open_p
    blank = rng.random(len(offence)) < 0.3
    opened = np.where(blank, _OPEN_OUTCOMES[1], _OPEN_OUTCOMES[0])
    return np.where(still_open, opened, closed).astype(np.int64)


def _statuses(rng: np.random.Generator, n: int) -> IntArray:
    return rng.choice(3, n, p=[0.98, 0.015, 0.005]).astype(np.int64)


def _platforms(
    rng: np.random.Generator, day: IntArray, exclude: IntArray | None = None
) -> IntArray:
    """A platform per crime by popularity; no TikTok before it existed, none in ``exclude``."""
    n = len(day)
    p = np.asarray(_PLATFORM_WEIGHTS)
    out = rng.choice(len(PLATFORMS), n, p=p)
    tiktok = PLATFORMS.index("TikTok")
    early = day < _epoch(TIKTOK_FROM)
    for _ in range(100):
        bad = (early & (out == tiktok)) | (out == exclude if exclude is not None else False)
        if not bad.any():
            break
        out[bad] = rng.choice(len(PLATFORMS), int(bad.sum()), p=p)
    return out.astype(np.int64)


def _mention_items(
    rng: np.random.Generator, cat: _Catalog, day: IntArray, offence: IntArray, boost: BoolArray
) -> tuple[IntArray, IntArray]:
    """Which crimes mention which platforms, as (row, form) items sorted by row."""
    rate = np.array([_MENTION_RATE[f] for f in _FAMILIES])[cat.offence_family[offence]]
    rate = np.where(boost, np.minimum(rate * MIGRATED_MENTION_BOOST, 1.0), rate)
    rows = np.flatnonzero(rng.random(len(day)) < rate)
    two = rng.random(len(rows)) < TWO_PLATFORMS
    as_list = two & (rng.random(len(rows)) < LIST_FORM)
    first = _platforms(rng, day[rows])
    second = _platforms(rng, day[rows], exclude=first)
    list_pick = cat.list_forms[rng.choice(len(cat.list_forms), len(rows), p=cat.list_p)]
    item_rows = [rows[as_list], rows[~as_list], rows[two & ~as_list]]
    platforms = np.concatenate((first[~as_list], second[two & ~as_list]))
    singles = np.empty(len(platforms), np.int64)
    for i, (own, p) in enumerate(cat.form_p_by_platform):
        sel = platforms == i
        singles[sel] = own[rng.choice(len(own), int(sel.sum()), p=p)]
    item_row = np.concatenate(item_rows).astype(np.int64)
    item_form = np.concatenate((list_pick[as_list], singles)).astype(np.int64)
    order = np.argsort(item_row, kind="stable")
    return item_row[order], item_form[order]


def _plan(
    rng: np.random.Generator, cat: _Catalog, rows: int
) -> tuple[_Plan, _Plan, IntArray, dict[str, int]]:
    """Plan both systems; returns (legacy, athena, migrated legacy rows, labels masks)."""
    legacy_days = _epoch(LEGACY_END) - _epoch(LEGACY_START) + 1
    athena_days = _epoch(ATHENA_END) - _epoch(ATHENA_START) + 1
    n_legacy = round(rows * legacy_days / (legacy_days + athena_days))

    # Legacy rows in date order.
    l_day = np.sort(rng.integers(0, legacy_days, n_legacy)) + _epoch(LEGACY_START)
    l_offence = rng.choice(len(_OFFENCES), n_legacy, p=cat.offence_weights).astype(np.int64)
    age = (_epoch(LEGACY_END) - l_day).astype(np.float64)
    l_outcome = _outcomes(rng, cat, l_offence, 0.45 * np.exp(-age / 45))
    l_status = _statuses(rng, n_legacy)
    l_year, l_seq = _ref_numbers(l_day)

    # Migrated: about 2% of the legacy records from MIGRATION_FROM, also in Athena.
    window = np.flatnonzero(l_day >= _epoch(MIGRATION_FROM))
    n_mig = min(round(MIGRATED_SHARE * len(window)), max(rows - n_legacy, 0))
    migrated = np.sort(rng.choice(window, n_mig, replace=False)).astype(np.int64)
    athena_outcome = _outcomes(rng, cat, l_offence[migrated], np.zeros(n_mig))
    # Most were still open at the migration and got their outcome in Athena; the rest keep
    # their legacy outcome (mostly) in Athena.
    left_open = rng.random(n_mig) < 0.65
    open_label = np.where(rng.random(n_mig) < 0.3, *_OPEN_OUTCOMES[::-1])
    was = l_outcome[migrated]
    now = np.where(left_open & (was < _OPEN_OUTCOMES[0]), open_label, was)
    stays = (now < _OPEN_OUTCOMES[0]) & (rng.random(n_mig) < 0.7)
    athena_outcome = np.where(stays, now, athena_outcome)
    l_outcome[migrated] = now

    # Athena-born rows in timestamp order.
    n_athena = rows - n_legacy - n_mig
    a_day = rng.integers(0, athena_days, n_athena) + _epoch(ATHENA_START)
    hour = rng.choice(24, n_athena, p=_hour_weights())
    a_second = hour * 3600 + rng.integers(0, 3600, n_athena)
    order = np.lexsort((a_second, a_day))
    a_day, a_second = a_day[order], a_second[order]
    a_offence = rng.choice(len(_OFFENCES), n_athena, p=cat.offence_weights).astype(np.int64)
    age = (_epoch(ATHENA_END) - a_day).astype(np.float64)
    a_outcome = _outcomes(rng, cat, a_offence, 0.7 * np.exp(-age / 75) + 0.01)
    a_status = _statuses(rng, n_athena)
    a_year, a_seq = _ref_numbers(a_day)

    # Mentions. Migrated crimes: in both copies, only the legacy one or only the Athena one.
    boost = np.zeros(n_legacy, np.bool_)
    boost[migrated] = True
    l_item_row, l_item_form = _mention_items(rng, cat, l_day, l_offence, boost)
    a_item_row, a_item_form = _mention_items(rng, cat, a_day, a_offence, np.zeros(n_athena, bool))
    mig_pos = np.full(n_legacy, -1, np.int64)
    mig_pos[migrated] = np.arange(n_mig)
    # 0 both copies, 1 the legacy copy only, 2 the Athena copy only; the appended 1 is read
    # through mig_pos = -1 by the crimes that were not migrated (legacy copy only).
    where = np.append(rng.choice(3, n_mig, p=[0.4, 0.3, 0.3]), 1)
    item_mig = mig_pos[l_item_row]
    item_where = where[item_mig]
    in_legacy = item_where != 2
    to_athena = (item_mig >= 0) & (item_where != 1)

    labels: dict[str, int] = {}
    for row, form in zip(l_item_row.tolist(), l_item_form.tolist(), strict=True):
        ref = _ref_text(0, int(l_year[row]), int(l_seq[row]))
        labels[ref] = labels.get(ref, 0) | int(cat.form_mask[form])
    for row, form in zip(a_item_row.tolist(), a_item_form.tolist(), strict=True):
        ref = _ref_text(1, int(a_year[row]), int(a_seq[row]))
        labels[ref] = labels.get(ref, 0) | int(cat.form_mask[form])

    # Athena file: its own rows plus the migrated copies (recorded at midnight), in date order.
    day = np.concatenate((a_day, l_day[migrated]))
    second = np.concatenate((a_second, np.zeros(n_mig, np.int64)))
    order = np.lexsort((second, day))
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    item_row = np.concatenate(
        (position[a_item_row], position[n_athena + item_mig[to_athena]])
    ).astype(np.int64)
    item_form = np.concatenate((a_item_form, l_item_form[to_athena]))
    item_order = np.argsort(item_row, kind="stable")
    athena = _Plan(
        day=day[order],
        second=second[order],
        offence=np.concatenate((a_offence, l_offence[migrated]))[order],
        outcome=np.concatenate((a_outcome, athena_outcome))[order],
        status=np.concatenate((a_status, l_status[migrated]))[order],
        ref_prefix=np.concatenate((np.ones(n_athena, np.int64), np.zeros(n_mig, np.int64)))[order],
        ref_year=np.concatenate((a_year, l_year[migrated]))[order],
        ref_seq=np.concatenate((a_seq, l_seq[migrated]))[order],
        item_row=item_row[item_order],
        item_form=item_form[item_order],
    )
    legacy = _Plan(
        day=l_day,
        second=np.zeros(n_legacy, np.int64),
        offence=l_offence,
        outcome=l_outcome,
        status=l_status,
        ref_prefix=np.zeros(n_legacy, np.int64),
        ref_year=l_year,
        ref_seq=l_seq,
        item_row=l_item_row[in_legacy],
        item_form=l_item_form[in_legacy],
    )
    return legacy, athena, migrated, labels


def _hour_weights() -> npt.NDArray[np.float64]:
    w = np.array([3, 2, 2, 1, 1, 1, 2, 3, 5, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 6, 6, 5, 4, 4], float)
    return w / w.sum()


# --------------------------------------------------------------------------------------------
# Note length: more sentences per field for a target mean of bytes per record.
# --------------------------------------------------------------------------------------------
#
# By default a field holds 0 to 3 sentences (``_SENTENCE_COUNTS``). With a target length, that
# draw c0 still decides whether a field is blank (c0 = 0, the same share as by default) and how
# long it is relative to the others: a non-blank field holds c0 * scale sentences (rounded up or
# down at random, so that the mean is exact), at least one and at most every sentence of its
# pool, each sentence at most once. ``scale`` is solved from the expected bytes of every
# template for the offence mix, so the target is met on average without rendering anything.


def _scaled_counts(
    rng: np.random.Generator,
    cat: _Catalog,
    fields: tuple[str, ...],
    family: IntArray,
    base: IntArray,
    scale: float,
) -> IntArray:
    """Sentences per (field, row) for ``scale``, from the default draw ``base`` (0 to 3)."""
    size = np.array(
        [[len(cat.field_pools[(fam, field)]) for fam in range(len(_FAMILIES))] for field in fields],
        np.int64,
    )
    counts = np.floor(base * scale + rng.random(base.shape)).astype(np.int64)
    counts = np.clip(counts, 1, size[:, family])
    return np.where(base > 0, counts, 0)


@dataclass(frozen=True)
class _LengthModel:
    """Expected bytes of free text per record as a function of the sentence scale."""

    weight: npt.NDArray[np.float64]  # one term per (system, offence, field, c0 >= 1)
    base: npt.NDArray[np.float64]  # c0
    size: npt.NDArray[np.float64]  # sentences in the field's pool
    sentence: npt.NDArray[np.float64]  # mean bytes of one pool sentence
    fixed: float  # mentions and traps, the same at every scale

    def expected(self, scale: float) -> float:
        x = self.base * scale
        low = np.floor(x)
        frac = x - low
        count = (1 - frac) * np.clip(low, 1, self.size) + frac * np.clip(low + 1, 1, self.size)
        # k sentences joined by k - 1 spaces
        return float((self.weight * (count * (self.sentence + 1) - 1)).sum()) + self.fixed


def _length_model(cat: _Catalog) -> _LengthModel:
    tpl = cat.templates
    legacy_days = _epoch(LEGACY_END) - _epoch(LEGACY_START) + 1
    athena_days = _epoch(ATHENA_END) - _epoch(ATHENA_START) + 1
    athena_share = athena_days / (legacy_days + athena_days)
    field_share = {"mo": 1.0, "summary": 1.0, "log": athena_share}
    terms: list[tuple[float, int, int, float]] = []
    for o, w in enumerate(cat.offence_weights.tolist()):
        fam = int(cat.offence_family[o])
        for field, share in field_share.items():
            pool = cat.field_pools[(fam, field)].tolist()
            mean = sum(tpl.mean_bytes(t, o) for t in pool) / len(pool)
            for c0, p in enumerate(_SENTENCE_COUNTS[field]):
                if c0 > 0:
                    terms.append((w * share * p, c0, len(pool), mean))
    weight, base, size, sentence = (np.array(c, np.float64) for c in zip(*terms, strict=True))

    # Mentions: a carrier sentence (its kind's mean) around a form, platforms by popularity.
    def carrier(kind: str, drug: bool) -> float:
        ids = cat.carriers[(kind, drug)].tolist()
        return sum(tpl.mean_bytes(t, 0) for t in ids) / len(ids)

    form_bytes = {}
    for drug in (True, False):
        form_bytes[drug] = sum(
            pw * p * (carrier(cat.form_kind[k], drug) + tpl.mean_bytes(int(cat.form_ids[k]), 0))
            for pw, (own, ps) in zip(_PLATFORM_WEIGHTS, cat.form_p_by_platform, strict=True)
            for k, p in zip(own.tolist(), ps.tolist(), strict=True)
        )
    per_crime = 1 + TWO_PLATFORMS * (1 - LIST_FORM)
    mentions = sum(
        w * _MENTION_RATE[_FAMILIES[int(cat.offence_family[o])]] * per_crime
        * (form_bytes[bool(cat.offence_is_drug[o])] + 1)
        for o, w in enumerate(cat.offence_weights.tolist())
    )  # fmt: skip
    trap = sum(tpl.mean_bytes(int(t), 0) * p for t, p in zip(cat.trap_ids, cat.trap_p, strict=True))
    return _LengthModel(weight, base, size, sentence, mentions + TRAP_RATE * (trap + 1))


_MAX_SCALE = 16.0  # more than any pool holds: every non-blank field holds its whole pool


def _note_bounds(model: _LengthModel) -> tuple[int, int]:
    return int(np.ceil(model.expected(0.0))), int(np.floor(model.expected(_MAX_SCALE)))


def note_bytes_range(drug_share: float = DRUG_SHARE) -> tuple[int, int]:
    """The ``note_bytes`` that ``make_synthetic`` can reach at ``drug_share``: from one sentence
    in every non-blank field to every sentence of its pool, each once."""
    return _note_bounds(_length_model(_catalog(drug_share)))


def _sentence_scale(cat: _Catalog, note_bytes: int, drug_share: float) -> float:
    """The scale whose expected bytes of free text per record is ``note_bytes``."""
    model = _length_model(cat)
    low, high = _note_bounds(model)
    if note_bytes < low:
        raise FoideskError(
            f"--note-bytes {note_bytes} is below the shortest notes (one sentence in every "
            f"non-blank field): at least {low} bytes per record at drug share {drug_share:g}"
        )
    if note_bytes > high:
        raise FoideskError(
            f"--note-bytes {note_bytes} is more than the notes hold without repeating a "
            f"sentence: at most {high} bytes per record at drug share {drug_share:g}"
        )
    lo, hi = 0.0, _MAX_SCALE
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if model.expected(mid) < note_bytes else (lo, mid)
    return (lo + hi) / 2


# --------------------------------------------------------------------------------------------
# Notes: sentences per field, with mentions and traps inserted.
# --------------------------------------------------------------------------------------------


def _draw_distinct(rng: np.random.Generator, pool: IntArray, n: int) -> IntArray:
    """Three template ids per row from ``pool``, distinct where the pool allows."""
    pick = rng.integers(0, len(pool), (n, 3))
    if len(pool) >= 3:
        for _ in range(50):
            dup1 = pick[:, 1] == pick[:, 0]
            dup2 = (pick[:, 2] == pick[:, 0]) | (pick[:, 2] == pick[:, 1])
            if not (dup1.any() or dup2.any()):
                break
            pick[dup1, 1] = rng.integers(0, len(pool), int(dup1.sum()))
            pick[dup2, 2] = rng.integers(0, len(pool), int(dup2.sum()))
    return pool[pick]


def _draw_subsets(rng: np.random.Generator, pool: IntArray, n: int, k: int) -> IntArray:
    """``k`` distinct template ids per row from ``pool`` (``k`` at most its size), shuffled."""
    return pool[np.argsort(rng.random((n, len(pool))), axis=1)[:, :k]]


def _notes(
    rng: np.random.Generator,
    cat: _Catalog,
    fields: tuple[str, ...],
    offence: IntArray,
    item_row: IntArray,
    item_form: IntArray,
    scale: float | None = None,
) -> list[pa.Array]:
    """The text columns for one chunk of rows (``item_row`` local to the chunk); ``scale``
    None writes the default 0 to 3 sentences per field, else see ``_scaled_counts``."""
    tpl = cat.templates
    n = len(offence)
    n_fields = len(fields)
    family = cat.offence_family[offence]
    drug = cat.offence_is_drug[offence]
    counts = np.stack([rng.choice(4, n, p=_SENTENCE_COUNTS[f]) for f in fields]).astype(np.int64)
    if scale is not None:
        counts = _scaled_counts(rng, cat, fields, family, counts, scale)

    cell_field: list[IntArray] = []
    cell_row: list[IntArray] = []
    cell_key: list[IntArray] = []  # order in the field: normal j at 2j, inserts at 2p - 1
    cell_tid: list[IntArray] = []
    for f, field in enumerate(fields):
        for fam in range(len(_FAMILIES)):
            rows = np.flatnonzero(family == fam)
            if len(rows) == 0:
                continue
            pool = cat.field_pools[(fam, field)]
            if scale is None:
                most = 3
                picks = _draw_distinct(rng, pool, len(rows))
            else:
                most = int(counts[f, rows].max())
                picks = _draw_subsets(rng, pool, len(rows), most)
            for j in range(most):
                use = counts[f, rows] > j
                cell_field.append(np.full(int(use.sum()), f, np.int64))
                cell_row.append(rows[use])
                cell_key.append(np.full(int(use.sum()), 2 * j, np.int64))
                cell_tid.append(picks[use, j])
    n_normal = int(sum(len(a) for a in cell_tid))

    # Mentions: render each form, then pick a carrier sentence that fits it.
    n_items = len(item_row)
    phrases = tpl.render(rng, cat.form_ids[item_form], offence[item_row])
    kinds = np.array([cat.form_kind[k] for k in item_form.tolist()], dtype=object)
    carrier = np.empty(n_items, np.int64)
    for kind in _CARRIERS:
        for is_drug in (True, False):
            sel = (kinds == kind) & (drug[item_row] == is_drug)
            if sel.any():
                pool = cat.carriers[(kind, is_drug)]
                carrier[sel] = pool[rng.integers(0, len(pool), int(sel.sum()))]
    item_field = rng.choice(n_fields, n_items, p=_FIELD_WEIGHTS[_system(fields)])
    item_pos = (rng.random(n_items) * (counts[item_field, item_row] + 1)).astype(np.int64)
    cell_field.append(item_field)
    cell_row.append(item_row)
    cell_key.append(2 * item_pos - 1)  # two in one place keep their order (stable sort)
    cell_tid.append(carrier)

    # Traps, in a field without a mention (dropped when every field has one).
    has_mention = np.zeros((n_fields, n), np.bool_)
    has_mention[item_field, item_row] = True
    trap_rows = np.flatnonzero(rng.random(n) < TRAP_RATE)
    choice = rng.random((len(trap_rows), n_fields)) + has_mention[:, trap_rows].T * 2
    trap_field = np.argmin(choice, axis=1)
    keep = ~has_mention[trap_field, trap_rows]
    trap_rows, trap_field = trap_rows[keep], trap_field[keep]
    trap_pos = (rng.random(len(trap_rows)) * (counts[trap_field, trap_rows] + 1)).astype(np.int64)
    cell_field.append(trap_field.astype(np.int64))
    cell_row.append(trap_rows)
    cell_key.append(2 * trap_pos - 1)
    cell_tid.append(cat.trap_ids[rng.choice(len(cat.trap_ids), len(trap_rows), p=cat.trap_p)])

    fields_a = np.concatenate(cell_field)
    rows_a = np.concatenate(cell_row)
    keys_a = np.concatenate(cell_key)
    tids_a = np.concatenate(cell_tid)
    extra = pa.concat_arrays(
        [pa.nulls(n_normal, pa.string()), phrases, pa.nulls(len(trap_rows), pa.string())]
    )
    order = np.lexsort((keys_a, rows_a, fields_a))
    sentences = tpl.render(rng, tids_a[order], offence[rows_a[order]], extra.take(pa.array(order)))
    group = fields_a[order] * n + rows_a[order]
    sizes = np.bincount(group, minlength=n_fields * n)
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(np.int32)
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), sentences), " ")
    columns = []
    for f in range(n_fields):
        col = joined.slice(f * n, n)
        col = pc.if_else(
            pa.array(sizes[f * n : (f + 1) * n] == 0), pa.scalar(None, pa.string()), col
        )
        if fields[f] == "mo" and _system(fields) == "legacy":
            upper = pa.array(rng.random(n) < _UPPER_MO)
            col = pc.if_else(upper, pc.utf8_upper(col), col)
        columns.append(col)
    return columns


def _system(fields: tuple[str, ...]) -> str:
    return "athena" if "log" in fields else "legacy"


# --------------------------------------------------------------------------------------------
# Writing.
# --------------------------------------------------------------------------------------------


def _csv_column(values: pa.Array) -> pa.Array:
    """Cells of one column with minimal quoting (RFC 4180); nulls become empty cells."""
    needs = pc.fill_null(pc.match_substring_regex(values, '[",\r\n]'), False)
    if pc.any(needs).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(values, '"', '""'), '"', "")
        values = pc.if_else(needs, quoted, values)
    return pc.fill_null(values, "")


def _write_rows(out: BinaryIO, columns: Sequence[pa.Array]) -> None:
    """Append rows (LF line ends) to ``out`` from equal-length string arrays."""
    if len(columns[0]) == 0:
        return
    cells = [_csv_column(c) for c in columns]
    lines = pc.binary_join_element_wise(*cells, ",")
    lines = pc.binary_join_element_wise(lines, "", "\n")
    # The lines are contiguous in the array's data buffer: write that slice, no copy.
    offsets = np.frombuffer(lines.buffers()[1], np.int32, len(lines) + 1, lines.offset * 4)
    out.write(memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])])


def _dates(day: IntArray, second: IntArray, legacy: bool, rng: np.random.Generator) -> pa.Array:
    if not legacy:
        stamp = (day * 86400 + second).astype("datetime64[s]")
        return pc.strftime(pa.array(stamp, pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
    d = day.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    months = d.astype("datetime64[M]")
    dom = pa.array((d - months.astype("datetime64[D]")).astype(np.int64) + 1).cast(pa.string())
    month = pa.array((months - years.astype("datetime64[M]")).astype(np.int64) + 1)
    month = month.cast(pa.string())
    year = pa.array(years.astype(np.int64) + 1970).cast(pa.string())
    unpadded = pa.array(rng.random(len(day)) < 0.12)  # 10% of rows look different
    dom = pc.if_else(unpadded, dom, pc.utf8_lpad(dom, 2, "0"))
    month = pc.if_else(unpadded, month, pc.utf8_lpad(month, 2, "0"))
    return pc.binary_join_element_wise(dom, month, year, "/")


def _write_system(
    path: Path,
    plan: _Plan,
    system: str,
    cat: _Catalog,
    rng: np.random.Generator,
    scale: float | None,
) -> None:
    legacy = system == "Legacy"
    fields = ("mo", "summary") if legacy else ("mo", "summary", "log")
    offence_text = pa.array([o.legacy if legacy else o.athena for o in _OFFENCES], pa.string())
    codes = pa.array([o.code for o in _OFFENCES], pa.string())
    labels = pa.array([label for label, _ in _OUTCOMES], pa.string())
    ho = pa.array([code for _, code in _OUTCOMES], pa.string())
    statuses = pa.array(["", "cancelled", "transferred"], pa.string())
    header = LEGACY_COLUMNS if legacy else ATHENA_COLUMNS
    n = len(plan.day)
    with path.open("wb") as out:
        out.write((",".join(header) + "\n").encode())
        for start in range(0, n, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, n)
            offence = plan.offence[start:stop]
            outcome = plan.outcome[start:stop]
            ho_col = ho.take(pa.array(outcome))
            if not legacy:  # Athena leaves the Home Office outcome blank on about half its rows
                ho_col = pc.if_else(pa.array(rng.random(stop - start) < 0.5), "", ho_col)
            lo, hi = np.searchsorted(plan.item_row, [start, stop])
            notes = _notes(
                rng,
                cat,
                fields,
                offence,
                plan.item_row[lo:hi] - start,
                plan.item_form[lo:hi],
                scale,
            )
            columns = [
                _ref_array(
                    plan.ref_prefix[start:stop], plan.ref_year[start:stop], plan.ref_seq[start:stop]
                ),
                _dates(plan.day[start:stop], plan.second[start:stop], legacy, rng),
                offence_text.take(pa.array(offence)),
                codes.take(pa.array(offence)),
                labels.take(pa.array(outcome)),
                ho_col,
                statuses.take(pa.array(plan.status[start:stop])),
                pa.repeat(pa.scalar(system), stop - start),
                *notes,
            ]
            _write_rows(out, columns)


def _shape(drug_share: float, note_bytes: int | None) -> tuple[_Catalog, float | None]:
    if not 0 <= drug_share <= 1:  # also refuses NaN
        raise FoideskError(f"--drug-share must be between 0 and 1, not {drug_share}")
    cat = _catalog(drug_share)
    return cat, None if note_bytes is None else _sentence_scale(cat, note_bytes, drug_share)


def check_shape(drug_share: float = DRUG_SHARE, note_bytes: int | None = None) -> None:
    """Raise ``FoideskError`` (one line) for a shape that ``make_synthetic`` refuses."""
    _shape(drug_share, note_bytes)


def make_synthetic(
    rows: int,
    out: Path,
    seed: int = 2019,
    *,
    drug_share: float = DRUG_SHARE,
    note_bytes: int | None = None,
) -> SynthResult:
    """Write a synthetic two-system data set of ``rows`` records in total to folder ``out``.

    Writes ``legacy.csv`` (1 January 2014 to 22 May 2018), ``athena.csv`` (23 May 2018 to
    31 December 2019, plus about 2% of the legacy records from June 2017 migrated with the
    same reference and date), ``labels.csv`` (``crime_ref,platforms``: the true platforms of
    every crime whose notes mention one) and ``foi2019-02832.toml`` (the request). The same
    arguments give byte-identical files.

    The shape: ``drug_share`` is the share of records with a drug offence (Home Office codes
    92A to 92E). ``note_bytes`` is the target mean of free-text bytes per record, over all its
    text columns; None keeps the default notes (0 to 3 sentences per field, about 224 bytes per
    record), a number draws more (or fewer) of the same crime-note sentences per field to reach
    it on average (``note_bytes_range`` gives what can be reached). Mention and trap rates per
    record do not change with the length.
    """
    if rows < 0:
        raise FoideskError(f"--rows must be 0 or more, not {rows}")
    cat, scale = _shape(drug_share, note_bytes)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FoideskError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    plan_ss, legacy_ss, athena_ss = np.random.SeedSequence(seed).spawn(3)
    legacy, athena, migrated, labels = _plan(np.random.default_rng(plan_ss), cat, rows)

    result = SynthResult(
        legacy_path=out / "legacy.csv",
        athena_path=out / "athena.csv",
        labels_path=out / "labels.csv",
        request_path=out / REQUEST_NAME,
        legacy_rows=len(legacy.day),
        athena_rows=len(athena.day),
        migrated=len(migrated),
        labelled=len(labels),
    )
    legacy_rng, athena_rng = np.random.default_rng(legacy_ss), np.random.default_rng(athena_ss)
    _write_system(result.legacy_path, legacy, "Legacy", cat, legacy_rng, scale)
    _write_system(result.athena_path, athena, "Athena", cat, athena_rng, scale)
    lines = ["crime_ref,platforms"]
    for ref in sorted(labels):
        names = [p for i, p in enumerate(PLATFORMS) if labels[ref] >> i & 1]
        lines.append(f"{ref},{';'.join(sorted(names))}")
    result.labels_path.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    result.request_path.write_text(REQUEST_TOML, encoding="utf-8", newline="\n")
    return result
