"""Stage 3's example files: the service catalogue and the stakeholder comments.

The catalogue's steps keep the reference's structure (packages, chains, service ids, which stages
2 and 4 refer to); a step's annual volume is the reference's × its client group's factor, and for
the five services stage 4 compares it is exactly own production plus purchases and vouchers of
the generated stage-4 files; unit costs × the cost level. The comments are the invented set with
the region's own places in them; a smaller region has fewer (a seeded choice).
"""

from __future__ import annotations

from pathlib import Path

from tasks.examples.common import write_csv
from tasks.examples.comparison import own_volume
from tasks.examples.plan import ExamplePlan
from tasks.examples.region import REF_POPULATION, RegionFigures
from tasks.examples.texts import CATALOGUE, COMMENTS

CATALOGUE_HEADER = [
    "palvelukokonaisuus_id", "palvelukokonaisuus", "asiakasryhmä", "toteutettavuus", "vaihe", "palvelu_id",
    "palvelu", "kuvaus", "kenelle", "hakeutuminen", "myöntämisperusteet", "tuotantotapa", "vuosivolyymi",
    "yksikkö", "yksikkökustannus", "laatumittari", "laatu_lähtötaso", "laatu_tavoite", "tavoite_id",
]  # fmt: skip
FEEDBACK_HEADER = ["kommentti_id", "päivämäärä", "tilaisuus", "sidosryhmä", "kommentti"]


def _money(value: float) -> str:
    return str(round(value)) if value >= 100 else f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def catalogue_rows(fig: RegionFigures, plan: ExamplePlan) -> list[list[object]]:
    """``palvelukatalogi.csv`` of the region."""
    compared = {p.service_id for p in plan.purchases}
    rows: list[list[object]] = []
    for step in CATALOGUE:
        row: list[object] = list(step)
        service = step[5]
        if service in compared:
            volume = own_volume(fig, service) + sum(p.volume for p in plan.purchases if p.service_id == service)
        else:
            volume = max(1, round(int(step[12]) * fig.service_factor(service)))
        row[12] = volume
        row[14] = _money(float(step[14].replace(",", ".")) * fig.cost_level)
        rows.append(row)
    return rows


def _places(fig: RegionFigures) -> str:
    """Three smaller places of the region (the smallest municipalities, or districts), as a list."""
    names = [m for m, _ in fig.municipalities[-3:]] if fig.areas_are_municipalities else list(fig.areas[1:])
    return f"{names[0]}, {names[1]} ja {names[2]}"


def feedback_rows(fig: RegionFigures) -> list[list[object]]:
    """``lausunnot.csv``: 60–82 of the invented comments (more for a larger region), the
    region's places filled in, in their sessions' order."""
    keep = 60 + round(22 * min(1.0, fig.population / REF_POPULATION))
    rng = fig.rng("feedback")
    chosen = sorted(rng.sample(range(len(COMMENTS)), keep))
    places = {"centre": fig.centre, "places": _places(fig)}
    return [
        [f"L{n:03d}", day, session.format(**places), group, text.format(**places)]
        for n, (day, session, group, text) in enumerate((COMMENTS[i] for i in chosen), start=1)
    ]


def write_chains_files(fig: RegionFigures, plan: ExamplePlan, out: Path) -> list[Path]:
    """Write stage 3's files into ``out``."""
    return [
        write_csv(out / "palvelukatalogi.csv", CATALOGUE_HEADER, catalogue_rows(fig, plan)),
        write_csv(out / "lausunnot.csv", FEEDBACK_HEADER, feedback_rows(fig)),
    ]
