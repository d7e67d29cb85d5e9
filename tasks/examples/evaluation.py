"""Stage 7's example files for a generated region, written from the files the earlier stages'
writers put in the same folder (targets, catalogue, costs, purchases, finance), so every id the
evaluation checks is one the region's own stages approve.

* ``arviointi_mittarit.csv``: each target's actual value, a seeded share of the way from its
  baseline to its target (some past it, some the wrong way);
* ``arviointi_palvelut.csv``: each compared service's volume (own + purchased) and its cost at the
  purchase prices, each within a few per cent of the plan;
* ``arviointi_talous.csv``: each client group's base-year costs grown to the frame year;
* ``arviointi_asiakaskokemus.csv``: satisfaction per compared service, responses by population;
* ``riskirekisteri.csv`` and ``arviointi_jatkotoimet.csv``: the region-neutral register a region
  starts from, and actions for its three largest risks.
"""

from __future__ import annotations

import random
import tomllib
from collections import defaultdict
from pathlib import Path
from typing import Any

from schemas.accounts import OPERATING_COST_GROUPS
from schemas.needs import AreaProfile
from schemas.tabular import parse_fi_number
from schemas.targets import FrameRow
from soteflow.data.tabular import read_table
from tasks.examples.common import write_csv
from tasks.examples.region import RegionFigures

#: The share of the way from baseline to target each target's actual value has come, in order
#: (seeded shuffle per region): reached, on the way, stalled, worse.
PROGRESS = (1.1, 0.85, 0.6, 0.5, 0.35, 0.2, 0.1, -0.15, -0.3, 0.7, 0.4)

RISKS = (
    ("R-01", "Toimintakulujen kasvu ylittää rahoituksen eikä alijäämää kateta määräajassa", "talous", 4, 5,
     "Sopeutusohjelma ja kuukausittainen talousseuranta", "Talousjohtaja"),
    ("R-02", "Sote-ammattilaisten saatavuus heikkenee", "henkilöstö", 4, 4,
     "Rekrytointiohjelma ja oppisopimuskoulutus", "Henkilöstöjohtaja"),
    ("R-03", "Ostopalvelutuottajan palvelu keskeytyy tai sen laatu heikkenee", "saatavuus", 2, 4,
     "Sopimusseuranta ja varautumissuunnitelma tuottajan vaihtamiseksi", "Järjestämisjohtaja"),
    ("R-04", "Asiakas- ja potilastietojärjestelmän pitkä käyttökatko", "tietojärjestelmät", 2, 4,
     "Varajärjestelmä ja jatkuvuussuunnitelma", "Tietohallintojohtaja"),
    ("R-05", "Palveluverkon muutos heikentää palvelujen saavutettavuutta", "saavutettavuus", 3, 3,
     "Liikkuvat palvelut ja etävastaanotot", "Palvelujohtaja"),
)  # fmt: skip


def _rows(path: Path) -> list[dict[str, Any]]:
    """An earlier writer's file as rows by (lower-case) column name: the project's own CSV reader."""
    return [row.values for row in read_table(path).rows]


def _num(value: Any) -> float:
    return float(parse_fi_number(value))


def _actuals(out: Path, profile: AreaProfile, rng: random.Random, year: int) -> list[list[object]]:
    progress = list(PROGRESS)
    rng.shuffle(progress)
    rows: list[list[object]] = []
    for i, t in enumerate(_rows(out / "tavoitteet.csv")):
        field = t.get("lähtötaso_stage1") or ""
        baseline = getattr(profile, field) if field else (_num(t["lähtötaso"]) if t.get("lähtötaso") else None)
        if baseline is None:
            continue  # no baseline: the target has no data this cycle (shown as such)
        target = _num(t["tavoitearvo"])
        value = float(baseline) + progress[i % len(progress)] * (target - float(baseline))
        decimals = 0 if t["yksikkö"] in {"henkilöä", "lkm"} else 2
        rows.append(
            [t["tavoite_id"], round(value, decimals) if decimals else float(round(value)), year, "esimerkkiarvo"]
        )
    return rows


def write_evaluation_files(fig: RegionFigures, profile: AreaProfile, out: Path) -> list[Path]:
    """Write stage 7's files into ``out`` (after the other stages' writers) and return their paths."""
    rng = random.Random(f"evaluation-{fig.code}")
    files = []
    actuals = _actuals(out, profile, rng, fig.cycle)
    files.append(write_csv(out / "arviointi_mittarit.csv", ["tavoite_id", "toteuma", "vuosi", "lähde"], actuals))

    volumes: dict[str, float] = defaultdict(float)
    values: dict[str, float] = defaultdict(float)
    for p in _rows(out / "ostopalvelut.csv"):
        volume, price = _num(p["suoritteet"]), _num(p["hinta €/suorite"])
        volumes[p["palvelu_id"]] += volume
        values[p["palvelu_id"]] += volume * price
    own: dict[str, float] = defaultdict(float)
    for row in _rows(out / "oma_tuotanto_kustannukset.csv"):
        if row["palvelu_id"] in volumes and row["suoritteet"]:  # support cost centres have no volume
            own[row["palvelu_id"]] += _num(row["suoritteet"])
    services = sorted(volumes)
    palvelut = []
    for sid in services:
        price = values[sid] / volumes[sid]
        volume = (volumes[sid] + own[sid]) * (1 + rng.uniform(-0.03, 0.03))
        cost = volume * price * (1 + rng.uniform(-0.02, 0.06))
        palvelut.append([sid, float(round(volume)), float(round(cost, -3))])
    files.append(write_csv(out / "arviointi_palvelut.csv", ["palvelu_id", "suoritteet", "kustannukset €"], palvelut))

    with (out / "talous_oletukset.toml").open("rb") as fh:
        frame_year = int(tomllib.load(fh)["kehys"]["kehysvuosi"])
    actual = _rows(out / "tilinpaatos.csv")
    base = max(int(r["vuosi"]) for r in actual)
    groups: dict[str, float] = defaultdict(float)
    own_rows = {row.label_fi for row in FrameRow}  # rescue services and common costs: no client group
    for r in actual:
        if int(r["vuosi"]) == base and r["asiakasryhmä"] not in own_rows:
            groups[r["asiakasryhmä"]] += sum(_num(r[g.column]) for g in OPERATING_COST_GROUPS)
    talous = [
        [frame_year, group, float(round(cost * (1.035 + rng.uniform(-0.01, 0.01)) ** (frame_year - base), -5))]
        for group, cost in groups.items()
    ]
    files.append(write_csv(out / "arviointi_talous.csv", ["vuosi", "asiakasryhmä", "toimintakulut €"], talous))

    group_of = {r["palvelu_id"]: r["asiakasryhmä"] for r in _rows(out / "palvelukatalogi.csv")}
    survey = []
    for sid in services:
        responses = max(20, round(fig.population / 500 * rng.uniform(0.5, 1.5)))
        mean = round(rng.uniform(3.3, 4.5), 1)
        survey.append([sid, group_of[sid], responses, mean, float(round(mean * 18 + rng.uniform(-5, 5))), None])
    files.append(
        write_csv(
            out / "arviointi_asiakaskokemus.csv",
            ["palvelu_id", "asiakasryhmä", "vastauksia", "keskiarvo", "suosittelee_%", "hyötyi_%"],
            survey,
        )
    )
    files.append(
        write_csv(
            out / "riskirekisteri.csv",
            ["riski_id", "riski", "luokka", "todennäköisyys", "vaikutus", "toimenpiteet", "vastuu"],
            [list(r) for r in RISKS],
        )
    )
    files.append(
        write_csv(
            out / "arviointi_jatkotoimet.csv",
            ["toimenpide", "vastuu", "aikataulu", "kohde"],
            [[r[5], r[6], str(fig.cycle + 1), r[0]] for r in RISKS[:3]],
        )
    )
    return files
