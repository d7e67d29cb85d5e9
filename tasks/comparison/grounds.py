"""Stage 4's item text in short: what the grounds (perustelut) of *Tuotantotapojen vertailu ja
valinta* say of the method, each recommendation and the personnel impact, with the attachments
(liitteet) the details are in. The item text stays within 1–3 pages; the method, the tables and the
sources are the attachments (tasks.comparison.documents)."""

from __future__ import annotations

from schemas.comparison import CRITERIA, CRITERION_LABELS, ComparisonAnalysis, ServiceComparison
from soteflow.numbers import fi_number
from tasks.comparison.analysis import effect_sentence, euros_text, reconciliation_sentence, stays_words
from tasks.comparison.sensitivity import robustness_sentence

#: The item's attachments, numbered as the text refers to them; liite 6 is the organising plan's own
#: document (tasks.comparison.proposal).
ATTACHMENTS: dict[int, str] = {
    1: "Menetelmä, lähteet ja täsmäytys aiempiin vaiheisiin",
    2: "Palvelukohtaiset vertailut, päätösmatriisit ja perustelut",
    3: "Oman tuotannon täyskustannuslaskelma",
    4: "Ostopalvelut ja palvelusetelit tuottajittain",
    5: "Henkilöstövaikutukset palveluittain",
}


def method_summary(analysis: ComparisonAnalysis) -> list[str]:
    """The material and the method in two paragraphs (the whole method is attachment 1)."""
    matrix = analysis.matrix
    weights = ", ".join(f"{CRITERION_LABELS[c].lower()} {fi_number(100 * matrix.weights[c], 0)} %" for c in CRITERIA)
    return [
        "Vertailu perustuu esimerkkiaineistoon (luvut eivät ole hyvinvointialueen virallisia lukuja): oman "
        f"tuotannon kustannuksiin tilivuodelta {analysis.own.year}, ostopalvelujen ja palvelusetelien "
        "sopimuksiin, laatu- ja saatavuustietoihin sekä oman tuotannon henkilöstöön. Menetelmä, "
        "herkkyystarkastelu ja lähteet ovat liitteessä 1 ja palvelukohtaiset laskelmat ja perustelut liitteessä 2.",
        "Oman tuotannon täyskustannus on laskettu JHS 203- ja JHS 204 -suositusten periaatteilla ja täsmäytetty "
        "tuloslaskelmaan. Ostopalvelun ja palvelusetelin kustannukseen on lisätty järjestäjän hankinta- ja "
        "sopimushallintakulut. Järjestäjän valvontaa ei lueta kummallekaan tuotantotavalle, koska järjestäjä "
        "valvoo myös omaa tuotantoaan. Palvelusetelin omavastuuosuus ei ole asiakasmaksu, vaan asiakas maksaa "
        "sen tuottajalle. Täyskustannuksen rinnalla on oman tuotannon vältettävissä oleva kustannus, josta on "
        f"vähennetty {stays_words(analysis.params)}, koska ne jäävät hyvinvointialueelle ulkoistettaessa. "
        f"Tuotantotavat on pisteytetty päätösmatriisissa (painot: {weights}), ja suositus on annettu "
        "suositussääntöjen mukaan.",
    ]


def key_findings(analysis: ComparisonAnalysis) -> list[str]:
    """The findings the item states (the recommendations and the personnel have their own sections;
    every finding is in the proposal's data and the summary above the decision form)."""
    return [reconciliation_sentence(analysis.own), effect_sentence(analysis.matrix)]


def recommendation_line(item: ServiceComparison) -> str:
    """One service's recommendation, its yearly € effect, and why where a rule overrides the matrix."""
    text = f"{item.name}: {item.recommendation.label_fi} (nykyisin {item.current_mode.label_fi})"
    effect = item.recommended_effect
    if effect is not None and effect != 0:
        text += f", vuosivaikutus {euros_text(effect)}"
    text += "."
    override = next((r for r in item.rationale if r.startswith("Päätösmatriisin paras vaihtoehto")), None)
    return f"{text} {override}" if override else text


def robustness_summary(analysis: ComparisonAnalysis) -> list[str]:
    """At most one sentence on how robust the recommendations are to the price at the next tender,
    the volume and the quality (the table per service is in attachment 2); none for an analysis
    stored before the sensitivity analysis."""
    sentence = robustness_sentence(analysis.matrix.services)
    return [sentence] if sentence else []


def personnel_summary(analysis: ComparisonAnalysis) -> list[str]:
    """The personnel impact in one paragraph (the table and the legal basis are attachment 5)."""
    personnel = analysis.personnel
    text = (
        f"Vertailtavien palvelujen omassa tuotannossa on {fi_number(personnel.total_own_fte, 1)} "
        f"henkilötyövuotta; suositukset koskevat {fi_number(personnel.total_affected_fte, 1)} henkilötyövuotta."
    )
    if personnel.total_additional_fte:
        text += (
            f" Oman tuotannon laajentaminen edellyttää arviolta {fi_number(personnel.total_additional_fte, 1)} "
            "henkilötyövuotta lisää."
        )
    text += (
        " Tuotantotavan muutokset, joilla voi olla liikkeen luovutuksesta johtuvia henkilöstövaikutuksia, "
        "käsitellään yhteistoimintamenettelyssä ennen niitä koskevia päätöksiä (laki 449/2007). Vaikutukset "
        "palveluittain ja säädösperusta ovat liitteessä 5."
    )
    return [text]
