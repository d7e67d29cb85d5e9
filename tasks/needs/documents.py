"""Stage 1's documents: the agenda item *Palvelutarvearvio* and its attachments (PDF/A-3a, each
with the data it presents embedded): liite 1 the method and sources, liite 2 the figures and
tables by municipality."""

from __future__ import annotations

from schemas.documents import PdfAttachment
from schemas.needs import NeedsAssessment, NeedsFigures, NeedsProposal
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number
from soteflow.store.canonical import canonical_json
from tasks.agenda import AttachmentPart, agenda_document, attachment_documents
from tasks.needs.analysis import COMPONENT_LABELS
from tasks.needs.proposal import document_created

TEMPLATE = "s1_needs.html"
ATTACHMENT_TEMPLATE = "s1_needs_attachment.html"
DOCUMENT_KEY = "needs-decision"


def _pct(share: float | None) -> str:
    return "" if share is None else f"{fi_number(100 * share, 0)} %"


def _span(span: tuple[float, float] | None) -> str:
    return "" if span is None else f"{fi_number(span[0], 1)} … {fi_number(span[1], 1)}"


def index_paragraphs(assessment: NeedsAssessment) -> list[str]:
    """The method attachment's account of the need index: what it is, how the components are
    standardised and why, what the weights now do, and what it does not decide."""
    index = assessment.need_index
    points = fi_number(index.points_per_sd or 0.0, 0)
    count = index.reference_count or len(index.rows)
    effects = {e.indicator: e for e in index.effects}
    age = effects.get("share_65_plus")
    paragraphs = [
        "Tarveindeksi on kuvaileva indeksi. Se kuvaa kuntien suhteellista palvelutarvetta väestön ikärakenteen "
        "ja sosioekonomisen tilanteen perusteella, mutta se ei yksinään määrää talousarviota, kehystä eikä "
        "voimavarojen jakoa; ne päätetään myöhemmissä vaiheissa omin perustein.",
        f"Kukin osatekijä on vakioitu: kunnan arvon ja koko maan arvon erotus on jaettu osatekijän hajonnalla "
        f"{index.reference or 'vertailujoukon kunnissa'} ({count} kuntaa). Hajonta on kuntien arvojen neliöllinen "
        "keskipoikkeama koko maan arvosta, ja siinä jokainen kunta on yksi havainto, koska indeksi vertaa kuntia. "
        "Vakioidut arvot on kerrottu painoilla ja laskettu yhteen, ja summa on kerrottu "
        f"{points}:llä. Indeksi saadaan lisäämällä tulo lukuun 100, joten koko maa on 100, ja {points} pistettä vastaa yhden "
        "hajonnan eroa kaikissa osatekijöissä. Koko maan vertailujoukko pitää indeksin samana kaikilla alueilla, "
        "ja se toimii myös alueella, jolla on vain vähän kuntia.",
    ]
    if age is not None and age.effective_before is not None and age.region_before is not None:
        paragraphs.append(
            "Aiemmin osatekijät olivat suhdelukuja koko maahan, jolloin osatekijän todellinen paino riippui siitä, "
            "kuinka paljon se vaihtelee kunnasta toiseen. Esimerkiksi 65 vuotta täyttäneiden osuuden paino oli "
            f"{_pct(age.weight)}, mutta sen todellinen paino oli koko maan kunnissa {_pct(age.effective_before)} ja "
            f"alueen kunnissa {_pct(age.region_before)}. Vakioinnin jälkeen jokaisen osatekijän hajonta koko maan "
            "kunnissa on yhtä suuri, joten ilmoitetut painot ovat koko maan kunnissa todelliset painot "
            f"(taulukko 1). Alueen kunnissa todellinen paino on nyt {_pct(age.region_after)}."
        )
    paragraphs.append(
        "Alueen kunnissa todelliset painot poikkeavat ilmoitetuista sen verran kuin alueen kunnat eroavat toisistaan "
        "jossakin osatekijässä enemmän tai vähemmän kuin koko maan kunnat: ero kuvaa alueen kuntia eikä johdu "
        "mittayksiköistä. Osatekijät korreloivat keskenään (esimerkiksi työttömyys ja pitkäaikaistyöttömyys), "
        "joten indeksin vaihtelu ei jakaudu täsmälleen painojen suhteessa."
    )
    return paragraphs


def uncertainty_paragraph(assessment: NeedsAssessment) -> str:
    """How the smallest municipalities' figures are marked and what the band is."""
    index = assessment.need_index
    limit = fi_number(index.population_limit or 0, 0)
    level = fi_number(100 * (index.confidence or 0.95), 0)
    small = [r for r in index.rows if r.uncertain]
    margins = [r.margin for r in small if r.margin is not None]
    text = (
        f"Pienten kuntien luvut ovat epävarmoja, koska pienessä väestössä muutama henkilö muuttaa osuuksia "
        f"paljon. Kunnat, joiden väkiluku on alle {limit}, on merkitty taulukoihin ja karttaan tähdellä (*); "
        "raja on palvelutarvearvion sääntötiedostossa. "
        f"Kunkin kunnan indeksille on laskettu {level} %:n vaihteluväli (±), joka kuvaa osuuksien satunnaista "
        "vaihtelua: kunkin osuuden keskivirhe on laskettu binomijakaumasta osuuden ja sen perusjoukon "
        "koosta, ja osatekijät on oletettu toisistaan riippumattomiksi."
    )
    if margins:
        low, high = fi_number(min(margins), 1), fi_number(max(margins), 1)
        band = f"±{low}" if low == high else f"±{low}–{high}"
        text += (
            f" Alueen pienten kuntien ({len(small)}) vaihteluväli on {band} pistettä, joten niiden järjestys "
            "lähellä toisiaan olevien kuntien kanssa voi johtua sattumasta."
        )
    return text


def change_paragraph(assessment: NeedsAssessment) -> str:
    """Which years the change analysis covers, and why no more."""
    change = assessment.change
    years = assessment.rules.change_years if assessment.rules is not None else 5
    if change.base_year:
        return (
            f"Muutosanalyysi kattaa ajan vuoden {change.base_year} lopusta vuoden {change.period} loppuun "
            f"(enintään {years} vuotta) sekä vuoden {change.period} väestönmuutokset. Aluejako on koko ajalta "
            "vuoden 2026 mukainen."
        )
    return (
        f"Lähdeaineistoissa on vain vuoden {change.period} tiedot, joten muutosanalyysi kattaa yhden vuoden "
        f"väestönmuutokset. Kun aineistossa on useampi vuosi, analyysi kattaa enintään {years} vuotta."
    )


def method_context(assessment: NeedsAssessment) -> dict[str, object]:
    """The method attachment's texts: each source, the index method, its weights and their effect
    before and after standardisation, the uncertainty of small municipalities and the change period."""
    sources = [
        f"{s.table_label or s.file} ({s.source or 'Tilastokeskus'}; tiedosto {s.file}, päivitetty "
        f"{fi_date(s.updated) if s.updated else 'ei tiedossa'})"
        for s in assessment.sources
    ]
    weights = ", ".join(
        f"{COMPONENT_LABELS[k].lower()} {fi_number(100 * w, 0)} %"
        for k, w in assessment.need_index.weights.items()
        if w > 0
    )
    effect_rows = [
        [
            e.label,
            *(
                None if share is None else 100 * share
                for share in (e.weight, e.effective_before, e.effective_after, e.region_before, e.region_after)
            ),
            _span(e.span_before),
            _span(e.span_after),
        ]
        for e in assessment.need_index.effects
    ]
    return {
        "source_lines": sources,
        "index_paragraphs": index_paragraphs(assessment),
        "weight_text": weights,
        "effect_rows": effect_rows,
        "uncertainty_text": uncertainty_paragraph(assessment),
        "change_text": change_paragraph(assessment),
    }


def needs_documents(
    payload: NeedsProposal, assessment: NeedsAssessment, figures: NeedsFigures, proposal_ref: VersionRef
) -> list[DocumentSpec]:
    """The item (its proposal embedded) and its two attachments, from the stored proposal version."""
    item = agenda_document(
        key=DOCUMENT_KEY,
        template=TEMPLATE,
        agenda=payload.agenda,
        proposal=proposal_ref,
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal_ref.key}",
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        subject=f"{payload.agenda.body}: päätösehdotus, {Stage.NEEDS.title_fi.lower()}",
        keywords=["palvelutarvearvio", "hyvinvointialue"],
        created=document_created(assessment),
        attachments=[
            PdfAttachment(
                filename="needs-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
            )
        ],
        context={},
    )
    by_municipality = {
        "profiles": assessment.profiles,
        "need_index": assessment.need_index,
        "change": assessment.change,
    }
    parts = [
        AttachmentPart(
            number=1,
            part="method",
            context={"assessment": assessment, **method_context(assessment)},
            data=[
                PdfAttachment(
                    filename="needs-assessment.json",
                    content=canonical_json(assessment),
                    description="Palvelutarvearvion aineisto, menetelmä ja lähteet (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=2,
            part="municipalities",
            context={"assessment": assessment, "figures": figures, "component_labels": COMPONENT_LABELS},
            data=[
                PdfAttachment(
                    filename="needs-municipalities.json",
                    content=canonical_json(by_municipality),
                    description="Palvelutarveprofiilit, tarveindeksi ja väestönmuutokset kunnittain (JSON)",
                )
            ],
        ),
    ]
    return [item, *attachment_documents(item, ATTACHMENT_TEMPLATE, parts)]


def needs_document(
    payload: NeedsProposal, assessment: NeedsAssessment, figures: NeedsFigures, proposal_ref: VersionRef
) -> DocumentSpec:
    """The agenda item alone (the first of :func:`needs_documents`)."""
    return needs_documents(payload, assessment, figures, proposal_ref)[0]
