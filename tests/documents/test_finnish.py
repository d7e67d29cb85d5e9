"""Every sentence of the demo's stage 1–4 item texts (asia, perustelut, päätösehdotus) through
Voikko's spelling and grammar checker: a board reads them, and an editor would pass them. The prose
of the attachments (methods, notes, narratives; tables and charts aside) through its spelling checker.

The allow-list is short and each entry says why Voikko does not know the word.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, ClassVar

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


class _Prose(HTMLParser):
    """The prose paragraphs of a rendered document: each ``<p>`` or ``<li>`` of its main part that is
    not inside a table, a figure (chart texts are labels) or the document's identity block."""

    SKIP: ClassVar[set[str]] = {"table", "figure", "svg", "dl", "footer", "header"}

    def __init__(self) -> None:
        super().__init__()
        self.paragraphs: list[str] = []
        self._skip = 0
        self._main = False
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self._main = True
        elif tag in self.SKIP:
            self._skip += 1
        elif tag in ("p", "li") and self._main and not self._skip:
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self._skip -= 1
        elif tag in ("p", "li") and self._text is not None:
            self.paragraphs.append(" ".join("".join(self._text).split()))
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


#: Words of the attachments Voikko's dictionary lacks, each a term of the field or a name of a source.
ALLOWED_IN_ATTACHMENTS = ALLOWED | {
    "opioidiriippuvuus",  # a need factor of the funding act (617/2021), named as the act names it
    "CP",  # CP-oireyhtymä (cerebral palsy), a diagnosis group named in the need measures
    "tiedoksisaanti",  # the appeal instructions' legal term (hallintolaki), in its inflected forms below
    "tiedoksisaannista",
    "Tiedoksisaantipäivää",
    "htv",  # henkilötyövuosi, the administration's standard abbreviation
    "Dnro",  # diaarinumero, the case number's label
    "PIRHA",  # the region's case-number prefix
    "max",  # the maximum in a formula ("r / max r")
    "JSON",  # the format of a data file embedded in the PDF, named in the list of attachments
    "CC",
    "BY",  # the licence of Statistics Finland's open data, "CC BY 4.0"
}
#: Lines of the documents that are labels or list items, not sentences, and end without a full stop:
#: "Liite 1: Menetelmä ja lähteet", "Dnro PIRHA/2026/00.01.00/1", "— Järjestöt, …, kommentti L038".
LIST_LINES = {"Välimerkki puuttuu virkkeen lopusta."}
#: Service-package codes (PK-IKA) name the packages in the chains' tables and their legends.
PACKAGE_ID = re.compile(r"^PK-[A-Z]+$")
#: Paragraphs that are lists of data rather than sentences: keyword lists of the feedback themes
#: (the configuration's words), the legend of the theme ids, the sources appendix (file and artefact
#: names, hashes) and quotes.
_DATA_PARAGRAPH = re.compile(r"Avainsanat:|tunnisteet:|\.csv|\.toml|\.json|\.xlsx|SHA-256|v\d+\b|”|soteflow")


def _attachment_texts(seed: Seed) -> dict[str, list[str]]:
    seed(Stage.COMPARISON)
    store = open_store()
    texts: dict[str, list[str]] = {}
    for artefact in store.list_artefacts("HVA08", 2026):
        if artefact.key.endswith("-html") and artefact.stage in {"needs", "targets", "chains", "comparison"}:
            version = store.latest("HVA08", 2026, artefact.key)
            assert version is not None
            parser = _Prose()
            parser.feed(store.read_file(version).decode("utf-8"))
            texts[artefact.key] = [p for p in parser.paragraphs if p and not _DATA_PARAGRAPH.search(p)]
    return texts


def test_attachment_prose_has_no_spelling_or_grammar_errors(seed: Seed) -> None:
    """The methods, notes and narratives of stages 1–4's attachments (tables and charts aside)."""
    voikko = libvoikko.Voikko("fi")
    try:
        misspelt: dict[str, set[str]] = {}
        grammar: list[str] = []
        texts = _attachment_texts(seed)
        assert len(texts) >= 15 and sum(len(t) for t in texts.values()) > 200  # the documents were found
        for key, paragraphs in texts.items():
            for text in paragraphs:
                for match in WORD.finditer(text):
                    word, tail = match.group(0).rstrip(".-"), match.group("tail")
                    if TARGET_ID.match(word) or PACKAGE_ID.match(word) or (tail == "." and voikko.spell(word + ".")):
                        continue
                    if tail == "-" and voikko.spell(word + "palvelut"):
                        continue
                    parts = [p for p in word.split("-") if p]
                    if word in ALLOWED_IN_ATTACHMENTS or voikko.spell(word):
                        continue
                    if all(p in ALLOWED_IN_ATTACHMENTS or voikko.spell(p) for p in parts):
                        continue
                    misspelt.setdefault(key, set()).add(word)
                # ".." is the statistics' mark of a missing figure, named in the notes ("Merkintä .. tarkoittaa").
                masked = text.replace(" .. ", " merkki ")
                for error in voikko.grammarErrors(masked, "fi"):
                    if error.shortDescription not in ALLOWED_GRAMMAR | LIST_LINES:
                        found = masked[error.startPos : error.startPos + error.errorLen]
                        grammar.append(f"{key}: {error.shortDescription} «{found}» in «{masked[:100]}…»")
    finally:
        voikko.terminate()
    assert misspelt == {}, "\n".join(f"{key}: {', '.join(sorted(words))}" for key, words in misspelt.items())
    assert grammar == [], "\n".join(grammar)
