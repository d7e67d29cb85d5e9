"""The rule book (sääntökirja) and producer approval (palvelusetelilaki 569/2009, 4–5 §).

The statutory conditions of 5 § 1 mom. (prepayment register, the supervision act's registration,
insurance) are fixed here; the region's quality criteria (3 kohta) and its own requirements
(5 kohta, non-discriminatory and objectively assessable, 5 § 2 mom.) come from its rule book, and
the price cap of each voucher service is one of them. Each application is checked against every
criterion that applies to its service; an application is approved only when it meets them all,
and a rejection names every criterion it fails and what the application says.
"""

from __future__ import annotations

from collections.abc import Mapping

from schemas.choice import (
    ApplicationDecision,
    ApplicationRow,
    ApprovalBatch,
    Criterion,
    CriterionBasis,
    CriterionTest,
    FailedCriterion,
    RuleBook,
    RuleBookFile,
    VoucherRow,
)
from schemas.comparison import ComparisonRound
from schemas.tabular import parse_fi_number
from soteflow.numbers import fi_number

#: The statutory conditions of palvelusetelilaki 5 § 1 mom. 1, 2 and 4 kohta, checked from the
#: application's columns of the same names. Registration: the supervision act 741/2023 replaced
#: the acts 5 § 2 kohta names (922/2011, 152/1990); its 57 § reads those references as references
#: to it, and its 5 § lets only a producer in the register (Soteri) produce services.
STATUTORY: tuple[Criterion, ...] = (
    Criterion(
        criterion_id="ennakkoperinta",
        basis=CriterionBasis.PREPAYMENT,
        text="Tuottaja on merkitty ennakkoperintärekisteriin.",
        column="ennakkoperintärekisteri",
        test=CriterionTest.YES,
    ),
    Criterion(
        criterion_id="rekisterointi",
        basis=CriterionBasis.REGISTRATION,
        text="Tuottaja ja sen palveluyksikkö on rekisteröity valtakunnalliseen palveluntuottajien rekisteriin "
        "(Soteri), ja tuottaja täyttää sosiaali- ja terveydenhuollon valvonnasta annetun lain (741/2023) "
        "vaatimukset.",
        column="soteri-rekisteröinti",
        test=CriterionTest.YES,
    ),
    Criterion(
        criterion_id="vakuutus",
        basis=CriterionBasis.INSURANCE,
        text="Tuottajalla on potilasvahinkolain mukainen vakuutus tai muu vastuuvakuutus, jonka vakuutusmäärä on "
        "toiminnan laatu ja laajuus huomioon ottaen riittävä.",
        column="vastuuvakuutus",
        test=CriterionTest.YES,
    ),
)
PRICE_COLUMN = "hinta €/suorite"


def _price_cap(voucher: VoucherRow) -> Criterion:
    return Criterion(
        criterion_id=f"hintakatto-{voucher.service_id.lower()}",
        basis=CriterionBasis.REGION,
        text=f"Tuottajan hinta on enintään palvelun hintakatto {fi_number(voucher.price_cap, 2)} €.",
        column=PRICE_COLUMN,
        test=CriterionTest.AT_MOST,
        value=voucher.price_cap,
        services=[voucher.service_id],
    )


def build_rulebook(book: RuleBookFile, vouchers: list[VoucherRow]) -> RuleBook:
    """The rule book as decided: the statutory conditions, the region's criteria and the price caps."""
    return RuleBook(
        title=book.title,
        valid_from=book.valid_from,
        payment_channel=book.payment_channel,
        general_terms=list(book.general_terms),
        criteria=[*STATUTORY, *book.criteria, *(_price_cap(v) for v in vouchers)],
        price_caps={v.service_id: v.price_cap for v in vouchers},
    )


def _number_text(value: float) -> str:
    return fi_number(value, 0) if float(value).is_integer() else fi_number(value, 2).rstrip("0")


def check(criterion: Criterion, cell: str) -> str | None:
    """None when ``cell`` meets ``criterion``, else what the application says (as printed)."""
    if criterion.test is CriterionTest.YES:
        if cell.strip().lower() == "kyllä":
            return None
        return "ei" if cell.strip().lower() == "ei" else "tieto puuttuu"
    number = parse_fi_number(cell) if cell.strip() else None
    if number is None:
        return "tieto puuttuu"
    assert criterion.value is not None
    ok = number >= criterion.value if criterion.test is CriterionTest.AT_LEAST else number <= criterion.value
    return None if ok else _number_text(float(number))


def decide(
    application: ApplicationRow,
    cells: Mapping[str, str],
    rulebook: RuleBook,
    basis: ComparisonRound,
    row: int,
) -> ApplicationDecision:
    """An application checked against every criterion of the rule book that applies to its service."""
    failed = []
    values = {**cells, PRICE_COLUMN: fi_number(application.price, 2)}
    for criterion in rulebook.criteria:
        if criterion.services and application.service_id not in criterion.services:
            continue
        found = check(criterion, values.get(criterion.column, ""))
        if found is not None:
            failed.append(
                FailedCriterion(
                    criterion_id=criterion.criterion_id, basis=criterion.basis, text=criterion.text, found=found
                )
            )
    service = basis.service(application.service_id)
    return ApplicationDecision(
        application_id=application.application_id,
        batch=application.batch,
        received=application.received,
        producer=application.producer,
        business_id=application.business_id,
        producer_type=application.producer_type,
        service_id=application.service_id,
        service_name=service.name if service else application.service_id,
        unit=service.unit if service else "",
        price=application.price,
        approved=not failed,
        failed=failed,
        source_row=row,
    )


def approval_batches(
    applications: list[ApplicationRow],
    cells: list[dict[str, str]],
    rows: list[int],
    rulebook: RuleBook,
    basis: ComparisonRound,
    *,
    region_code: str,
    cycle: int,
) -> list[ApprovalBatch]:
    """The applications decided per batch (one decision round each), batches in order."""
    decisions = [decide(a, c, rulebook, basis, r) for a, c, r in zip(applications, cells, rows, strict=True)]
    return [
        ApprovalBatch(
            region_code=region_code,
            cycle=cycle,
            batch=batch,
            decisions=[d for d in decisions if d.batch == batch],
        )
        for batch in sorted({d.batch for d in decisions})
    ]
