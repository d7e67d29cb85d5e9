"""Stage 5's example files: contracts, categories, procurements, award criteria and bids (5a);
vouchers, income limits, rule book, producer applications and personal budgets (5b).

The contracts register is the plan's (:mod:`tasks.examples.plan`): one contract per purchased
producer with exactly its stage-4 volume, so the reconciliation with stage 4 holds; a contract's
annual value is volume × price. The areas are the region's own. Lots: every euro of a service
scales alike (the procured volume, the small producers' capacity), so each procurement has the
reference's lots and the bids name them; bid prices are the reference's × the cost level.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tasks.examples.common import business_id, fi2, write_csv, write_text
from tasks.examples.plan import ExamplePlan
from tasks.examples.region import RegionFigures, seed_of

CONTRACT_HEADER = [
    "sopimus_id", "tuottaja", "tuottajatyyppi", "kokoluokka", "palvelu_id", "alue", "osa", "alkaa", "päättyy",
    "optiot_v", "vuosiarvo €", "suoritteet_v",
]  # fmt: skip


def _day(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def contract_rows(plan: ExamplePlan) -> list[list[object]]:
    """``sopimukset.csv``."""
    return [
        [c.contract_id, c.purchase.producer, c.purchase.kind, c.purchase.size, c.purchase.service_id, c.area, "",
         _day(c.start), _day(c.end), c.options, fi2(c.annual_value), c.purchase.volume]
        for c in plan.contracts
    ]  # fmt: skip


def category_rows(fig: RegionFigures) -> list[list[object]]:
    """``hankintaluokat.csv``: the work split (the same for every region)."""
    return [
        ["ASUMINEN", "Asumis- ja hoivapalvelut", "hallinto", "Hankintapalvelut", "Strategisesti merkittävä: suuri taloudellinen vaikutus ja riski, koko alueen palveluverkko", "sote-palvelut", "IKA-TEHPA VAM-ASUMINEN"],
        ["LASTENSUOJELU", "Lastensuojelun sijaishuolto", "hallinto", "Hankintapalvelut", "Strategisesti merkittävä: asiakasturvallisuus ja valvonnan vaativuus", "sote-palvelut", "LAP-SIJAISHUOLTO"],
        ["KOTIIN", "Kotiin annettavat palvelut", "hallinto", "Hankintapalvelut", "Strategisesti merkittävä: koko alueen palveluverkko ja oman tuotannon mitoitus", "sote-palvelut", "IKA-KOTIHOITO"],
        ["SUUN", "Suun terveydenhuollon täydentävät ostopalvelut", "tuotanto", "Suun terveydenhuollon palvelulinja", "Tuotannon läheinen: täydentää omaa tuotantoa", "sote-palvelut", "TYO-SUUNHOITO"],
        ["KLIINISET", "Kliiniset tukipalvelut (laboratorio, kuvantaminen)", "tuotanto", "Diagnostiikan palvelulinja", "Tuotannon läheinen hankinta", "tavarat ja palvelut", ""],
        ["ICT", "Koko alueen ICT-järjestelmät", "hallinto", "Tietohallinto", "Alueen laajuinen ICT: strategisesti merkittävä", "tavarat ja palvelut", ""],
    ]  # fmt: skip


def planning_rows(fig: RegionFigures) -> list[list[object]]:
    """``hankintakohteet.csv``: three procurements, lots by the region's own areas."""
    a = fig.areas
    y = fig.cycle
    clients = max(1, round(430 * fig.service_factor("IKA-TEHPA")))
    return [
        ["VAM-ASUMINEN", f"H-{y + 1}-01", f"1.1.{y + 2}", 4, 2, "alue", f"{a[0]}:50 {a[1]}:20 {a[2]}:15 {a[3]}:15", "", "", "kannustin", "", 5, 90, "Vammaisten ympärivuorokautiset ja tuetut asumispalvelut"],
        ["LAP-SIJAISHUOLTO", f"H-{y + 1}-02", f"1.7.{y + 2}", 3, 1, "volyymi", "", "", "", "yksikköhinta", "", "", "", "Lastensuojelun ammatillinen perhehoito ja laitoshoito"],
        ["IKA-TEHPA", f"H-{y + 2}-01", f"1.1.{y + 3}", 4, 2, "alue", f"{a[3]}:60 {a[2]}:40", "", "", "kapitaatio", clients, "", "", "Ikääntyneiden ympärivuorokautinen palveluasuminen"],
    ]  # fmt: skip


PLANNING_HEADER = [
    "palvelu_id", "hankinta_id", "sopimus_alkaa", "sopimuskausi_v", "optiot_v", "jako", "alueet",
    "jakamatta_peruste", "suorahankinnan_peruste", "korvausmalli", "asiakkaat", "kannustin %",
    "odotettu tavoitetaso %", "kuvaus",
]  # fmt: skip


def criteria_rows(fig: RegionFigures) -> list[list[object]]:
    """``vertailuperusteet.csv``."""
    y = fig.cycle
    return [
        [f"H-{y + 1}-01", "hinta", 60, ""],
        [f"H-{y + 1}-01", "henkilöstön osaaminen", 25, 10],
        [f"H-{y + 1}-01", "asiakkaan osallisuus", 15, 10],
        [f"H-{y + 1}-02", "hinta", 50, ""],
        [f"H-{y + 1}-02", "hoitotyön laatu", 30, 10],
        [f"H-{y + 1}-02", "jatkuvuus ja yhteistyö", 20, 10],
    ]


BID_HEADER = [
    "hankinta_id", "osa", "tarjoaja", "kokoluokka", "järjestö", "hinta €", "henkilöstön osaaminen",
    "asiakkaan osallisuus", "hoitotyön laatu", "jatkuvuus ja yhteistyö",
]  # fmt: skip

# Reference bids: (procurement, lot, bidder key, size, NGO, price €, points…).
_BIDS = (
    (1, "O1", "vam-suuri", "suuri", "ei", 224.00, 7, 6, None, None),
    (1, "O1", "vam-jarjesto", "keskisuuri", "kyllä", 229.50, 9, 9, None, None),
    (1, "O1", "vam-uusi", "pieni", "ei", 219.90, 6, 5, None, None),
    (1, "O2", "vam-suuri", "suuri", "ei", 224.00, 7, 6, None, None),
    (1, "O2", "vam-uusi", "pieni", "ei", 221.40, 8, 7, None, None),
    (1, "O3", "vam-jarjesto", "keskisuuri", "kyllä", 226.80, 9, 9, None, None),
    (1, "O3", "vam-suuri", "suuri", "ei", 218.50, 7, 6, None, None),
    (1, "O3", "vam-mikro", "mikro", "ei", 232.00, 8, 8, None, None),
    (1, "O4", "vam-ry", "pieni", "kyllä", 225.00, 8, 9, None, None),
    (1, "O4", "vam-suuri", "suuri", "ei", 224.00, 7, 6, None, None),
    (1, "O5", "vam-suuri", "suuri", "ei", 223.50, 7, 6, None, None),
    (1, "O5", "vam-uusi", "pieni", "ei", 230.10, 8, 7, None, None),
    (2, "O1", "lap-suuri", "suuri", "ei", 339.00, None, None, 7, 6),
    (2, "O1", "lap-pk", "mikro", "ei", 352.00, None, None, 9, 9),
    (2, "O2", "lap-suuri", "suuri", "ei", 339.00, None, None, 7, 6),
    (2, "O2", "lap-ry", "pieni", "kyllä", 344.50, None, None, 8, 8),
    (2, "O3", "lap-suuri", "suuri", "ei", 339.00, None, None, 7, 6),
    (2, "O3", "lap-yhdistys", "pieni", "kyllä", 361.00, None, None, 9, 8),
    (2, "O4", "lap-suuri", "suuri", "ei", 336.00, None, None, 7, 6),
)


def bid_rows(fig: RegionFigures, plan: ExamplePlan) -> list[list[object]]:
    """``tarjoukset.csv``: the reference's bids, the region's bidders, prices × the cost level."""
    return [
        [f"H-{fig.cycle + 1}-0{n}", lot, plan.name(key), size, ngo, fi2(price * fig.cost_level),
         *("" if p is None else p for p in points)]
        for n, lot, key, size, ngo, price, *points in _BIDS
    ]  # fmt: skip


def terms_toml(fig: RegionFigures) -> str:
    """``sopimusehdot.toml``: the contract terms (the same terms for every region, labelled)."""
    return f"""# ESIMERKKIAINEISTO (example data, not the official terms of {fig.name}): the contract terms stage 5
# writes into every awarded or continued contract and stage 6 monitors. KPIs by service id ("*" =
# every service); thresholds are contractual.
{_TERMS}"""


_TERMS = """
reporting = "Tuottaja raportoi kuukausittain 15. päivään mennessä edellisen kuukauden suoritteet, henkilöstön (ympärivuorokautisessa palvelussa hoitohenkilöstö välittömässä asiakastyössä asiakasta kohden), muistutukset, kantelut ja haittatapahtumat sekä asiakaspalautteen, ja laskuttaa toteutuneet suoritteet samalla jaksotuksella."

[[kpis."*"]]
kpi = "complaints"
name = "Muistutukset, kantelut ja haittatapahtumat / 1 000 asiakasta kuukaudessa"
threshold = 5.0
unit = "kpl / 1 000 asiakasta"
direction = "at_most"
basis = "sopimus"

[[kpis."*"]]
kpi = "client_satisfaction"
name = "Asiakastyytyväisyys (1–5)"
threshold = 4.0
unit = "keskiarvo 1–5"
direction = "at_least"
basis = "sopimus"

[[kpis."*"]]
kpi = "billing"
name = "Laskutettu määrä ylittää toteutuneen"
threshold = 1.0
unit = "% laskutuksesta"
direction = "at_most"
basis = "sopimus"

[[kpis."*"]]
kpi = "care_guarantee"
name = "Palvelu alkaa päätöksestä"
threshold = 14.0
unit = "vrk (90 % asiakkaista)"
direction = "at_most"
basis = "sopimus"

[[kpis.IKA-TEHPA]]
kpi = "staffing"
name = "Hoitohenkilöstö välittömässä asiakastyössä / asiakas"
threshold = 0.65
unit = "htv / asiakas"
direction = "at_least"
basis = "sopimus; vähintään lakisääteinen vähimmäismitoitus (vanhuspalvelulaki 980/2012, 20 §)"

[[kpis.VAM-ASUMINEN]]
kpi = "staffing"
name = "Hoitohenkilöstö välittömässä asiakastyössä / asiakas (ympärivuorokautinen asuminen)"
threshold = 0.5
unit = "htv / asiakas"
direction = "at_least"
basis = "sopimus"

[[kpis.LAP-SIJAISHUOLTO]]
kpi = "placement_stability"
name = "Suunnittelemattomat sijoituksen päättymiset"
threshold = 5.0
unit = "% sijoituksista vuodessa"
direction = "at_most"
basis = "sopimus"

[[sanctions]]
step = 1
name = "Huomautus"
amount_eur = 0
description = "Kirjallinen huomautus poikkeamasta; tuottaja esittää korjaussuunnitelman 14 päivässä."

[[sanctions]]
step = 2
name = "Korjausvaatimus määräajassa"
amount_eur = 0
description = "Toistuva tai vakava poikkeama: kirjallinen korjausvaatimus, jossa määräaika enintään 30 päivää."

[[sanctions]]
step = 3
name = "Sopimussakko"
amount_eur = 5000
description = "Korjausvaatimusta ei ole noudatettu määräajassa: sopimussakko kultakin kuukaudelta, jona poikkeama jatkuu."

[[sanctions]]
step = 4
name = "Uusien asiakasohjausten keskeyttäminen"
amount_eur = 0
description = "Vakava tai jatkuva poikkeama asiakasturvallisuudessa: uusia asiakkaita ei ohjata ennen kuin poikkeama on korjattu."

[[sanctions]]
step = 5
name = "Sopimuksen purku"
amount_eur = 0
description = "Olennainen sopimusrikkomus, jota ei ole korjattu: sopimus puretaan, ja palvelu järjestetään muualta tuottajan kustannuksella."
"""


# -- stage 5b ---------------------------------------------------------------------------------------


def voucher_rows(fig: RegionFigures) -> list[list[object]]:
    """``palvelusetelit.csv``: values and caps × the cost level."""
    c = fig.cost_level
    start = f"1.3.{fig.cycle + 1}"
    return [
        ["IKA-TEHPA", "tulosidonnainen", "", fi2(145 * c), fi2(95 * c), 30, fi2(158 * c), "ei", start],
        ["TYO-SUUNHOITO", "kiinteä", fi2(62 * c), "", "", "", fi2(82 * c), "ei", start],
    ]


VOUCHER_HEADER = [
    "palvelu_id", "malli", "arvo €", "enimmäisarvo €", "vähimmäisarvo €", "jakaja", "hintakatto €", "maksuton",
    "voimassa alkaen",
]  # fmt: skip


def limit_rows() -> list[list[object]]:
    """``palveluseteli_tulorajat.csv``: statutory limits, the percentages of 10 e §'s ≥ 38 h row."""
    return [["IKA-TEHPA", size, "", pct] for size, pct in zip(range(1, 7), (35, 24, 19, 16, 14, 12), strict=True)]


def rulebook_toml(fig: RegionFigures) -> str:
    """``saantokirja.toml``: the rule book (the region's name in its label)."""
    return f"""# ESIMERKKIAINEISTO: palvelusetelin sääntökirja järjestelmän esittelyä varten, ei alueen
# ({fig.name}) todellinen sääntökirja.

title = "Palvelusetelin sääntökirja"
valid_from = {fig.cycle + 1}-03-01
{_RULEBOOK}"""


_RULEBOOK = """payment_channel = "Palvelusetelit ja henkilökohtaiset budjetit maksetaan samassa sähköisessä palvelusetelijärjestelmässä: tuottaja laskuttaa toteutuneet suoritteet järjestelmän kautta, ja järjestelmä tarkistaa päätöksen, arvon ja asiakkaan omavastuun."
general_terms = [
  "Sääntökirjaa sovelletaan, kun hyvinvointialue järjestää palveluja palvelusetelillä. Se koostuu yleisestä osasta ja palvelukohtaisista ehdoista. Sitoumus syntyy, kun hyvinvointialue hyväksyy tuottajan ja tuottaja sitoutuu noudattamaan sääntökirjaa.",
  "Asiakas valitsee tuottajan hyväksyttyjen tuottajien luettelosta ja tekee tuottajan kanssa sopimuksen palvelun antamisesta; sopimukseen sovelletaan kuluttajansuojaa ja sopimusoikeutta (palvelusetelilaki 6 §).",
  "Tuottaja saa periä asiakkaalta enintään hinnan ja setelin arvon erotuksen (omavastuuosuus). Hinta saa olla enintään palvelun hintakatto. Jos hinta on setelin arvoa pienempi, hyvinvointialue maksaa vain hinnan (palvelusetelilaki 9 §).",
  "Tuottajan on ilmoitettava hyvinvointialueelle viipymättä, jos jokin hyväksymisen edellytys lakkaa täyttymästä. Hyvinvointialue peruuttaa hyväksymisen ja poistaa tuottajan luettelosta, jos edellytykset eivät enää täyty tai tuottaja sitä pyytää (palvelusetelilaki 4 § 4 mom.).",
  "Hyvinvointialue on palvelussa syntyvien asiakas- ja potilasasiakirjojen rekisterinpitäjä; tuottaja käsittelee asiakirjoja hyvinvointialueen ohjeiden mukaan (palvelusetelilaki 11 §).",
]
reference_income = 1500
example_incomes = [1000, 1500, 2000, 2500, 3000, 4000]
example_households = [1, 2, 3]

[[criteria]]
criterion_id = "omavalvonta"
basis = "5"
text = "Tuottajalla on julkaistu omavalvontasuunnitelma (valvontalaki 741/2023, 27 §)."
column = "omavalvontasuunnitelma"
test = "kyllä"

[[criteria]]
criterion_id = "maksujarjestelma"
basis = "5"
text = "Tuottaja liittyy hyvinvointialueen sähköiseen palvelusetelijärjestelmään, jossa setelit ja henkilökohtaiset budjetit laskutetaan."
column = "sähköinen palvelusetelijärjestelmä"
test = "kyllä"

[[criteria]]
criterion_id = "mitoitus"
basis = "3"
text = "Ympärivuorokautisen palveluasumisen hoitohenkilöstön mitoitus on vähintään 0,6 työntekijää asiakasta kohden, kuten alueen omissa yksiköissä."
column = "henkilöstömitoitus"
test = "vähintään"
value = 0.6
services = ["IKA-TEHPA"]

[[criteria]]
criterion_id = "hoitoonpaasy"
basis = "3"
text = "Kiireettömän suun hoidon ensimmäinen käynti järjestyy enintään 30 vuorokaudessa setelin myöntämisestä."
column = "hoitoonpääsy vrk"
test = "enintään"
value = 30
services = ["TYO-SUUNHOITO"]
"""

APPLICATION_HEADER = [
    "hakemus_id", "käsittelyerä", "saapunut", "tuottaja", "y-tunnus", "tuottajatyyppi", "palvelu_id",
    "hinta €/suorite", "soteri-rekisteröinti", "ennakkoperintärekisteri", "vastuuvakuutus",
    "omavalvontasuunnitelma", "sähköinen palvelusetelijärjestelmä", "henkilöstömitoitus", "hoitoonpääsy vrk",
]  # fmt: skip

# Reference applications: (batch, day, producer key, type, service, price €, prepayment register,
# staffing, access to care days). Batch 1 rejects the small home's staffing; batch 2 a producer
# not in the prepayment register and over the cap, and one whose access to care is too slow.
_APPLICATIONS = (
    (1, 4, "tehpa-suuri", "suuri yritys", "IKA-TEHPA", 156.00, "kyllä", "0,65", ""),
    (1, 7, "tehpa-seteli-pk", "pk-yritys", "IKA-TEHPA", 149.50, "kyllä", "0,62", ""),
    (1, 11, "tehpa-pieni", "pk-yritys", "IKA-TEHPA", 147.00, "kyllä", "0,55", ""),
    (1, 12, "suun-1", "pk-yritys", "TYO-SUUNHOITO", 78.00, "kyllä", "", "21"),
    (1, 14, "suun-2", "pk-yritys", "TYO-SUUNHOITO", 70.00, "kyllä", "", "14"),
    (2, 2, "suun-3", "pk-yritys", "TYO-SUUNHOITO", 86.00, "ei", "", "30"),
    (2, 5, "tehpa-ry", "järjestö", "IKA-TEHPA", 152.00, "kyllä", "0,70", ""),
    (2, 9, "suun-4", "pk-yritys", "TYO-SUUNHOITO", 74.00, "kyllä", "", "45"),
)


def application_rows(fig: RegionFigures, plan: ExamplePlan) -> list[list[object]]:
    """``tuottajahakemukset.csv``: the region's applicants with fictional business ids."""
    y = fig.cycle + 1
    base = seed_of(fig.code, "business-ids") % 9_000_000 + 1_000_000
    rows: list[list[object]] = []
    for n, (batch, day, key, kind, service, price, prepay, staffing, access) in enumerate(_APPLICATIONS, start=1):
        rows.append(
            [f"PS-{y}-{n:03d}", f"{y}-0{batch}", f"{day}.{batch}.{y}", plan.name(key),
             business_id(base + 104_729 * n), kind, service, fi2(price * fig.cost_level), "kyllä", prepay, "kyllä",
             "kyllä", "kyllä", staffing, access]
        )  # fmt: skip
    return rows


BUDGET_HEADER = ["asiakas", "asiakasryhmä", "palvelu_id", "määrä/v", "tavoite"]


def budget_rows() -> list[list[object]]:
    """``henkilokohtainen_budjetti.csv``: pseudonymous client plans (individual needs, not scaled)."""
    return [
        ["HB-001", "Ikääntyneet", "IKA-KOTIHOITO", 520, "Asuu omassa kodissaan, aamu- ja iltatoimet omaisen tuella"],
        ["HB-001", "Ikääntyneet", "TYO-SUUNHOITO", 2, "Syö kotona omin hampain: suun hoito kahdesti vuodessa"],
        ["HB-002", "Ikääntyneet", "IKA-KOTIHOITO", 730, "Kotiutuu sairaalasta ja pärjää kotona kahdella käynnillä päivässä"],
        ["HB-003", "Vammaiset henkilöt", "VAM-ASUMINEN", 365, "Asuu omassa vuokra-asunnossa ympärivuorokautisen tuen turvin"],
        ["HB-004", "Vammaiset henkilöt", "VAM-ASUMINEN", 120, "Harjoittelee itsenäistä asumista tukiasunnossa osan vuotta"],
        ["HB-004", "Vammaiset henkilöt", "TYO-SUUNHOITO", 2, "Suun hoito tukiasumisen jakson aikana"],
        ["HB-005", "Työikäiset", "TYO-SUUNHOITO", 6, "Hoitaa kiireettömän suun hoidon ennen työhön paluuta"],
    ]  # fmt: skip


def write_procurement_files(fig: RegionFigures, plan: ExamplePlan, out: Path) -> list[Path]:
    """Write stage 5's files (5a and 5b) into ``out``."""
    return [
        write_csv(out / "sopimukset.csv", CONTRACT_HEADER, contract_rows(plan)),
        write_csv(
            out / "hankintaluokat.csv",
            ["luokka_id", "luokka", "vastuu", "vastuuyksikkö", "peruste", "kynnysarvoluokka", "palvelut"],
            category_rows(fig),
        ),
        write_csv(out / "hankintakohteet.csv", PLANNING_HEADER, planning_rows(fig)),
        write_csv(
            out / "vertailuperusteet.csv", ["hankinta_id", "peruste", "paino %", "enimmäispisteet"], criteria_rows(fig)
        ),
        write_csv(out / "tarjoukset.csv", BID_HEADER, bid_rows(fig, plan)),
        write_text(out / "sopimusehdot.toml", terms_toml(fig)),
        write_csv(out / "palvelusetelit.csv", VOUCHER_HEADER, voucher_rows(fig)),
        write_csv(
            out / "palveluseteli_tulorajat.csv",
            ["palvelu_id", "henkilömäärä", "tuloraja €/kk", "prosentti %"],
            limit_rows(),
        ),
        write_text(out / "saantokirja.toml", rulebook_toml(fig)),
        write_csv(out / "tuottajahakemukset.csv", APPLICATION_HEADER, application_rows(fig, plan)),
        write_csv(out / "henkilokohtainen_budjetti.csv", BUDGET_HEADER, budget_rows()),
    ]
