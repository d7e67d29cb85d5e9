"""Stage 1: the proposal (palvelutarvearvio), its decision document, and the stage's Prefect tasks.

The analysis itself is in :mod:`tasks.needs` (pure). Here the assessment becomes an agenda item
for the body, figures, the round's artefacts, and the @task wrappers the flow calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import task
from prefect.cache_policies import TASK_SOURCE, CacheKeyFnPolicy
from prefect.context import TaskRunContext

from schemas.decisions import Outcome
from schemas.documents import (
    AgendaContent,
    AgendaItem,
    AttachmentRef,
    DocumentMetadata,
    PdfAttachment,
    TextSection,
)
from schemas.governance import StageGovernance
from schemas.needs import NeedIndexParams, NeedsAssessment, NeedsFigures, NeedsProposal
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.charts.bars import bar_chart_svg
from soteflow.data.numbers import fmt_fi
from soteflow.documents import load_governance, render_document
from soteflow.settings import get_settings
from soteflow.stagekit import FileOutput, JsonOutput, RenderedFiles
from soteflow.store.canonical import canonical_json
from tasks.agenda import earlier_handling, genitive, governance_fields, meeting_after, returned_section
from tasks.inputs import data_dir_or_default as data_dir_or_default  # re-exported for the stage modules
from tasks.needs import COMPONENT_LABELS, INDEX_METHOD, MAP_FILE, SOURCE_FILES, assess_needs, needs_map_svg

STAGE = Stage.NEEDS
TEMPLATE = "s1_needs.html"
HELSINKI = ZoneInfo("Europe/Helsinki")
#: How long after the newest source update the body can meet at the earliest: preparation,
#: co-operation procedure and the agenda's publication take about four weeks.
PREPARATION_DAYS = 28


def default_meeting_date(assessment: NeedsAssessment) -> dt.date:
    """A proposed meeting date derived from the data, so the same inputs give the same document.

    The first Monday at least :data:`PREPARATION_DAYS` after the newest source update; the
    secretary records the actual meeting date with the decision.
    """
    updated = [s.updated for s in assessment.sources if s.updated is not None]
    base = max(updated).astimezone(HELSINKI).date() if updated else dt.date(2026, 1, 1)
    day = base + dt.timedelta(days=PREPARATION_DAYS)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def build_needs_proposal(
    assessment: NeedsAssessment,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    meeting_date: dt.date | None = None,
) -> NeedsProposal:
    """The agenda item *Palvelutarvearvio*: grounds from the numbers, the proposal, the appeal."""
    index = assessment.need_index
    region = assessment.region_name
    weights = index.weights
    top = [row.name for row in index.rows[:3]]
    sources = "; ".join(
        f"{s.table_label or s.file} ({s.source or 'Tilastokeskus'}, päivitetty "
        f"{s.updated.astimezone(HELSINKI).strftime('%-d.%-m.%Y') if s.updated else 'ei tiedossa'})"
        for s in assessment.sources
    )
    weight_text = ", ".join(
        f"{COMPONENT_LABELS[k].lower()} {fmt_fi(100 * w, 0)} %" for k, w in weights.items() if w > 0
    )
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa alueensa sosiaali- ja terveydenhuollon järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Palvelujen järjestäminen etenee seitsemänvaiheisena "
                "prosessina, jonka ensimmäinen vaihe on strateginen palvelutarpeiden arviointi: väestön "
                "palvelutarpeet kunnittain ja asiakasryhmittäin sekä toimintaympäristön muutos.",
                f"Palvelutarvearvio on suunnittelukierroksen {cycle} lähtötieto tuloksellisuustavoitteille, "
                "palvelukokonaisuuksien priorisoinnille ja tuotantotapojen valinnalle.",
            ],
        ),
        TextSection(
            heading="Aineisto ja menetelmä",
            paragraphs=[
                f"Arvio perustuu Tilastokeskuksen avoimiin tietoihin (lisenssi CC BY 4.0): {sources}.",
                f"Alueen luvut on laskettu sen kuntien luvuista ja täsmäytetty Tilastokeskuksen "
                f"hyvinvointialuetason lukuihin. {INDEX_METHOD} Painot: {weight_text}.",
            ],
        ),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(assessment.findings)),
    ]
    handled = earlier_handling(earlier)
    returned = [e for e in earlier if e["outcome"] == Outcome.RETURNED.value]
    grounds += returned_section(
        earlier,
        "Tämä ehdotus on valmisteltu uudelleen kommenttien pohjalta ajantasaisilla tiedoilla; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    body = governance.body
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} strategisen palvelutarvearvion suunnittelukierroksen "
        f"{cycle} pohjaksi ja merkitä tiedoksi toimintaympäristön muutosanalyysin sekä lukujen "
        "täsmäytyksen Tilastokeskuksen lukuihin."
    )
    meeting = meeting_date or meeting_after(earlier, default_meeting_date(assessment))
    agenda = AgendaContent(
        region_name=governance.region_name,
        **governance_fields(governance, cycle),
        meeting_date=meeting,
        title=f"Palvelutarvearvio {cycle}",
        earlier_handling=handled,
        grounds=grounds,
        proposal=proposal,
        attachments=[
            AttachmentRef(number=1, title="Päätösehdotus koneluettavana (JSON)", filename="needs-proposal.json"),
            AttachmentRef(number=2, title="Palvelutarvearvion aineisto (JSON)", filename="needs-assessment.json"),
        ],
    )
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {meeting.strftime('%-d.%-m.%Y')}",
            "",
            *[
                f"> Uudelleen valmisteltu: {e['body']} palautti version {e['version']} "
                f"{dt.date.fromisoformat(e['meeting_date']).strftime('%-d.%-m.%Y')}: ”{e['comments']}”"
                for e in returned
            ],
            "",
            f"Alueen tarveindeksi {fmt_fi(index.region.index, 1)} (koko maa = 100). Suurin tarve: {', '.join(top)}.",
            "",
            *[f"- {f}" for f in assessment.findings[:5]],
            "",
            f"Ehdotus: {proposal}",
        ]
    )
    return NeedsProposal(
        region_code=assessment.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        findings=list(assessment.findings),
        index_weights=dict(weights),
        region_index=index.region.index,
        highest_need=top,
        summary_markdown=summary,
    )


def build_needs_figures(assessment: NeedsAssessment, data_dir: Path) -> NeedsFigures:
    """The document's figures: the need-index map, the index by municipality, the age structure."""
    rows = assessment.need_index.rows
    names = [r.name for r in rows]
    index_chart = bar_chart_svg(
        names,
        {"Tarveindeksi": [r.index for r in rows]},
        title=f"Tarveindeksi kunnittain, {assessment.region_name}",
        unit="indeksi",
        horizontal=True,
        reference_line=100.0,
        reference_label="koko maa = 100",
        decimals=1,
    )
    profiles = assessment.profiles
    areas = [*profiles.municipalities, profiles.region, profiles.country]
    age_chart = bar_chart_svg(
        [a.name for a in areas],
        {
            "Alle 15-vuotiaat": [a.share_under_15 for a in areas],
            "65 vuotta täyttäneet": [a.share_65_plus for a in areas],
        },
        title="Alle 15-vuotiaiden ja 65 vuotta täyttäneiden osuus väestöstä",
        unit="%",
        horizontal=True,
        decimals=1,
    )
    return NeedsFigures(
        map_svg=needs_map_svg(assessment, data_dir), index_chart_svg=index_chart, age_chart_svg=age_chart
    )


def needs_document_created(assessment: NeedsAssessment) -> dt.datetime:
    """The document's creation time, from the data (never the wall clock: renders are reproducible)."""
    updated = [s.updated for s in assessment.sources if s.updated is not None]
    return max(updated) if updated else dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def render_needs(
    payload: NeedsProposal, assessment: NeedsAssessment, figures: NeedsFigures, proposal_ref: VersionRef
) -> RenderedFiles:
    """Render the decision document from the stored proposal version (its number and hash in the footer)."""
    item = AgendaItem(
        **payload.agenda.model_dump(),
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal_ref.key}",
        version=proposal_ref.version,
        sha256=proposal_ref.sha256,
    )
    metadata = DocumentMetadata(
        title=f"{payload.agenda.title} – {payload.region_name}",
        author=payload.region_name,
        subject=f"{payload.agenda.body}: päätösehdotus, {STAGE.title_fi.lower()}",
        keywords=["palvelutarvearvio", "hyvinvointialue", payload.region_code, str(payload.cycle)],
        created=needs_document_created(assessment),
    )
    attachments = [
        PdfAttachment(
            filename="needs-proposal.json",
            content=canonical_json(payload),
            description="Päätösehdotus (JSON)",
        ),
        PdfAttachment(
            filename="needs-assessment.json",
            content=canonical_json(assessment),
            description="Palvelutarvearvion aineisto (JSON)",
        ),
    ]
    context = {
        "item": item,
        "assessment": assessment,
        "figures": figures,
        "component_labels": COMPONENT_LABELS,
    }
    doc = render_document(TEMPLATE, context, metadata=metadata, attachments=attachments)
    return RenderedFiles(html=doc.html, pdf=doc.pdf)


@dataclass(frozen=True)
class RoundOutputs:
    """What one stage-1 round stores: source snapshots, data, figures, proposal, and UI tables."""

    sources: list[FileOutput]
    data: list[JsonOutput]
    figures: list[FileOutput]
    proposal: JsonOutput
    tables: dict[str, list[dict[str, Any]]]


def needs_round_outputs(
    *,
    assessment: NeedsAssessment,
    figures: NeedsFigures,
    proposal: NeedsProposal,
    data_dir: str | Path | None,
) -> RoundOutputs:
    """The round's artefacts with their lineage: sources → tables → proposal (→ documents)."""
    root = data_dir_or_default(data_dir)
    sources = [
        FileOutput(
            key=f"needs-source-{name}",
            kind="source",
            title=f"Lähdeaineisto: {filename}",
            content=(root / "statfin" / filename).read_bytes(),
            media_type="application/json",
            schema_name="pxweb-json",
        )
        for name, (filename, _columns) in SOURCE_FILES.items()
    ]
    sources.append(
        FileOutput(
            key="needs-source-map",
            kind="source",
            title="Kuntakartta ja hyvinvointialueavain (TopoJSON)",
            content=(root / MAP_FILE).read_bytes(),
            media_type="application/json",
            schema_name="topojson",
        )
    )
    source_keys = [s.key for s in sources]
    data = [
        JsonOutput("needs-profile", "table", "Palvelutarveprofiilit", assessment.profiles, inputs=source_keys),
        JsonOutput("needs-index", "table", "Tarveindeksi", assessment.need_index, inputs=["needs-profile"]),
        JsonOutput(
            "needs-change",
            "table",
            "Toimintaympäristön muutosanalyysi",
            assessment.change,
            inputs=["needs-profile"],
        ),
        JsonOutput(
            "needs-reconciliation",
            "report",
            "Täsmäytys Tilastokeskuksen lukuihin",
            assessment.reconciliation,
            inputs=source_keys,
        ),
    ]
    figure_output = FileOutput(
        key="needs-map-svg",
        kind="map",
        title="Tarveindeksi kunnittain (kartta)",
        content=figures.map_svg.encode("utf-8"),
        media_type="image/svg+xml",
        schema_name="svg",
        inputs=["needs-index"],
    )
    tables = {
        "needs-index": [
            {"sija": r.rank, "kunta": r.name, "koodi": r.area_code, "tarveindeksi": r.index}
            for r in assessment.need_index.rows
        ],
        "needs-profile": [
            {
                "alue": p.name,
                "väkiluku": p.population,
                "alle 15 %": p.share_under_15,
                "65+ %": p.share_65_plus,
                "pienituloisuus %": p.low_income_rate,
                "työttömyys %": p.unemployment_rate,
            }
            for p in [
                *assessment.profiles.municipalities,
                assessment.profiles.region,
                assessment.profiles.country,
            ]
        ],
    }
    return RoundOutputs(
        sources=sources,
        data=data,
        figures=[figure_output],
        proposal=JsonOutput(
            "needs-proposal", "proposal", "Päätösehdotus: palvelutarvearvio", proposal,
            inputs=[d.key for d in data] + ["needs-map-svg"],
        ),
        tables=tables,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Prefect tasks. Results are persisted so a suspended run resumes without recomputing; the cache
# key includes the input files' hashes, so changed data is never served from an old result.


def _inputs_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    root = data_dir_or_default(parameters.get("data_dir"))
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode())
    configs = [*sorted((root / "config" / "regions").glob("*.toml"))]
    configs += sorted((get_settings().input_dir / "config" / "regions").glob("*.toml"))  # the shipped fallback
    for path in [*sorted((root / "statfin").glob("*.json")), root / MAP_FILE, *configs]:
        if path.is_file():
            digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_CACHE = CacheKeyFnPolicy(cache_key_fn=_inputs_key) + TASK_SOURCE


@task(name="assess-needs", cache_policy=_CACHE, persist_result=True)
def assess_needs_task(*, region: str, data_dir: str | None, index_weights: dict[str, float] | None) -> NeedsAssessment:
    """Read the Statistics Finland exports and assess the region's service needs (pure computation)."""
    params = NeedIndexParams(**{f"weight_{k}": v for k, v in (index_weights or {}).items()})
    return assess_needs(data_dir_or_default(data_dir), region, params)


@task(name="needs-figures", cache_policy=_CACHE, persist_result=True)
def needs_figures_task(*, assessment: NeedsAssessment, data_dir: str | None) -> NeedsFigures:
    """Draw the map and charts of the assessment as SVG."""
    return build_needs_figures(assessment, data_dir_or_default(data_dir))


@task(name="needs-governance", cache_policy=_CACHE, persist_result=True)
def needs_governance_task(*, region: str, region_name: str, data_dir: str | None) -> StageGovernance:
    """The body, presenter and preparers of stage 1 from the region configuration file."""
    config_dir = data_dir_or_default(data_dir) / "config" / "regions"
    if not config_dir.is_dir():  # an input folder without its own configuration uses the shipped one
        config_dir = get_settings().input_dir / "config" / "regions"
    return load_governance(region, STAGE, config_dir, region_name=region_name)


@task(name="build-needs-proposal")
def build_needs_proposal_task(
    *,
    assessment: NeedsAssessment,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    meeting_date: str | None = None,
) -> NeedsProposal:
    """Write the agenda item: grounds from the numbers, earlier handling, the proposal."""
    date = dt.date.fromisoformat(meeting_date) if meeting_date else None
    return build_needs_proposal(assessment, governance, earlier, cycle, date)


def needs_renderer(
    payload: NeedsProposal, assessment: NeedsAssessment, figures: NeedsFigures
) -> Callable[[VersionRef], RenderedFiles]:
    """The callback that renders the document once the proposal version is known."""
    return lambda proposal_ref: render_needs(payload, assessment, figures, proposal_ref)
