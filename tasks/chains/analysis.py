"""Stage 3 (Priorisointi, palvelukokonaisuudet ja -ketjut): the analysis, pure functions, no Prefect, no store.

Reads and validates the service catalogue (``palvelukatalogi.csv``), checks it against the approved
stage-2 targets and frame, scores the service packages on four criteria with a sensitivity check
of the weights, and builds the service chains with their targets, metrics, totals and structured
service descriptions.

The method, as printed in the decision document (every number reproducible from the tables):

- criteria per package, each normalised to 0–1:
  alignment  a = |group's stage-2 targets served by a step| / |group's stage-2 targets|
  need       n = r_g / max_p r_g(p)   (r_g: the group's relative need from stage 2, country = 1)
  cost       c = min(1, B_p / K_p)    (K_p = C_p / N_p: the chain's annual cost per client, C_p the
                                        chain's annual cost, N_p its clients a year; B_p the benchmark
                                        cost per client from ``vertailukustannukset.csv``, with its source)
  feasibility f = (t − 1) / 4          (t: the catalogue's rating 1–5)
  Without benchmark costs the cost criterion is not computed: its weight is 0 and the others are
  scaled to sum 1, and the document says so. (The earlier criterion 1 − C_p / F_g measured how
  much of the group's frame the catalogue covers, not value for money.)
- score = Σ_k w_k · x_k with relative weights normalised to sum 1; each component w_k · x_k is
  rounded to 4 decimals and the score is the sum of the rounded components; rank by score,
  ties broken by package id;
- sensitivity: each weight moved by ±step (relative) and set to 0, the other weights scaled so
  the weights still sum to 1; the ranking recomputed for each case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from schemas.chains import (
    CRITERIA,
    CRITERION_LABELS,
    ChainStep,
    CostBenchmarks,
    CriterionScore,
    ModeShare,
    PackageBenchmark,
    PackagePriorities,
    PackageScore,
    PriorityParams,
    ProductionMode,
    RankRange,
    SensitivityAnalysis,
    SensitivityScenario,
    ServiceCatalogue,
    ServiceChain,
    ServiceChains,
    ServiceDescriptionCard,
    ServicePackage,
    TargetLink,
)
from schemas.results import SourceRef
from schemas.targets import FrameAllocation, ImpactTarget, ImpactTargets
from soteflow.errors import InputError
from soteflow.numbers import fi_number
from tasks.chains.catalogue import eur2, r4

# ---------------------------------------------------------------------------------------------
# Prioritisation.


def priority_params(
    weights: Mapping[str, float] | None = None, sensitivity_step: float | None = None
) -> PriorityParams:
    """The parameters from the flow's ``weights`` (criterion → weight) and sensitivity step.

    Unknown criteria or invalid values raise :class:`InputError` with field ``weights``.
    """
    given = dict(weights or {})
    unknown = sorted(set(given) - set(CRITERIA))
    if unknown:
        raise InputError(
            f"unknown prioritisation criteria {', '.join(unknown)}; known: {', '.join(CRITERIA)}", field="weights"
        )
    data: dict[str, float] = {f"weight_{k}": v for k, v in given.items()}
    if sensitivity_step is not None:
        data["sensitivity_step"] = sensitivity_step
    try:
        return PriorityParams(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        loc = ".".join(str(p) for p in first.get("loc", ()))
        raise InputError(f"{loc + ': ' if loc else ''}{message}", field="weights") from None


@dataclass(frozen=True)
class _PackageBasis:
    """What one package's criteria are computed from."""

    package: ServicePackage
    addressed: list[str]
    group_targets: list[str]
    other_targets: list[str]
    relative_need: float
    frame_eur: float
    values: dict[str, float]
    bases: dict[str, str]
    benchmark: PackageBenchmark | None
    cost_per_client: float | None


def cost_value(annual_cost: float, clients: int, benchmark_per_client: float) -> tuple[float, float]:
    """The cost per client ``K = C / N`` (€, 2 decimals) and the criterion ``min(1, B / K)`` (4 decimals).

    1 when the package costs no more per client than the benchmark; 0,8 when it costs 25 % more
    (B / K = 1 / 1,25). A lower cost than the benchmark is not rewarded further: a low cost per
    client can also mean thinner services, and quality is measured by the chains' metrics.
    """
    per_client = eur2(annual_cost / clients)
    value = r4(min(1.0, benchmark_per_client / per_client)) if per_client > 0 else 1.0
    return per_client, value


def _bases(
    catalogue: ServiceCatalogue, targets: ImpactTargets, frame: FrameAllocation, benchmarks: CostBenchmarks | None
) -> list[_PackageBasis]:
    needs = {g.client_group: g.relative_need for g in frame.groups}
    frames = {g.client_group: g.allocated_eur for g in frame.groups}
    max_need = max((needs.get(p.client_group, 0.0) for p in catalogue.packages), default=0.0)
    out = []
    for package in catalogue.packages:
        served = {s.target_id for s in package.steps}
        group_targets = [t.target_id for t in targets.for_group(package.client_group)]
        addressed = [t for t in group_targets if t in served]
        other = [t.target_id for t in targets.targets if t.target_id in served and t.target_id not in group_targets]
        need = needs.get(package.client_group, 0.0)
        frame_eur = frames.get(package.client_group, 0.0)
        benchmark = benchmarks.for_package(package.package_id) if benchmarks is not None else None
        per_client: float | None = None
        if benchmark is not None:
            per_client, cost = cost_value(package.annual_cost, benchmark.clients, benchmark.benchmark_per_client)
            cost_basis = (
                f"{fi_number(per_client, 0)} € / asiakas, vertailu {fi_number(benchmark.benchmark_per_client, 0)} €"
            )
        else:
            cost, cost_basis = 0.0, "ei vertailukustannusta"
        values = {
            "alignment": r4(len(addressed) / len(group_targets)) if group_targets else 0.0,
            "need": r4(need / max_need) if max_need > 0 else 0.0,
            "cost": cost,
            "feasibility": r4((package.feasibility - 1) / 4),
        }
        bases = {
            "alignment": f"{len(addressed)} / {len(group_targets)} ryhmän tavoitteesta",
            "need": f"{fi_number(need, 4)} / {fi_number(max_need, 4)}",
            "cost": cost_basis,
            "feasibility": f"arvio {package.feasibility} / 5",
        }
        out.append(
            _PackageBasis(
                package, addressed, group_targets, other, need, frame_eur, values, bases, benchmark, per_client
            )
        )
    return out


def _scores(bases: Sequence[_PackageBasis], weights: Mapping[str, float]) -> dict[str, float]:
    """Score per package id: the sum of the rounded components."""
    return {b.package.package_id: r4(sum(r4(weights[k] * b.values[k]) for k in CRITERIA)) for b in bases}


def _order(scores: Mapping[str, float]) -> list[str]:
    """Package ids by score, highest first; ties by package id."""
    return sorted(scores, key=lambda pid: (-scores[pid], pid))


def shifted_weights(weights: Mapping[str, float], criterion: str, factor: float | None) -> dict[str, float] | None:
    """The weights with ``criterion`` multiplied by ``factor`` (``None``: set to 0) and the others
    scaled so the sum stays 1; ``None`` when no weight would remain positive.

    A moved weight is capped at 1. Weights are rounded to 4 decimals.
    """
    old = weights[criterion]
    new = 0.0 if factor is None else min(1.0, old * factor)
    rest = sum(v for k, v in weights.items() if k != criterion)
    if new <= 0 and rest <= 0:
        return None
    if rest <= 0:  # the moved weight is the only one: it stays the whole weight
        return {k: (1.0 if k == criterion else 0.0) for k in weights}
    scale = (1 - new) / rest
    return {k: r4(new if k == criterion else v * scale) for k, v in weights.items()}


def weight_text(value: float) -> str:
    """A weight as printed: at least two and at most four decimals (``0,30``, ``0,1829``, ``0``)."""
    if not value:
        return "0"
    text = fi_number(value, 4)
    while text.endswith("0") and len(text.split(",")[1]) > 2:
        text = text[:-1]
    return text


def sensitivity_analysis(
    bases: Sequence[_PackageBasis], weights: Mapping[str, float], step: float
) -> SensitivityAnalysis:
    """Move each weight by ±``step`` and to 0; report each case's ranking and each package's rank range."""
    base_order = _order(_scores(bases, weights))
    top = base_order[0]
    percent = fi_number(100 * step, 0)
    scenarios: list[SensitivityScenario] = []
    skipped: list[str] = []
    for criterion in CRITERIA:
        for change, factor in ((f"+{percent} %", 1 + step), (f"−{percent} %", 1 - step), ("0", None)):
            label_change = change if factor is not None else "painoksi 0"
            moved = shifted_weights(weights, criterion, factor)
            label = f"{CRITERION_LABELS[criterion]} {label_change}"
            if moved is None:
                skipped.append(label)
                continue
            scores = _scores(bases, moved)
            order = _order(scores)
            scenarios.append(
                SensitivityScenario(
                    criterion=criterion,
                    change=change,
                    label=f"{label} ({weight_text(weights[criterion])} → {weight_text(moved[criterion])})",
                    weights=moved,
                    order=order,
                    ranks={pid: order.index(pid) + 1 for pid in order},
                    scores=scores,
                    top_package=order[0],
                    top_changed=order[0] != top,
                )
            )
    ranges = []
    for pid in base_order:
        ranks = [base_order.index(pid) + 1, *(s.ranks[pid] for s in scenarios)]
        ranges.append(RankRange(package_id=pid, base_rank=ranks[0], best_rank=min(ranks), worst_rank=max(ranks)))
    method = (
        f"Herkkyystarkastelussa kutakin painoa muutetaan vuorollaan ±{percent} % (suhteellinen muutos) ja "
        "se asetetaan nollaksi; muut painot skaalataan samassa suhteessa niin, että painojen summa on 1. "
        "Jokaisessa tapauksessa pisteet ja järjestys lasketaan uudelleen samoista kriteeriarvoista."
    )
    return SensitivityAnalysis(
        step=step,
        method=method,
        scenarios=scenarios,
        skipped=skipped,
        rank_ranges=ranges,
        top_package=top,
        top_stable=not any(s.top_changed for s in scenarios),
    )


#: What the ranking decides, printed in the item and the method attachment.
RANKING_DECIDES = (
    "Järjestys ratkaisee, missä järjestyksessä palvelukokonaisuuksien palveluketjuja kehitetään ja "
    "kehittämistyöhön osoitetaan valmistelu- ja kehittämisresursseja suunnittelukierroksella. Järjestys ei "
    "jaa määrärahoja eikä muuta vaiheessa 2 hyväksyttyä kehystä, eikä se lopeta tai supista lakisääteisiä "
    "palveluja."
)

PRIORITY_METHOD = [
    "Kukin palvelukokonaisuus pisteytetään neljällä kriteerillä, jotka normalisoidaan välille 0–1.",
    "Tavoitteisiin kohdistuminen = niiden asiakasryhmän vaiheen 2 vaikuttavuustavoitteiden osuus, joihin "
    "palveluketjun jokin vaihe kohdistuu (tavoite_id). Muiden asiakasryhmien tavoitteet näytetään ketjun "
    "tavoitteina, mutta ne eivät nosta arvoa.",
    "Palvelutarve = asiakasryhmän suhteellinen tarve vaiheen 2 kehyksen kohdennuksesta (koko maa = 1) "
    "jaettuna palvelukokonaisuuksien suurimmalla suhteellisella tarpeella (r / max r): suurimman tarpeen "
    "ryhmä saa arvon 1 ja muut suhteessa siihen.",
    "Kustannus asiakasta kohden = vertailukustannus asiakasta kohden / ketjun vuosikustannus asiakasta kohden, "
    "enintään 1. Ketjun vuosikustannus asiakasta kohden on vaiheiden vuosivolyymi × yksikkökustannus yhteensä "
    "jaettuna ketjun eri asiakkaiden määrällä vuodessa. Arvo on 1, kun kokonaisuus ei maksa asiakasta kohden "
    "vertailua enempää, ja esimerkiksi 0,8, kun se maksaa 25 % enemmän. Vertailua edullisempaa kustannusta ei "
    "palkita enempää, koska pieni kustannus voi merkitä myös suppeampaa palvelua; laatua mitataan ketjujen "
    "mittareilla.",
    "Toteutettavuus = (palveluluettelon arvio 1–5 − 1) / 4.",
    "Pisteet = Σ paino × kriteerin arvo. Painot ovat suhteellisia, ja ne jaetaan summallaan (summa 1). "
    "Kukin osuus (paino × arvo) pyöristetään neljään desimaaliin, ja pisteet ovat pyöristettyjen osuuksien "
    "summa. Järjestys on pisteiden mukaan suurimmasta pienimpään; tasapisteissä tunnuksen mukaan.",
]


NO_BENCHMARK_METHOD = (
    "Kustannuskriteeriä ei laskettu, koska palvelukokonaisuuksien asiakasmääriä ja vertailukustannuksia "
    "asiakasta kohden ei annettu. Sen paino on 0, ja muut painot on skaalattu niin, että painojen summa on 1."
)


def score_packages(
    catalogue: ServiceCatalogue,
    targets: ImpactTargets,
    frame: FrameAllocation,
    params: PriorityParams,
    *,
    targets_ref: SourceRef,
    frame_ref: SourceRef,
    benchmarks: CostBenchmarks | None = None,
) -> PackagePriorities:
    """Score and rank the service packages, with every component and the sensitivity check.

    ``benchmarks`` are the clients and benchmark costs per client (:func:`~tasks.chains.catalogue.
    read_benchmarks`); without them the cost criterion's weight is 0 (the others scaled to sum 1).
    """
    if not catalogue.packages:
        raise InputError("the service catalogue has no packages", file=catalogue.source_file)
    weights = params.normalised_weights()
    if benchmarks is None:
        weights = shifted_weights(weights, "cost", None) or weights
    bases = _bases(catalogue, targets, frame, benchmarks)
    scores = _scores(bases, weights)
    order = _order(scores)
    by_id = {b.package.package_id: b for b in bases}
    rows = []
    for rank, pid in enumerate(order, 1):
        basis = by_id[pid]
        package = basis.package
        rows.append(
            PackageScore(
                package_id=pid,
                name=package.name,
                client_group=package.client_group,
                targets_addressed=basis.addressed,
                group_targets=basis.group_targets,
                other_targets=basis.other_targets,
                relative_need=basis.relative_need,
                annual_cost=package.annual_cost,
                clients=basis.benchmark.clients if basis.benchmark else None,
                cost_per_client=basis.cost_per_client,
                benchmark_per_client=basis.benchmark.benchmark_per_client if basis.benchmark else None,
                benchmark_source=basis.benchmark.source if basis.benchmark else None,
                feasibility=package.feasibility,
                criteria=[
                    CriterionScore(
                        criterion=k,
                        label=CRITERION_LABELS[k],
                        basis=basis.bases[k],
                        value=basis.values[k],
                        weight=weights[k],
                        component=r4(weights[k] * basis.values[k]),
                    )
                    for k in CRITERIA
                ],
                score=scores[pid],
                rank=rank,
            )
        )
    return PackagePriorities(
        params=params,
        weights=weights,
        method=[*PRIORITY_METHOD, *([] if benchmarks is not None else [NO_BENCHMARK_METHOD])],
        max_relative_need=max(b.relative_need for b in bases),
        cost_criterion_used=benchmarks is not None,
        benchmark_sources=list(dict.fromkeys(b.source for b in benchmarks.packages)) if benchmarks else [],
        decides=RANKING_DECIDES,
        rows=rows,
        sensitivity=sensitivity_analysis(bases, weights, params.sensitivity_step),
        targets_ref=targets_ref,
        frame_ref=frame_ref,
    )


# ---------------------------------------------------------------------------------------------
# Chains and service descriptions.


def target_link(target: ImpactTarget) -> TargetLink:
    """The stage-2 target as a chain shows it."""
    return TargetLink(
        target_id=target.target_id,
        client_group=target.client_group,
        indicator=target.indicator,
        unit=target.unit,
        baseline=target.baseline,
        baseline_year=target.baseline_year,
        target_value=target.target_value,
        target_year=target.target_year,
        direction=target.direction,
    )


def mode_mix(steps: Sequence[ChainStep]) -> list[ModeShare]:
    """Cost by production mode (modes in enum order, only those present) and its share of the chain.

    Shares are rounded to 4 decimals; the rounding residue goes to the largest share so they sum to 1.
    """
    costs: dict[ProductionMode, float] = {}
    for mode in ProductionMode:
        present = [s.annual_cost for s in steps if s.mode is mode]
        if present:
            costs[mode] = eur2(sum(present))
    total = sum(costs.values())
    shares = {m: (r4(c / total) if total > 0 else 0.0) for m, c in costs.items()}
    if total > 0:
        largest = max(shares, key=lambda m: (shares[m], -list(ProductionMode).index(m)))
        shares[largest] = r4(1 - sum(v for m, v in shares.items() if m is not largest))
    return [ModeShare(mode=m, annual_cost=c, share=shares[m]) for m, c in costs.items()]


def chain_figure_key(package: ServicePackage) -> str:
    """The artefact key of a package's chain diagram (lower case: Prefect artifact keys)."""
    return f"chains-chain-{package.slug}-svg"


def build_chains(catalogue: ServiceCatalogue, targets: ImpactTargets, *, targets_ref: SourceRef) -> ServiceChains:
    """Each package's chain: ordered steps with metric and stage-2 target, chain targets, totals, mix."""
    chains: list[ServiceChain] = []
    cards: list[ServiceDescriptionCard] = []
    for package in catalogue.packages:
        steps = [
            ChainStep(
                order=s.order,
                service_id=s.service_id,
                name=s.name,
                mode=s.mode,
                annual_volume=s.annual_volume,
                unit=s.unit,
                unit_cost=s.unit_cost,
                annual_cost=s.annual_cost,
                metric=s.metric,
                target=target_link(targets.by_id(s.target_id)),
            )
            for s in package.steps
        ]
        seen: dict[str, TargetLink] = {}
        for step in steps:
            seen.setdefault(step.target.target_id, step.target)
        chains.append(
            ServiceChain(
                package_id=package.package_id,
                name=package.name,
                client_group=package.client_group,
                steps=steps,
                targets=list(seen.values()),
                annual_cost=package.annual_cost,
                mode_mix=mode_mix(steps),
                figure_key=chain_figure_key(package),
            )
        )
        cards.extend(
            ServiceDescriptionCard(
                service_id=s.service_id,
                package_id=package.package_id,
                name=s.name,
                description=s.description,
                mode=s.mode,
                metric=s.metric,
                target_id=s.target_id,
            )
            for s in package.steps
        )
    return ServiceChains(chains=chains, descriptions=cards, targets_ref=targets_ref)
