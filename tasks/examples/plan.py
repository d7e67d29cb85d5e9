"""What several stages' files share: the compared services' producers, volumes and prices.

Stage 4's purchases (``ostopalvelut.csv``), stage 5's contracts register (``sopimukset.csv``),
bids and voucher applications, and stage 6's monitored contracts are all built from this one
plan, so the register's volumes equal stage 4's purchased volumes and the producers are the same
in every file. Volumes are the reference's scaled by the service's client-group factor, prices
by the regional cost level; names are fictional (each contains *Esimerkki*) and drawn per region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tasks.examples.region import RegionFigures

#: Reference purchases: (key, size, type, service, mode, price €, volume, unit, procurement,
#: contract management, monitoring €, client payments €).
_PURCHASES = (
    ("koti-suuri", "suuri", "suuri yritys", "IKA-KOTIHOITO", "ostopalvelu", 43.20, 260_000, "käynti",
     52_000, 38_000, 61_000, 2_340_000),
    ("koti-pk", "pieni", "pk-yritys", "IKA-KOTIHOITO", "ostopalvelu", 44.60, 160_000, "käynti",
     41_000, 27_000, 46_000, 1_440_000),
    ("tehpa-suuri", "suuri", "suuri yritys", "IKA-TEHPA", "ostopalvelu", 199.00, 391_000, "hoitopäivä",
     148_000, 96_000, 214_000, 19_250_000),
    ("tehpa-jarjesto", "keskisuuri", "järjestö", "IKA-TEHPA", "ostopalvelu", 194.50, 156_500, "hoitopäivä",
     74_000, 46_000, 98_000, 7_700_000),
    ("tehpa-suuri", "suuri", "suuri yritys", "IKA-TEHPA", "palveluseteli", 131.00, 131_000, "hoitopäivä",
     18_000, 24_000, 52_000, 6_450_000),
    ("tehpa-seteli-pk", "pieni", "pk-yritys", "IKA-TEHPA", "palveluseteli", 131.00, 88_000, "hoitopäivä",
     12_000, 16_000, 35_000, 4_330_000),
    ("suun-1", "pieni", "pk-yritys", "TYO-SUUNHOITO", "palveluseteli", 68.00, 72_000, "käynti",
     9_000, 14_000, 19_000, 2_380_000),
    ("suun-2", "pieni", "pk-yritys", "TYO-SUUNHOITO", "palveluseteli", 64.00, 48_000, "käynti",
     6_000, 9_000, 13_000, 1_520_000),
    ("lap-suuri", "suuri", "suuri yritys", "LAP-SIJAISHUOLTO", "ostopalvelu", 362.00, 118_000, "hoitovuorokausi",
     96_000, 88_000, 262_000, 610_000),
    ("lap-pk", "mikro", "pk-yritys", "LAP-SIJAISHUOLTO", "ostopalvelu", 318.00, 56_000, "hoitovuorokausi",
     38_000, 41_000, 122_000, 290_000),
    ("vam-suuri", "suuri", "suuri yritys", "VAM-ASUMINEN", "ostopalvelu", 229.00, 243_000, "hoitovuorokausi",
     84_000, 62_000, 141_000, 2_450_000),
    ("vam-jarjesto", "keskisuuri", "järjestö", "VAM-ASUMINEN", "ostopalvelu", 224.50, 107_000, "hoitovuorokausi",
     41_000, 29_000, 66_000, 1_080_000),
)  # fmt: skip

#: Name stems per producer key (one is drawn per region) and the legal form.
_STEMS: dict[str, tuple[tuple[str, ...], str]] = {
    "koti-suuri": (("Kotiapu", "Kotihoiva", "Arjentuki"), "Oy"),
    "koti-pk": (("Hoivapolku", "Kotikaari", "Lähiapu"), "Oy"),
    "tehpa-suuri": (("Hoivakodit", "Hoivakartanot", "Senioritalot"), "Oyj"),
    "tehpa-jarjesto": (("Palvelutalo", "Vanhustenkoti", "Kotirinne"), "ry"),
    "tehpa-seteli-pk": (("Kotikartano", "Pihakoti", "Ruskakoti"), "Oy"),
    "suun-1": (("Hammasklinikka", "Hymyhammas", "Purenta"), "Oy"),
    "suun-2": (("Suuhygienia", "Hammaspiste", "Suunhoito"), "Oy"),
    "lap-suuri": (("Lastensuojelupalvelut", "Perhepalvelut", "Nuorisokodit"), "Oy"),
    "lap-pk": (("Perhekoti", "Kotipiha", "Tuulensuu"), ""),
    "vam-suuri": (("Asumispalvelut", "Asumiskodit", "Tukiasuminen"), "Oyj"),
    "vam-jarjesto": (("Tukiasunnot", "Asumistuki", "Kotipolku"), "ry"),
    # bidders and voucher applicants that hold no contract today
    "vam-uusi": (("Kotipesä", "Pesäpuu", "Kotikolo"), "Oy"),
    "vam-mikro": (("Asumistupa", "Tukitupa", "Arkitupa"), "Oy"),
    "vam-ry": (("Asumisyhdistys", "Tukiyhdistys", "Kotiyhdistys"), "ry"),
    "lap-ry": (("Nuorten koti", "Nuorisotuki", "Nuortenpiha"), "ry"),
    "lap-yhdistys": (("Perhekotiyhdistys", "Sijaisperheyhdistys", "Perhehoitoyhdistys"), "ry"),
    "tehpa-pieni": (("Pienkoti", "Kotitupa", "Hoivatupa"), "Oy"),
    "tehpa-ry": (("Palvelukoti", "Vanhustentuki", "Seniorikoti"), "ry"),
    "suun-3": (("Hammashoitola", "Hammasasema", "Suupiste"), "Oy"),
    "suun-4": (("Hammaspaja", "Hammastupa", "Suukeskus"), "Oy"),
}

#: Reference contracts: (contract id, producer key, area index, start, end, options) for cycle 2026.
_CONTRACTS = (
    ("S-VAM-01", "vam-suuri", 0, (2023, 1, 1), (2027, 12, 31), 0),
    ("S-VAM-02", "vam-jarjesto", 1, (2023, 1, 1), (2027, 12, 31), 0),
    ("S-LAP-01", "lap-suuri", 0, (2022, 7, 1), (2028, 6, 30), 0),
    ("S-LAP-02", "lap-pk", 2, (2022, 7, 1), (2028, 6, 30), 0),
    ("S-TEHPA-01", "tehpa-suuri", 0, (2024, 1, 1), (2029, 12, 31), 2),
    ("S-TEHPA-02", "tehpa-jarjesto", 3, (2024, 1, 1), (2028, 12, 31), 0),
    ("S-KOTI-01", "koti-suuri", 0, (2023, 4, 1), (2027, 3, 31), 0),
    ("S-KOTI-02", "koti-pk", 1, (2023, 4, 1), (2027, 3, 31), 0),
)


@dataclass(frozen=True)
class Purchase:
    """One producer's purchased service or voucher volume in stage 4's base year."""

    key: str
    producer: str
    size: str
    kind: str
    service_id: str
    mode: str
    price: float
    volume: int
    unit: str
    procurement_eur: int
    management_eur: int
    monitoring_eur: int
    client_payments_eur: int


@dataclass(frozen=True)
class Contract:
    """A current contract of a purchased service (one per ``ostopalvelu`` producer)."""

    contract_id: str
    purchase: Purchase
    area: str
    start: dt.date
    end: dt.date
    options: int

    @property
    def annual_value(self) -> float:
        """Value per year: volume × price."""
        return round(self.purchase.volume * self.purchase.price, 2)


@dataclass(frozen=True)
class ExamplePlan:
    """The producers, purchases and contracts of a generated region."""

    names: dict[str, str]
    purchases: tuple[Purchase, ...]
    contracts: tuple[Contract, ...]

    def name(self, key: str) -> str:
        """The region's fictional producer for a key (e.g. ``vam-suuri``)."""
        return self.names[key]


def producer_names(fig: RegionFigures) -> dict[str, str]:
    """One fictional name per producer key, drawn per region: ``<stem> <centre> Esimerkki <form>``."""
    rng = fig.rng("producers")
    out = {}
    for key, (stems, form) in _STEMS.items():
        stem = stems[rng.randrange(len(stems))]
        out[key] = " ".join(part for part in (stem, fig.areas[0], "Esimerkki", form) if part)
    return out


def example_plan(fig: RegionFigures) -> ExamplePlan:
    """The plan of ``fig``'s region: reference volumes × the service's factor, prices × cost level."""
    names = producer_names(fig)
    purchases = []
    for key, size, kind, service, mode, price, volume, unit, proc, mgmt, mon, pay in _PURCHASES:
        s = fig.service_factor(service)
        c = fig.cost_level
        producer = names[key] if mode == "ostopalvelu" else f"Seteli: {names[key]}"
        purchases.append(
            Purchase(key=key, producer=producer, size=size, kind=kind, service_id=service, mode=mode,
                     price=round(price * c, 2), volume=max(1, round(volume * s)), unit=unit,
                     procurement_eur=round(proc * s * c), management_eur=round(mgmt * s * c),
                     monitoring_eur=round(mon * s * c), client_payments_eur=round(pay * s * c))
        )  # fmt: skip
    by_key = {p.key: p for p in purchases if p.mode == "ostopalvelu"}
    shift = fig.cycle - 2026
    contracts = tuple(
        Contract(
            contract_id=cid,
            purchase=by_key[key],
            area=fig.areas[area],
            start=dt.date(start[0] + shift, start[1], start[2]),
            end=dt.date(end[0] + shift, end[1], end[2]),
            options=options,
        )
        for cid, key, area, start, end, options in _CONTRACTS
    )
    return ExamplePlan(names=names, purchases=tuple(purchases), contracts=contracts)
