"""Finnish word forms the documents need: the partitive (osanto) of a unit after a number.

Finnish puts a noun after a number other than one in the partitive singular: *1 käynti*, but
*2 330 000 käyntiä*, *1,5 tuntia*, *208 200 hoitovuorokautta*. The units come from the regions'
files (``yksikkö``, ``suoriteyksikkö``), so the form is derived by rule, not looked up:

* vowel harmony from the word's last part: the last back vowel (a, o, u) or front vowel (ä, ö, y)
  from the end decides (*hoitopäivä* → -ä, *tunti* → -a, *käynti* → -ä);
* *-si* after a vowel → *-tta/-ttä* (*vuorokausi* → *vuorokautta*, *henkilötyövuosi* → *-vuotta*);
* *-nen* → *-sta/-stä*; *-e* → *-tta/-ttä* (*kappale* → *kappaletta*);
* a consonant or two vowels at the end → *-ta/-tä* (*asiakas* → *asiakasta*, *maa* → *maata*);
* one vowel at the end → *-a/-ä* (*käynti* → *käyntiä*, *jakso* → *jaksoa*).

Abbreviations and symbols (€, %, htv, kpl, a unit with ``/``) stay as they are. The forms of every
unit the shipped data uses are checked with Voikko's analyser in the tests.
"""

from __future__ import annotations

from soteflow.numbers import fi_number

__all__ = ["fi_quantity", "partitive"]

_BACK = set("aou")
_FRONT = set("äöy")
_VOWELS = set("aeiouyäö")


def _harmony(word: str) -> str:
    """``a`` or ``ä``: the last harmonic vowel from the end decides (neutral e, i skipped)."""
    for char in reversed(word.lower()):
        if char in _BACK:
            return "a"
        if char in _FRONT:
            return "ä"
    return "ä"  # only e and i: front (e.g. "viesti" → "viestiä")


def _inflectable(word: str) -> bool:
    return len(word) > 2 and word.isalpha() and word.islower() and any(c in _VOWELS for c in word)


def partitive(unit: str) -> str:
    """The partitive singular of a unit noun (the last word of a multi-word unit)."""
    head, _, word = unit.rpartition(" ")
    if not _inflectable(word):
        return unit
    a = _harmony(word)
    lower = word.lower()
    if lower.endswith("si") and len(lower) > 2 and lower[-3] in _VOWELS:
        form = word[:-2] + "tt" + a
    elif lower.endswith("nen"):
        form = word[:-3] + "st" + a
    elif lower.endswith("e") and lower[-2] not in _VOWELS:
        form = word + "tt" + a
    elif lower[-1] not in _VOWELS or lower[-2] in _VOWELS:
        form = word + "t" + a
    else:
        form = word + a
    return f"{head} {form}" if head else form


def fi_quantity(value: float | int | None, unit: str, decimals: int = 0) -> str:
    """A number with its unit, the unit in the partitive unless the number is exactly one:
    ``2330000, "käynti"`` → ``2 330 000 käyntiä``; ``1, "käynti"`` → ``1 käynti``."""
    number = fi_number(value, decimals)
    if not unit:
        return number
    one = decimals == 0 and value is not None and number == "1"  # "1,0 tuntia", but "1 tunti"
    return f"{number} {unit if one else partitive(unit)}"
