"""Every sentence of the demo's stage 1–4 item texts (asia, perustelut, päätösehdotus) through
Voikko's spelling and grammar checker: a board reads them, and an editor would pass them.

The allow-list is short and each entry says why Voikko does not know the word.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from schemas.chains import ChainsProposal
from schemas.comparison import ComparisonProposal
from schemas.documents import AgendaContent
from schemas.needs import NeedsProposal
from schemas.stages import Stage
from schemas.targets import TargetsProposal
from soteflow.stagekit import open_store
from tests.support import Seed

libvoikko = pytest.importorskip("libvoikko")

#: Words Voikko's dictionary lacks, each a proper noun or an established abbreviation.
ALLOWED = {
    "KEHA",  # KEHA-keskus, the ELY centres' development and administration centre (a publisher)
    "Mänttä",
    "Vilppula",  # Mänttä-Vilppula, a municipality (Voikko knows the parts only in compounds)
    "Pirkkala",  # a municipality
    "RAI",  # RAI, the Resident Assessment Instrument named in a target
    "Esimerkki",  # the example persons' first name in the demo configuration
    "per",  # the unit "per 1000" as the region's target file writes it (data, not generated text)
    "mom",  # "mom." (momentti), the standard abbreviation in a legal citation ("115 § 2 mom.")
    "JHS",  # JHS 203/204, the public administration's recommendations (julkisen hallinnon suositukset)
}
#: Grammar findings that are not errors in these texts: a verbless list line ("Painotetut pisteet ja
#: järjestys: 1. …", "Vammaispalvelut: 3 vaihetta (…)"), which agenda texts use on purpose, and
#: Voikko's sentence split after an abbreviation ("115 § 2 mom. 1 kohta"); a capital letter
#: mid-sentence is the name of a service package or a theme ("kärki Työikäisten palvelut").
ALLOWED_GRAMMAR = {
    "Virkkeen pitäisi alkaa isolla kirjaimella.",
    "Tarkista, puuttuuko virkkeestä pääverbi tai -verbejä.",
    "Harkitse sanan kirjoittamista pienellä alkukirjaimella.",
}

#: A word, not the case ending of a number ("23:stä", "15-vuotiaiden"): those follow a digit.
WORD = re.compile(r"(?<![\w:\-])[A-Za-zÅÄÖåäöÉé]+(?:[-'’][A-Za-zÅÄÖåäöÉé]+)*(?P<tail>-(?= )|\.)?")
#: Target identifiers (T-IKA-1) are the codes the targets table gives each target.
TARGET_ID = re.compile(r"^T-[A-Z]{3}$")


def _texts(agenda: AgendaContent) -> list[str]:
    texts = [p for section in agenda.grounds for p in section.paragraphs]
    # A proposal in numbered points ("… päättää\n\n1) …,\n\n2) … ja\n\n3) …") is one sentence.
    texts.append(agenda.proposal.replace("\n\n", " "))
    if agenda.prepared_by is not None:
        texts.append(agenda.prepared_by.proposal)
    return texts


def _item_texts(seed: Seed) -> dict[str, list[str]]:
    seed(Stage.COMPARISON)
    store = open_store()

    def payload(key: str) -> Any:
        version = store.latest("HVA08", 2026, key)
        assert version is not None
        return store.read_json(version)

    chains = ChainsProposal.model_validate(payload("chains-proposal"))
    return {
        "needs": _texts(NeedsProposal.model_validate(payload("needs-proposal")).agenda),
        "targets": _texts(TargetsProposal.model_validate(payload("targets-proposal")).agenda),
        "chains": _texts(chains.agenda),
        "feedback": [t for t in _texts(chains.feedback_agenda) if "”" not in t],  # quotes are the commenters'
        "comparison": _texts(ComparisonProposal.model_validate(payload("comparison-proposal")).agenda),
    }


def test_item_texts_have_no_spelling_or_grammar_errors(seed: Seed) -> None:
    voikko = libvoikko.Voikko("fi")
    try:
        misspelt: dict[str, set[str]] = {}
        grammar: list[str] = []
        for case, texts in _item_texts(seed).items():
            for text in texts:
                for match in WORD.finditer(text):
                    word, tail = match.group(0).rstrip(".-"), match.group("tail")
                    if TARGET_ID.match(word):
                        continue
                    if tail == "." and voikko.spell(word + "."):  # an abbreviation: milj., mom., Huom.
                        continue
                    if tail == "-" and voikko.spell(word + "palvelut"):  # "sosiaali- ja terveyden…"
                        continue
                    parts = [word, *word.split("-")]
                    if any(p in ALLOWED for p in parts) or voikko.spell(word):
                        continue
                    if "-" in word and all(voikko.spell(p) or p in ALLOWED for p in word.split("-") if p):
                        continue
                    misspelt.setdefault(case, set()).add(word)
                for error in voikko.grammarErrors(text, "fi"):
                    description = error.shortDescription
                    if description not in ALLOWED_GRAMMAR:
                        found = text[error.startPos : error.startPos + error.errorLen]
                        grammar.append(f"{case}: {description} «{found}» in «{text[:80]}…»")
    finally:
        voikko.terminate()
    assert misspelt == {}, misspelt
    assert grammar == [], "\n".join(grammar)


def test_item_texts_name_no_technical_names(seed: Seed) -> None:
    technical = re.compile(r"share_|_rate|\.csv|\.json|\.toml|\d{4}M\d{2}|SHA-256|-proposal|-profile|-index|v\d+\b")
    for case, texts in _item_texts(seed).items():
        for text in texts:
            assert not technical.search(text), f"{case}: {text}"
