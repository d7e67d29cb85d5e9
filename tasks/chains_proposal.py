"""Stage 3: the proposal (palvelukokonaisuudet ja palveluketjut), its two documents, and the tasks.

The analysis is in :mod:`tasks.chains` (pure) and the feedback synthesis in :mod:`tasks.feedback`.
Here they become two agenda items decided together — "Palvelukokonaisuudet ja palveluketjut" and
"Yhteenveto sidosryhmien lausunnoista" — the chain diagrams, the round's artefacts with their
lineage (the approved stage-2 versions as external inputs), and the @task wrappers the flow calls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE, TASK_SOURCE, CacheKeyFnPolicy
from prefect.context import TaskRunContext
from pydantic import BaseModel, ConfigDict, Field

from schemas.chains import (
    CRITERIA,
    CRITERION_LABELS,
    ChainFigure,
    ChainsFigures,
    ChainsProposal,
    PackagePriorities,
    ProductionMode,
    ServiceCatalogue,
    ServiceChains,
    SourceRef,
    TargetsBasis,
)
from schemas.decisions import Outcome
from schemas.documents import (
    AgendaContent,
    AgendaItem,
    AttachmentRef,
    DocumentMetadata,
    PdfAttachment,
    TextSection,
)
from schemas.feedback import FeedbackFigures, FeedbackSynthesis
from schemas.governance import StageGovernance
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import CLIENT_GROUP_LABELS, FrameAllocation, ImpactTargets
from soteflow.charts.chain import ChainBox, chain_diagram_svg
from soteflow.data.numbers import fmt_fi
from soteflow.data.regions import load_region_key, resolve_region
from soteflow.documents import fi_number, load_governance, render_document
from soteflow.settings import get_settings
from soteflow.stagekit import FileOutput, JsonOutput, RenderedDocument, open_store
from soteflow.store import Store
from soteflow.store.canonical import canonical_json
from soteflow.upstream import approved_round
from tasks.agenda import earlier_handling, genitive, governance_fields, meeting_after, returned_section
from tasks.chains import (
    CATALOGUE_FILE,
    FEEDBACK_FILE,
    build_chains,
    check_catalogue_against_stage2,
    default_taxonomy_path,
    priority_params,
    read_catalogue,
    score_packages,
)
from tasks.feedback import load_taxonomy, read_feedback, synthesise_feedback
from tasks.feedback_document import build_feedback_agenda, feedback_figures, render_feedback
from tasks.inputs import data_dir_or_default, inputs_dir_or_default
from tasks.needs_proposal import HELSINKI, PREPARATION_DAYS, RoundOutputs

STAGE = Stage.CHAINS
TEMPLATE = "s3_chains.html"
DOCUMENT_KEY = "chains-decision"
FEEDBACK_DOCUMENT_KEY = "chains-feedback"
#: A body's decision is minuted and becomes known to the preparers about two weeks after the
#: meeting; stage 3 builds on the approved stage-2 decision, so it is proposed no earlier.
AFTER_STAGE2_DAYS = 14
MAP_FILE = Path("geo") / "finland-hva-2021.topo.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChainsInputs(_Model):
    """Stage 3's input files read and checked: the catalogue and the feedback synthesis."""

    catalogue: ServiceCatalogue = Field(description="Palveluluettelo")
    synthesis: FeedbackSynthesis = Field(description="Sidosryhmäpalautteen yhteenveto")
    catalogue_path: str = Field(description="Palveluluettelon polku")
    feedback_path: str = Field(description="Palautetiedoston polku")
    taxonomy_path: str = Field(description="Teemaluokituksen polku")


class ChainsAnalysis(_Model):
    """The prioritisation and the chains, computed from the catalogue and the approved stage 2."""

    priorities: PackagePriorities = Field(description="Priorisointi")
    services: ServiceChains = Field(description="Palveluketjut ja palvelukuvaukset")


def region_identity(region: str, data_dir: str | Path | None = None) -> tuple[str, str]:
    """The region's code and Finnish name from a code or name (``Pirkanmaa`` → ``HVA08``)."""
    path = data_dir_or_default(data_dir) / MAP_FILE
    if not path.is_file():  # an input folder without the map uses the shipped key
        path = get_settings().input_dir / MAP_FILE
    found = resolve_region(region, load_region_key(path))
    return found.code, found.name_fi


def load_targets_basis(store: Store, *, region: str, cycle: int) -> TargetsBasis:
    """The approved stage-2 targets and frame with their versions and the approval decision.

    Raises :class:`~soteflow.upstream.StageNotApprovedError` when stage 2 has no approved
    proposal for the region and cycle: stage 3 does not start.
    """
    approved = approved_round(store, region=region, cycle=cycle, stage=Stage.TARGETS)
    impact = approved.load(store, "targets-impact", ImpactTargets)
    frame = approved.load(store, "targets-frame", FrameAllocation)
    decisions = [
        d
        for d in store.decisions_for(approved.proposal.version_id)
        if str(getattr(d.outcome, "value", d.outcome)) == "approved"
    ]
    last = decisions[-1] if decisions else None
    return TargetsBasis(
        impact=impact,
        frame=frame,
        impact_ref=approved.ref("targets-impact"),
        frame_ref=approved.ref("targets-frame"),
        proposal_ref=approved.proposal,
        approved_on=last.meeting_date if last else None,
        approved_by=last.body if last else None,
    )


def read_chains_inputs(catalogue_path: Path, feedback_path: Path, taxonomy_path: Path) -> ChainsInputs:
    """Read the catalogue and synthesise the feedback (every file error is an InputError)."""
    catalogue = read_catalogue(catalogue_path)
    taxonomy = load_taxonomy(taxonomy_path)
    comments = read_feedback(feedback_path)
    synthesis = synthesise_feedback(comments, taxonomy, source_file=str(feedback_path))
    return ChainsInputs(
        catalogue=catalogue,
        synthesis=synthesis,
        catalogue_path=str(catalogue_path),
        feedback_path=str(feedback_path),
        taxonomy_path=str(taxonomy_path),
    )


def analyse_chains(
    catalogue: ServiceCatalogue,
    basis: TargetsBasis,
    *,
    catalogue_path: str | Path,
    weights: dict[str, float] | None = None,
    sensitivity_step: float | None = None,
) -> ChainsAnalysis:
    """Check the catalogue against the approved stage 2, score the packages, build the chains."""
    params = priority_params(weights, sensitivity_step)
    check_catalogue_against_stage2(catalogue, basis.impact, basis.frame, file=catalogue_path)
    targets_ref, frame_ref = SourceRef.of(basis.impact_ref), SourceRef.of(basis.frame_ref)
    priorities = score_packages(
        catalogue, basis.impact, basis.frame, params, targets_ref=targets_ref, frame_ref=frame_ref
    )
    services = build_chains(catalogue, basis.impact, targets_ref=targets_ref)
    return ChainsAnalysis(priorities=priorities, services=services)


# ---------------------------------------------------------------------------------------------
# Dates: from the data, never the wall clock (renders are reproducible).


def _next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def basis_date(basis: TargetsBasis, synthesis: FeedbackSynthesis, cycle: int) -> dt.date:
    """The newest date the proposal rests on: the stage-2 approval or the last stakeholder comment."""
    dates = [d for d in (basis.approved_on, synthesis.last_date) if d is not None]
    return max(dates) if dates else dt.date(cycle - 1, 1, 1)


def default_meeting_date(basis: TargetsBasis, synthesis: FeedbackSynthesis, cycle: int) -> dt.date:
    """The first Monday at least two weeks after the stage-2 approval and at least
    :data:`~tasks.needs_proposal.PREPARATION_DAYS` after the last stakeholder comment."""
    candidates = [synthesis.last_date + dt.timedelta(days=PREPARATION_DAYS)]
    if basis.approved_on is not None:
        candidates.append(basis.approved_on + dt.timedelta(days=AFTER_STAGE2_DAYS))
    return _next_monday(max(candidates))


def document_created(basis: TargetsBasis, synthesis: FeedbackSynthesis, cycle: int) -> dt.datetime:
    """Both documents' creation time: noon (Helsinki) of :func:`basis_date`."""
    return dt.datetime.combine(basis_date(basis, synthesis, cycle), dt.time(12, 0), tzinfo=HELSINKI)


# ---------------------------------------------------------------------------------------------
# The proposal.


def _meur(value: float) -> str:
    return fmt_fi(value / 1e6, 1)


def _score(value: float) -> str:
    return fmt_fi(value, 4)


def _date(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def _short(ref: VersionRef | SourceRef) -> str:
    return f"{ref.key} v{ref.version}, SHA-256 {ref.sha256[:12]}…"


def _value(value: float) -> str:
    """A target value as printed: whole numbers without decimals (5 000), others with one (93,0 → 93,0)."""
    return fmt_fi(value, 0 if float(value).is_integer() and abs(value) >= 100 else 1)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _target_text(target_id: str, basis: TargetsBasis) -> str:
    t = basis.impact.by_id(target_id)
    return (
        f"{t.target_id} {_lower_first(t.indicator)} {t.direction.label_fi} → {_value(t.target_value)} {t.unit} "
        f"({t.target_year})"
    )


def priority_paragraphs(priorities: PackagePriorities) -> list[str]:
    """The ranking and the sensitivity findings as sentences."""
    names = {r.package_id: r.name for r in priorities.rows}
    ranking = "; ".join(f"{r.rank}. {r.name} ({_score(r.score)})" for r in priorities.rows)
    out = [f"Painotetut pisteet ja järjestys: {ranking}."]
    s = priorities.sensitivity
    cases = len(s.scenarios)
    if s.top_stable:
        out.append(
            f"Herkkyystarkastelussa ({cases} tapausta) kärki {names[s.top_package]} pysyy samana kaikissa tapauksissa."
        )
    else:
        changed = "; ".join(f"{sc.label}: {names[sc.top_package]}" for sc in s.scenarios if sc.top_changed)
        out.append(
            f"Herkkyystarkastelussa ({cases} tapausta) kärki {names[s.top_package]} vaihtuu seuraavissa "
            f"tapauksissa: {changed}."
        )
    moving = [r for r in s.rank_ranges if r.best_rank != r.worst_rank]
    if moving:
        out.append(
            "Sijat vaihtelevat painojen mukaan: "
            + "; ".join(f"{names[r.package_id]} {r.best_rank}.–{r.worst_rank}." for r in moving)
        )
    else:
        out.append("Yhdenkään kokonaisuuden sija ei muutu herkkyystarkastelussa.")
    return out


def chain_paragraph(chain_id: str, services: ServiceChains, basis: TargetsBasis) -> str:
    """One chain in a sentence: steps, cost, production-mode mix, targets."""
    chain = services.chain(chain_id)
    steps = " → ".join(s.name for s in chain.steps)
    mix = ", ".join(f"{m.mode.label_fi} {fmt_fi(100 * m.share, 1)} %" for m in chain.mode_mix)
    targets = "; ".join(_target_text(t.target_id, basis) for t in chain.targets)
    return (
        f"{chain.name} ({CLIENT_GROUP_LABELS[chain.client_group].lower()}): {len(chain.steps)} vaihetta "
        f"({steps}). Vuosikustannus {_meur(chain.annual_cost)} milj. €; tuotantotavat kustannuksista: {mix}. "
        f"Ketjun tavoitteet: {targets}."
    )


def build_chains_proposal(
    *,
    catalogue: ServiceCatalogue,
    analysis: ChainsAnalysis,
    synthesis: FeedbackSynthesis,
    basis: TargetsBasis,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    meeting_date: dt.date | None = None,
) -> ChainsProposal:
    """The two agenda items decided together, built from the numbers."""
    region = governance.region_name
    priorities, services = analysis.priorities, analysis.services
    steps = sum(len(p.steps) for p in catalogue.packages)
    example = ", esimerkkiaineisto" if catalogue.example_data else ""
    weight_text = ", ".join(
        f"{CRITERION_LABELS[k].lower()} {fmt_fi(100 * priorities.weights[k], 0)} %" for k in CRITERIA
    )
    stage2_when = (
        f"{_lower_first(basis.approved_by or 'toimielin')} hyväksyi {_date(basis.approved_on)}"
        if basis.approved_on
        else "hyväksytyt"
    )
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa alueensa sosiaali- ja terveydenhuollon järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Palvelujen järjestämisprosessin kolmannessa vaiheessa "
                "palvelukokonaisuudet priorisoidaan tuloksellisuustavoitteiden perusteella, palveluketjuille ja "
                "niiden vaiheille asetetaan tavoitteet ja mittarit ja palvelut kuvataan rakenteisesti. "
                "Sidosryhmien näkemykset on koottu yhteiskehittämisen tilaisuuksista.",
                f"Vaihe perustuu tuloksellisuustavoitteisiin ja talouden kehykseen, jotka {stage2_when} "
                f"(päätösehdotuksen versio {basis.proposal_ref.version}). Laskennassa on käytetty vaiheen 2 "
                f"hyväksyttyjä versioita: vaikuttavuustavoitteet ({_short(basis.impact_ref)}) ja kehyksen "
                f"kohdennus asiakasryhmille ({_short(basis.frame_ref)}).",
            ],
        ),
        TextSection(
            heading="Aineisto ja menetelmä",
            paragraphs=[
                f"Palveluluettelo ({catalogue.source_file}{example}) sisältää {len(catalogue.packages)} "
                f"palvelukokonaisuutta ja {steps} palvelua palveluketjujen vaiheina. Kunkin palvelun tuotantotapa, "
                "vuosivolyymi, yksikkökustannus ja laatumittari on annettu luettelossa, ja jokainen vaihe on "
                "sidottu vaiheen 2 vaikuttavuustavoitteeseen (tavoite_id).",
                *priorities.method,
                f"Painot: {weight_text}.",
                priorities.sensitivity.method,
            ],
        ),
        TextSection(heading="Priorisoinnin tulos", paragraphs=priority_paragraphs(priorities)),
        TextSection(
            heading="Palveluketjut ja niiden tavoitteet",
            paragraphs=[chain_paragraph(pid, services, basis) for pid in priorities.order],
        ),
        TextSection(
            heading="Sidosryhmien palaute",
            paragraphs=[
                f"Sidosryhmiltä koottiin {synthesis.comments} kommenttia {synthesis.groups} sidosryhmältä "
                f"{synthesis.sessions} tilaisuudessa {_date(synthesis.first_date)}–{_date(synthesis.last_date)}"
                f"{' (esimerkkiaineisto)' if synthesis.example_data else ''}. Palautteen yhteenveto ja se, miten "
                "palaute otetaan huomioon, esitetään erillisessä asiakirjassa "
                f"”Yhteenveto sidosryhmien lausunnoista {cycle}”, joka käsitellään samassa kokouksessa (liite 4)."
            ],
        ),
    ]
    returned = [e for e in earlier if e["outcome"] == Outcome.RETURNED.value]
    grounds += returned_section(
        earlier,
        "Tämä ehdotus on valmisteltu uudelleen kommenttien pohjalta; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    body = governance.body
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} palvelukokonaisuuksien priorisoinnin sekä "
        f"palveluketjut tavoitteineen ja mittareineen suunnittelukierroksen {cycle} pohjaksi ja merkitä "
        "tiedoksi palvelukuvaukset."
    )
    meeting = meeting_date or meeting_after(earlier, default_meeting_date(basis, synthesis, cycle))
    agenda = AgendaContent(
        region_name=region,
        **governance_fields(governance, cycle),
        meeting_date=meeting,
        title=f"Palvelukokonaisuudet ja palveluketjut {cycle}",
        earlier_handling=earlier_handling(earlier),
        grounds=grounds,
        proposal=proposal,
        attachments=[
            AttachmentRef(number=1, title="Päätösehdotus koneluettavana (JSON)", filename="chains-proposal.json"),
            AttachmentRef(
                number=2, title="Priorisointi ja herkkyystarkastelu (JSON)", filename="chains-priorities.json"
            ),
            AttachmentRef(number=3, title="Palveluketjut ja palvelukuvaukset (JSON)", filename="chains-services.json"),
            AttachmentRef(number=4, title=f"Yhteenveto sidosryhmien lausunnoista {cycle} (erillinen asiakirja)"),
        ],
    )
    feedback_agenda = build_feedback_agenda(synthesis, governance, earlier, cycle, meeting)
    names = {r.package_id: r.name for r in priorities.rows}
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {_date(meeting)}",
            "",
            *[
                f"> Uudelleen valmisteltu: {e['body']} palautti version {e['version']} "
                f"{_date(dt.date.fromisoformat(e['meeting_date']))}: ”{e['comments']}”"
                for e in returned
            ],
            "",
            "Priorisointi (pisteet 0–1):",
            "",
            *[f"{r.rank}. {r.name} — {_score(r.score)}" for r in priorities.rows],
            "",
            (
                f"Kärki {names[priorities.sensitivity.top_package]} pysyy herkkyystarkastelussa."
                if priorities.sensitivity.top_stable
                else f"Kärki {names[priorities.sensitivity.top_package]} vaihtuu osassa herkkyystarkastelun tapauksista."
            ),
            "",
            f"Sidosryhmäpalaute: {synthesis.comments} kommenttia, {synthesis.groups} sidosryhmää, "
            f"{synthesis.sessions} tilaisuutta (erillinen yhteenveto).",
            "",
            f"Ehdotus: {proposal}",
        ]
    )
    return ChainsProposal(
        region_code=basis.impact.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        feedback_agenda=feedback_agenda,
        priority_order=priorities.order,
        top_package=priorities.sensitivity.top_package,
        weights=dict(priorities.weights),
        top_stable=priorities.sensitivity.top_stable,
        stage2=[SourceRef.of(r) for r in (basis.proposal_ref, basis.impact_ref, basis.frame_ref)],
        summary_markdown=summary,
    )


# ---------------------------------------------------------------------------------------------
# Figures and documents.

MODE_LEGEND = {m.value: f"{m.tag_fi} = {m.label_fi}" for m in ProductionMode}


def build_chain_figures(services: ServiceChains) -> ChainsFigures:
    """One diagram per chain: steps left to right, mode as colour, border and text tag, volume."""
    figures = []
    for chain in services.chains:
        boxes = [
            ChainBox(
                label=s.name,
                tag=s.mode.tag_fi,
                style=s.mode.value,
                details=(f"{fi_number(s.annual_volume)} {s.unit}/vuosi", f"tavoite {s.target.target_id}"),
                spoken=(
                    f"{s.name} ({s.mode.label_fi}; {fi_number(s.annual_volume)} {s.unit}/vuosi; "
                    f"tavoite {s.target.target_id})"
                ),
            )
            for s in chain.steps
        ]
        title = f"Palveluketju: {chain.name}"
        figures.append(
            ChainFigure(
                package_id=chain.package_id,
                key=chain.figure_key,
                title=title,
                svg=chain_diagram_svg(boxes, title=title, legend=MODE_LEGEND),
            )
        )
    return ChainsFigures(chains=figures)


def render_chains(
    payload: ChainsProposal,
    catalogue: ServiceCatalogue,
    analysis: ChainsAnalysis,
    figures: ChainsFigures,
    proposal_ref: VersionRef,
    *,
    created: dt.datetime,
) -> RenderedDocument:
    """Render "Palvelukokonaisuudet ja palveluketjut" from the stored proposal version."""
    item = AgendaItem(
        **payload.agenda.model_dump(),
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{DOCUMENT_KEY}",
        version=proposal_ref.version,
        sha256=proposal_ref.sha256,
    )
    metadata = DocumentMetadata(
        title=f"{payload.agenda.title} – {payload.region_name}",
        author=payload.region_name,
        subject=f"{payload.agenda.body}: päätösehdotus, {STAGE.title_fi.lower()}",
        keywords=["palvelukokonaisuudet", "palveluketjut", "priorisointi", payload.region_code, str(payload.cycle)],
        created=created,
    )
    attachments = [
        PdfAttachment(
            filename="chains-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
        ),
        PdfAttachment(
            filename="chains-priorities.json",
            content=canonical_json(analysis.priorities),
            description="Priorisointi ja herkkyystarkastelu (JSON)",
        ),
        PdfAttachment(
            filename="chains-services.json",
            content=canonical_json(analysis.services),
            description="Palveluketjut ja palvelukuvaukset (JSON)",
        ),
    ]
    context = {
        "item": item,
        "payload": payload,
        "catalogue": catalogue,
        "priorities": analysis.priorities,
        "services": analysis.services,
        "figures": figures,
        "criteria": list(CRITERIA),
        "criterion_labels": CRITERION_LABELS,
        "group_labels": CLIENT_GROUP_LABELS,
    }
    doc = render_document(TEMPLATE, context, metadata=metadata, attachments=attachments)
    return RenderedDocument(DOCUMENT_KEY, payload.agenda.title, doc.html, doc.pdf)


def render_round_documents(
    payload: ChainsProposal,
    inputs: ChainsInputs,
    analysis: ChainsAnalysis,
    figures: ChainsFigures,
    feedback_figs: FeedbackFigures,
    basis: TargetsBasis,
    proposal_ref: VersionRef,
) -> list[RenderedDocument]:
    """Both documents of the round, rendered from the same stored proposal version."""
    created = document_created(basis, inputs.synthesis, payload.cycle)
    decision = render_chains(payload, inputs.catalogue, analysis, figures, proposal_ref, created=created)
    feedback = render_feedback(
        payload.feedback_agenda,
        inputs.synthesis,
        feedback_figs,
        proposal_ref,
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        created=created,
    )
    return [decision, feedback]


def chains_renderer(
    payload: ChainsProposal,
    inputs: ChainsInputs,
    analysis: ChainsAnalysis,
    figures: ChainsFigures,
    feedback_figs: FeedbackFigures,
    basis: TargetsBasis,
) -> Callable[[VersionRef], list[RenderedDocument]]:
    """The callback that renders both documents once the proposal version is known."""
    return lambda proposal_ref: render_round_documents(
        payload, inputs, analysis, figures, feedback_figs, basis, proposal_ref
    )


def chains_round_outputs(
    *,
    inputs: ChainsInputs,
    analysis: ChainsAnalysis,
    figures: ChainsFigures,
    proposal: ChainsProposal,
    basis: TargetsBasis,
) -> RoundOutputs:
    """The round's artefacts with their lineage: sources and stage 2 → tables → proposal (→ documents)."""
    sources = [
        FileOutput(
            key="chains-source-catalogue",
            kind="source",
            title=f"Lähdeaineisto: {Path(inputs.catalogue_path).name}",
            content=Path(inputs.catalogue_path).read_bytes(),
            media_type="text/csv",
            schema_name="palvelukatalogi-csv",
        ),
        FileOutput(
            key="chains-source-feedback",
            kind="source",
            title=f"Lähdeaineisto: {Path(inputs.feedback_path).name}",
            content=Path(inputs.feedback_path).read_bytes(),
            media_type="text/csv",
            schema_name="lausunnot-csv",
        ),
        FileOutput(
            key="chains-source-themes",
            kind="source",
            title=f"Teemaluokitus: {Path(inputs.taxonomy_path).name}",
            content=Path(inputs.taxonomy_path).read_bytes(),
            media_type="application/toml",
            schema_name="feedback-themes-toml",
        ),
    ]
    data = [
        JsonOutput(
            "chains-catalogue", "table", "Palveluluettelo", inputs.catalogue, inputs=["chains-source-catalogue"]
        ),
        JsonOutput(
            "chains-priorities",
            "table",
            "Palvelukokonaisuuksien priorisointi",
            analysis.priorities,
            inputs=["chains-catalogue"],
            external_inputs=[basis.impact_ref, basis.frame_ref],
        ),
        JsonOutput(
            "chains-services",
            "table",
            "Palveluketjut ja palvelukuvaukset",
            analysis.services,
            inputs=["chains-catalogue"],
            external_inputs=[basis.impact_ref],
        ),
        JsonOutput(
            "chains-feedback-synthesis",
            "report",
            "Yhteenveto sidosryhmien lausunnoista",
            inputs.synthesis,
            inputs=["chains-source-feedback", "chains-source-themes"],
        ),
    ]
    figure_outputs = [
        FileOutput(
            key=f.key,
            kind="figure",
            title=f.title,
            content=f.svg.encode("utf-8"),
            media_type="image/svg+xml",
            schema_name="svg",
            inputs=["chains-services"],
        )
        for f in figures.chains
    ]
    priorities = analysis.priorities
    tables = {
        "chains-priorities": [
            {
                "sija": r.rank,
                "palvelukokonaisuus": r.name,
                "pisteet": r.score,
                **{CRITERION_LABELS[c.criterion].lower(): c.component for c in r.criteria},
            }
            for r in priorities.rows
        ],
        "chains-services": [
            {
                "kokonaisuus": chain.package_id,
                "vaihe": s.order,
                "palvelu": s.name,
                "tuotantotapa": s.mode.label_fi,
                "vuosivolyymi": s.annual_volume,
                "vuosikustannus €": s.annual_cost,
                "tavoite": s.target.target_id,
            }
            for chain in analysis.services.chains
            for s in chain.steps
        ],
    }
    return RoundOutputs(
        sources=sources,
        data=data,
        figures=figure_outputs,
        proposal=JsonOutput(
            "chains-proposal",
            "proposal",
            "Päätösehdotus: palvelukokonaisuudet ja palveluketjut",
            proposal,
            inputs=[d.key for d in data] + [f.key for f in figure_outputs],
            external_inputs=[basis.proposal_ref],
        ),
        tables=tables,
    )


# ---------------------------------------------------------------------------------------------
# Prefect tasks. Results are persisted so a suspended run resumes without recomputing; the cache
# key of the file-reading task includes the files' hashes, so changed inputs are never served
# from an old result. Reading the store is never cached: an approval can change it.


def _files_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode())
    for name in ("catalogue_path", "feedback_path", "taxonomy_path"):
        path = Path(str(parameters[name]))
        if path.is_file():
            digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_FILES_CACHE = CacheKeyFnPolicy(cache_key_fn=_files_key) + TASK_SOURCE


@task(name="chains-region", cache_policy=NO_CACHE)
def chains_region_task(*, region: str, data_dir: str | None) -> tuple[str, str]:
    """The region's code and name (a name such as Pirkanmaa resolves to HVA08)."""
    return region_identity(region, data_dir)


@task(name="load-targets-basis", cache_policy=NO_CACHE, persist_result=True)
def load_targets_basis_task(*, region: str, cycle: int) -> TargetsBasis:
    """The approved stage-2 round: targets, frame, their versions (StageNotApprovedError if none)."""
    return load_targets_basis(open_store(), region=region, cycle=cycle)


@task(name="read-chains-inputs", cache_policy=_FILES_CACHE, persist_result=True)
def read_chains_inputs_task(*, catalogue_path: str, feedback_path: str, taxonomy_path: str) -> ChainsInputs:
    """Read and validate the service catalogue and synthesise the stakeholder feedback."""
    return read_chains_inputs(Path(catalogue_path), Path(feedback_path), Path(taxonomy_path))


@task(name="analyse-chains", cache_policy=NO_CACHE, persist_result=True)
def analyse_chains_task(
    *,
    catalogue: ServiceCatalogue,
    basis: TargetsBasis,
    catalogue_path: str,
    weights: dict[str, float] | None,
    sensitivity_step: float | None,
) -> ChainsAnalysis:
    """Check the catalogue against stage 2, prioritise the packages, build the chains."""
    return analyse_chains(
        catalogue, basis, catalogue_path=catalogue_path, weights=weights, sensitivity_step=sensitivity_step
    )


@task(name="chains-figures", cache_policy=NO_CACHE, persist_result=True)
def chains_figures_task(*, services: ServiceChains) -> ChainsFigures:
    """Draw each service chain as an SVG diagram."""
    return build_chain_figures(services)


@task(name="feedback-figures", cache_policy=NO_CACHE, persist_result=True)
def feedback_figures_task(*, synthesis: FeedbackSynthesis) -> FeedbackFigures:
    """Draw the feedback summary's charts."""
    return feedback_figures(synthesis)


@task(name="chains-governance", cache_policy=NO_CACHE, persist_result=True)
def chains_governance_task(*, region: str, region_name: str, data_dir: str | None) -> StageGovernance:
    """The body, presenter and preparers of stage 3 from the region configuration file."""
    config_dir = data_dir_or_default(data_dir) / "config" / "regions"
    if not config_dir.is_dir():  # an input folder without its own configuration uses the shipped one
        config_dir = get_settings().input_dir / "config" / "regions"
    return load_governance(region, STAGE, config_dir, region_name=region_name)


@task(name="build-chains-proposal", cache_policy=NO_CACHE)
def build_chains_proposal_task(
    *,
    inputs: ChainsInputs,
    analysis: ChainsAnalysis,
    basis: TargetsBasis,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    meeting_date: str | None = None,
) -> ChainsProposal:
    """Write the two agenda items: grounds from the numbers, earlier handling, the proposals."""
    return build_chains_proposal(
        catalogue=inputs.catalogue,
        analysis=analysis,
        synthesis=inputs.synthesis,
        basis=basis,
        governance=governance,
        earlier=earlier,
        cycle=cycle,
        meeting_date=dt.date.fromisoformat(meeting_date) if meeting_date else None,
    )


def chains_input_paths(region_code: str, inputs_dir: str | None, data_dir: str | None) -> tuple[str, str, str]:
    """The catalogue, feedback and taxonomy paths a run reads."""
    folder = inputs_dir_or_default(inputs_dir, data_dir, region_code)
    return (
        str(folder / CATALOGUE_FILE),
        str(folder / FEEDBACK_FILE),
        str(default_taxonomy_path(data_dir)),
    )
