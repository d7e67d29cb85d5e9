"""Stage 6's example files: two months of synthetic monitoring data per generated region.

Written by stage 6's own generator (:func:`tasks.monitoring.generator.generate`, the one behind
``soteflow generate monitoring``) for the contracts of the plan that are in force in the period
(:mod:`tasks.examples.plan`: the same ids, producers, volumes and prices that stage 5 will
register), so every unit and invoice names a contract of the approved stage-5 round. The number
of events grows with the region (3 000 for the reference), the seed comes from the region code.
"""

from __future__ import annotations

from pathlib import Path

from schemas.procurement import ContractTerms, SizeClass
from tasks.examples.plan import ExamplePlan
from tasks.examples.region import RegionFigures, seed_of
from tasks.monitoring.generator import generate

#: The months of the cycle with monitoring data (two, so the escalation ladder carries over).
MONTHS = (3, 4)
REF_EVENTS = 3000


def contract_terms(plan: ExamplePlan) -> list[ContractTerms]:
    """The plan's contracts as stage 5 registers them (what the generator needs of them)."""
    return [
        ContractTerms(
            contract_id=c.contract_id,
            procurement_id=None,
            producer=c.purchase.producer,
            size=SizeClass.parse(c.purchase.size),
            service_id=c.purchase.service_id,
            service_name=c.purchase.service_id,
            lot_id=None,
            area=c.area,
            start=c.start,
            end=c.end,
            unit=c.purchase.unit,
            unit_price=round(c.annual_value / c.purchase.volume, 2),
            annual_volume=float(c.purchase.volume),
            annual_value=c.annual_value,
            origin="continued",
            kpis=[],
            reporting="",
            sanctions=[],
        )
        for c in plan.contracts
    ]


def write_monitoring_files(fig: RegionFigures, plan: ExamplePlan, out: Path) -> list[Path]:
    """Write ``seuranta/<cycle>-MM/`` for each month of :data:`MONTHS`."""
    contracts = contract_terms(plan)
    events = max(500, round(REF_EVENTS * fig.f_all))
    files: list[Path] = []
    for month in MONTHS:
        period = f"{fig.cycle}-{month:02d}"
        written = generate(
            contracts,
            region=fig.code,
            period=period,
            events=events,
            seed=seed_of(fig.code, "monitoring") % 2**31,
            out=out / "seuranta" / period,
        )
        files += [*written.values(), out / "seuranta" / period / "LUEMINUT.txt"]
    return files
