"""Stage 3 against the approved stage 2: what the catalogue costs must fit what stage 2 gives.

For each client group, the catalogue's yearly cost (Σ yearly volume × unit cost of the steps of the
group's packages) is a part of the group's spending: it may not exceed the group's frame of the
frame year, nor the group's operating costs in the last actual year of stage 2's financial
statement (the catalogue describes today's services at today's costs). A catalogue that costs more
than either has wrong volumes or unit costs, or belongs to another group: the stage stops at the
group's first catalogue row and names both sources.

Pure functions: they build :class:`~schemas.reconciliation.CrossCheck` lines;
:func:`soteflow.reconcile.enforce` stops the stage at one outside its tolerance.
"""

from __future__ import annotations

from schemas.chains import ServiceCatalogue
from schemas.reconciliation import CheckKind, CrossCheck, Tolerance
from schemas.targets import TargetsBasis


def frame_checks(catalogue: ServiceCatalogue, basis: TargetsBasis, tolerance: Tolerance) -> list[CrossCheck]:
    """Per client group: the catalogue's yearly cost at most the group's frame and its actual costs."""
    frame, forecast = basis.frame, basis.forecast
    frame_source = f"vaihe 2: kehys {frame.frame_year} ({basis.frame_ref.key} v{basis.frame_ref.version})"
    input_source = f"vaihe 3: {catalogue.source_file}"
    actual = next((a for a in forecast.actual if a.year == forecast.base_year), None) if forecast else None
    ref = basis.forecast_ref
    checks: list[CrossCheck] = []
    for group in frame.groups:
        packages = [p for p in catalogue.packages if p.client_group is group.client_group]
        if not packages:
            continue
        cost = sum(s.annual_volume * s.unit_cost for p in packages for s in p.steps)
        where = {"file": catalogue.source_file, "row": min(p.first_row for p in packages), "field": "vuosivolyymi"}
        name = group.client_group.label_fi
        checks.append(
            CrossCheck(
                subject=f"{name}: palveluluettelon vuosikustannus enintään ryhmän kehys {frame.frame_year}",
                kind=CheckKind.AT_MOST,
                basis_source=frame_source,
                input_source=input_source,
                unit="€",
                basis_value=group.allocated_eur,
                input_value=round(cost, 2),
                tolerance_pct=tolerance.total_pct,
                **where,
            )
        )
        spent = actual.costs_by_group.get(group.client_group) if actual is not None else None
        if actual is not None and spent is not None and ref is not None:
            checks.append(
                CrossCheck(
                    subject=f"{name}: palveluluettelon vuosikustannus enintään ryhmän toimintakulut {actual.year}",
                    kind=CheckKind.AT_MOST,
                    basis_source=f"vaihe 2: tilinpäätöksen toteuma {actual.year} ({ref.key} v{ref.version})",
                    input_source=input_source,
                    unit="€",
                    basis_value=spent,
                    input_value=round(cost, 2),
                    tolerance_pct=tolerance.total_pct,
                    **where,
                )
            )
    return checks
