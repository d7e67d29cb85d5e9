"""Stage 3 as later stages read it: the approved catalogue (:class:`ChainsBasis`).

This module is stage 3's only door for other stages.
"""

from __future__ import annotations

from schemas.chains import CatalogueService, ChainsBasis, ServiceCatalogue
from schemas.stages import Stage
from soteflow.store import Store
from soteflow.upstream import approved_case, input_ref, load_payload


def catalogue_services(catalogue: ServiceCatalogue) -> list[CatalogueService]:
    """The catalogue's steps as later stages read them (mode, unit, volume, unit cost), in order:
    from the approved round, or from the catalogue stage 3 will propose (a cycle's precheck)."""
    return [
        CatalogueService(
            service_id=step.service_id,
            name=step.name,
            package_id=package.package_id,
            mode=step.mode,
            unit=step.unit,
            annual_volume=step.annual_volume,
            unit_cost=step.unit_cost,
        )
        for package in catalogue.packages
        for step in package.steps
    ]


def load_chains_basis(store: Store, *, region: str, cycle: int) -> ChainsBasis:
    """The approved stage-3 round: the catalogue's services, its version, the region's name and the
    approval date. Raises :class:`~soteflow.upstream.StageNotApprovedError` if there is none."""
    approved = approved_case(store, region=region, cycle=cycle, stage=Stage.CHAINS)
    assert approved is not None  # required
    catalogue = load_payload(store, approved, "chains-catalogue", ServiceCatalogue)
    proposal = store.read_json(store.get_version(approved.proposal.version_id))
    return ChainsBasis(
        region_name=str(proposal.get("region_name") or region),
        services=catalogue_services(catalogue),
        catalogue_ref=input_ref(approved, "chains-catalogue"),
        proposal_ref=approved.proposal,
        approved_on=approved.decision.meeting_date,
    )
