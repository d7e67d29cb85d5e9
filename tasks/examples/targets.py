"""Stage 2's example files: finance (actuals, funding, assumptions) and the impact targets.

Each service area's costs and income are the reference's × its client group's factor × the cost
level; the state funding, the other items, the balance sheet, the savings and the measures scale
with the region's base-year operating costs against the reference's, so the region's result, the
deficit and the frame stand in the same proportion to its costs as in the reference. Targets with
a stage-1 source take the region's real value as the baseline (the target a fixed step from it);
the others are example baselines of the Sotkanet kind, varied per region.
"""

from __future__ import annotations

from pathlib import Path

from schemas.accounts import OPERATING_COST_GROUPS, AccountGroup
from schemas.needs import NeedsAssessment
from soteflow.documents.governance import load_region_config
from soteflow.settings import get_settings
from tasks.context import CONFIG_DIR
from tasks.examples.common import eur, largest_remainder, write_csv, write_text
from tasks.examples.region import RegionFigures
from tasks.examples.statement import HEADER as STATEMENT_HEADER
from tasks.examples.statement import UNIT, AreaYear, statement_rows

_GROUP_FI = {
    "children_families": "Lapset, nuoret ja perheet",
    "working_age": "Työikäiset",
    "older_people": "Ikääntyneet",
    "disability": "Vammaiset henkilöt",
    "mental_substance": "Mielenterveys- ja päihdeasiakkaat",
    # Rows of the frame kept apart from the client groups (scaled by the population).
    "rescue_services": "Pelastustoimi",
    "common_costs": "Yhteiset kustannukset",
}
#: Service areas: (name, client group, reference costs and income of the base year, M€).
_AREAS = (
    ("Lasten, nuorten ja perheiden sosiaalipalvelut", "children_families", 248.6, 8.8),
    ("Perhekeskus- ja neuvolapalvelut, koulu- ja opiskeluterveydenhuolto", "children_families", 111.2, 3.4),
    ("Lasten ja nuorten erikoissairaanhoito", "children_families", 183.9, 11.2),
    ("Terveysasemat ja suun terveydenhuolto", "working_age", 349.1, 38.8),
    ("Aikuissosiaalityö ja työllisyyttä tukevat palvelut", "working_age", 90.7, 3.7),
    ("Aikuisten erikoissairaanhoito ja päivystys", "working_age", 898.4, 77.1),
    ("Kotihoito ja omaishoidon tuki", "older_people", 298.4, 36.2),
    ("Ympärivuorokautinen palveluasuminen", "older_people", 377.3, 72.5),
    ("Geriatrinen osastohoito ja kuntoutus", "older_people", 130.4, 9.2),
    ("Vammaispalvelut", "disability", 293.1, 14.8),
    ("Mielenterveys- ja päihdepalvelut, avopalvelut", "mental_substance", 92.4, 3.7),
    ("Psykiatrinen erikoissairaanhoito", "mental_substance", 146.5, 4.5),
    ("Pelastustoimi", "rescue_services", 76.0, 9.8),
    ("Hallinto ja tukipalvelut, kohdistamattomat", "common_costs", 141.0, 6.0),
)
#: The years before the base year: costs and income as a share of the base year's.
_EARLIER = ((-2, 0.9515, 0.9560), (-1, 0.9757, 0.9785))
_REF_BASE_COSTS = sum(a[2] for a in _AREAS) * 1e6
#: Reference funding (M€): actual years (state funding, other items) and forecast years (state
#: funding, other income, other items), from the year two before the base year on.
_FUNDING_ACTUAL = ((2922.9, 42.3), (3044.8, 46.8), (3162.1, 49.5))
_FUNDING_FORECAST = ((3304.0, 310.0, 52.0), (3416.0, 320.0, 54.0), (3530.0, 330.0, 56.0), (3645.0, 340.0, 58.0))


def _m(value_meur: float, scale: float) -> int:
    """Reference millions × scale, as euros rounded to 100 000 €."""
    return round(value_meur * scale * 10) * 100_000


#: The reference's income statement of the base year by account group (M€): its cost groups total
#: the reference's operating costs (3 437,0 M€); a region's groups are split in the same proportions,
#: its depreciation and client fees scale with its costs and income.
_REF_STATEMENT = {
    AccountGroup.WAGES: 1180.0,
    AccountGroup.PENSIONS: 203.0,
    AccountGroup.OTHER_SOCIAL: 36.6,
    AccountGroup.PURCHASED_SERVICES: 1480.0,
    AccountGroup.MATERIALS: 290.0,
    AccountGroup.RENTS: 112.0,
    AccountGroup.OTHER_COSTS: 135.4,
    AccountGroup.DEPRECIATION: 45.0,
    AccountGroup.FEES: 118.6,
}
_REF_BASE_INCOME = sum(a[3] for a in _AREAS)


def area_years(fig: RegionFigures) -> list[AreaYear]:
    """The service areas' operating costs and income in the three actual years, each scaled by its group."""
    base = fig.cycle - 1
    return [
        AreaYear(
            base + offset,
            name,
            _GROUP_FI[group],
            _m(costs * cost_share, fig.factor(group) * fig.cost_level),
            _m(income * income_share, fig.factor(group) * fig.cost_level),
        )
        for offset, cost_share, income_share in (*_EARLIER, (0, 1.0, 1.0))
        for name, group, costs, income in _AREAS
    ]


def base_year_costs(fig: RegionFigures) -> int:
    """The region's base-year operating costs as ``tilinpaatos.csv`` gives them, €."""
    return sum(_m(costs, fig.factor(group) * fig.cost_level) for _n, group, costs, _i in _AREAS)


def statement_totals(fig: RegionFigures) -> dict[AccountGroup, int]:
    """The region's base-year total of each account group but the other income, € (what stage 4's
    cost rows reconcile to)."""
    costs = largest_remainder(base_year_costs(fig) // UNIT, [_REF_STATEMENT[g] for g in OPERATING_COST_GROUPS])
    totals = {g: int(c) * UNIT for g, c in zip(OPERATING_COST_GROUPS, costs, strict=True)}
    income = sum(a.income for a in area_years(fig) if a.year == fig.cycle - 1)
    totals[AccountGroup.FEES] = _m(_REF_STATEMENT[AccountGroup.FEES], income / 1e6 / _REF_BASE_INCOME)
    totals[AccountGroup.DEPRECIATION] = _m(_REF_STATEMENT[AccountGroup.DEPRECIATION], cost_ratio(fig))
    return totals


def statement_rows_of(fig: RegionFigures) -> list[list[object]]:
    """``tilinpaatos.csv``: each area's costs and income split by account group; the depreciation of
    each year the base year's × that year's depreciation and financial items against the base year's."""
    totals = statement_totals(fig)
    base = fig.cycle - 1
    other_base = _FUNDING_ACTUAL[-1][1]
    depreciation = {
        base - 2 + i: _m(_REF_STATEMENT[AccountGroup.DEPRECIATION] * other / other_base, cost_ratio(fig))
        for i, (_state, other) in enumerate(_FUNDING_ACTUAL)
    }
    return statement_rows(area_years(fig), totals, depreciation, base)


def cost_ratio(fig: RegionFigures) -> float:
    """The region's base-year operating costs against the reference's (what the region-wide
    figures of finance scale by)."""
    return base_year_costs(fig) / _REF_BASE_COSTS


def funding_rows(fig: RegionFigures) -> list[list[object]]:
    """``talous_rahoitus.csv``: actuals (other income empty: the ledger's sum) and four forecast years."""
    r = cost_ratio(fig)
    first = fig.cycle - 3
    rows: list[list[object]] = [
        [first + i, "toteuma", _m(state, r), "", _m(other, r)] for i, (state, other) in enumerate(_FUNDING_ACTUAL)
    ]
    rows += [
        [fig.cycle + i, "ennuste", _m(state, r), _m(income, r), _m(other, r)]
        for i, (state, income, other) in enumerate(_FUNDING_FORECAST)
    ]
    return rows


def budget_year(fig: RegionFigures) -> int:
    """The budget year the cycle prepares (the frame year stage 2 requires): the region's
    ``[planning]`` in the shipped configuration (cycle N → budget year N + 1)."""
    config = load_region_config(fig.code, get_settings().input_dir / CONFIG_DIR, region_name=fig.name)
    return config.planning.years(fig.cycle).budget_year


def _table(values: dict[int, float]) -> str:
    return "{ " + ", ".join(f"{year} = {value}" for year, value in values.items()) + " }"


def assumptions_toml(fig: RegionFigures) -> str:
    """``talous_oletukset.toml``: frame, balance sheet, scenarios and measures scaled by the costs."""
    r = cost_ratio(fig)
    y = fig.cycle

    def money(*values: float) -> str:
        return _table({y + i: eur(v * r / 1e5) * 100_000 for i, v in enumerate(values)})

    deficit = -eur(140 * r * 10) * 100_000
    return f"""# ESIMERKKIAINEISTO – ei alueen ({fig.name}) virallisia lukuja.
# Tuotettu: soteflow generate examples --region {fig.code} (alueen väestö, ikärakenne ja tarveindeksi
# Tilastokeskuksen aineistosta; euromäärät suhteutettu alueen toimintakuluihin).
# Euromäärät euroina; prosentit prosentteina (4.0 = 4,0 %).

[aineisto]
kuvaus = "Esimerkkiaineisto: kuvitteelliset luvut, jotka on suhteutettu alueen väestöön, ikärakenteeseen ja palvelutarveindeksiin (Tilastokeskus); ne eivät ole alueen ({fig.name}) virallisia talous- tai talousarviolukuja."

[kehys]
kehysvuosi = {budget_year(fig)}
kehysskenaario = "perusura"
jakotapa = "blend"
tarvepaino = 0.5

[tase]
vuosi = {y - 1}
kertynyt_yli_alijaama_eur = {deficit}

[skenaariot.perusura]
nimi = "Perusura"
kuvaus = "Kustannukset kasvavat palvelutarpeen ja kustannustason mukaan; päätetty sopeutusohjelma toteutuu."
kustannusten_kasvu_pros = {_table({y: 4.0, y + 1: 3.8, y + 2: 3.6, y + 3: 3.5})}
rahoituksen_muutos_pros = 0.0
saastot_eur = {money(35e6, 30e6, 25e6, 20e6)}

[skenaariot.myonteinen]
nimi = "Myönteinen"
kuvaus = "Kustannusten kasvu hidastuu, sopeutus toteutuu suunniteltua laajempana ja valtion rahoitus on ennustettua 0,5 % suurempi."
kustannusten_kasvu_pros = {_table({y: 3.4, y + 1: 3.2, y + 2: 3.0, y + 3: 3.0})}
rahoituksen_muutos_pros = 0.5
saastot_eur = {money(45e6, 40e6, 35e6, 30e6)}

[skenaariot.kielteinen]
nimi = "Kielteinen"
kuvaus = "Palkka- ja hintataso nousevat ennakoitua nopeammin, sopeutus jää osin toteutumatta ja valtion rahoitus on ennustettua 0,5 % pienempi."
kustannusten_kasvu_pros = {_table({y: 4.8, y + 1: 4.5, y + 2: 4.3, y + 3: 4.0})}
rahoituksen_muutos_pros = -0.5
saastot_eur = {money(20e6, 15e6, 10e6, 10e6)}

[toimenpiteet.palveluverkko]
nimi = "palveluverkon uudistus (terveysasemien ja vuodeosastojen yhdistäminen)"
vaikutus_eur = {money(15e6, 30e6)}

[toimenpiteet.ostopalvelut]
nimi = "ostopalvelujen ja vuokratyön vähentäminen"
vaikutus_eur = {money(10e6, 15e6)}
"""


def _one(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def target_rows(fig: RegionFigures, assessment: NeedsAssessment) -> list[list[object]]:
    """``tavoitteet.csv``: stage-1 baselines where the region has the value, example ones otherwise."""
    profile = assessment.profiles.region
    rng = fig.rng("targets")
    y = fig.cycle

    def jitter(value: float, spread: float) -> float:
        return round(value + rng.uniform(-spread, spread), 1)

    def from_stage1(field: str, factor: float, digits: int) -> tuple[str, str, str, str]:
        """(stage-1 field, baseline, year, target): the target a step down from the region's value;
        an example baseline when stage 1 has no region value."""
        value = getattr(profile, field)
        if value is None:
            raise ValueError(f"{fig.code}: stage 1 has no {field}")
        target = round(value * factor) if digits == 0 else round(value * factor, digits)
        text = f"{target:,}".replace(",", " ") if digits == 0 else _one(target)
        return field, "", "", text

    lap1 = jitter(1.3, 0.2)
    ika1 = jitter(91.9, 1.0)
    ika2 = jitter(6.9, 0.6)
    mtp2 = jitter(16.4, 2.0)
    rows: list[list[object]] = [
        ["T-LAP-1", "Lapset, nuoret ja perheet", "Kodin ulkopuolelle sijoitettujen 0–17-vuotiaiden osuus vastaavanikäisestä väestöstä", "%", "", _one(lap1), y - 2, _one(round(lap1 - 0.2, 1)), y + 3, "laskee", "low_income_rate"],
        ["T-LAP-2", "Lapset, nuoret ja perheet", "Neuvolan määräaikaisten laajojen terveystarkastusten toteutumisaste", "%", "", round(jitter(88, 3)), y - 1, 95, y + 2, "kasvaa", "share_under_15"],
        ["T-TYO-1", "Työikäiset", "Pitkäaikaistyöttömien osuus työvoimasta", "%", *from_stage1("long_term_unemployment_rate", 0.88, 1)[:3], from_stage1("long_term_unemployment_rate", 0.88, 1)[3], y + 3, "laskee", ""],
        ["T-TYO-2", "Työikäiset", "Perusterveydenhuollon kiireettömän hoidon toteutuminen 14 vuorokaudessa", "%", "", round(jitter(62, 6)), y - 1, 80, y + 2, "kasvaa", "unemployment_rate"],
        ["T-IKA-1", "Ikääntyneet", "Kotona asuvien 75 vuotta täyttäneiden osuus vastaavanikäisestä väestöstä", "%", "", _one(ika1), y - 2, _one(round(ika1 + 1.1, 1)), y + 3, "kasvaa", "share_65_plus"],
        ["T-IKA-2", "Ikääntyneet", "Ympärivuorokautisen palveluasumisen asiakkaiden osuus 75 vuotta täyttäneistä", "%", "", _one(ika2), y - 2, _one(round(ika2 - 0.3, 1)), y + 3, "laskee", "share_65_plus"],
        ["T-IKA-3", "Ikääntyneet", "Säännöllisen kotihoidon asiakkaat, joiden palvelutarve on arvioitu RAI-menetelmällä", "%", "", round(jitter(84, 4)), y - 1, 95, y + 1, "kasvaa", "share_65_plus"],
        ["T-VAM-1", "Vammaiset henkilöt", "Vammaiset ja pitkäaikaissairaat työttömät työnhakijat", "henkilöä", *from_stage1("unemployed_disabled_or_ill", 0.9, 0)[:3], from_stage1("unemployed_disabled_or_ill", 0.9, 0)[3], y + 3, "laskee", ""],
        ["T-VAM-2", "Vammaiset henkilöt", "Vammaispalvelujen asiakkaat, joilla on ajantasainen asiakassuunnitelma", "%", "", round(jitter(78, 4)), y - 1, 95, y + 2, "kasvaa", "unemployed_disabled_or_ill"],
        ["T-MTP-1", "Mielenterveys- ja päihdeasiakkaat", "Kokonaan perusturvan varassa olevien osuus asuntoväestöstä", "%", *from_stage1("basic_security_dependence", 0.94, 1)[:3], from_stage1("basic_security_dependence", 0.94, 1)[3], y + 3, "laskee", ""],
        ["T-MTP-2", "Mielenterveys- ja päihdeasiakkaat", "Mielenterveyden häiriöiden vuoksi sairauspäivärahaa saaneet 25–64-vuotiaat / 1000 vastaavanikäistä", "per 1000", "", _one(mtp2), y - 2, _one(round(mtp2 - 1.4, 1)), y + 3, "laskee", "basic_security_dependence"],
    ]  # fmt: skip
    return rows


TARGET_HEADER = [
    "tavoite_id", "asiakasryhmä", "mittari", "yksikkö", "lähtötaso_stage1", "lähtötaso", "lähtövuosi",
    "tavoitearvo", "tavoitevuosi", "suunta", "tarvehavainto_stage1",
]  # fmt: skip


def write_targets_files(fig: RegionFigures, assessment: NeedsAssessment, out: Path) -> list[Path]:
    """Write stage 2's files into ``out``."""
    return [
        write_csv(out / "tilinpaatos.csv", STATEMENT_HEADER, statement_rows_of(fig)),
        write_csv(
            out / "talous_rahoitus.csv",
            ["vuosi", "laji", "valtion_rahoitus", "muut_tuotot", "poistot_ja_rahoituserät"],
            funding_rows(fig),
        ),
        write_text(out / "talous_oletukset.toml", assumptions_toml(fig)),
        write_csv(out / "tavoitteet.csv", TARGET_HEADER, target_rows(fig, assessment)),
    ]
