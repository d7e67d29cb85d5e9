"""Stage 5b exports: the voucher values with their worked tables and the stage-4 comparison
(.xlsx), the public list of approved producers and each batch's decisions (CSV), and the
personal budgets (CSV, pseudonymous)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.choice import ApplicationDecision, ChoiceAnalysis
from soteflow.data.exports import Sheet, csv_bytes, xlsx_bytes

VOUCHER_COLUMNS = (
    "palvelu_id",
    "palvelu",
    "suoriteyksikkö",
    "malli",
    "kiinteä arvo €",
    "enimmäisarvo €",
    "vähimmäisarvo €",
    "jakaja",
    "hintakatto €",
    "maksuton",
    "voimassa alkaen",
    "oma tuotanto €/suorite",
    "ostopalvelu €/suorite",
    "seteli nykyisin €/suorite",
    "setelisuoritteet/v",
    "setelien kustannus €/v",
)
TABLE_COLUMNS = (
    "palvelu_id",
    "henkilömäärä",
    "bruttotulot €/kk",
    "setelin arvo €",
    "hinta €",
    "omavastuu €",
    "omavastuu €/kk",
    "tuloa jää €/kk",
    "korotettu arvo €",
    "omavastuu korotettuna €",
)
PRODUCER_COLUMNS = (
    "tuottaja",
    "y-tunnus",
    "tuottajatyyppi",
    "palvelu_id",
    "palvelu",
    "hinta €",
    "suoriteyksikkö",
    "hakemus_id",
    "käsittelyerä",
)
DECISION_COLUMNS = (*PRODUCER_COLUMNS, "saapunut", "päätös", "täyttymättömät ehdot", "hakemusrivi")
BUDGET_COLUMNS = (
    "asiakas",
    "asiakasryhmä",
    "palvelu_id",
    "palvelu",
    "määrä/v",
    "yksikkökustannus €",
    "peruste",
    "budjetti €/v",
    "tavoite",
    "maksukanava",
)


def voucher_rows(analysis: ChoiceAnalysis) -> list[dict[str, Any]]:
    """One row per voucher service."""
    return [
        {
            "palvelu_id": v.service_id,
            "palvelu": v.name,
            "suoriteyksikkö": v.unit,
            "malli": v.kind.label_fi,
            "kiinteä arvo €": v.fixed_value,
            "enimmäisarvo €": v.highest,
            "vähimmäisarvo €": v.floor,
            "jakaja": v.divisor,
            "hintakatto €": v.price_cap,
            "maksuton": "kyllä" if v.free else "ei",
            "voimassa alkaen": v.valid_from.isoformat(),
            "oma tuotanto €/suorite": v.own_unit_cost,
            "ostopalvelu €/suorite": v.purchased_unit_price,
            "seteli nykyisin €/suorite": v.stage4_voucher_value,
            "setelisuoritteet/v": v.voucher_volume,
            "setelien kustannus €/v": v.annual_cost,
        }
        for v in analysis.vouchers
    ]


def table_rows(analysis: ChoiceAnalysis) -> list[dict[str, Any]]:
    """The worked tables: households × incomes at the price cap, and the reference household."""
    return [
        {
            "palvelu_id": v.service_id,
            "henkilömäärä": r.household,
            "bruttotulot €/kk": r.income,
            "setelin arvo €": r.value,
            "hinta €": r.price,
            "omavastuu €": r.share,
            "omavastuu €/kk": r.monthly_share,
            "tuloa jää €/kk": r.left,
            "korotettu arvo €": r.raised_value,
            "omavastuu korotettuna €": r.raised_share,
        }
        for v in analysis.vouchers
        for r in (*v.table, *v.reference)
    ]


def _producer(d: ApplicationDecision) -> dict[str, Any]:
    return {
        "tuottaja": d.producer,
        "y-tunnus": d.business_id,
        "tuottajatyyppi": d.producer_type.label_fi,
        "palvelu_id": d.service_id,
        "palvelu": d.service_name,
        "hinta €": d.price,
        "suoriteyksikkö": d.unit,
        "hakemus_id": d.application_id,
        "käsittelyerä": d.batch,
    }


def decision_rows(decisions: list[ApplicationDecision]) -> list[dict[str, Any]]:
    """Each application with its decision and the criteria it failed."""
    return [
        {
            **_producer(d),
            "saapunut": d.received.isoformat(),
            "päätös": "hyväksytään" if d.approved else "hylätään",
            "täyttymättömät ehdot": ", ".join(f"{f.criterion_id} ({f.found})" for f in d.failed),
            "hakemusrivi": d.source_row,
        }
        for d in decisions
    ]


def export_producers_csv(decisions: list[ApplicationDecision]) -> bytes:
    """The public list of approved producers (palvelusetelilaki 4 § 3 mom.): producer, service, price."""
    return csv_bytes(PRODUCER_COLUMNS, [_producer(d) for d in decisions if d.approved])


def export_decisions_csv(decisions: list[ApplicationDecision]) -> bytes:
    """A batch's decisions, one row per application."""
    return csv_bytes(DECISION_COLUMNS, decision_rows(decisions))


def budget_rows(analysis: ChoiceAnalysis) -> list[dict[str, Any]]:
    """One row per needed service of each client plan."""
    labels = {"own": "oma tuotanto", "purchased": "ostopalvelu", "voucher": "palveluseteli"}
    return [
        {
            "asiakas": b.client,
            "asiakasryhmä": b.group.label_fi,
            "palvelu_id": line.service_id,
            "palvelu": line.service_name,
            "määrä/v": line.volume,
            "yksikkökustannus €": line.unit_cost,
            "peruste": labels[line.cost_basis],
            "budjetti €/v": line.amount,
            "tavoite": line.goal,
            "maksukanava": "palvelusetelijärjestelmä",
        }
        for b in analysis.budgets
        for line in b.lines
    ]


def export_budgets_csv(analysis: ChoiceAnalysis) -> bytes:
    """The personal budgets (pseudonymous client ids)."""
    return csv_bytes(BUDGET_COLUMNS, budget_rows(analysis))


def export_vouchers_xlsx(analysis: ChoiceAnalysis, created: dt.datetime) -> bytes:
    """The voucher values, the worked tables, the decisions on applications and the personal budgets."""
    sheets = [
        Sheet("Palvelusetelit", VOUCHER_COLUMNS, voucher_rows(analysis), widths=(16, 34, 14, 16)),
        Sheet(
            "Esimerkkitaulukot", TABLE_COLUMNS, table_rows(analysis), widths=(16, 12, 16, 14, 10, 12, 14, 14, 16, 20)
        ),
        Sheet(
            "Tuottajahakemukset",
            DECISION_COLUMNS,
            decision_rows([d for b in analysis.batches for d in b.decisions]),
            widths=(34, 12, 14, 16, 30, 10, 14, 14, 12, 12, 14, 40, 10),
        ),
        Sheet(
            "Henkilökohtaiset budjetit",
            BUDGET_COLUMNS,
            budget_rows(analysis),
            widths=(10, 22, 16, 30, 10, 16, 14, 14, 60, 24),
        ),
    ]
    return xlsx_bytes(
        sheets, creator=analysis.region_name, title=f"Palvelusetelien arvot {analysis.cycle}", created=created
    )
