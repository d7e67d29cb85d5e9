"""Write the financial statement and the stage-4 example inputs of Pirkanmaa (HVA08) —
ESIMERKKIAINEISTO, not official figures.

Run from the repository root: ``.venv/bin/python data/examples/HVA08/make_examples.py``. The files
it writes are committed; this script documents how they were made and makes them again
byte for byte (the workbook's timestamps are fixed).

The figures are invented but of a realistic size for a region of about 530 000 inhabitants
(operating costs about 3,4 billion € a year). The financial statement (tilinpäätös) is the one
input of the accounts: stage 2 reads each service area's costs and income from it, stage 4 its
account groups' totals (through the approved stage 2). The own-production cost rows and the
allocation keys fit it: each account group's total in the statement is the sum of the cost rows,
so the example reconciles; the rest of the region's activities are one ``MUU`` row per account
group.

Writes (next to this script):

* ``tilinpaatos.csv`` — the income statement 2023–2025 by service area and account group (UTF-8),
  split from each area's totals by :mod:`tasks.examples.statement`;
* ``oma_tuotanto.xlsx`` — sheets Kustannukset, Tukipalvelut (used by the flow);
* ``oma_tuotanto_kustannukset.csv``, ``oma_tuotanto_tukipalvelut.csv`` — the same tables as a
  Finnish Excel "CSV (semicolon separated)" export: cp1252, ``;``, decimal comma (used when the
  workbook is absent);
* ``ostopalvelut.csv``, ``laatu_saatavuus.csv``, ``henkilosto.csv`` — UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # the repository root: the statement's splitter

from schemas.accounts import AccountGroup  # noqa: E402
from tasks.examples.statement import HEADER as STATEMENT_HEADER  # noqa: E402
from tasks.examples.statement import AreaYear, statement_rows  # noqa: E402

YEAR = 2025
#: Workbook timestamps (fixed, so the file is reproducible).
STAMP = dt.datetime(2026, 2, 27, 12, 0, 0)

PENSION = 0.172  # employer's pension contributions (Keva) as a share of wages
OTHER_SOCIAL = 0.031  # other social-security contributions as a share of wages

# Own-production cost centres: (cost centre, name, service, product name, unit, volume, FTE, wage per FTE,
# purchased services, materials, rents, other costs, depreciation, client fees, capital employed).
SERVICE_ROWS = [
    ("41110", "Kotihoito, Tampereen alue", "IKA-KOTIHOITO", "Säännöllinen kotihoito", "käynti",
     1_050_000, 742, 35_900, 1_380_000, 610_000, 1_240_000, 295_000, 92_000, 10_120_000, 640_000),
    ("41120", "Kotihoito, Etelä-Pirkanmaa", "IKA-KOTIHOITO", "Säännöllinen kotihoito", "käynti",
     470_000, 344, 35_600, 640_000, 286_000, 520_000, 131_000, 41_000, 4_530_000, 290_000),
    ("41130", "Kotihoito, Pohjois- ja Luoteis-Pirkanmaa", "IKA-KOTIHOITO", "Säännöllinen kotihoito", "käynti",
     390_000, 291, 35_600, 560_000, 241_000, 430_000, 118_000, 36_000, 3_720_000, 250_000),
    ("42210", "Ympärivuorokautinen palveluasuminen, Tampere", "IKA-TEHPA", "Ympärivuorokautinen palveluasuminen",
     "hoitopäivä", 331_000, 872, 35_800, 4_520_000, 2_580_000, 8_170_000, 1_080_000, 830_000,
     16_300_000, 7_400_000),
    ("42220", "Ympärivuorokautinen palveluasuminen, seutukunnat", "IKA-TEHPA", "Ympärivuorokautinen palveluasuminen",
     "hoitopäivä", 216_500, 568, 35_600, 2_960_000, 1_700_000, 5_100_000, 700_000, 560_000,
     10_650_000, 5_050_000),
    ("51310", "Aikuisten suun terveydenhuolto, Tampere", "TYO-SUUNHOITO", "Suun terveydenhuolto",
     "käynti", 300_000, 296, 48_200, 3_120_000, 2_380_000, 2_050_000, 520_000, 1_110_000, 9_050_000, 5_500_000),
    ("51320", "Aikuisten suun terveydenhuolto, seutukunnat", "TYO-SUUNHOITO", "Suun terveydenhuolto",
     "käynti", 180_000, 181, 47_600, 1_890_000, 1_430_000, 1_280_000, 310_000, 690_000, 5_420_000, 3_400_000),
    ("61410", "Lastenkodit ja vastaanottokodit", "LAP-SIJAISHUOLTO",
     "Sijaishuolto", "hoitovuorokausi", 34_200, 122, 41_500,
     1_620_000, 410_000, 1_600_000, 260_000, 210_000, 180_000, 2_600_000),
    ("71510", "Vammaisten asumisyksiköt Koivikko ja Rinnekoti", "VAM-ASUMINEN",
     "Vammaisten asumispalvelut", "hoitovuorokausi", 22_800, 68, 37_400, 760_000, 220_000,
     1_050_000, 110_000, 95_000, 240_000, 1_100_000),
]  # fmt: skip

# Support and administration pools (cost centre, name, pool id, wages, purchased services, materials,
# rents, other costs, depreciation, capital).
POOL_ROWS = [
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
]  # fmt: skip

# Allocation keys: pool → (name, kind, basis, [(recipient, share %, low %, high %)]). The rest of each
# pool goes to MUU (other activities) so that the key sums to exactly 100 %.
KEYS = {
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

# Purchased services: (producer, type, service, mode, price €/unit, volume, unit, procurement, contract
# management, monitoring, VAT handling, VAT %, client payments €).
PURCHASES = [
    ("Kotiapu Esimerkki Oy", "suuri yritys", "IKA-KOTIHOITO", "ostopalvelu", "43,20", 260_000, "käynti",
     52_000, 38_000, 61_000, "veroton", "", 2_340_000),
    ("Hoivapolku Esimerkki Oy", "pk-yritys", "IKA-KOTIHOITO", "ostopalvelu", "44,60", 160_000, "käynti",
     41_000, 27_000, 46_000, "veroton", "", 1_440_000),
    ("Hoivakodit Esimerkki Oyj", "suuri yritys", "IKA-TEHPA", "ostopalvelu", "199,00", 391_000,
     "hoitopäivä", 148_000, 96_000, 214_000, "veroton", "", 19_250_000),
    ("Palvelutalo Esimerkki ry", "järjestö", "IKA-TEHPA", "ostopalvelu", "194,50", 156_500, "hoitopäivä",
     74_000, 46_000, 98_000, "veroton", "", 7_700_000),
    ("Seteli: Hoivakodit Esimerkki Oyj", "suuri yritys", "IKA-TEHPA", "palveluseteli", "131,00", 131_000,
     "hoitopäivä", 18_000, 24_000, 52_000, "veroton", "", 6_450_000),
    ("Seteli: Kotikartano Esimerkki Oy", "pk-yritys", "IKA-TEHPA", "palveluseteli", "131,00", 88_000,
     "hoitopäivä", 12_000, 16_000, 35_000, "veroton", "", 4_330_000),
    ("Seteli: Hammasklinikka Esimerkki Oy", "pk-yritys", "TYO-SUUNHOITO", "palveluseteli", "68,00", 72_000,
     "käynti", 9_000, 14_000, 19_000, "veroton", "", 2_380_000),
    ("Seteli: Suuhygienia Esimerkki Oy", "pk-yritys", "TYO-SUUNHOITO", "palveluseteli", "64,00", 48_000,
     "käynti", 6_000, 9_000, 13_000, "veroton", "", 1_520_000),
    ("Lastensuojelupalvelut Esimerkki Oy", "suuri yritys", "LAP-SIJAISHUOLTO", "ostopalvelu", "362,00", 118_000,
     "hoitovuorokausi", 96_000, 88_000, 262_000, "veroton", "", 610_000),
    ("Ammatillinen perhekoti Esimerkki", "pk-yritys", "LAP-SIJAISHUOLTO", "ostopalvelu", "318,00", 56_000,
     "hoitovuorokausi", 38_000, 41_000, 122_000, "veroton", "", 290_000),
    ("Asumispalvelut Esimerkki Oyj", "suuri yritys", "VAM-ASUMINEN", "ostopalvelu", "229,00", 243_000,
     "hoitovuorokausi", 84_000, 62_000, 141_000, "veroton", "", 2_450_000),
    ("Tukiasunnot Esimerkki ry", "järjestö", "VAM-ASUMINEN", "ostopalvelu", "224,50", 107_000,
     "hoitovuorokausi", 41_000, 29_000, 66_000, "veroton", "", 1_080_000),
]  # fmt: skip

# Quality and availability per service and mode: (service, mode, quality indicator, value, availability
# indicator, value, quality, availability, small producers, continuity, innovation, note).
QUALITY = [
    ("IKA-KOTIHOITO", "oma", "asiakastyytyväisyys (1–5)", "4,2", "palvelun aloitus, vrk", "4", 4, 4, 1, 5, 3,
     "oma henkilöstö tuntee asiakkaat; varahenkilöstö turvaa jatkuvuuden"),
    ("IKA-KOTIHOITO", "ostopalvelu", "asiakastyytyväisyys (1–5)", "4,0", "palvelun aloitus, vrk", "6", 3, 3, 4,
     3, 3, "kaksi tuottajaa; sopimuskausi 2024–2027"),
    ("IKA-TEHPA", "oma", "hoitajamitoitus (htv/asiakas)", "0,62", "jonotusaika, vrk", "44", 4, 3, 1, 5, 3,
     "mitoitus yli lakisääteisen 0,6"),
    ("IKA-TEHPA", "ostopalvelu", "hoitajamitoitus (htv/asiakas)", "0,60", "jonotusaika, vrk", "28", 3, 4, 2, 3,
     3, "valvontakäynneillä 3 poikkeamaa 2025"),
    ("IKA-TEHPA", "palveluseteli", "hoitajamitoitus (htv/asiakas)", "0,61", "jonotusaika, vrk", "18", 4, 4, 3, 3,
     4, "asiakas valitsee yksikön hyväksytyistä tuottajista"),
    ("TYO-SUUNHOITO", "oma", "hoitotakuun toteutuminen (%)", "86", "kiireettömän hoidon odotus, vrk", "96", 4,
     2, 1, 5, 3, "jonot pitkiä erityisesti Tampereella"),
    ("TYO-SUUNHOITO", "palveluseteli", "hoitotakuun toteutuminen (%)", "97", "kiireettömän hoidon odotus, vrk",
     "12", 4, 5, 5, 3, 3, "yli 40 hyväksyttyä pientä hammashoitolaa"),
    ("LAP-SIJAISHUOLTO", "oma", "sijoitusten pysyvyys (%)", "91", "kiireellinen sijoitus järjestyy, vrk", "1",
     4, 3, 1, 5, 3, "kiireellisten sijoitusten valmius"),
    ("LAP-SIJAISHUOLTO", "ostopalvelu", "sijoitusten pysyvyys (%)", "85", "kiireellinen sijoitus järjestyy, vrk",
     "3", 3, 4, 3, 3, 3, "markkinoilla paikkapulaa"),
    ("VAM-ASUMINEN", "oma", "asiakastyytyväisyys (1–5)", "4,3", "jonotusaika, vrk", "140", 4, 2, 1, 4, 3,
     "kaksi pientä yksikköä, korkea käyttöaste"),
    ("VAM-ASUMINEN", "ostopalvelu", "asiakastyytyväisyys (1–5)", "4,1", "jonotusaika, vrk", "55", 4, 4, 4, 4, 3,
     "järjestöillä pitkä kokemus"),
]  # fmt: skip

# Personnel of own production: (service, occupation, employment, FTE).
PERSONNEL = [
    ("IKA-KOTIHOITO", "lähihoitaja", "työsuhde", 1_004.0),
    ("IKA-KOTIHOITO", "sairaanhoitaja", "työsuhde", 219.0),
    ("IKA-KOTIHOITO", "hoiva-avustaja", "työsuhde", 86.0),
    ("IKA-KOTIHOITO", "fysioterapeutti", "työsuhde", 22.0),
    ("IKA-KOTIHOITO", "esihenkilö", "virkasuhde", 46.0),
    ("IKA-TEHPA", "lähihoitaja", "työsuhde", 1_020.0),
    ("IKA-TEHPA", "sairaanhoitaja", "työsuhde", 196.0),
    ("IKA-TEHPA", "hoiva-avustaja", "työsuhde", 170.0),
    ("IKA-TEHPA", "esihenkilö", "virkasuhde", 54.0),
    ("TYO-SUUNHOITO", "hammaslääkäri", "virkasuhde", 136.0),
    ("TYO-SUUNHOITO", "suuhygienisti", "työsuhde", 84.0),
    ("TYO-SUUNHOITO", "hammashoitaja", "työsuhde", 246.0),
    ("TYO-SUUNHOITO", "esihenkilö", "virkasuhde", 11.0),
    ("LAP-SIJAISHUOLTO", "ohjaaja (sosionomi)", "työsuhde", 96.0),
    ("LAP-SIJAISHUOLTO", "sosiaalityöntekijä", "virkasuhde", 9.0),
    ("LAP-SIJAISHUOLTO", "sairaanhoitaja", "työsuhde", 6.0),
    ("LAP-SIJAISHUOLTO", "esihenkilö", "virkasuhde", 11.0),
    ("VAM-ASUMINEN", "ohjaaja", "työsuhde", 42.0),
    ("VAM-ASUMINEN", "lähihoitaja", "työsuhde", 19.0),
    ("VAM-ASUMINEN", "sairaanhoitaja", "työsuhde", 5.0),
    ("VAM-ASUMINEN", "esihenkilö", "virkasuhde", 2.0),
]

# The region's income statement of 2025 by account group (account group → €), the totals of
# tilinpaatos.csv: the cost groups but depreciation total the 2025 operating costs of the service
# areas (3 437 000 000 €), depreciation (45,0 M€) is part of the depreciation and financial items
# (49,5 M€ in talous_rahoitus.csv) and the client fees part of the operating income (299,7 M€).
# The MUU rows are the difference between these and the rows above: the region's other services,
# rescue services, and the purchases of the compared services (so that ostopalvelut.csv is in the
# income statement too).
INCOME_STATEMENT = {
    "Palkat ja palkkiot": ("4000–4199", 1_180_000_000),
    "Eläkekulut": ("4200–4299", 203_000_000),
    "Muut henkilösivukulut": ("4300–4399", 36_600_000),
    "Palvelujen ostot": ("4400–4599", 1_480_000_000),
    "Aineet, tarvikkeet ja tavarat": ("4600–4799", 290_000_000),
    "Vuokrat": ("4800–4899", 112_000_000),
    "Muut toimintakulut": ("4900–4999", 135_400_000),
    "Poistot ja arvonalentumiset": ("6800–6899", 45_000_000),
    "Maksutuotot": ("3200–3299", 118_600_000),
}

# Depreciation of 2023 and 2024 (within their depreciation and financial items, 42,3 and 46,8 M€).
DEPRECIATION_EARLIER = {2023: 38_500_000, 2024: 42_500_000}
# The service areas' operating costs and income 2023–2025 (M€): what stage 2 forecasts from.
AREAS = (
    ("Lasten, nuorten ja perheiden sosiaalipalvelut", "Lapset, nuoret ja perheet", ((233.9, 8.2), (241.0, 8.5), (248.6, 8.8))),
    ("Perhekeskus- ja neuvolapalvelut, koulu- ja opiskeluterveydenhuolto", "Lapset, nuoret ja perheet", ((103.6, 3.1), (107.3, 3.2), (111.2, 3.4))),
    ("Lasten ja nuorten erikoissairaanhoito", "Lapset, nuoret ja perheet", ((174.8, 10.6), (179.1, 10.9), (183.9, 11.2))),
    ("Terveysasemat ja suun terveydenhuolto", "Työikäiset", ((328.5, 36.5), (338.4, 37.7), (349.1, 38.8))),
    ("Aikuissosiaalityö ja työllisyyttä tukevat palvelut", "Työikäiset", ((83.6, 3.4), (87.1, 3.5), (90.7, 3.7))),
    ("Aikuisten erikoissairaanhoito ja päivystys", "Työikäiset", ((853.8, 73.5), (875.4, 75.2), (898.4, 77.1))),
    ("Kotihoito ja omaishoidon tuki", "Ikääntyneet", ((277.9, 33.7), (287.9, 34.9), (298.4, 36.2))),
    ("Ympärivuorokautinen palveluasuminen", "Ikääntyneet", ((355.0, 68.1), (365.8, 70.2), (377.3, 72.5))),
    ("Geriatrinen osastohoito ja kuntoutus", "Ikääntyneet", ((125.2, 8.9), (127.7, 9.0), (130.4, 9.2))),
    ("Vammaispalvelut", "Vammaiset henkilöt", ((267.6, 13.5), (279.9, 14.1), (293.1, 14.8))),
    ("Mielenterveys- ja päihdepalvelut, avopalvelut", "Mielenterveys- ja päihdeasiakkaat", ((86.0, 3.5), (89.1, 3.6), (92.4, 3.7))),
    ("Psykiatrinen erikoissairaanhoito", "Mielenterveys- ja päihdeasiakkaat", ((137.9, 4.2), (142.1, 4.4), (146.5, 4.5))),
    ("Pelastustoimi", "Pelastustoimi", ((72.3, 9.4), (74.2, 9.6), (76.0, 9.8))),
    ("Hallinto ja tukipalvelut, kohdistamattomat", "Yhteiset kustannukset", ((134.2, 5.7), (137.6, 5.9), (141.0, 6.0))),
)  # fmt: skip


COST_HEADER = [
    "vuosi", "kustannuspaikka", "kustannuspaikan nimi", "palvelu_id", "palvelutuote", "suoritteet",
    "suoriteyksikkö", "palkat ja palkkiot", "eläkekulut", "muut henkilösivukulut", "palvelujen ostot",
    "aineet, tarvikkeet ja tavarat", "vuokrat", "muut toimintakulut", "poistot", "asiakasmaksut",
    "sitoutunut pääoma",
]  # fmt: skip
GROUP_COLUMNS = {
    "Palkat ja palkkiot": 7, "Eläkekulut": 8, "Muut henkilösivukulut": 9, "Palvelujen ostot": 10,
    "Aineet, tarvikkeet ja tavarat": 11, "Vuokrat": 12, "Muut toimintakulut": 13, "Poistot ja arvonalentumiset": 14,
    "Maksutuotot": 15,
}  # fmt: skip


def _fi(value: float) -> str:
    """A CSV number the Finnish way: decimal comma, no thousands separator."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def cost_rows() -> list[list[object]]:
    """The Kustannukset sheet: service cost centres, pools, the compared purchases and the rest (MUU)."""
    rows: list[list[object]] = []
    for (cc, name, service, product, unit, volume, fte, wage, purchased, materials, rents, other, depreciation,
         fees, capital) in SERVICE_ROWS:  # fmt: skip
        wages = round(fte * wage)
        rows.append([YEAR, cc, name, service, product, volume, unit, wages, round(wages * PENSION),
                     round(wages * OTHER_SOCIAL), purchased, materials, rents, other, depreciation, fees, capital])  # fmt: skip
    for cc, name, pool, wages, purchased, materials, rents, other, depreciation, capital in POOL_ROWS:
        rows.append([YEAR, cc, name, pool, None, None, None, wages, round(wages * PENSION), round(wages * OTHER_SOCIAL),
                     purchased, materials, rents, other, depreciation, 0, capital])  # fmt: skip
    bought = 0.0
    bought_fees = 0
    for _p, _t, _s, _m, price, volume, *_rest, fees in PURCHASES:
        bought += float(str(price).replace(",", ".")) * volume
        bought_fees += fees if _m == "ostopalvelu" else 0  # voucher clients pay the producer, not the region
    rows.append([YEAR, "98100", "Vertailtavien palvelujen ostopalvelut ja palvelusetelit", "MUU", None, None, None,
                 0, 0, 0, round(bought), 0, 0, 0, 0, bought_fees, 0])  # fmt: skip
    rest: list[object] = [YEAR, "99900", "Muut sosiaali- ja terveyspalvelut ja pelastustoimi (ei vertailussa)", "MUU",
                          None, None, None]  # fmt: skip
    for group, column in GROUP_COLUMNS.items():
        total = INCOME_STATEMENT[group][1]
        used = sum(int(r[column]) for r in rows)  # type: ignore[call-overload]
        if used > total:
            raise SystemExit(f"{group}: the rows ({used}) exceed the income statement ({total})")
        rest.append(total - used)
    rest.append(0)
    rows.append(rest)
    return rows


def key_rows() -> list[list[object]]:
    """The Tukipalvelut sheet: each pool's key, the rest to MUU so the shares sum to 100 %."""
    rows: list[list[object]] = []
    for pool, (name, kind, basis, shares) in KEYS.items():
        given = round(sum(s for _r, s, _l, _h in shares), 2)
        for recipient, share, low, high in shares:
            rows.append([pool, name, kind, basis, recipient, share, low, high])
        rest = round(100 - given, 2)
        rows.append([pool, name, kind, basis, "MUU", rest, round(rest - 5, 2), round(rest + 5, 2)])
    return rows


def financial_statement_rows() -> list[list[object]]:
    """``tilinpaatos.csv``: each area's totals split by account group, 2025's groups as above."""
    areas = [
        AreaYear(YEAR - 2 + i, name, group, round(costs * 1e6), round(income * 1e6))
        for name, group, years in AREAS
        for i, (costs, income) in enumerate(years)
    ]
    totals = {AccountGroup.parse(group): amount for group, (_accounts, amount) in INCOME_STATEMENT.items()}
    depreciation = {**DEPRECIATION_EARLIER, YEAR: totals[AccountGroup.DEPRECIATION]}
    rows = statement_rows(sorted(areas, key=lambda a: a.year), totals, depreciation, YEAR)
    return [[*row[:3], *(f"{v:,}".replace(",", " ") for v in row[3:])] for row in rows]  # type: ignore[str-format]


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _fi(v) if isinstance(v, float) else str(v) for v in row])
    return out.getvalue()


def write_workbook(path: Path, sheets: dict[str, tuple[list[str], list[list[object]]]]) -> None:
    """The workbook with fixed timestamps (in the document properties and in every zip entry)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, (header, rows) in sheets.items():
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    workbook.properties.creator = "Pirkanmaan hyvinvointialue, talouspalvelut (esimerkkiaineisto)"
    workbook.properties.title = f"Oman tuotannon kustannukset {YEAR} (esimerkkiaineisto)"
    workbook.properties.created = STAMP
    raw = io.BytesIO()
    workbook.save(raw)
    stamp = STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{stamp}\g<2>", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=STAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    path.write_bytes(out.getvalue())


def main() -> None:
    """Write every stage-4 example file next to this script."""
    key_header = ["tukipalvelu_id", "tukipalvelu", "laji", "jakoperuste", "kohde", "osuus %", "alaraja %",
                  "yläraja %"]  # fmt: skip
    (HERE / "tilinpaatos.csv").write_bytes(
        _csv(STATEMENT_HEADER, financial_statement_rows()).replace("\r\n", "\n").encode("utf-8")
    )
    costs, keys = cost_rows(), key_rows()
    write_workbook(
        HERE / "oma_tuotanto.xlsx", {"Kustannukset": (COST_HEADER, costs), "Tukipalvelut": (key_header, keys)}
    )
    # The CSV form as Excel on Finnish Windows saves it: cp1252 (ä, ö, € and – exist in cp1252).
    for name, header, rows in (("oma_tuotanto_kustannukset.csv", COST_HEADER, costs),
                               ("oma_tuotanto_tukipalvelut.csv", key_header, keys)):  # fmt: skip
        (HERE / name).write_bytes(_csv(header, rows).encode("cp1252"))
    purchase_header = ["tuottaja", "tuottajatyyppi", "palvelu_id", "hankintamuoto", "hinta €/suorite", "suoritteet",
                       "suoriteyksikkö", "hankintakustannukset €", "sopimushallinta €", "valvonta €", "alv-käsittely",
                       "alv %", "asiakasmaksut €"]  # fmt: skip
    (HERE / "ostopalvelut.csv").write_bytes(_csv(purchase_header, [list(p) for p in PURCHASES]).encode("utf-8"))
    quality_header = ["palvelu_id", "tuotantotapa", "laatuindikaattori", "laatu arvo", "saatavuusindikaattori",
                      "saatavuus arvo", "laatu", "saatavuus", "pienet tuottajat", "jatkuvuus", "innovaatiot",
                      "perustelu"]  # fmt: skip
    (HERE / "laatu_saatavuus.csv").write_bytes(_csv(quality_header, [list(q) for q in QUALITY]).encode("utf-8"))
    personnel_header = ["palvelu_id", "ammattiryhmä", "palvelussuhde", "htv"]
    (HERE / "henkilosto.csv").write_bytes(_csv(personnel_header, [list(p) for p in PERSONNEL]).encode("utf-8"))


if __name__ == "__main__":
    main()
