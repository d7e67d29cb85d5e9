"""Stage 4: the proposal (tuotantotapojen vertailu ja valinta), the organising plan document, the
figures, the CSV and .xlsx exports, the round's outputs and the stage's Prefect tasks.

The costing model is in :mod:`tasks.comparison` (pure) and the input readers in
:mod:`tasks.comparison_inputs`. Here the analysis becomes two agenda items for the body — the
decision "Tuotantotapojen vertailu ja valinta" and the service organising plan's production-mode
part — rendered from one stored proposal version.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE, TASK_SOURCE, CacheKeyFnPolicy
from prefect.context import TaskRunContext
from pydantic import BaseModel

from schemas.chains import ProductionMode, ServiceCatalogue, SourceRef
from schemas.comparison import (
    CRITERIA,
    CRITERION_LABELS,
    OWN_COMPONENTS,
    CatalogueService,
    ChainsBasis,
    ComparisonAnalysis,
    ComparisonFigure,
    ComparisonFigures,
    ComparisonInputs,
    ComparisonParams,
    ComparisonProposal,
    OrganisingPlan,
    PreviousPlan,
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
from schemas.governance import StageGovernance
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.charts.stacked import range_chart_svg, stacked_bar_chart_svg
from soteflow.data.numbers import fmt_fi
from soteflow.data.regions import load_region_key, resolve_region
from soteflow.decide import proposal_key
from soteflow.documents import load_governance, render_document
from soteflow.settings import get_settings
from soteflow.stagekit import FileOutput, JsonOutput, RenderedDocument, open_store, ref
from soteflow.store import Store
from soteflow.store.canonical import canonical_json
from soteflow.upstream import approved_round
from tasks.agenda import earlier_handling, genitive, governance_fields, meeting_after, returned_section
from tasks.comparison import analyse_comparison, compact_sources
from tasks.comparison_inputs import (
    COST_SHEET,
    INCOME_SHEET,
    KEY_SHEET,
    OWN_CSV,
    OWN_XLSX,
    PERSONNEL_CSV,
    PURCHASES_CSV,
    QUALITY_CSV,
    check_catalogue,
    input_files,
    read_comparison_inputs,
)
from tasks.inputs import inputs_dir_or_default
from tasks.needs import MAP_FILE
from tasks.needs_proposal import data_dir_or_default

STAGE = Stage.COMPARISON
TEMPLATE = "s4_comparison.html"
PLAN_TEMPLATE = "s4_organising_plan.html"
PLAN_KEY = "comparison-organising-plan"
DECISION_DOCUMENT = "comparison-decision"
PLAN_DOCUMENT = "comparison-plan"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Preparation after the stage-3 approval: costing, co-operation procedure and the agenda take
#: about four weeks before the body can meet.
PREPARATION_DAYS = 28

_MODE_WORD = {
    ProductionMode.OWN: "oma tuotanto",
    ProductionMode.PURCHASED: "ostopalvelu",
    ProductionMode.VOUCHER: "palveluseteli",
}


# -- upstream -----------------------------------------------------------------------------------


def load_chains_basis(store: Store, *, region: str, cycle: int) -> ChainsBasis:
    """The approved stage-3 round: the catalogue's services, its version, the region's name and the
    approval date. Raises :class:`~soteflow.upstream.StageNotApprovedError` if there is none."""
    round_ = approved_round(store, region=region, cycle=cycle, stage=Stage.CHAINS)
    catalogue = round_.load(store, "chains-catalogue", ServiceCatalogue)
    proposal = store.read_json(store.get_version(round_.proposal.version_id))
    approvals = [d for d in store.decisions_for(round_.proposal.version_id) if _value(d.outcome) == "approved"]
    services = [
        CatalogueService(
            service_id=step.service_id, name=step.name, package_id=package.package_id, mode=step.mode, unit=step.unit
        )
        for package in catalogue.packages
        for step in package.steps
    ]
    return ChainsBasis(
        region_name=str(proposal.get("region_name") or region),
        services=services,
        catalogue_ref=round_.ref("chains-catalogue"),
        proposal_ref=round_.proposal,
        approved_on=approvals[-1].meeting_date if approvals else None,
    )


def _value(item: Any) -> str:
    return str(getattr(item, "value", item))


def load_previous_plan(store: Store, *, region: str, cycle: int) -> PreviousPlan | None:
    """The previous cycle's approved organising plan (``comparison-organising-plan``), if any."""
    version = store.latest(region, cycle - 1, PLAN_KEY, status="approved")
    if version is None:
        return None
    plan = OrganisingPlan.model_validate(store.read_json(version))
    return PreviousPlan(plan=plan, ref=ref(version, PLAN_KEY), cycle=cycle - 1)


# -- dates --------------------------------------------------------------------------------------


def default_meeting_date(basis: ChainsBasis, cycle: int) -> dt.date:
    """The first Monday at least :data:`PREPARATION_DAYS` after the stage-3 approval (from the store,
    never the clock); 1 March of the cycle's year when the approval date is unknown."""
    base = (basis.approved_on or dt.date(cycle, 2, 1)) + dt.timedelta(days=PREPARATION_DAYS)
    return base + dt.timedelta(days=(7 - base.weekday()) % 7)


def document_created(basis: ChainsBasis, cycle: int) -> dt.datetime:
    """The documents' and the workbook's creation time, from the data: the stage-3 approval day."""
    day = basis.approved_on or dt.date(cycle, 1, 1)
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=dt.UTC)


# -- the proposal ---------------------------------------------------------------------------------


def _euro(value: float, decimals: int = 2) -> str:
    return f"{fmt_fi(value, decimals)} €"


def _files_text(analysis: ComparisonAnalysis) -> str:
    return "; ".join(f"{f.file} ({f.role.lower()})" for f in analysis.files)


def build_comparison_proposal(
    analysis: ComparisonAnalysis,
    basis: ChainsBasis,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    meeting_date: dt.date | None = None,
    previous: PreviousPlan | None = None,
) -> ComparisonProposal:
    """The two agenda items: the comparison and choice of production modes, and the organising plan."""
    region = analysis.region_name
    body = governance.body
    params = analysis.params
    matrix = analysis.matrix
    weights = matrix.weights
    weight_text = ", ".join(f"{CRITERION_LABELS[c].lower()} {fmt_fi(100 * weights[c], 0)} %" for c in CRITERIA)
    handled = earlier_handling(earlier)
    returned = [e for e in earlier if e["outcome"] == Outcome.RETURNED.value]
    meeting = meeting_date or meeting_after(earlier, default_meeting_date(basis, cycle))
    recommendation_lines = [
        f"{item.name}: {item.recommendation.label_fi} (nykyisin {item.current_mode.label_fi})."
        for item in matrix.services
    ]
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                f"{region} vastaa sosiaali- ja terveyspalvelujen järjestämisestä (laki sosiaali- ja "
                "terveydenhuollon järjestämisestä 612/2021). Se voi tuottaa palvelut itse tai hankkia ne "
                "ostopalveluina tai palvelusetelillä (laki sosiaali- ja terveydenhuollon palvelusetelistä "
                "569/2009). Palvelujen järjestämisprosessin neljännessä vaiheessa verrataan oman tuotannon ja "
                "ostopalvelujen kustannuksia täyskustannusperiaatteella sekä laatua, saatavuutta, pienten "
                "tuottajien mahdollisuuksia, jatkuvuutta ja innovatiivisuutta, ja valitaan tuotantotapa "
                "palveluittain.",
                "Sidosryhmät ovat pitäneet oman tuotannon ja ostopalvelujen vertailua vaikeana ja toivoneet "
                "läpinäkyvyyttä ja yhteisiä kustannuslaskennan periaatteita. Tämän vuoksi jokainen esitetty "
                "luku on jäljitettävissä lähdetiedoston riviin (liitteenä oleva vertailutaulukko, sarake "
                "lähde).",
                f"Vertailtavat palvelut ovat vaiheessa 3 hyväksytyn palvelukatalogin palveluita "
                f"(palvelukatalogin versio {basis.catalogue_ref.version}).",
            ],
        ),
        TextSection(
            heading="Aineisto",
            paragraphs=[
                "Vertailu perustuu esimerkkiaineistoon (esimerkkiaineisto: luvut eivät ole hyvinvointialueen "
                f"virallisia lukuja): {_files_text(analysis)}. Oman tuotannon kustannukset ovat tilivuodelta "
                f"{analysis.own.year}.",
            ],
        ),
        TextSection(heading="Oman tuotannon täyskustannus", paragraphs=list(analysis.own.method)),
        TextSection(
            heading="Ostopalvelun ja palvelusetelin vertailukelpoinen kustannus",
            paragraphs=[*analysis.purchased.method, *analysis.purchased.vat_basis],
        ),
        TextSection(
            heading="Vertailuperuste",
            paragraphs=[
                f"Yksikkökustannuksia verrataan perusteella {params.fee_basis.label_fi}. Asiakasmaksut "
                "määräytyvät asiakasmaksulain (734/1992) mukaan samoin riippumatta siitä, tuottaako palvelun "
                "hyvinvointialue itse vai ostaako se palvelun; nettokustannukset esitetään taulukoissa "
                "rinnalla. Arvonlisävero: " + params.vat_treatment.label_fi + ".",
            ],
        ),
        TextSection(heading="Herkkyystarkastelu", paragraphs=list(matrix.sensitivity_method)),
        TextSection(
            heading="Päätösmatriisi ja suositussäännöt",
            paragraphs=[
                f"Kriteerien painot: {weight_text}. {matrix.cost_score_method}",
                *matrix.rules,
            ],
        ),
        TextSection(heading="Keskeiset havainnot", paragraphs=list(analysis.findings)),
        TextSection(heading="Suositukset palveluittain", paragraphs=recommendation_lines),
        TextSection(
            heading="Henkilöstövaikutukset",
            paragraphs=[
                f"Vertailtavien palvelujen omassa tuotannossa on {fmt_fi(analysis.personnel.total_own_fte, 1)} "
                f"henkilötyövuotta; suositukset koskevat {fmt_fi(analysis.personnel.total_affected_fte, 1)} "
                "henkilötyövuotta.",
                *analysis.personnel.legal_basis,
            ],
        ),
        TextSection(
            heading="Palvelujen järjestämissuunnitelma",
            paragraphs=[_plan_sentence(analysis.plan, previous)],
        ),
    ]
    grounds += returned_section(
        earlier,
        "Tämä ehdotus on valmisteltu uudelleen kommenttien pohjalta; kommentteihin vastataan tässä esityksessä ja sen liitteissä.",
    )
    proposal = (
        f"{body.decides_verb}\n\n"
        f"1) hyväksyä oman tuotannon ja ostopalvelujen vertailun täyskustannusperiaatteella sekä palveluittain "
        f"suositellut tuotantotavat suunnittelukierroksen {cycle} pohjaksi,\n\n"
        f"2) hyväksyä {genitive(region)} palvelujen järjestämissuunnitelman tuotantotapoja koskevan osan "
        f"{cycle} liitteen mukaisesti ja\n\n"
        "3) merkitä tiedoksi henkilöstövaikutukset ja todeta, että tuotantotavan muutokset, joilla voi olla "
        "liikkeen luovutuksesta johtuvia henkilöstövaikutuksia, käsitellään yhteistoimintamenettelyssä ennen "
        "niitä koskevia päätöksiä."
    )
    attachments = [
        AttachmentRef(number=1, title="Päätösehdotus koneluettavana (JSON)", filename="comparison-proposal.json"),
        AttachmentRef(number=2, title="Vertailutaulukko lähdeviittauksin (CSV)", filename="comparison-export.csv"),
        AttachmentRef(number=3, title="Oman tuotannon täyskustannuslaskelma (JSON)", filename="comparison-own-costs.json"),
        AttachmentRef(number=4, title="Ostopalvelujen vertailukelpoiset kustannukset (JSON)",
                      filename="comparison-purchased-costs.json"),
        AttachmentRef(number=5, title="Päätösmatriisit ja suositukset (JSON)", filename="comparison-matrix.json"),
        AttachmentRef(number=6, title=f"Palvelujen järjestämissuunnitelma {cycle}: tuotantotavat (erillinen asiakirja)"),
    ]  # fmt: skip
    agenda = AgendaContent(
        region_name=governance.region_name,
        **governance_fields(governance, cycle),
        meeting_date=meeting,
        title=f"Tuotantotapojen vertailu ja valinta {cycle}",
        earlier_handling=handled,
        grounds=grounds,
        proposal=proposal,
        attachments=attachments,
    )
    plan_agenda = _plan_agenda(analysis, governance, handled, meeting, cycle, previous)
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
            "| palvelu | nykyinen | suositus |",
            "|---|---|---|",
            *[f"| {i.name} | {i.current_mode.label_fi} | {i.recommendation.label_fi} |" for i in matrix.services],
            "",
            *[f"- {f}" for f in analysis.findings],
            "",
            "Ehdotus: " + proposal.replace("\n\n", " "),
        ]
    )
    return ComparisonProposal(
        region_code=analysis.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        plan_agenda=plan_agenda,
        recommendations={i.service_id: i.recommendation for i in matrix.services},
        findings=list(analysis.findings),
        vat_treatment=params.vat_treatment,
        weights=dict(weights),
        stage3=[SourceRef.of(basis.proposal_ref), SourceRef.of(basis.catalogue_ref)],
        previous_plan=analysis.plan.previous,
        summary_markdown=summary,
    )


def _plan_sentence(plan: OrganisingPlan, previous: PreviousPlan | None) -> str:
    if plan.previous is None:
        return (
            f"Palvelujen järjestämissuunnitelman tuotantotapoja koskeva osa {plan.cycle} on erillinen asiakirja. "
            "Edellisen suunnittelukierroksen hyväksyttyä suunnitelmaa ei ole tallennettu, joten tämä on "
            "suunnitelman ensimmäinen versio."
        )
    changed = ", ".join(f"{c.name} ({c.note.lower().rstrip('.')})" for c in plan.changes) or "ei muutoksia"
    return (
        f"Palvelujen järjestämissuunnitelman tuotantotapoja koskeva osa {plan.cycle} on erillinen asiakirja. "
        f"Sitä on verrattu suunnittelukierroksen {plan.previous.cycle} hyväksyttyyn suunnitelmaan (versio "
        f"{plan.previous.version}); muutokset: {changed}."
    )


def _plan_agenda(
    analysis: ComparisonAnalysis,
    governance: StageGovernance,
    handled: list[Any],
    meeting: dt.date,
    cycle: int,
    previous: PreviousPlan | None,
) -> AgendaContent:
    plan = analysis.plan
    body = governance.body
    if plan.previous is None:
        history = [
            "Tämä on suunnitelman tuotantotapoja koskevan osan ensimmäinen versio: edellisen "
            "suunnittelukierroksen hyväksyttyä suunnitelmaa ei ole."
        ]
    else:
        history = [
            f"Suunnitelmaa on verrattu suunnittelukierroksen {plan.previous.cycle} hyväksyttyyn suunnitelmaan "
            f"(versio {plan.previous.version}, SHA-256 {plan.previous.sha256[:12]}…).",
            *([c.name + ": " + c.note for c in plan.changes] or ["Tuotantotavat eivät muutu."]),
        ]
    return AgendaContent(
        region_name=governance.region_name,
        **governance_fields(governance, cycle),
        meeting_date=meeting,
        title=f"Palvelujen järjestämissuunnitelma {cycle}: tuotantotavat",
        earlier_handling=handled,
        grounds=[
            TextSection(
                heading="Suunnitelman tarkoitus",
                paragraphs=[
                    "Palvelujen järjestämissuunnitelma kokoaa, miten kukin palvelu tuotetaan: omana tuotantona, "
                    "ostopalveluna, palvelusetelillä vai näiden yhdistelmänä (sekamalli). Tämä osa perustuu "
                    f"asiaan ”Tuotantotapojen vertailu ja valinta {cycle}” ja päivitetään joka "
                    "suunnittelukierroksella; kunkin kierroksen hyväksytty versio tallennetaan ja seuraava "
                    "kierros vertaa siihen.",
                    "Luvut perustuvat esimerkkiaineistoon.",
                ],
            ),
            TextSection(heading="Muutokset edelliseen suunnitelmaan", paragraphs=history),
        ],
        proposal=(
            f"{body.decides_verb} hyväksyä {genitive(analysis.region_name)} palvelujen järjestämissuunnitelman "
            f"tuotantotapoja koskevan osan suunnittelukierrokselle {cycle} (käsitellään asian "
            f"”Tuotantotapojen vertailu ja valinta {cycle}” yhteydessä)."
        ),
        attachments=[
            AttachmentRef(number=1, title="Järjestämissuunnitelman tuotantotavat (JSON)",
                          filename="comparison-organising-plan.json"),
        ],
    )  # fmt: skip


# -- figures ----------------------------------------------------------------------------------------


def figure_key(service_id: str) -> str:
    """The artefact key of a service's cost-component chart (lower case, ``[a-z0-9-]``)."""
    return f"comparison-components-{service_id.lower()}-svg"


def build_comparison_figures(analysis: ComparisonAnalysis) -> ComparisonFigures:
    """Per service the cost components per unit and mode (stacked), and all unit-cost ranges."""
    own_by = {s.service_id: s for s in analysis.own.services}
    bought = analysis.purchased.services
    figures = []
    organiser_label = "Järjestäjän hankinta-, sopimus- ja valvontakulut"
    price_label = "Sopimushinta tai setelin arvo"
    client_label = "Asiakkaan omavastuuosuus (palveluseteli)"
    for item in analysis.matrix.services:
        modes = [o.mode for o in item.options]
        series: dict[str, list[float | int | None]] = {label: [] for label in OWN_COMPONENTS.values()}
        series[price_label] = []
        series[organiser_label] = []
        series[client_label] = []
        totals: list[float] = []
        for mode in modes:
            own = own_by.get(item.service_id) if mode is ProductionMode.OWN else None
            ext = next((s for s in bought if s.service_id == item.service_id and s.mode is mode), None)
            for code, label in OWN_COMPONENTS.items():
                series[label].append(next(c.per_unit for c in own.components if c.code == code) if own else None)
            per_unit = {c.code: c.per_unit for c in ext.components} if ext else {}
            series[price_label].append(per_unit.get("price"))
            series[organiser_label].append(
                round(sum(per_unit[k] for k in ("procurement", "contract_management", "monitoring")), 2)
                if ext
                else None
            )
            series[client_label].append(per_unit.get("client_share"))
            totals.append(own.unit_cost if own else ext.unit_cost if ext else 0.0)
        title = f"{item.name}: yksikkökustannuksen erät tuotantotavoittain, €/{item.unit}"
        figures.append(
            ComparisonFigure(
                key=figure_key(item.service_id),
                service_id=item.service_id,
                title=title,
                svg=stacked_bar_chart_svg(
                    [_MODE_WORD[m].capitalize() for m in modes],
                    series,
                    title=title,
                    unit=f"€/{item.unit}",
                    totals=totals,
                ),
            )
        )
    names = [i.name for i in analysis.matrix.services]
    ranges: dict[str, list[tuple[float, float, float] | None]] = {w.capitalize(): [] for w in _MODE_WORD.values()}
    for item in analysis.matrix.services:
        own_option = next((o for o in item.options if o.mode is ProductionMode.OWN), None)
        base = own_option.unit_cost if own_option else item.options[0].unit_cost
        for mode, word in _MODE_WORD.items():
            option = next((o for o in item.options if o.mode is mode), None)
            ranges[word.capitalize()].append(
                (
                    round(100 * option.unit_cost_low / base, 1),
                    round(100 * option.unit_cost / base, 1),
                    round(100 * option.unit_cost_high / base, 1),
                )
                if option
                else None
            )
    title = "Yksikkökustannusten vaihteluvälit suhteessa oman tuotannon yksikkökustannukseen (oma = 100)"
    return ComparisonFigures(
        components=figures,
        ranges=ComparisonFigure(
            key="comparison-ranges-svg",
            service_id=None,
            title=title,
            svg=range_chart_svg(names, ranges, title=title, unit="indeksi, oma tuotanto = 100", reference_line=100.0,
                                reference_label="oma = 100"),
        ),
    )  # fmt: skip


# -- exports ----------------------------------------------------------------------------------------

EXPORT_COLUMNS = ("palvelu_id", "palvelu", "tuotantotapa", "tieto", "arvo", "yksikkö", "lähde")


def export_rows(analysis: ComparisonAnalysis) -> list[dict[str, Any]]:
    """Every figure of the comparison as a row with its source reference (the ``lähde`` column)."""
    rows: list[dict[str, Any]] = []

    def add(service: str, name: str, mode: str, what: str, value: Any, unit: str, sources: list[str]) -> None:
        rows.append(
            {"palvelu_id": service, "palvelu": name, "tuotantotapa": mode, "tieto": what, "arvo": value,
             "yksikkö": unit, "lähde": compact_sources(sources)}
        )  # fmt: skip

    for own in analysis.own.services:
        mode = _MODE_WORD[ProductionMode.OWN]
        row_sources = own.cost_rows
        add(own.service_id, own.name, mode, "suoritteet", own.volume, own.unit, row_sources)
        for component in own.components:
            add(own.service_id, own.name, mode, component.label, component.amount, "€/v", component.sources)
            add(own.service_id, own.name, mode, component.label, component.per_unit, f"€/{own.unit}", component.sources)
        add(own.service_id, own.name, mode, "täyskustannus (brutto)", own.full_cost, "€/v", own.sources)
        add(own.service_id, own.name, mode, "asiakasmaksut", own.fees, "€/v", row_sources)
        add(own.service_id, own.name, mode, "yksikkökustannus (brutto)", own.unit_cost, f"€/{own.unit}", own.sources)
        add(own.service_id, own.name, mode, "yksikkökustannus (netto)", own.unit_cost_net, f"€/{own.unit}",
            own.sources)  # fmt: skip
        add(own.service_id, own.name, mode, "yksikkökustannus, alaraja", own.unit_cost_low, f"€/{own.unit}",
            own.sources)  # fmt: skip
        add(own.service_id, own.name, mode, "yksikkökustannus, yläraja", own.unit_cost_high, f"€/{own.unit}",
            own.sources)  # fmt: skip
    for ext in analysis.purchased.services:
        mode = _MODE_WORD[ext.mode]
        add(ext.service_id, ext.name, mode, "suoritteet", ext.volume, ext.unit, ext.sources)
        for component in ext.components:
            add(ext.service_id, ext.name, mode, component.label, component.amount, "€/v", component.sources)
            add(ext.service_id, ext.name, mode, component.label, component.per_unit, f"€/{ext.unit}", component.sources)
        add(ext.service_id, ext.name, mode, "vertailukelpoinen kustannus (brutto)", ext.total_cost, "€/v", ext.sources)
        add(ext.service_id, ext.name, mode, "asiakasmaksut", ext.fees, "€/v", ext.sources)
        for what, value in (("yksikkökustannus (brutto)", ext.unit_cost), ("yksikkökustannus (netto)", ext.unit_cost_net),
                            ("yksikkökustannus, alaraja", ext.unit_cost_low),
                            ("yksikkökustannus, yläraja", ext.unit_cost_high)):  # fmt: skip
            add(ext.service_id, ext.name, mode, what, value, f"€/{ext.unit}", ext.sources)
    for item in analysis.matrix.services:
        for option in item.options:
            mode = _MODE_WORD[option.mode]
            for score in option.scores:
                add(item.service_id, item.name, mode, f"pisteet: {score.label}", score.score, "1–5", score.sources)
            add(item.service_id, item.name, mode, "painotettu kokonaispistemäärä", option.total, "1–5",
                [s for sc in option.scores for s in sc.sources])  # fmt: skip
        for diff in item.differences:
            add(item.service_id, item.name, _MODE_WORD[diff.mode], "ero omaan tuotantoon", diff.difference,
                f"€/{item.unit}", [s for o in item.options for sc in o.scores[:1] for s in sc.sources])  # fmt: skip
        add(item.service_id, item.name, "suositus", "suositeltu tuotantotapa", item.recommendation.label_fi, "",
            [s for o in item.options for sc in o.scores for s in sc.sources])  # fmt: skip
    for impact in analysis.personnel.services:
        for occupation in impact.occupations:
            add(impact.service_id, impact.name, _MODE_WORD[ProductionMode.OWN],
                f"henkilöstö: {occupation.occupation} ({occupation.employment.label_fi})", occupation.fte, "htv",
                [occupation.source])  # fmt: skip
        add(impact.service_id, impact.name, "suositus", "muutoksen kohteena", impact.affected_fte, "htv",
            [o.source for o in impact.occupations])  # fmt: skip
    for line in analysis.own.reconciliation:
        add("", "", "täsmäytys", f"{line.label}: tuloslaskelma", line.income_statement, "€", line.sources[:1])
        add("", "", "täsmäytys", f"{line.label}: kustannusrivit", line.cost_rows, "€", line.sources[1:])
        add("", "", "täsmäytys", f"{line.label}: kohdistettu yhteensä", line.allocated_total, "€", line.sources)
    return rows


def _csv_number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return (f"{value:.4f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)).replace(".", ",")


def export_csv(analysis: ComparisonAnalysis) -> bytes:
    """The comparison as CSV for publication: ``;``, decimal comma, UTF-8 with BOM (opens in Excel)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(analysis):
        writer.writerow([_csv_number(row[c]) for c in EXPORT_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(analysis: ComparisonAnalysis, created: dt.datetime) -> bytes:
    """The comparison as an .xlsx workbook (sheet ``Vertailu``) with deterministic bytes.

    openpyxl stamps the save time into ``docProps/core.xml`` and every zip entry; both are replaced
    by ``created`` (from the data), so the same analysis always gives the same file and the store's
    idempotence holds.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Vertailu"
    sheet.append(list(EXPORT_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in export_rows(analysis):
        sheet.append([row[c] for c in EXPORT_COLUMNS])
    for column, width in zip("ABCDEFG", (18, 34, 16, 48, 14, 16, 70), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    moment = created.astimezone(dt.UTC).replace(tzinfo=None)
    workbook.properties.creator = analysis.region_name
    workbook.properties.title = f"Tuotantotapojen vertailu {analysis.cycle}"
    workbook.properties.created = moment
    workbook.properties.modified = moment
    raw = io.BytesIO()
    workbook.save(raw)
    return _fix_zip_times(raw.getvalue(), moment)


def _fix_zip_times(data: bytes, moment: dt.datetime) -> bytes:
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


# -- rendering ------------------------------------------------------------------------------------


def render_comparison(
    payload: ComparisonProposal,
    analysis: ComparisonAnalysis,
    figures: ComparisonFigures,
    created: dt.datetime,
    proposal_ref: VersionRef,
) -> list[RenderedDocument]:
    """The decision and the organising-plan documents, both from the stored proposal version."""
    documents = []
    for key, agenda, template, attachments, keywords in (
        (
            DECISION_DOCUMENT,
            payload.agenda,
            TEMPLATE,
            [
                PdfAttachment(filename="comparison-proposal.json", content=canonical_json(payload),
                              description="Päätösehdotus (JSON)"),
                PdfAttachment(filename="comparison-export.csv", content=export_csv(analysis),
                              description="Vertailutaulukko lähdeviittauksin (CSV)", media_type="text/csv"),
                PdfAttachment(filename="comparison-own-costs.json", content=canonical_json(analysis.own),
                              description="Oman tuotannon täyskustannuslaskelma (JSON)"),
                PdfAttachment(filename="comparison-purchased-costs.json", content=canonical_json(analysis.purchased),
                              description="Ostopalvelujen vertailukelpoiset kustannukset (JSON)"),
                PdfAttachment(filename="comparison-matrix.json", content=canonical_json(analysis.matrix),
                              description="Päätösmatriisit ja suositukset (JSON)"),
            ],
            ["tuotantotapojen vertailu", "täyskustannus", "ostopalvelu", "palveluseteli"],
        ),
        (
            PLAN_DOCUMENT,
            payload.plan_agenda,
            PLAN_TEMPLATE,
            [
                PdfAttachment(filename="comparison-organising-plan.json", content=canonical_json(analysis.plan),
                              description="Järjestämissuunnitelman tuotantotavat (JSON)"),
            ],
            ["palvelujen järjestämissuunnitelma", "tuotantotavat"],
        ),
    ):  # fmt: skip
        item = AgendaItem(
            **agenda.model_dump(),
            document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal_ref.key}"
            + ("" if key == DECISION_DOCUMENT else "-plan"),
            version=proposal_ref.version,
            sha256=proposal_ref.sha256,
        )
        metadata = DocumentMetadata(
            title=f"{agenda.title} – {payload.region_name}",
            author=payload.region_name,
            subject=f"{agenda.body}: päätösehdotus, {STAGE.title_fi.lower()}",
            keywords=[*keywords, payload.region_code, str(payload.cycle)],
            created=created,
        )
        context = {"item": item, "analysis": analysis, "figures": figures, "payload": payload,
                   "sources": compact_sources, "criterion_labels": CRITERION_LABELS, "mode_word": _MODE_WORD}  # fmt: skip
        doc = render_document(template, context, metadata=metadata, attachments=attachments)
        documents.append(RenderedDocument(key=key, title=agenda.title, html=doc.html, pdf=doc.pdf))
    return documents


# -- the round's outputs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundOutputs:
    """What one stage-4 round stores: source snapshots, data, figures and exports, proposal, UI tables."""

    sources: list[FileOutput]
    data: list[JsonOutput]
    figures: list[FileOutput]
    proposal: JsonOutput
    tables: dict[str, list[dict[str, Any]]]


_SOURCE_KEYS = {
    OWN_XLSX: (
        "comparison-source-own-production",
        "Oman tuotannon kustannukset, jakoperusteet ja tuloslaskelma (xlsx)",
    ),
    OWN_CSV[COST_SHEET]: ("comparison-source-own-costs", "Oman tuotannon kustannukset (CSV)"),
    OWN_CSV[KEY_SHEET]: ("comparison-source-allocation-keys", "Tukipalvelujen ja hallinnon jakoperusteet (CSV)"),
    OWN_CSV[INCOME_SHEET]: ("comparison-source-income-statement", "Tuloslaskelman tiliryhmät (CSV)"),
    PURCHASES_CSV: ("comparison-source-purchases", "Ostopalvelut ja palvelusetelit (CSV)"),
    QUALITY_CSV: ("comparison-source-quality", "Laatu- ja saatavuustiedot (CSV)"),
    PERSONNEL_CSV: ("comparison-source-personnel", "Henkilöstö (CSV)"),
}


def comparison_round_outputs(
    *,
    analysis: ComparisonAnalysis,
    figures: ComparisonFigures,
    proposal: ComparisonProposal,
    basis: ChainsBasis,
    previous: PreviousPlan | None,
    inputs_dir: str | Path,
    created: dt.datetime,
) -> RoundOutputs:
    """The round's artefacts with their lineage: sources → costs → matrix → personnel and plan →
    figures and exports → proposal (→ the two documents)."""
    sources = []
    for path in input_files(Path(inputs_dir)):
        key, title = _SOURCE_KEYS[path.name]
        media = XLSX_MEDIA_TYPE if path.suffix == ".xlsx" else "text/csv"
        sources.append(
            FileOutput(key=key, kind="source", title=f"Lähdeaineisto: {title}", content=path.read_bytes(),
                       media_type=media, schema_name="xlsx" if path.suffix == ".xlsx" else "csv")
        )  # fmt: skip
    own_keys = [s.key for s in sources if s.key not in {"comparison-source-purchases", "comparison-source-quality",
                                                        "comparison-source-personnel"}]  # fmt: skip
    data = [
        JsonOutput("comparison-own-costs", "table", "Oman tuotannon täyskustannuslaskelma", analysis.own,
                   inputs=own_keys),
        JsonOutput("comparison-purchased-costs", "table", "Ostopalvelujen vertailukelpoiset kustannukset",
                   analysis.purchased, inputs=["comparison-source-purchases"]),
        JsonOutput("comparison-matrix", "table", "Päätösmatriisit, herkkyystarkastelu ja suositukset", analysis.matrix,
                   inputs=["comparison-own-costs", "comparison-purchased-costs", "comparison-source-quality"],
                   external_inputs=[basis.catalogue_ref]),
        JsonOutput("comparison-personnel", "table", "Henkilöstövaikutukset", analysis.personnel,
                   inputs=["comparison-matrix", "comparison-source-personnel"]),
        JsonOutput(PLAN_KEY, "plan", "Palvelujen järjestämissuunnitelma: tuotantotavat", analysis.plan,
                   inputs=["comparison-matrix"], external_inputs=[previous.ref] if previous else []),
    ]  # fmt: skip
    files = [
        FileOutput(key=f.key, kind="figure", title=f.title, content=f.svg.encode("utf-8"), media_type="image/svg+xml",
                   schema_name="svg", inputs=("comparison-own-costs", "comparison-purchased-costs"))
        for f in figures.components
    ]  # fmt: skip
    files.append(
        FileOutput(key=figures.ranges.key, kind="figure", title=figures.ranges.title,
                   content=figures.ranges.svg.encode("utf-8"), media_type="image/svg+xml", schema_name="svg",
                   inputs=("comparison-matrix",))
    )  # fmt: skip
    export_inputs = ("comparison-own-costs", "comparison-purchased-costs", "comparison-matrix", "comparison-personnel")
    files += [
        FileOutput(key="comparison-export-csv", kind="export", title="Vertailu lähdeviittauksin (CSV)",
                   content=export_csv(analysis), media_type="text/csv", schema_name="csv", inputs=export_inputs),
        FileOutput(key="comparison-export-xlsx", kind="export", title="Vertailu lähdeviittauksin (xlsx)",
                   content=export_xlsx(analysis, created), media_type=XLSX_MEDIA_TYPE, schema_name="xlsx",
                   inputs=export_inputs),
    ]  # fmt: skip
    tables = {
        "comparison-matrix": [
            {
                "palvelu": item.name,
                **{f"{_MODE_WORD[o.mode]} €/{item.unit}": o.unit_cost for o in item.options},
                "nykyinen": item.current_mode.label_fi,
                "suositus": item.recommendation.label_fi,
            }
            for item in analysis.matrix.services
        ],
        PLAN_KEY: [
            {"palvelu": e.name, "valittu": e.chosen_mode.label_fi,
             "edellinen": e.previous_mode.label_fi if e.previous_mode else "", "muuttuu": e.changed}
            for e in analysis.plan.entries
        ],
    }  # fmt: skip
    return RoundOutputs(
        sources=sources,
        data=data,
        figures=files,
        proposal=JsonOutput(
            proposal_key(STAGE), "proposal", "Päätösehdotus: tuotantotapojen vertailu ja valinta", proposal,
            inputs=[d.key for d in data] + [f.key for f in files],
            external_inputs=[basis.proposal_ref],
        ),
        tables=tables,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Prefect tasks. Results are persisted so a suspended run resumes without recomputing; the cache
# key covers the input files' hashes and the parameters' canonical JSON, so changed data is never
# served from an old result. Reads of the store are never cached.


def _param_digest(value: Any) -> bytes:
    if isinstance(value, BaseModel):
        return canonical_json(value)
    return json.dumps(value, sort_keys=True, default=str).encode()


def _inputs_key(context: TaskRunContext, parameters: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    for name in sorted(parameters):
        digest.update(name.encode() + b"=" + _param_digest(parameters[name]))
    folder = parameters.get("inputs_dir")
    if folder:
        for path in sorted(Path(folder).glob("*")):
            if path.is_file():
                digest.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_CACHE = CacheKeyFnPolicy(cache_key_fn=_inputs_key) + TASK_SOURCE


def region_identity(region: str, data_dir: str | Path | None = None) -> tuple[str, str]:
    """The region's code and Finnish name from a code or name (``Pirkanmaa`` → ``HVA08``)."""
    path = data_dir_or_default(data_dir) / MAP_FILE
    if not path.is_file():  # an input folder without the map uses the shipped key
        path = get_settings().input_dir / MAP_FILE
    found = resolve_region(region, load_region_key(path))
    return found.code, found.name_fi


def comparison_inputs_dir(region_code: str, inputs_dir: str | None, data_dir: str | None) -> str:
    """The folder a run reads: ``inputs_dir``, else ``<data>/examples/<REGION>``."""
    return str(inputs_dir_or_default(inputs_dir, data_dir, region_code))


@task(name="comparison-region", cache_policy=NO_CACHE)
def comparison_region_task(*, region: str, data_dir: str | None) -> tuple[str, str]:
    """The region's code and name (a name such as Pirkanmaa resolves to HVA08)."""
    return region_identity(region, data_dir)


@task(name="load-chains-basis", cache_policy=NO_CACHE)
def load_chains_basis_task(*, region: str, cycle: int) -> ChainsBasis:
    """The approved stage-3 catalogue (raises StageNotApprovedError, before anything is written)."""
    return load_chains_basis(open_store(), region=region, cycle=cycle)


@task(name="load-previous-organising-plan", cache_policy=NO_CACHE)
def previous_plan_task(*, region: str, cycle: int) -> PreviousPlan | None:
    """The previous cycle's approved organising plan, if one is stored."""
    return load_previous_plan(open_store(), region=region, cycle=cycle)


@task(name="read-comparison-inputs", cache_policy=_CACHE, persist_result=True)
def read_comparison_inputs_task(*, inputs_dir: str) -> ComparisonInputs:
    """Read and validate the own-production, purchase, quality and personnel files."""
    return read_comparison_inputs(Path(inputs_dir))


@task(name="analyse-comparison", cache_policy=_CACHE, persist_result=True)
def analyse_comparison_task(
    *,
    inputs: ComparisonInputs,
    basis: ChainsBasis,
    previous: PreviousPlan | None,
    params: ComparisonParams,
    region: str,
    cycle: int,
    inputs_dir: str,
) -> ComparisonAnalysis:
    """Check the services against the stage-3 catalogue; compute costs, matrices, personnel and plan."""
    check_catalogue(inputs, basis.service_ids(), inputs_dir=inputs_dir)
    return analyse_comparison(
        inputs, params, region_code=region, region_name=basis.region_name, cycle=cycle, basis=basis,
        previous=previous, inputs_dir=inputs_dir,
    )  # fmt: skip


@task(name="comparison-figures", cache_policy=_CACHE, persist_result=True)
def comparison_figures_task(*, analysis: ComparisonAnalysis) -> ComparisonFigures:
    """Draw the cost-component and range charts as SVG."""
    return build_comparison_figures(analysis)


@task(name="comparison-governance", cache_policy=NO_CACHE)
def comparison_governance_task(*, region: str, region_name: str, data_dir: str | None) -> StageGovernance:
    """The body, presenter and preparers of stage 4 from the region configuration file."""
    config_dir = data_dir_or_default(data_dir) / "config" / "regions"
    if not config_dir.is_dir():  # an input folder without its own configuration uses the shipped one
        config_dir = get_settings().input_dir / "config" / "regions"
    return load_governance(region, STAGE, config_dir, region_name=region_name)


@task(name="build-comparison-proposal")
def build_comparison_proposal_task(
    *,
    analysis: ComparisonAnalysis,
    basis: ChainsBasis,
    governance: StageGovernance,
    earlier: list[dict[str, Any]],
    cycle: int,
    previous: PreviousPlan | None,
    meeting_date: str | None = None,
) -> ComparisonProposal:
    """Write the two agenda items: grounds from the numbers, earlier handling, the proposals."""
    date = dt.date.fromisoformat(meeting_date) if meeting_date else None
    return build_comparison_proposal(analysis, basis, governance, earlier, cycle, date, previous)


def comparison_renderer(
    payload: ComparisonProposal, analysis: ComparisonAnalysis, figures: ComparisonFigures, created: dt.datetime
) -> Callable[[VersionRef], list[RenderedDocument]]:
    """The callback that renders both documents once the proposal version is known."""
    return lambda proposal_ref: render_comparison(payload, analysis, figures, created, proposal_ref)
