"""Stage 5b wired into stage 5's round: its artefacts with their lineage and its cases (the
voucher values with the rule book and personal budgets, and one producer-approval round per
batch). ``stage.py`` declares them beside stage 5a's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.choice import ApprovalBatch, ChoiceAnalysis, PersonalBudgets, VoucherValues
from schemas.comparison import ComparisonRound
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec, load_governance
from soteflow.stagekit import FileOutput, JsonOutput, Output
from tasks.definition import XLSX_MEDIA_TYPE, CaseDraft, CaseHandling, Computed
from tasks.procurement.choice_documents import approval_documents, vouchers_documents
from tasks.procurement.choice_exports import (
    export_budgets_csv,
    export_decisions_csv,
    export_producers_csv,
    export_vouchers_xlsx,
)
from tasks.procurement.choice_proposal import (
    VOUCHERS_CASE,
    approval_case,
    build_approval_proposal,
    build_vouchers_proposal,
)

VOUCHERS_KEY = "choice-vouchers"
RULEBOOK_KEY = "choice-rulebook"
BUDGETS_KEY = "choice-budgets"


def batch_key(batch: str) -> str:
    """The artefact key of a batch's checked applications (``choice-approval-2027-01``)."""
    return f"choice-{approval_case(batch)}"


@dataclass(frozen=True)
class ChoiceOutputs:
    """Stage 5b's artefacts: voucher values, the rule book, personal budgets, one batch of checked
    applications per approval round, and the exports."""

    vouchers: JsonOutput
    rulebook: JsonOutput
    budgets: JsonOutput | None
    batches: tuple[JsonOutput, ...]
    files: tuple[FileOutput, ...]

    def all(self) -> list[Output]:
        """Every 5b output."""
        return [self.vouchers, self.rulebook, *([self.budgets] if self.budgets else []), *self.batches, *self.files]

    def batch(self, batch: str) -> JsonOutput:
        """The output of one batch."""
        return next(b for b in self.batches if b.key == batch_key(batch))


def choice_outputs(
    computed: Computed[Any, Any, Any, Any], analysis: ChoiceAnalysis, basis: ComparisonRound, created: dt.datetime
) -> ChoiceOutputs:
    """The 5b artefacts with their lineage: sources and the stage-4 (and stage-2) versions →
    voucher values, rule book, budgets → batches → exports."""
    has = computed.sources
    stage4 = [basis.plan_ref, basis.own_costs_ref, basis.purchased_ref]
    vouchers = JsonOutput(
        VOUCHERS_KEY,
        "table",
        f"Palvelusetelien arvot {analysis.cycle}",
        VoucherValues(region_code=analysis.region_code, cycle=analysis.cycle, vouchers=analysis.vouchers),
        derived_from=[*(has[r] for r in ("vouchers", "limits", "choice-rules") if r in has), *stage4],
        table=[
            {
                "palvelu": v.name,
                "malli": v.kind.label_fi,
                "arvo €": v.fixed_value if v.fixed_value is not None else v.highest,
                "hintakatto €": v.price_cap,
            }
            for v in analysis.vouchers
        ],
    )
    rulebook = JsonOutput(
        RULEBOOK_KEY,
        "table",
        analysis.rulebook.title,
        analysis.rulebook,
        derived_from=[has["rulebook"], vouchers],
        table=[
            {"ehto": c.criterion_id, "lainkohta": c.basis.label_fi, "ehto sääntökirjassa": c.text}
            for c in analysis.rulebook.criteria
        ],
    )
    budgets = None
    if analysis.budgets:
        frame_ref = getattr(basis, "frame_ref", None)
        budgets = JsonOutput(
            BUDGETS_KEY,
            "table",
            f"Henkilökohtaiset budjetit {analysis.cycle}",
            PersonalBudgets(
                region_code=analysis.region_code,
                cycle=analysis.cycle,
                payment_channel=analysis.rulebook.payment_channel,
                budgets=analysis.budgets,
                groups=analysis.groups,
            ),
            derived_from=[has["plans"], *stage4, *([frame_ref] if frame_ref else [])],
            table=[
                {"asiakas": b.client, "asiakasryhmä": b.group.label_fi, "budjetti €/v": b.total}
                for b in analysis.budgets
            ],
        )
    batches = tuple(
        JsonOutput(
            batch_key(b.batch),
            "table",
            f"Palvelusetelituottajien hakemukset, käsittelyerä {b.batch}",
            b,
            derived_from=[has["applications"], rulebook],
            table=[
                {"hakemus": d.application_id, "tuottaja": d.producer, "hyväksytään": "kyllä" if d.approved else "ei"}
                for d in b.decisions
            ],
        )
        for b in analysis.batches
    )
    files: list[FileOutput] = [
        FileOutput(
            "choice-vouchers-xlsx",
            "export",
            "Palvelusetelien arvot, esimerkkitaulukot, hakemukset ja budjetit (xlsx)",
            export_vouchers_xlsx(analysis, created),
            XLSX_MEDIA_TYPE,
            "xlsx",
            derived_from=[vouchers, rulebook, *batches, *([budgets] if budgets else [])],
        ),
        *(
            FileOutput(
                f"{batch_key(b.batch)}-csv",
                "export",
                f"Hakemusten päätökset, käsittelyerä {b.batch} (CSV)",
                export_decisions_csv(b.decisions),
                "text/csv",
                "csv",
                derived_from=[output],
            )
            for b, output in zip(analysis.batches, batches, strict=True)
        ),
    ]
    if batches:
        files.append(
            FileOutput(
                "choice-producers-csv",
                "export",
                "Hyväksyttäviksi esitetyt palvelusetelituottajat, julkinen luettelo (CSV)",
                export_producers_csv([d for b in analysis.batches for d in b.decisions]),
                "text/csv",
                "csv",
                derived_from=list(batches),
            )
        )
    if budgets:
        files.append(
            FileOutput(
                "choice-budgets-csv",
                "export",
                "Henkilökohtaiset budjetit (CSV)",
                export_budgets_csv(analysis),
                "text/csv",
                "csv",
                derived_from=[budgets],
            )
        )
    return ChoiceOutputs(vouchers=vouchers, rulebook=rulebook, budgets=budgets, batches=batches, files=tuple(files))


Proposer = Callable[[Any, CaseHandling], CaseDraft]


def vouchers_proposer(created: Callable[[ComparisonRound], dt.datetime]) -> Proposer:
    """The case *Palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti*."""

    def propose(state: Any, handling: CaseHandling) -> CaseDraft:
        analysis: ChoiceAnalysis = state.analysis.choice
        basis = state.basis
        outputs: ChoiceOutputs = state.declared.choice
        payload = build_vouchers_proposal(analysis, basis, handling)

        def documents(proposal: VersionRef) -> Sequence[DocumentSpec]:
            return vouchers_documents(payload, analysis, created(basis), proposal)

        return CaseDraft(
            payload=payload,
            agenda=payload.agenda,
            summary_markdown=payload.summary_markdown,
            title="Päätösehdotus: palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti",
            derived_from=[
                outputs.vouchers,
                outputs.rulebook,
                *([outputs.budgets] if outputs.budgets else []),
                *(f for f in outputs.files if not f.key.startswith("choice-approval-")),
                basis.proposal_ref,
            ],
            documents=documents,
        )

    return propose


def approval_proposer(batch: ApprovalBatch, created: Callable[[ComparisonRound], dt.datetime]) -> Proposer:
    """The office holder's decision on one batch of producer applications."""

    def propose(state: Any, handling: CaseHandling) -> CaseDraft:
        analysis: ChoiceAnalysis = state.analysis.choice
        outputs: ChoiceOutputs = state.declared.choice
        ctx = state.ctx
        # The body that decided the voucher values and the rule book (the region's hallintosääntö).
        rulebook_body = load_governance(
            ctx.region, Stage.PROCUREMENT, ctx.config_dir, case=VOUCHERS_CASE, region_name=ctx.region_name
        ).body.name
        payload = build_approval_proposal(analysis, batch, state.basis, handling, rulebook_body=rulebook_body)

        def documents(proposal: VersionRef) -> Sequence[DocumentSpec]:
            return approval_documents(payload, batch, created(state.basis), proposal)

        output = outputs.batch(batch.batch)
        return CaseDraft(
            payload=payload,
            agenda=payload.agenda,
            summary_markdown=payload.summary_markdown,
            title=f"Päätösehdotus: palvelusetelituottajien hyväksyminen, käsittelyerä {batch.batch}",
            derived_from=[output, *(f for f in outputs.files if f.key == f"{output.key}-csv"), outputs.rulebook],
            documents=documents,
        )

    return propose
