"""Stage 4's example files: own-production costs (workbook and CSV), purchases, quality, personnel.

Own production is the reference's cost centres with the region's own areas in their names, each
centre's volume, FTEs and costs × the service's factor (euros also × the cost level), so a
service's unit cost is the reference's × the cost level and the comparison with the purchases
(:mod:`tasks.examples.plan`) comes out as in the reference. The support pools scale with the whole
region (``f_all``); each service's share of a pool is the reference's × its factor / ``f_all``, so
the cost allocated per unit stays the same. The workbook has no income statement of its own: stage 4
takes the account groups from the financial statement stage 2 reads (``tilinpaatos.csv``, whose
base-year totals are :func:`tasks.examples.targets.statement_totals`). The ``MUU`` row (the
region's other activities) is what the statement leaves after the other rows, so the workbook
reconciles.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from schemas.accounts import AccountGroup
from soteflow.data.exports import fix_zip_times
from tasks.examples.common import csv_text, largest_remainder, write_csv
from tasks.examples.plan import ExamplePlan
from tasks.examples.region import RegionFigures
from tasks.examples.targets import statement_totals

PENSION = 0.172  # employer's pension contributions (Keva) as a share of wages
OTHER_SOCIAL = 0.031  # other social-security contributions as a share of wages


@dataclass(frozen=True)
class Centre:
    """A reference cost centre: the area it covers is an index into the region's areas, or None
    for "the rest of the region" (or the whole region for a single centre)."""

    code: str
    name: str
    service: str
    product: str
    unit: str
    volume: int
    fte: float
    wage: int
    purchased: int
    materials: int
    rents: int
    other: int
    depreciation: int
    fees: int
    capital: int


_CENTRES = (
    Centre("41110", "Kotihoito, {a0}", "IKA-KOTIHOITO", "Säännöllinen kotihoito", "käynti",
           1_050_000, 742, 35_900, 1_380_000, 610_000, 1_240_000, 295_000, 92_000, 10_120_000, 640_000),
    Centre("41120", "Kotihoito, {a1}", "IKA-KOTIHOITO", "Säännöllinen kotihoito", "käynti",
           470_000, 344, 35_600, 640_000, 286_000, 520_000, 131_000, 41_000, 4_530_000, 290_000),
    Centre("41130", "Kotihoito, muut alueet", "IKA-KOTIHOITO", "Säännöllinen kotihoito", "käynti",
           390_000, 291, 35_600, 560_000, 241_000, 430_000, 118_000, 36_000, 3_720_000, 250_000),
    Centre("42210", "Ympärivuorokautinen palveluasuminen, {a0}", "IKA-TEHPA", "Ympärivuorokautinen palveluasuminen",
           "hoitopäivä", 331_000, 872, 35_800, 4_520_000, 2_580_000, 8_170_000, 1_080_000, 830_000,
           16_300_000, 7_400_000),
    Centre("42220", "Ympärivuorokautinen palveluasuminen, muut alueet", "IKA-TEHPA",
           "Ympärivuorokautinen palveluasuminen", "hoitopäivä", 216_500, 568, 35_600, 2_960_000, 1_700_000,
           5_100_000, 700_000, 560_000, 10_650_000, 5_050_000),
    Centre("51310", "Aikuisten suun terveydenhuolto, {a0}", "TYO-SUUNHOITO", "Suun terveydenhuolto",
           "käynti", 300_000, 296, 48_200, 3_120_000, 2_380_000, 2_050_000, 520_000, 1_110_000, 9_050_000, 5_500_000),
    Centre("51320", "Aikuisten suun terveydenhuolto, muut alueet", "TYO-SUUNHOITO", "Suun terveydenhuolto",
           "käynti", 180_000, 181, 47_600, 1_890_000, 1_430_000, 1_280_000, 310_000, 690_000, 5_420_000, 3_400_000),
    Centre("61410", "Lastenkodit ja vastaanottokodit", "LAP-SIJAISHUOLTO", "Sijaishuolto", "hoitovuorokausi",
           34_200, 122, 41_500, 1_620_000, 410_000, 1_600_000, 260_000, 210_000, 180_000, 2_600_000),
    Centre("71510", "Vammaisten asumisyksiköt", "VAM-ASUMINEN", "Vammaisten asumispalvelut", "hoitovuorokausi",
           22_800, 68, 37_400, 760_000, 220_000, 1_050_000, 110_000, 95_000, 240_000, 1_100_000),
)  # fmt: skip

# Support and administration pools: (cost centre, name, pool id, wages, purchased services, materials,
# rents, other costs, depreciation, capital).
_POOLS = (
    ("90100", "Tietohallinto ja ICT-palvelut", "TUKI-ICT", 14_200_000, 36_800_000, 1_150_000, 1_480_000,
     820_000, 3_400_000, 18_200_000),
    ("90200", "Henkilöstö- ja palkkahallinto", "TUKI-HENKILOSTO", 13_600_000, 5_200_000, 240_000, 760_000,
     410_000, 120_000, 600_000),
    ("90300", "Talous- ja hankintapalvelut", "TUKI-TALOUS", 9_900_000, 4_300_000, 150_000, 520_000, 260_000,
     90_000, 400_000),
    ("90400", "Logistiikka-, ravinto- ja puhtauspalvelut", "TUKI-LOGISTIIKKA", 38_500_000, 12_600_000,
     21_400_000, 3_900_000, 1_100_000, 2_300_000, 14_800_000),
    ("91100", "Palvelualueiden johto ja hallinto", "HALLINTO-PALVELUALUE", 21_400_000, 3_100_000, 310_000,
     1_350_000, 640_000, 60_000, 300_000),
    ("91200", "Konsernihallinto ja järjestäjän tehtävät", "HALLINTO-KONSERNI", 27_800_000, 9_400_000, 420_000,
     2_100_000, 1_900_000, 210_000, 1_200_000),
)  # fmt: skip

# Allocation keys: pool → (name, kind, basis, [(recipient, share %, low %, high %)]); the rest to MUU.
_KEYS = {
    "TUKI-ICT": ("Tietohallinto ja ICT-palvelut", "tukipalvelu", "käyttäjätunnukset ja laitteet", [
        ("IKA-KOTIHOITO", 4.10, 3.40, 4.80), ("IKA-TEHPA", 3.20, 2.60, 3.80), ("TYO-SUUNHOITO", 2.60, 2.10, 3.10),
        ("LAP-SIJAISHUOLTO", 0.30, 0.22, 0.38), ("VAM-ASUMINEN", 0.16, 0.12, 0.20), ("JÄRJESTÄJÄ", 6.00, 5.00, 7.00),
    ]),
    "TUKI-HENKILOSTO": ("Henkilöstö- ja palkkahallinto", "tukipalvelu", "henkilötyövuodet", [
        ("IKA-KOTIHOITO", 5.60, 5.30, 5.90), ("IKA-TEHPA", 5.80, 5.50, 6.10), ("TYO-SUUNHOITO", 1.90, 1.80, 2.00),
        ("LAP-SIJAISHUOLTO", 0.42, 0.38, 0.46), ("VAM-ASUMINEN", 0.24, 0.22, 0.26), ("JÄRJESTÄJÄ", 3.00, 2.50, 3.50),
    ]),
    "TUKI-TALOUS": ("Talous- ja hankintapalvelut", "tukipalvelu", "laskut ja kirjaukset", [
        ("IKA-KOTIHOITO", 2.40, 1.80, 3.00), ("IKA-TEHPA", 3.10, 2.40, 3.80), ("TYO-SUUNHOITO", 1.60, 1.20, 2.00),
        ("LAP-SIJAISHUOLTO", 0.30, 0.20, 0.40), ("VAM-ASUMINEN", 0.14, 0.10, 0.18), ("JÄRJESTÄJÄ", 22.00, 18.00, 26.00),
    ]),
    "TUKI-LOGISTIIKKA": ("Logistiikka-, ravinto- ja puhtauspalvelut", "tukipalvelu", "toimitukset ja siivottavat neliöt", [
        ("IKA-KOTIHOITO", 1.50, 1.10, 1.90), ("IKA-TEHPA", 9.40, 8.40, 10.40), ("TYO-SUUNHOITO", 1.20, 0.90, 1.50),
        ("LAP-SIJAISHUOLTO", 0.55, 0.45, 0.65), ("VAM-ASUMINEN", 0.36, 0.30, 0.42),
    ]),
    "HALLINTO-PALVELUALUE": ("Palvelualueiden johto ja hallinto", "hallinto", "henkilötyövuodet", [
        ("IKA-KOTIHOITO", 3.70, 3.20, 4.20), ("IKA-TEHPA", 3.80, 3.30, 4.30), ("TYO-SUUNHOITO", 1.30, 1.10, 1.50),
        ("LAP-SIJAISHUOLTO", 0.28, 0.24, 0.32), ("VAM-ASUMINEN", 0.16, 0.14, 0.18), ("JÄRJESTÄJÄ", 35.00, 30.00, 40.00),
    ]),
    "HALLINTO-KONSERNI": ("Konsernihallinto ja järjestäjän tehtävät", "hallinto", "toimintakulut", [
        ("IKA-KOTIHOITO", 1.30, 1.00, 1.60), ("IKA-TEHPA", 1.60, 1.30, 1.90), ("TYO-SUUNHOITO", 0.70, 0.55, 0.85),
        ("LAP-SIJAISHUOLTO", 0.11, 0.09, 0.13), ("VAM-ASUMINEN", 0.07, 0.05, 0.09), ("JÄRJESTÄJÄ", 55.00, 48.00, 62.00),
    ]),
}  # fmt: skip

# Quality and availability per service and mode (the reference's scores; the notes name no place).
_QUALITY = (
    ("IKA-KOTIHOITO", "oma", "asiakastyytyväisyys (1–5)", "4,2", "palvelun aloitus, vrk", "4", 4, 4, 1, 5, 3,
     "oma henkilöstö tuntee asiakkaat; varahenkilöstö turvaa jatkuvuuden"),
    ("IKA-KOTIHOITO", "ostopalvelu", "asiakastyytyväisyys (1–5)", "4,0", "palvelun aloitus, vrk", "6", 3, 3, 4,
     3, 3, "kaksi tuottajaa; sopimuskausi {koti_start}–{koti_end}"),
    ("IKA-TEHPA", "oma", "hoitajamitoitus (htv/asiakas)", "0,62", "jonotusaika, vrk", "44", 4, 3, 1, 5, 3,
     "mitoitus yli lakisääteisen 0,6"),
    ("IKA-TEHPA", "ostopalvelu", "hoitajamitoitus (htv/asiakas)", "0,60", "jonotusaika, vrk", "28", 3, 4, 2, 3,
     3, "valvontakäynneillä 3 poikkeamaa {base}"),
    ("IKA-TEHPA", "palveluseteli", "hoitajamitoitus (htv/asiakas)", "0,61", "jonotusaika, vrk", "18", 4, 4, 3, 3,
     4, "asiakas valitsee yksikön hyväksytyistä tuottajista"),
    ("TYO-SUUNHOITO", "oma", "hoitotakuun toteutuminen (%)", "86", "kiireettömän hoidon odotus, vrk", "96", 4,
     2, 1, 5, 3, "jonot pitkiä erityisesti keskuksessa ({centre})"),
    ("TYO-SUUNHOITO", "palveluseteli", "hoitotakuun toteutuminen (%)", "97", "kiireettömän hoidon odotus, vrk",
     "12", 4, 5, 5, 3, 3, "{clinics} hyväksyttyä pientä hammashoitolaa"),
    ("LAP-SIJAISHUOLTO", "oma", "sijoitusten pysyvyys (%)", "91", "kiireellinen sijoitus järjestyy, vrk", "1",
     4, 3, 1, 5, 3, "kiireellisten sijoitusten valmius"),
    ("LAP-SIJAISHUOLTO", "ostopalvelu", "sijoitusten pysyvyys (%)", "85", "kiireellinen sijoitus järjestyy, vrk",
     "3", 3, 4, 3, 3, 3, "markkinoilla paikkapulaa"),
    ("VAM-ASUMINEN", "oma", "asiakastyytyväisyys (1–5)", "4,3", "jonotusaika, vrk", "140", 4, 2, 1, 4, 3,
     "pienet yksiköt, korkea käyttöaste"),
    ("VAM-ASUMINEN", "ostopalvelu", "asiakastyytyväisyys (1–5)", "4,1", "jonotusaika, vrk", "55", 4, 4, 4, 4, 3,
     "järjestöillä pitkä kokemus"),
)  # fmt: skip

# Personnel of own production by occupation: (service, occupation, employment, share of the FTEs).
_PERSONNEL = (
    ("IKA-KOTIHOITO", "lähihoitaja", "työsuhde", 1_004), ("IKA-KOTIHOITO", "sairaanhoitaja", "työsuhde", 219),
    ("IKA-KOTIHOITO", "hoiva-avustaja", "työsuhde", 86), ("IKA-KOTIHOITO", "fysioterapeutti", "työsuhde", 22),
    ("IKA-KOTIHOITO", "esihenkilö", "virkasuhde", 46),
    ("IKA-TEHPA", "lähihoitaja", "työsuhde", 1_020), ("IKA-TEHPA", "sairaanhoitaja", "työsuhde", 196),
    ("IKA-TEHPA", "hoiva-avustaja", "työsuhde", 170), ("IKA-TEHPA", "esihenkilö", "virkasuhde", 54),
    ("TYO-SUUNHOITO", "hammaslääkäri", "virkasuhde", 136), ("TYO-SUUNHOITO", "suuhygienisti", "työsuhde", 84),
    ("TYO-SUUNHOITO", "hammashoitaja", "työsuhde", 246), ("TYO-SUUNHOITO", "esihenkilö", "virkasuhde", 11),
    ("LAP-SIJAISHUOLTO", "ohjaaja (sosionomi)", "työsuhde", 96),
    ("LAP-SIJAISHUOLTO", "sosiaalityöntekijä", "virkasuhde", 9), ("LAP-SIJAISHUOLTO", "sairaanhoitaja", "työsuhde", 6),
    ("LAP-SIJAISHUOLTO", "esihenkilö", "virkasuhde", 11),
    ("VAM-ASUMINEN", "ohjaaja", "työsuhde", 42), ("VAM-ASUMINEN", "lähihoitaja", "työsuhde", 19),
    ("VAM-ASUMINEN", "sairaanhoitaja", "työsuhde", 5), ("VAM-ASUMINEN", "esihenkilö", "virkasuhde", 2),
)  # fmt: skip

COST_HEADER = [
    "vuosi", "kustannuspaikka", "kustannuspaikan nimi", "palvelu_id", "palvelutuote", "suoritteet",
    "suoriteyksikkö", "palkat ja palkkiot", "eläkekulut", "muut henkilösivukulut", "palvelujen ostot",
    "aineet, tarvikkeet ja tavarat", "vuokrat", "muut toimintakulut", "poistot", "asiakasmaksut",
    "sitoutunut pääoma",
]  # fmt: skip
#: The cost sheet's column of each account group it has (every group but the other income).
_GROUP_COLUMNS = {group: 7 + i for i, group in enumerate(AccountGroup) if group is not AccountGroup.OTHER_INCOME}
KEY_HEADER = ["tukipalvelu_id", "tukipalvelu", "laji", "jakoperuste", "kohde", "osuus %", "alaraja %", "yläraja %"]
PURCHASE_HEADER = [
    "tuottaja", "tuottajatyyppi", "palvelu_id", "hankintamuoto", "hinta €/suorite", "suoritteet",
    "suoriteyksikkö", "hankintakustannukset €", "sopimushallinta €", "valvonta €", "alv-käsittely",
    "alv %", "asiakasmaksut €",
]  # fmt: skip
QUALITY_HEADER = [
    "palvelu_id", "tuotantotapa", "laatuindikaattori", "laatu arvo", "saatavuusindikaattori", "saatavuus arvo",
    "laatu", "saatavuus", "pienet tuottajat", "jatkuvuus", "innovaatiot", "perustelu",
]  # fmt: skip


def own_centres(fig: RegionFigures) -> list[Centre]:
    """The region's own-production cost centres: the reference's scaled, named after its areas."""
    out = []
    c = fig.cost_level
    for ref in _CENTRES:
        s = fig.service_factor(ref.service)
        name = ref.name.format(a0=fig.areas[0], a1=fig.areas[1])
        out.append(
            Centre(ref.code, name, ref.service, ref.product, ref.unit, max(1, round(ref.volume * s)),
                   round(ref.fte * s, 1), round(ref.wage * c), round(ref.purchased * s * c),
                   round(ref.materials * s * c), round(ref.rents * s * c), round(ref.other * s * c),
                   round(ref.depreciation * s * c), round(ref.fees * s * c), round(ref.capital * s * c))
        )  # fmt: skip
    return out


def own_volume(fig: RegionFigures, service_id: str) -> int:
    """Own production's volume of a service (the sum of its centres)."""
    return sum(c.volume for c in own_centres(fig) if c.service == service_id)


def cost_rows(fig: RegionFigures, plan: ExamplePlan) -> list[list[object]]:
    """The Kustannukset sheet: centres, pools, the compared purchases and the rest (MUU)."""
    year = fig.cycle - 1
    rows: list[list[object]] = []
    for cc in own_centres(fig):
        wages = round(cc.fte * cc.wage)
        rows.append([year, cc.code, cc.name, cc.service, cc.product, cc.volume, cc.unit, wages,
                     round(wages * PENSION), round(wages * OTHER_SOCIAL), cc.purchased, cc.materials, cc.rents,
                     cc.other, cc.depreciation, cc.fees, cc.capital])  # fmt: skip
    scale = fig.f_all * fig.cost_level
    for code, name, pool, wages, purchased, materials, rents, other, depreciation, capital in _POOLS:
        w = round(wages * scale)
        rows.append([year, code, name, pool, None, None, None, w, round(w * PENSION), round(w * OTHER_SOCIAL),
                     round(purchased * scale), round(materials * scale), round(rents * scale), round(other * scale),
                     round(depreciation * scale), 0, round(capital * scale)])  # fmt: skip
    bought = sum(p.price * p.volume for p in plan.purchases)
    fees = sum(p.client_payments_eur for p in plan.purchases if p.mode == "ostopalvelu")
    rows.append([year, "98100", "Vertailtavien palvelujen ostopalvelut ja palvelusetelit", "MUU", None, None, None,
                 0, 0, 0, round(bought), 0, 0, 0, 0, fees, 0])  # fmt: skip
    rest: list[object] = [year, "99900", "Muut sosiaali- ja terveyspalvelut ja pelastustoimi (ei vertailussa)", "MUU",
                          None, None, None]  # fmt: skip
    # The rest of the region is what its financial statement leaves (tilinpaatos.csv's base year).
    statement = statement_totals(fig)
    for group, column in _GROUP_COLUMNS.items():
        other = statement[group] - sum(int(r[column]) for r in rows)  # type: ignore[call-overload]
        if other < 0:
            raise ValueError(
                f"{fig.code}: the compared services' {group.label_fi.lower()} exceed the region's statement"
            )
        rest.append(round(other))
    rest.append(0)
    rows.append(rest)
    return rows


def key_rows(fig: RegionFigures) -> list[list[object]]:
    """The Tukipalvelut sheet: each service's share × its factor / ``f_all``; the rest to MUU."""
    rows: list[list[object]] = []
    for pool, (name, kind, basis, shares) in _KEYS.items():
        scaled = []
        for recipient, share, low, high in shares:
            k = 1.0 if recipient == "JÄRJESTÄJÄ" else fig.service_factor(recipient) / fig.f_all
            scaled.append((recipient, round(share * k, 2), round(low * k, 2), round(high * k, 2)))
        for recipient, share, low, high in scaled:
            rows.append([pool, name, kind, basis, recipient, share, low, high])
        rest = round(100 - sum(s for _r, s, _l, _h in scaled), 2)
        rows.append([pool, name, kind, basis, "MUU", rest, round(max(0.0, rest - 5), 2), round(rest + 5, 2)])
    return rows


def purchase_rows(plan: ExamplePlan) -> list[list[object]]:
    """``ostopalvelut.csv``."""
    return [
        [p.producer, p.kind, p.service_id, p.mode, f"{p.price:.2f}".replace(".", ","), p.volume, p.unit,
         p.procurement_eur, p.management_eur, p.monitoring_eur, "veroton", "", p.client_payments_eur]
        for p in plan.purchases
    ]  # fmt: skip


def quality_rows(fig: RegionFigures, plan: ExamplePlan) -> list[list[object]]:
    """``laatu_saatavuus.csv``: the reference's scores, notes with the region's own facts."""
    koti = next(c for c in plan.contracts if c.contract_id == "S-KOTI-01")
    facts = {
        "koti_start": koti.start.year,
        "koti_end": koti.end.year,
        "base": fig.cycle - 1,
        "centre": fig.centre,
        "clinics": max(3, round(40 * fig.service_factor("TYO-SUUNHOITO"))),
    }
    return [[*q[:-1], q[-1].format(**facts)] for q in _QUALITY]


def personnel_rows(fig: RegionFigures) -> list[list[object]]:
    """``henkilosto.csv``: each service's FTEs (the sum of its centres) split by the reference's mix."""
    totals: dict[str, float] = {}
    for cc in own_centres(fig):
        totals[cc.service] = totals.get(cc.service, 0.0) + cc.fte
    rows: list[list[object]] = []
    for service, total in totals.items():
        mix = [p for p in _PERSONNEL if p[0] == service]
        parts = largest_remainder(total, [p[3] for p in mix], 1)
        rows += [[service, occupation, kind, part] for (_s, occupation, kind, _w), part in zip(mix, parts, strict=True)]
    return rows


#: Workbook timestamps: fixed, so the file is the same bytes every time.
_STAMP = dt.datetime(2026, 2, 27, 12, 0, 0)


def write_workbook(path: Path, fig: RegionFigures, sheets: dict[str, tuple[list[str], list[list[object]]]]) -> Path:
    """The workbook with fixed timestamps (document properties and every zip entry)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    workbook.properties.creator = f"{fig.name}, talouspalvelut (esimerkkiaineisto)"
    workbook.properties.title = f"Oman tuotannon kustannukset {fig.cycle - 1} (esimerkkiaineisto)"
    workbook.properties.created = _STAMP
    raw = io.BytesIO()
    workbook.save(raw)
    path.write_bytes(fix_zip_times(raw.getvalue(), _STAMP))
    return path


def write_comparison_files(fig: RegionFigures, plan: ExamplePlan, out: Path) -> list[Path]:
    """Write stage 4's files into ``out`` (the workbook and the same tables as cp1252 CSV)."""
    costs, keys = cost_rows(fig, plan), key_rows(fig)
    files = [
        write_workbook(
            out / "oma_tuotanto.xlsx",
            fig,
            {
                "Kustannukset": (COST_HEADER, costs),
                "Tukipalvelut": (KEY_HEADER, keys),
            },
        ),
    ]
    for name, header, rows in (
        ("oma_tuotanto_kustannukset.csv", COST_HEADER, costs),
        ("oma_tuotanto_tukipalvelut.csv", KEY_HEADER, keys),
    ):
        path = out / name
        path.write_bytes(csv_text(header, rows, crlf=True).encode("cp1252"))
        files.append(path)
    files.append(write_csv(out / "ostopalvelut.csv", PURCHASE_HEADER, purchase_rows(plan)))
    files.append(write_csv(out / "laatu_saatavuus.csv", QUALITY_HEADER, quality_rows(fig, plan)))
    files.append(write_csv(out / "henkilosto.csv", ["palvelu_id", "ammattiryhmä", "palvelussuhde", "htv"],
                           personnel_rows(fig)))  # fmt: skip
    return files
