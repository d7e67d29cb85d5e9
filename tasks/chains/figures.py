"""Stage 3 figures: a diagram per service chain, and the stakeholder summary's charts."""

from __future__ import annotations

from schemas.chains import ChainFigure, ChainsFigures, ProductionMode, ServiceChains
from soteflow.charts.chain import ChainBox, chain_diagram_svg
from soteflow.language import fi_quantity

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
                details=(f"{fi_quantity(s.annual_volume, s.unit)} vuodessa", f"tavoite {s.target.target_id}"),
                spoken=(
                    f"{s.name} ({s.mode.label_fi}; {fi_quantity(s.annual_volume, s.unit)} vuodessa; "
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
