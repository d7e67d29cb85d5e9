"""Stage 2: the proposal (tuloksellisuustavoitteet ja talouden kehys), its document and Prefect tasks.

The computation is in :mod:`tasks.targets` (pure). Here the approved stage-1 round is loaded from
the store, the assessment becomes an agenda item for the regional council, figures are drawn, the
round's artefacts get their lineage, and the @task wrappers the flow calls are defined.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import task
from prefect.cache_policies import NO_CACHE, TASK_SOURCE, CacheKeyFnPolicy
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
from schemas.needs import ChangeAnalysis, NeedIndex, NeedProfileTable
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import (
    ClientGroup,
    ImpactTarget,
    NeedsBasis,
    ScenarioChart,
    TargetsAssessment,
    TargetsFigures,
    TargetsInputs,
    TargetsProposal,
)
from soteflow.charts.bars import bar_chart_svg, line_chart_svg
from soteflow.data.numbers import fmt_fi
from soteflow.data.regions import load_region_key, resolve_region
from soteflow.documents import load_governance, render_document
from soteflow.errors import InputError
from soteflow.settings import get_settings
from soteflow.stagekit import FileOutput, JsonOutput, RenderedFiles
from soteflow.store import Store
from soteflow.store.canonical import canonical_json
from soteflow.upstream import approved_round
from tasks.agenda import earlier_handling, genitive, governance_fields, meeting_after, returned_section
from tasks.needs import MAP_FILE, SOURCE_FILES
from tasks.needs_proposal import PREPARATION_DAYS, data_dir_or_default
from tasks.targets import (
    METHOD_NAMES,
    assess_targets,
    field_periods,
    inputs_paths,
    meur,
    period_fi,
    pxweb_period,
    read_targets_inputs,
    with_overrides,
)

STAGE = Stage.TARGETS
TEMPLATE = "s2_targets.html"
HELSINKI = ZoneInfo("Europe/Helsinki")
#: The stage-1 artefacts stage 2 is computed from (besides the approved proposal itself).
NEEDS_KEYS = ("needs-profile", "needs-index", "needs-change")
#: The source snapshots' media types by file suffix.
_MEDIA = {".csv": "text/csv", ".toml": "application/toml"}


def resolve_region_code(region: str, data_dir: str | Path | None = None) -> str:
    """The welfare-region code of ``region`` (code, map id or name such as ``Pirkanmaa``): the store's key."""
    root = data_dir_or_default(data_dir)
    key_file = root / MAP_FILE
    if not key_file.is_file():  # an input folder without the map uses the shipped one
        key_file = get_settings().input_dir / MAP_FILE
    return resolve_region(region, load_region_key(key_file)).code


# ---------------------------------------------------------------------------------------------
# Stage 1 basis


def load_needs_basis(store: Store, *, region: str, cycle: int) -> NeedsBasis:
    """The approved stage-1 round: need profiles, index and change analysis with their version refs.

    Raises :class:`~soteflow.upstream.StageNotApprovedError` (an InputError) when stage 1 has no
    approved proposal for the region and cycle. The statistical periods of the profile fields come
    from the approved round's source snapshots (the Statistics Finland exports stage 1 read).
    """
    approved = approved_round(store, region=region, cycle=cycle, stage=Stage.NEEDS)
    profiles = approved.load(store, "needs-profile", NeedProfileTable)
    index = approved.load(store, "needs-index", NeedIndex)
    change = approved.load(store, "needs-change", ChangeAnalysis)
    refs = {key: approved.ref(key) for key in NEEDS_KEYS}
    refs[approved.proposal.key] = approved.proposal
    source_periods: dict[str, str] = {}
    for name in SOURCE_FILES:
        snapshot = approved.inputs.get(f"needs-source-{name}")
        if snapshot is not None:
            period = pxweb_period(store.read_file(store.get_version(snapshot.version_id)))
            if period:
                source_periods[name] = period
    source_periods.setdefault("age", change.period)
    source_periods.setdefault("population", change.period)
    decisions = [
        d
        for d in store.decisions_for(approved.proposal.version_id)
        if str(getattr(d.outcome, "value", d.outcome)) == Outcome.APPROVED.value
    ]
    if not decisions:  # pragma: no cover - an approved version always carries its decision
        raise InputError(f"the approved needs proposal v{approved.proposal.version} has no recorded decision")
    decision = decisions[-1]
    return NeedsBasis(
        region_code=profiles.region_code,
        region_name=profiles.region_name,
        profiles=profiles,
        need_index=index,
        change=change,
        refs=refs,
        periods=field_periods(source_periods),
        decision_date=decision.meeting_date,
        decision_body=decision.body,
    )


# ---------------------------------------------------------------------------------------------
# Proposal


def default_meeting_date(basis: NeedsBasis) -> dt.date:
    """The proposed council meeting, derived from the data: the first Monday at least
    :data:`~tasks.needs_proposal.PREPARATION_DAYS` after stage 1 was approved."""
    day = basis.decision_date + dt.timedelta(days=PREPARATION_DAYS)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def targets_document_created(basis: NeedsBasis) -> dt.datetime:
    """The document's creation time, from the data (the stage-1 approval it rests on), never the clock."""
    day = basis.decision_date
    return dt.datetime(day.year, day.month, day.day, tzinfo=HELSINKI)


def _slug(text: str) -> str:
    """A scenario key as a part of an artefact key (``[a-z0-9-]`` only)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "skenaario"


def _ref_text(ref: VersionRef) -> str:
    return f"{ref.key} v{ref.version}, SHA-256 {ref.sha256[:12]}…"


def build_targets_proposal(
    assessment: TargetsAssessment,
    basis: NeedsBasis,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    meeting_date: dt.date | None = None,
) -> TargetsProposal:
    """The agenda item *Tuloksellisuustavoitteet ja talouden kehys*: grounds, proposal, appeal."""
    region = assessment.region_name
    forecast, frame, impact = assessment.forecast, assessment.frame, assessment.impact
    needs_proposal = basis.refs["needs-proposal"]
    base = forecast.base_year
    last_year = forecast.scenarios[0].years[-1].year
    scenario_names = ", ".join(s.name.lower() for s in forecast.scenarios)
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa alueensa sosiaali- ja terveydenhuollon järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Palvelujen järjestämisprosessin toinen vaihe on "
                "tuloksellisuustavoitteiden asettaminen: asiakasryhmien vaikuttavuustavoitteet sekä talouden "
                "reunaehdot, joiden rajoissa palvelut priorisoidaan ja tuotantotavat valitaan.",
                f"Tavoitteet perustuvat palvelutarvearvioon, jonka {basis.decision_body.lower()} hyväksyi "
                f"{basis.decision_date.strftime('%-d.%-m.%Y')}; päätösehdotuksen versio {_ref_text(needs_proposal)}. "
                "Aluevaltuusto päättää hyvinvointialueen toiminnan ja talouden keskeisistä tavoitteista sekä "
                "talousarviosta ja -suunnitelmasta (hyvinvointialuelaki 611/2021, 22 § ja 115 §).",
            ],
        ),
        TextSection(
            heading="Aineisto ja menetelmä",
            paragraphs=[
                "Lähtötasot ja tarvehavainnot ovat hyväksytyn palvelutarvearvion lukuja: "
                + "; ".join(_ref_text(basis.refs[k]) for k in ("needs-profile", "needs-index", "needs-change"))
                + ". Lähtötaso, jota palvelutarvearviossa ei ole, on merkitty tavoitetiedostosta otetuksi.",
                f"Talouden luvut: {forecast.data_label} Toteuma {forecast.actual[0].year}–{base}, ennuste "
                f"{base + 1}–{last_year} skenaarioittain ({scenario_names}). {forecast.method_text}",
                frame.method_text,
            ],
        ),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(assessment.findings)),
        TextSection(
            heading="Alijäämän kattamisvelvollisuus",
            paragraphs=[
                forecast.coverage_rule.legal_basis,
                f"Kattamiskausi on {forecast.coverage_rule.period_years} vuotta: taseeseen {base} lopussa kertynyt "
                f"alijäämä on katettava viimeistään vuoden {base + forecast.coverage_rule.period_years} loppuun "
                "mennessä. Määräaika on parametri, jonka alue asettaa itseään koskevien säännösten mukaan.",
                *[s.coverage.statement for s in forecast.scenarios],
            ],
        ),
    ]
    handled = earlier_handling(earlier)
    returned = [e for e in earlier if e["outcome"] == Outcome.RETURNED.value]
    grounds += returned_section(
        earlier,
        "Tavoitteet, talouden kehys ja kehysennuste on valmisteltu uudelleen kommenttien pohjalta ajantasaisilla tiedoilla; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    body = governance.body
    proposal = (
        f"{body.decides_verb} hyväksyä {genitive(region)} tuloksellisuustavoitteet ja talouden kehyksen "
        f"suunnittelukierrokselle {cycle}: asiakasryhmien {len(impact.targets)} vaikuttavuustavoitetta sekä "
        f"toimintakulujen kehyksen {frame.frame_year} ({meur(frame.frame_eur)} M€) jaettuna asiakasryhmille "
        f"{METHOD_NAMES[frame.method]}, ja merkitä tiedoksi talouden tilanteen, kehysennusteen vuosille "
        f"{base + 1}–{last_year} skenaarioineen sekä alijäämän kattamisvelvollisuuden toteutumisen."
    )
    meeting = meeting_date or meeting_after(earlier, default_meeting_date(basis))
    agenda = AgendaContent(
        region_name=governance.region_name,
        **governance_fields(governance, cycle),
        meeting_date=meeting,
        title=f"Tuloksellisuustavoitteet ja talouden kehys {cycle}",
        earlier_handling=handled,
        grounds=grounds,
        proposal=proposal,
        attachments=[
            AttachmentRef(number=1, title="Päätösehdotus koneluettavana (JSON)", filename="targets-proposal.json"),
            AttachmentRef(
                number=2,
                title="Vaikuttavuustavoitteet, kehysennuste ja kehyksen jako (JSON)",
                filename="targets-assessment.json",
            ),
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
            f"Kehys {frame.frame_year}: {meur(frame.frame_eur)} M€, jako {METHOD_NAMES[frame.method]}. "
            f"Vaikuttavuustavoitteita {len(impact.targets)}. Talousluvut: esimerkkiaineisto.",
            "",
            *[f"- {s.coverage.statement}" for s in forecast.scenarios],
            "",
            f"Ehdotus: {proposal}",
        ]
    )
    return TargetsProposal(
        region_code=assessment.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        findings=list(assessment.findings),
        frame_year=frame.frame_year,
        frame_eur=frame.frame_eur,
        method=frame.method,
        need_weight=frame.need_weight,
        deficit_covered={s.key: s.coverage.covered for s in forecast.scenarios},
        needs_basis=needs_proposal,
        summary_markdown=summary,
    )


# ---------------------------------------------------------------------------------------------
# Figures and document tables


def _m(value: float) -> float:
    """Euros as millions, rounded to 0.1 M€ for charts."""
    return round(value / 1_000_000, 1)


def build_targets_figures(assessment: TargetsAssessment) -> TargetsFigures:
    """The forecast charts (costs and funding, result, accumulated balance per scenario) and the allocation."""
    forecast, frame = assessment.forecast, assessment.frame
    base = forecast.actual[-1]
    years = [str(base.year), *[str(y.year) for y in forecast.scenarios[0].years]]
    base_costs = base.operating_costs_eur + base.other_items_eur
    base_funding = base.state_funding_eur + base.operating_income_eur
    # Change from the base year: a zero-based axis of absolute levels (3–4 bn €) would hide the
    # gap of some tens of millions that the council has to see.
    scenario_svgs = [
        ScenarioChart(
            key=s.key,
            name=s.name,
            svg=line_chart_svg(
                years,
                {
                    "Kulut": [0.0, *[_m(y.operating_costs_eur + y.other_items_eur - base_costs) for y in s.years]],
                    "Rahoitus": [0.0, *[_m(y.funding_eur - base_funding) for y in s.years]],
                },
                title=f"{s.name}: kulujen ja rahoituksen muutos vuodesta {base.year}",
                unit=f"milj. €, muutos vuodesta {base.year}",
                decimals=1,
            ),
        )
        for s in forecast.scenarios
    ]
    result_svg = bar_chart_svg(
        years[1:],
        {s.name: [_m(y.result_eur) for y in s.years] for s in forecast.scenarios},
        title="Tilikauden tulos skenaarioittain (rahoitus − kulut)",
        unit="milj. €",
        decimals=1,
    )
    balance_svg = line_chart_svg(
        years,
        {s.name: [_m(forecast.opening_accumulated_eur), *[_m(y.accumulated_eur) for y in s.years]] for s in
         forecast.scenarios},
        title="Taseen kertynyt yli-/alijäämä skenaarioittain",
        unit="milj. €",
        decimals=1,
    )  # fmt: skip
    labels = [g.client_group.label_fi for g in frame.groups]
    allocation_svg = bar_chart_svg(
        labels,
        {
            "Nykyisten kustannusosuuksien mukaan": [_m(g.current_share * frame.frame_eur) for g in frame.groups],
            f"Kehys {frame.frame_year}": [_m(g.allocated_eur) for g in frame.groups],
        },
        title=f"Toimintakulujen kehyksen {frame.frame_year} jako asiakasryhmille",
        unit="milj. €",
        horizontal=True,
        decimals=1,
    )
    return TargetsFigures(
        scenario_svgs=scenario_svgs, result_svg=result_svg, balance_svg=balance_svg, allocation_svg=allocation_svg
    )


def _value(value: float | None, unit: str, decimals: int) -> str:
    if value is None:
        return ".."
    text = fmt_fi(value, decimals)
    return f"{text} %" if unit == "%" else f"{text} {unit}"


def _decimals(target: ImpactTarget) -> int:
    values = [target.target_value, *([target.baseline] if target.baseline is not None else [])]
    return 0 if all(float(v).is_integer() for v in values) else 1


def target_rows(targets: list[ImpactTarget]) -> list[list[str]]:
    """The rows of one client group's target table as printed (all cells text)."""
    rows = []
    for t in targets:
        decimals = _decimals(t)
        source = "palvelutarvearvio" if t.baseline_source == "stage1" else "tavoitetiedosto"
        baseline = f"{_value(t.baseline, t.unit, decimals)} ({period_fi(t.baseline_year)}; {source})"
        finding = ""
        if t.finding is not None:
            ref = t.finding.artefact
            finding = f"{t.finding.text} [{ref.key} v{ref.version}, {t.finding.pointer}, {ref.sha256[:8]}]"
        rows.append(
            [
                t.target_id,
                t.indicator,
                baseline,
                f"{_value(t.target_value, t.unit, decimals)} ({t.target_year})",
                t.direction.label_fi,
                finding,
            ]
        )
    return rows


def document_context(assessment: TargetsAssessment) -> dict[str, Any]:
    """Table rows of the document, computed here so the template only lays them out."""
    forecast, frame = assessment.forecast, assessment.frame
    groups = [
        {"label": g.label_fi, "rows": target_rows(assessment.impact.for_group(g))}
        for g in ClientGroup
        if assessment.impact.for_group(g)
    ]
    allocation = [
        [
            g.client_group.label_fi,
            _m(g.current_spend_eur),
            100 * g.current_share,
            g.relative_need,
            100 * g.need_share,
            100 * g.allocated_share,
            _m(g.allocated_eur),
        ]
        for g in frame.groups
    ]
    allocation.append(
        [
            "Yhteensä",
            _m(sum(g.current_spend_eur for g in frame.groups)),
            100.0,
            None,
            100.0,
            round(100 * sum(g.allocated_share for g in frame.groups), 4),
            _m(frame.frame_eur),
        ]
    )
    actual = [
        [
            str(a.year),
            _m(a.operating_costs_eur),
            _m(a.operating_income_eur),
            _m(a.state_funding_eur),
            _m(a.other_items_eur),
            _m(a.result_eur),
        ]
        for a in forecast.actual
    ]
    scenarios = []
    for s in forecast.scenarios:
        rows = [
            [
                str(y.year),
                y.cost_growth_pct,
                _m(y.savings_eur),
                _m(y.operating_costs_eur),
                _m(y.funding_eur),
                _m(y.other_items_eur),
                _m(y.result_eur),
                _m(y.accumulated_eur),
            ]
            for y in s.years
        ]
        scenarios.append({"name": s.name, "description": s.description, "rows": rows,
                          "adjustment": s.funding_adjustment_pct})  # fmt: skip
    coverage = [
        [
            s.name,
            _m(s.coverage.opening_accumulated_eur),
            str(s.coverage.deadline_year),
            _m(s.coverage.accumulated_at_deadline_eur),
            "kyllä" if s.coverage.covered else "ei",
            _m(s.coverage.annual_improvement_needed_eur),
            str(s.coverage.first_non_negative_year) if s.coverage.first_non_negative_year else "ei ennustekaudella",
        ]
        for s in forecast.scenarios
    ]
    return {
        "method_name": METHOD_NAMES[frame.method],
        "target_groups": groups,
        "allocation_rows": allocation,
        "actual_rows": actual,
        "scenario_tables": scenarios,
        "coverage_rows": coverage,
    }


def render_targets(
    payload: TargetsProposal, assessment: TargetsAssessment, figures: TargetsFigures, basis: NeedsBasis,
    proposal_ref: VersionRef,
) -> RenderedFiles:  # fmt: skip
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
        keywords=["tuloksellisuustavoitteet", "talouden kehys", "hyvinvointialue", payload.region_code,
                  str(payload.cycle)],
        created=targets_document_created(basis),
    )  # fmt: skip
    attachments = [
        PdfAttachment(filename="targets-proposal.json", content=canonical_json(payload), description="Päätösehdotus"),
        PdfAttachment(
            filename="targets-assessment.json",
            content=canonical_json(assessment),
            description="Vaikuttavuustavoitteet, kehysennuste ja kehyksen jako (JSON)",
        ),
    ]
    context = {
        "item": item,
        "assessment": assessment,
        "figures": figures,
        "basis": basis,
        **document_context(assessment),
    }
    doc = render_document(TEMPLATE, context, metadata=metadata, attachments=attachments)
    return RenderedFiles(html=doc.html, pdf=doc.pdf)


# ---------------------------------------------------------------------------------------------
# Round outputs


@dataclass(frozen=True)
class RoundOutputs:
    """What one stage-2 round stores: source snapshots, data, figures, proposal, and UI tables."""

    sources: list[FileOutput]
    data: list[JsonOutput]
    figures: list[FileOutput]
    proposal: JsonOutput
    tables: dict[str, list[dict[str, Any]]]


def targets_round_outputs(
    *,
    assessment: TargetsAssessment,
    figures: TargetsFigures,
    proposal: TargetsProposal,
    basis: NeedsBasis,
    inputs: TargetsInputs,
) -> RoundOutputs:
    """The round's artefacts with their lineage: sources (+ approved stage 1) → tables → proposal."""
    sources = []
    for role, path in inputs.files.items():
        file = Path(path)
        sources.append(
            FileOutput(
                key=f"targets-source-{role}",
                kind="source",
                title=f"Lähdeaineisto (esimerkkiaineisto): {file.name}",
                content=file.read_bytes(),
                media_type=_MEDIA.get(file.suffix.lower(), "application/octet-stream"),
                schema_name=file.suffix.lower().lstrip(".") or "file",
            )
        )
    needs_proposal, profile = basis.refs["needs-proposal"], basis.refs["needs-profile"]
    data = [
        JsonOutput(
            "targets-impact", "table", "Asiakasryhmien vaikuttavuustavoitteet", assessment.impact,
            inputs=["targets-source-tavoitteet"], external_inputs=[profile, needs_proposal],
        ),
        JsonOutput(
            "targets-forecast", "table", "Talouden tilanne ja kehysennuste", assessment.forecast,
            inputs=["targets-source-toteuma", "targets-source-rahoitus", "targets-source-oletukset"],
            external_inputs=[needs_proposal],
        ),
        JsonOutput(
            "targets-frame", "table", "Talouden kehys asiakasryhmittäin", assessment.frame,
            inputs=["targets-source-toteuma", "targets-source-oletukset", "targets-forecast"],
            external_inputs=[profile, needs_proposal],
        ),
    ]  # fmt: skip

    def svg(key: str, title: str, content: str, inputs: list[str]) -> FileOutput:
        return FileOutput(key, "figure", title, content.encode("utf-8"), "image/svg+xml", inputs, schema_name="svg")

    figure_outputs = [
        *[
            svg(f"targets-forecast-{_slug(c.key)}-svg", f"Kulut ja rahoitus: {c.name}", c.svg, ["targets-forecast"])
            for c in figures.scenario_svgs
        ],
        svg("targets-result-svg", "Tilikauden tulos skenaarioittain", figures.result_svg, ["targets-forecast"]),
        svg("targets-balance-svg", "Kertynyt yli-/alijäämä skenaarioittain", figures.balance_svg,
            ["targets-forecast"]),
        svg("targets-allocation-svg", "Kehyksen jako asiakasryhmille", figures.allocation_svg, ["targets-frame"]),
    ]  # fmt: skip
    tables: dict[str, list[dict[str, Any]]] = {
        "targets-impact": [
            {
                "tunnus": t.target_id,
                "asiakasryhmä": t.client_group.label_fi,
                "mittari": t.indicator,
                "lähtötaso": t.baseline,
                "lähde": t.baseline_source,
                "tavoite": t.target_value,
                "vuosi": t.target_year,
            }
            for t in assessment.impact.targets
        ],
        "targets-frame": [
            {
                "asiakasryhmä": g.client_group.label_fi,
                "nykyinen osuus": g.current_share,
                "suhteellinen tarve": g.relative_need,
                "kehysosuus": g.allocated_share,
                "kehys €": g.allocated_eur,
            }
            for g in assessment.frame.groups
        ],
        "targets-forecast": [
            {"skenaario": s.name, "vuosi": y.year, "kulut €": y.operating_costs_eur, "rahoitus €": y.funding_eur,
             "tulos €": y.result_eur, "kertynyt €": y.accumulated_eur}
            for s in assessment.forecast.scenarios
            for y in s.years
        ],
    }  # fmt: skip
    return RoundOutputs(
        sources=sources,
        data=data,
        figures=figure_outputs,
        proposal=JsonOutput(
            "targets-proposal", "proposal", "Päätösehdotus: tuloksellisuustavoitteet ja talouden kehys", proposal,
            inputs=[d.key for d in data] + [f.key for f in figure_outputs], external_inputs=[needs_proposal],
        ),
        tables=tables,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Prefect tasks. Results are persisted so a suspended run resumes without recomputing; the cache
# key includes the input files' hashes, so changed data is never served from an old result. The
# stage-1 basis is read from the store every time (never cached): a new approval must be seen.


def _inputs_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True, default=str).encode())
    folder = parameters.get("inputs_dir")
    if folder:
        for path in inputs_paths(Path(folder)).values():
            if path.is_file():
                digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_CACHE = CacheKeyFnPolicy(cache_key_fn=_inputs_key) + TASK_SOURCE


@task(name="resolve-region", cache_policy=NO_CACHE)
def resolve_region_task(*, region: str, data_dir: str | None) -> str:
    """The welfare-region code of ``region`` (the store keys every artefact by the code)."""
    return resolve_region_code(region, data_dir)


@task(name="load-needs-basis", cache_policy=NO_CACHE)
def load_needs_basis_task(*, region: str, cycle: int) -> NeedsBasis:
    """The approved stage-1 round (profiles, index, change and their versions); fails if not approved."""
    from soteflow.stagekit import open_store

    return load_needs_basis(open_store(), region=region, cycle=cycle)


@task(name="read-targets-inputs", cache_policy=_CACHE, persist_result=True)
def read_targets_inputs_task(
    *, inputs_dir: str, allocation_method: str | None, need_weight: float | None
) -> TargetsInputs:
    """Read and check the stage-2 input files (costs, funding, assumptions, targets)."""
    return with_overrides(read_targets_inputs(Path(inputs_dir)), allocation_method, need_weight)


@task(name="assess-targets", cache_policy=_CACHE, persist_result=True)
def assess_targets_task(*, inputs: TargetsInputs, basis: NeedsBasis, cycle: int) -> TargetsAssessment:
    """Impact targets, the framework forecast with the deficit check, and the frame allocation."""
    return assess_targets(inputs, basis, cycle)


@task(name="targets-figures", cache_policy=_CACHE, persist_result=True)
def targets_figures_task(*, assessment: TargetsAssessment) -> TargetsFigures:
    """Draw the forecast and allocation charts as SVG."""
    return build_targets_figures(assessment)


@task(name="targets-governance", cache_policy=NO_CACHE)
def targets_governance_task(*, region: str, region_name: str, data_dir: str | None) -> StageGovernance:
    """The body (by default the aluevaltuusto), presenter and preparers of stage 2 from the region configuration.

    Not cached: the configuration is read each time (cheap), so an edited file is never served stale.
    """
    config_dir = data_dir_or_default(data_dir) / "config" / "regions"
    if not config_dir.is_dir():  # an input folder without its own configuration uses the shipped one
        config_dir = get_settings().input_dir / "config" / "regions"
    return load_governance(region, STAGE, config_dir, region_name=region_name)


@task(name="build-targets-proposal")
def build_targets_proposal_task(
    *,
    assessment: TargetsAssessment,
    basis: NeedsBasis,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    meeting_date: str | None = None,
) -> TargetsProposal:
    """Write the agenda item: grounds from the numbers, earlier handling, the proposal."""
    date = dt.date.fromisoformat(meeting_date) if meeting_date else None
    return build_targets_proposal(assessment, basis, governance, earlier, cycle, date)


def targets_renderer(
    payload: TargetsProposal, assessment: TargetsAssessment, figures: TargetsFigures, basis: NeedsBasis
) -> Callable[[VersionRef], RenderedFiles]:
    """The callback that renders the document once the proposal version is known."""
    return lambda proposal_ref: render_targets(payload, assessment, figures, basis, proposal_ref)
