"""The README of a generated folder: what it is (ESIMERKKIAINEISTO), from which figures, how to replace it."""

from __future__ import annotations

from schemas.needs import NeedsAssessment
from soteflow.numbers import fi_number
from tasks.examples.region import REF_POPULATION, RegionFigures

_GROUPS = (
    ("children_families", "Lapset, nuoret ja perheet", "alle 15-vuotiaat"),
    ("working_age", "Työikäiset", "15–64-vuotiaat"),
    ("older_people", "Ikääntyneet", "65 vuotta täyttäneet"),
    ("disability", "Vammaiset henkilöt", "koko väestö"),
    ("mental_substance", "Mielenterveys- ja päihdeasiakkaat", "koko väestö"),
)


def readme_text(fig: RegionFigures, assessment: NeedsAssessment) -> str:
    """The folder's README.md (Finnish label, English body like the shipped example READMEs)."""
    factors = "\n".join(
        f"| {name} ({code}) | {basis} | {fi_number(fig.factor(code), 3)} |" for code, name, basis in _GROUPS
    )
    sources = ", ".join(sorted({s.file for s in assessment.sources}))
    return f"""# Example input files for {fig.name} ({fig.code}) — ESIMERKKIAINEISTO

**Every file in this folder is generated example data (esimerkkiaineisto), not official figures of
{fig.name}.** The volumes, euros, producers and comments are invented; they are sized from the
region's own real stage-1 figures so that stages 2–6 run end to end for this region. Producers'
names are fictional (each contains *Esimerkki*); the people in the documents are example people.

Written by `soteflow generate examples --region {fig.code} --cycle {fig.cycle}` (package
`tasks/examples/`); the same region, cycle and data give the same bytes.

## The region's figures (Statistics Finland, as stage 1 reads them)

| figure | value |
|---|---|
| population 31.12. | {fi_number(fig.population)} |
| aged under 15 | {fi_number(fig.under_15)} |
| aged 15–64 | {fi_number(fig.working_age)} |
| aged 65+ | {fi_number(fig.over_65)} |
| need index (whole country = 100) | {fi_number(fig.need_index, 1)} |
| municipalities | {len(fig.municipalities)} (largest: {fig.centre}) |
| areas used in names, contracts and lots | {", ".join(fig.areas)} |
| regional cost level (seeded by the region code) | {fi_number(fig.cost_level, 4)} |

Sources: {sources} (data/statfin, CC BY 4.0 Tilastokeskus).

## How the figures are derived

The files are sized for a reference region of {fi_number(REF_POPULATION)} inhabitants (the size
of the shipped Pirkanmaa example) and scaled by the client group a service serves:

    factor = group population / reference group population × need index / reference need index

| client group | group population | factor |
|---|---|---|
{factors}
| whole region (support services, administration, income statement) | whole population | {fi_number(fig.f_all, 3)} |

- Volumes (catalogue, own production, purchases, contracts, FTEs) × the service's factor; euros
  also × the cost level. Unit costs and prices are therefore the reference's × the cost level.
- Finance (stage 2): each service area × its group's factor × the cost level; funding, balance
  sheet, savings and measures × the region's base-year costs / the reference's.
- Targets: baselines from the region's stage-1 values where stage 1 has them
  (long-term unemployment, basic-security dependence, disabled or ill unemployed); the others
  are example baselines of the Sotkanet kind, varied per region.
- Stage 5's contracts register holds exactly stage 4's purchased volumes; lots, bids and voucher
  applications follow the reference's structure with this region's producers and areas.
- Stage 6: two months of synthetic monitoring data (`seuranta/`), made by stage 6's own generator
  for the contracts in force, with planted deviations listed in each `LUEMINUT.txt`.

## Formats, and giving the region's real files

The formats of every file are documented in `data/examples/HVA08/README.md`. To run with the
region's own files, copy this folder, replace the files with the region's real ones in the same
format (keep the names), and give the folder: `soteflow demo --region {fig.code} --inputs DIR`
(or put it at `data/examples/{fig.code}/`, which the demo then uses without `--inputs`).
"""
