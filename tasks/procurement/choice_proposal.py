"""Stage 5b's cases: *Palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti* (the
board's) and one producer-approval round per batch of applications (an office holder's decision
with the oikaisuvaatimus route, hyvinvointialuelaki 611/2021 139 §)."""

from __future__ import annotations

import datetime as dt

from schemas.choice import (
    ApplicationDecision,
    ApprovalBatch,
    ApprovalProposal,
    ChoiceAnalysis,
    CriterionBasis,
    VoucherKind,
    VoucherService,
    VouchersProposal,
)
from schemas.comparison import ComparisonRound
from schemas.documents import AgendaContent, AttachmentRef, TextSection
from schemas.results import SourceRef
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number, fi_percent
from tasks.agenda import agenda_fields, genitive, proposed_meeting, returned_section, returned_summary
from tasks.definition import CaseHandling
from tasks.procurement.proposal import plan_meeting_date

VOUCHERS_CASE = "vouchers"
APPROVAL_CASE_PREFIX = "approval-"
#: An approval round is decided about two weeks after its last application arrived.
APPROVAL_DAYS = 14


def approval_case(batch: str) -> str:
    """The case key of a batch of producer applications (``approval-2027-01``)."""
    return APPROVAL_CASE_PREFIX + "".join(c if c.isalnum() else "-" for c in batch.lower())


def _eur(value: float, decimals: int = 2) -> str:
    return f"{fi_number(value, decimals)} €"


def _data_sentence(analysis: ChoiceAnalysis) -> str:
    files = ", ".join(sorted({f.rsplit("/", 1)[-1] for f in analysis.files.values()}))
    label = (
        "Luvut perustuvat esimerkkiaineistoon (esimerkkiaineisto: luvut eivät ole hyvinvointialueen virallisia lukuja)"
        if analysis.example_data
        else "Luvut perustuvat hyvinvointialueen tiedostoihin"
    )
    return f"{label}: {files}."


def value_paragraph(v: VoucherService) -> str:
    """The value rule of one voucher service as written in the grounds."""
    if v.free:
        return (
            f"{v.name} ({v.service_id}) on asiakasmaksulain mukaan maksuton palvelu: setelin arvo on tuottajan hinta "
            f"enintään hintakattoon {_eur(v.price_cap)}/{v.unit} asti, eikä asiakkaalle jää omavastuuosuutta "
            "(palvelusetelilaki 7\u00a0§ 2\u00a0mom.)."
        )
    if v.kind is VoucherKind.FIXED:
        assert v.fixed_value is not None
        return (
            f"{v.name} ({v.service_id}): kiinteä arvo {_eur(v.fixed_value)}/{v.unit}. Tuottajan hinta saa olla enintään "
            f"{_eur(v.price_cap)}/{v.unit}, joten asiakkaan omavastuu on enintään "
            f"{_eur(v.price_cap - v.fixed_value)}/{v.unit}."
        )
    assert v.highest is not None and v.floor is not None and v.divisor is not None
    percentages = ", ".join(f"{h.household} hlö {fi_percent(h.percentage, 0)}" for h in v.households)
    limits = ", ".join(f"{h.household} hlö {_eur(h.income_limit, 0)}" for h in v.households)
    return (
        f"{v.name} ({v.service_id}): tulosidonnainen arvo. Arvo (€/{v.unit}) = enimmäisarvo {_eur(v.highest)} − "
        f"(bruttokuukausitulot − perheen koon mukainen tuloraja) × prosentti ÷ {fi_number(v.divisor, 0)}; arvo on "
        f"vähintään {_eur(v.floor)} ja enintään {_eur(v.highest)}, ja se pyöristetään sentteinä ylöspäin asiakkaan "
        f"eduksi. Tulorajat: {limits}. Prosentit: {percentages}. Tuottajan hinta saa olla enintään "
        f"{_eur(v.price_cap)}/{v.unit}."
    )


def _comparison_paragraph(v: VoucherService) -> str:
    parts = []
    if v.own_unit_cost is not None:
        parts.append(f"omana tuotantona {_eur(v.own_unit_cost)}")
    if v.purchased_unit_price is not None:
        parts.append(f"ostopalveluna keskimäärin {_eur(v.purchased_unit_price)}")
    if v.stage4_voucher_value is not None:
        parts.append(f"palvelusetelinä nykyisin keskimäärin {_eur(v.stage4_voucher_value)}")
    value = f"{_eur(v.fixed_value)}" if v.fixed_value is not None else f"{_eur(v.floor or 0)}–{_eur(v.highest or 0)}"
    cost = (
        f" Setelien kustannus nykyisellä volyymilla ({fi_number(v.voucher_volume, 0)} suoritetta vuodessa) on "
        f"{_eur(v.annual_cost or 0, 0)} vuodessa."
        if v.annual_cost
        else ""
    )
    return (
        f"{v.name} (€/{v.unit}): hyvinvointialue maksaa suoritetta kohden {', '.join(parts)} (vaihe 4); uusi "
        f"setelin arvo on {value}." + cost
    )


def _raise_paragraph(analysis: ChoiceAnalysis) -> str:
    raised = [
        f"{r.household} hlö, {_eur(r.income, 0)}/kk: {_eur(r.value)} → {_eur(r.raised_value or 0)}"
        for v in analysis.vouchers
        for r in v.table
        if r.raised_value is not None and r.raised_value > r.value
    ]
    examples = (
        " Esimerkkitaulukossa korotus koskee seuraavia kotitalouksia hintakaton hinnalla: " + "; ".join(raised) + "."
        if raised
        else ""
    )
    return (
        "Setelin arvoa korotetaan, jos asiakkaan tai hänen perheensä toimeentulo tai asiakkaan lakisääteinen "
        "elatusvelvollisuus muutoin vaarantuu tai se on tarpeen muut huollolliset näkökohdat huomioon ottaen "
        "(palvelusetelilaki 8\u00a0§). Tulosidonnaisessa setelissä korotus tehdään vähintään silloin, kun omavastuu "
        "kuukaudessa (omavastuu × jakaja) jättäisi kotitaloudelle vähemmän kuin sen kokoa vastaava asiakasmaksulain "
        "10\u00a0e\u00a0§:n tuloraja: arvo korotetaan niin, että tulorajan suuruinen tulo jää käyttöön. Korotuksesta "
        "tehdään asiakaskohtainen päätös (8\u00a0§ 2\u00a0mom.), ja tulosidonnaisen arvon ja korotuksen päätökseen saa "
        "vaatia oikaisua hyvinvointialueelta (13\u00a0§)." + examples
    )


def _pensioner_paragraph(analysis: ChoiceAnalysis) -> str:
    book_income = (
        analysis.vouchers[0].reference[0].income if analysis.vouchers and analysis.vouchers[0].reference else None
    )
    parts = []
    for v in analysis.vouchers:
        for r in v.reference:
            monthly = f", {_eur(r.monthly_share or 0, 0)} kuukaudessa" if r.monthly_share is not None else ""
            parts.append(f"{v.name} hinnalla {_eur(r.price)}: omavastuu {_eur(r.share)}/{v.unit}{monthly}")
    if not parts or book_income is None:
        return ""
    return (
        "Sidosryhmät ovat huomauttaneet, että setelin arvo voi jäädä niin pieneksi, että omavastuu on monelle "
        f"eläkeläiselle liian suuri. Yhden hengen kotitalous, jonka bruttotulot ovat {_eur(book_income, 0)} "
        "kuukaudessa, maksaisi hyväksyttäviksi esitettyjen tuottajien hinnoilla: " + "; ".join(parts) + "."
    )


def build_vouchers_proposal(
    analysis: ChoiceAnalysis, basis: ComparisonRound, handling: CaseHandling
) -> VouchersProposal:
    """The agenda item *Palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti* and the
    rule book as its attachment."""
    cycle = handling.cycle
    region = analysis.region_name
    body = handling.governance.body
    meeting = proposed_meeting(handling, plan_meeting_date(basis))
    book = analysis.rulebook
    provisional = [v for v in analysis.vouchers if v.fee_rule_provisional]
    approvals = sum(len(b.decisions) for b in analysis.batches)
    grounds = [
        TextSection(
            heading="Asian tausta",
            paragraphs=[
                "Hyvinvointialue päättää ne sosiaali- ja terveyspalvelut, joiden järjestämisessä se käyttää "
                "palveluseteliä, ja hyväksyy tuottajat, joiden palveluihin seteliä voi käyttää (palvelusetelilaki "
                "569/2009, 4\u00a0§). Setelin arvo määrätään niin, että se on asiakkaan kannalta kohtuullinen; "
                "kohtuullisuutta arvioitaessa otetaan huomioon vastaavan palvelun kustannukset omana tuotantona "
                "tai ostopalveluna ja asiakkaalle jäävä arvioitu omavastuuosuus (7\u00a0§ 1\u00a0mom.).",
                f"Palvelujen järjestämissuunnitelma, jonka {basis.approved_by.lower()} hyväksyi "
                f"{fi_date(basis.approved_on)} (versio {basis.plan_ref.version}), järjestää palvelusetelillä "
                f"seuraavat palvelut: {', '.join(f'{v.name} ({v.service_id})' for v in analysis.vouchers)}. "
                "Oman tuotannon täyskustannukset ja ostopalvelujen hinnat ovat vaiheen 4 vertailusta.",
                _data_sentence(analysis),
            ],
        ),
        TextSection(
            heading="Palvelusetelien arvot",
            paragraphs=[
                *(value_paragraph(v) for v in analysis.vouchers),
                "Jos tuottajan hinta on setelin arvoa pienempi, hyvinvointialue maksaa tuottajalle enintään hinnan "
                "(palvelusetelilaki 9\u00a0§). Asiakkaan omavastuu on tuottajan hinnan ja setelin arvon erotus "
                "(3\u00a0§ 4 kohta).",
            ]
            + (
                [
                    "Tulorajat ovat asiakasmaksulain 10\u00a0e\u00a0§:n mukaiset. Niiden indeksitarkistettuja "
                    "euromääriä ei ole vielä tarkistettu päivättyihin sääntöihin; taulukon tulorajat ovat lain "
                    "säätämät euromäärät, ja ne tarkistetaan ennen arvojen voimaantuloa."
                ]
                if provisional
                else []
            ),
        ),
        TextSection(
            heading="Maksuton palvelu ja arvon korottaminen",
            paragraphs=[
                "Asiakasmaksulain mukaan maksuttoman palvelun hankkimiseksi annettavan setelin arvo määrätään niin, "
                "ettei asiakkaalle jää maksettavaksi omavastuuosuutta (palvelusetelilaki 7\u00a0§ 2\u00a0mom.)."
                + (
                    " Tällaisia palveluja ovat: " + ", ".join(v.name for v in analysis.vouchers if v.free) + "."
                    if any(v.free for v in analysis.vouchers)
                    else " Tämän päätöksen palveluista mikään ei ole maksuton."
                ),
                _raise_paragraph(analysis),
            ],
        ),
        TextSection(
            heading="Setelin arvo ja hyvinvointialueen kustannukset",
            paragraphs=[_comparison_paragraph(v) for v in analysis.vouchers],
        ),
        TextSection(
            heading="Asiakkaan omavastuu",
            paragraphs=[
                p
                for p in (
                    "Hyvinvointialue selvittää asiakkaalle tämän aseman palveluseteliä käytettäessä, setelin arvon, "
                    "tuottajien hinnat, omavastuun määräytymisen perusteet ja arvioidun suuruuden sekä vastaavasta "
                    "palvelusta asiakasmaksulain mukaan määräytyvän maksun (palvelusetelilaki 6\u00a0§ 2\u00a0mom.). "
                    "Asiakkaalla on oikeus kieltäytyä setelistä, jolloin hänet ohjataan muilla tavoin järjestettyihin "
                    "palveluihin (6\u00a0§ 1\u00a0mom.).",
                    _pensioner_paragraph(analysis),
                )
                if p
            ],
        ),
        TextSection(
            heading="Sääntökirja ja tuottajien hyväksyminen",
            paragraphs=[
                f"{book.title} (liite 1) asettaa tuottajille lakisääteiset edellytykset (palvelusetelilaki 5\u00a0§ "
                "1\u00a0mom. 1–4 kohta), alueen laatuvaatimukset, jotka vastaavat alueen oman toiminnan tasoa (3 kohta), "
                "ja alueen omat vaatimukset (5 kohta), jotka ovat syrjimättömiä ja perustuvat puolueettomasti "
                f"arvioitaviin seikkoihin (5\u00a0§ 2\u00a0mom.). Ehtoja on {len(book.criteria)}; sääntökirja on voimassa "
                f"{fi_date(book.valid_from)} alkaen.",
                "Tuottajien hyväksymisestä päättää palvelusetelipäällikkö sääntökirjan mukaisesti käsittelyerittäin"
                + (
                    f" (hakemuksia {approvals}, käsittelyerät {', '.join(b.batch for b in analysis.batches)})"
                    if approvals
                    else ""
                )
                + ". Hyväksytyistä tuottajista, niiden palveluista ja hinnoista pidetään julkista luetteloa "
                "(palvelusetelilaki 4\u00a0§ 3\u00a0mom.).",
            ],
        ),
    ]
    if analysis.budgets:
        total = sum(b.total for b in analysis.budgets)
        groups = "; ".join(
            f"{g.group.label_fi}: asiakkaita {g.clients}, {_eur(g.total, 0)}"
            + (
                f" (ryhmän kehys {analysis.frame_year}: {fi_number(g.frame_eur / 1_000_000, 1)} milj. €)"
                if g.frame_eur
                else ""
            )
            for g in analysis.groups
        )
        grounds.append(
            TextSection(
                heading="Henkilökohtainen budjetti",
                paragraphs=[
                    "Henkilökohtainen budjetti lasketaan alueen omalla asiakaskohtaisella mallilla, joka lähtee "
                    "asiakkaan todellisista yksilöllisistä tarpeista ja tavoitteista: budjetti = asiakassuunnitelman "
                    "kukin tarvittava palvelu × sen määrä vuodessa × alueen vertailukelpoinen yksikkökustannus "
                    "(vaihe 4: oman tuotannon täyskustannus; palvelulle, jota ei tuoteta itse, ostopalvelun "
                    "keskihinta). Mallissa ei käytetä sosiaali- ja terveysministeriön liukumamallia eikä "
                    "tarveluokittaisia kiinteitä summia.",
                    f"Asiakassuunnitelmia on {len(analysis.budgets)}, budjetit yhteensä {_eur(total, 0)} vuodessa: "
                    f"{groups}.",
                    book.payment_channel,
                ],
            )
        )
    grounds += returned_section(
        handling,
        "Arvot ja sääntökirja on valmisteltu uudelleen kommenttien pohjalta; muutokset näkyvät tässä esityksessä.",
    )
    values = "; ".join(
        f"{v.name} {_eur(v.fixed_value)}/{v.unit}"
        if v.fixed_value is not None
        else f"{v.name} tulosidonnaisesti {_eur(v.floor or 0)}–{_eur(v.highest or 0)}/{v.unit}"
        for v in analysis.vouchers
    )
    proposal = (
        f"{body.decides_verb}\n\n"
        f"1) vahvistaa palvelusetelien arvot {fi_date(min(v.valid_from for v in analysis.vouchers))} alkaen "
        f"perusteluissa esitetyn mukaisesti ({values}) ja hintakatot,\n\n"
        f"2) hyväksyä {genitive(region)} palvelusetelin sääntökirjan (liite 1) voimaan {fi_date(book.valid_from)},\n\n"
        + (
            "3) hyväksyä henkilökohtaisen budjetin asiakaskohtaisen laskentamallin ja sen, että budjetit maksetaan "
            "samassa maksujärjestelmässä kuin palvelusetelit, ja\n\n4) "
            if analysis.budgets
            else "3) "
        )
        + "todeta, että palveluntuottajien hyväksymisestä päättää palvelusetelipäällikkö sääntökirjan mukaisesti."
    )
    attachments = [
        AttachmentRef(number=1, title=book.title, filename=None),
        AttachmentRef(
            number=2, title="Palvelusetelien arvot ja esimerkkitaulukot (xlsx)", filename="choice-vouchers.xlsx"
        ),
        AttachmentRef(number=3, title="Palvelusetelien arvot koneluettavana (JSON)", filename="choice-vouchers.json"),
    ]
    if analysis.budgets:
        attachments.append(
            AttachmentRef(
                number=4, title="Henkilökohtaiset budjetit (CSV, pseudonymisoitu)", filename="choice-budgets.csv"
            )
        )
    fields = agenda_fields(handling)
    agenda = AgendaContent(
        **fields,
        meeting_date=meeting,
        title=f"Palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti {handling.planning.budget_year}",
        grounds=grounds,
        proposal=proposal,
        attachments=attachments,
    )
    rulebook_agenda = AgendaContent(
        **fields,
        meeting_date=meeting,
        title=f"Liite 1: {book.title}",
        grounds=rulebook_sections(analysis),
        proposal=f"{body.decides_verb} hyväksyä sääntökirjan voimaan {fi_date(book.valid_from)} (ehdotuksen kohta 2).",
        attachments=[],
    )
    summary = "\n".join(
        [
            f"**{agenda.title}** — {region}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            "| palvelu | malli | arvo | hintakatto |",
            "|---|---|---|---|",
            *[
                f"| {v.name} | {v.kind.label_fi} | "
                + (_eur(v.fixed_value) if v.fixed_value is not None else f"{_eur(v.floor or 0)}–{_eur(v.highest or 0)}")
                + f" | {_eur(v.price_cap)} |"
                for v in analysis.vouchers
            ],
            "",
            "Ehdotus: " + proposal.replace("\n\n", " "),
        ]
    )
    return VouchersProposal(
        region_code=analysis.region_code,
        region_name=region,
        cycle=cycle,
        agenda=agenda,
        rulebook_agenda=rulebook_agenda,
        services=[v.service_id for v in analysis.vouchers],
        batches=[b.batch for b in analysis.batches],
        stage4=[SourceRef.of(basis.proposal_ref), SourceRef.of(basis.plan_ref)],
        summary_markdown=summary,
    )


def rulebook_sections(analysis: ChoiceAnalysis) -> list[TextSection]:
    """The rule book's text: general terms, the criteria by their legal basis, the services' terms,
    the client's position and the payment channel."""
    book = analysis.rulebook

    def criteria(*bases: CriterionBasis) -> list[str]:
        out = []
        for c in book.criteria:
            if c.basis in bases:
                services = f" Koskee palvelua: {', '.join(c.services)}." if c.services else ""
                out.append(f"{c.text} ({c.basis.label_fi}){services}")
        return out

    return [
        TextSection(heading="Yleiset ehdot", paragraphs=list(book.general_terms)),
        TextSection(
            heading="Lakisääteiset hyväksymisen edellytykset",
            paragraphs=[
                "Hyvinvointialue voi hyväksyä vain palveluntuottajan, joka täyttää kaikki seuraavat edellytykset "
                "(palvelusetelilaki 569/2009, 5\u00a0§ 1\u00a0mom.):",
                *criteria(CriterionBasis.PREPAYMENT, CriterionBasis.REGISTRATION, CriterionBasis.INSURANCE),
            ],
        ),
        TextSection(
            heading="Laatuvaatimukset",
            paragraphs=[
                "Tuottajan palvelujen on vastattava vähintään sitä tasoa, jota edellytetään vastaavalta "
                "hyvinvointialueen toiminnalta (5\u00a0§ 1\u00a0mom. 3 kohta). Taso on kirjattu mitattavina ehtoina:",
                *criteria(CriterionBasis.QUALITY),
            ],
        ),
        TextSection(
            heading="Hyvinvointialueen omat vaatimukset ja hintakatot",
            paragraphs=[
                "Alueen omat vaatimukset ovat syrjimättömiä ja perustuvat puolueettomasti arvioitaviin seikkoihin "
                "(5\u00a0§ 1\u00a0mom. 5 kohta ja 2\u00a0mom.):",
                *criteria(CriterionBasis.REGION),
            ],
        ),
        TextSection(
            heading="Palvelukohtaiset ehdot",
            paragraphs=[value_paragraph(v) for v in analysis.vouchers],
        ),
        TextSection(
            heading="Asiakkaan asema",
            paragraphs=[
                "Asiakas tekee valitsemansa tuottajan kanssa sopimuksen palvelun antamisesta; sopimukseen sovelletaan "
                "kuluttajansuojaa ja sopimusoikeutta, ja erimielisyyden voi viedä kuluttajariitalautakuntaan "
                "(palvelusetelilaki 6\u00a0§). Tuottaja ei saa periä asiakkaalta muuta kuin hinnan ja setelin arvon "
                "erotuksen. Asiakkaalla ei ole oikeutta sairausvakuutuslain mukaiseen korvaukseen omavastuusta "
                "(12\u00a0§)."
            ],
        ),
        TextSection(heading="Maksaminen ja laskutus", paragraphs=[book.payment_channel]),
    ]


# -- a producer-approval round ----------------------------------------------------------------------


def decision_sentence(d: ApplicationDecision) -> str:
    """One application's decision as written in the grounds."""
    head = f"{d.application_id} {d.producer} ({d.business_id}), {d.service_name}, hinta {_eur(d.price)}/{d.unit}: "
    if d.approved:
        return head + "täyttää kaikki sääntökirjan ehdot; hyväksytään."
    failed = "; ".join(f"{f.text} ({f.basis.label_fi}; hakemuksessa: {f.found})" for f in d.failed)
    return head + f"hylätään, koska seuraavat ehdot eivät täyty: {failed}"


def approval_meeting_date(batch: ApprovalBatch, basis: ComparisonRound) -> dt.date:
    """The round's decision day: two weeks after its last application, never before the rule book
    (the voucher case) is decided; on a Monday."""
    last = max(d.received for d in batch.decisions)
    earliest = plan_meeting_date(basis) + dt.timedelta(days=APPROVAL_DAYS)
    day = max(last + dt.timedelta(days=APPROVAL_DAYS), earliest)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def build_approval_proposal(
    analysis: ChoiceAnalysis,
    batch: ApprovalBatch,
    basis: ComparisonRound,
    handling: CaseHandling,
    *,
    rulebook_body: str,
) -> ApprovalProposal:
    """The office holder's decision on one batch of producer applications; ``rulebook_body`` decided
    the voucher values and the rule book the applications are checked against."""
    body = handling.governance.body
    meeting = proposed_meeting(handling, approval_meeting_date(batch, basis))
    approved = batch.approved
    rejected = [d for d in batch.decisions if not d.approved]
    book = analysis.rulebook
    grounds = [
        TextSection(
            heading="Hakemukset",
            paragraphs=[
                f"Käsittelyerässä {batch.batch} on {len(batch.decisions)} hakemusta palvelusetelituottajaksi "
                f"({fi_date(min(d.received for d in batch.decisions))}–{fi_date(max(d.received for d in batch.decisions))}). "
                f"Hakemukset on tarkistettu {book.title.lower()}n ehtoja vastaan ({rulebook_body}: päätös "
                f"palvelusetelien arvoista ja sääntökirjasta {handling.planning.budget_year}). Hyvinvointialue voi "
                "hyväksyä vain "
                "tuottajan, joka täyttää palvelusetelilain 5\u00a0§:n 1 momentin edellytykset ja sääntökirjan ehdot.",
                _data_sentence(analysis),
            ],
        ),
        TextSection(heading="Päätökset hakemuksittain", paragraphs=[decision_sentence(d) for d in batch.decisions]),
        TextSection(
            heading="Luettelo ja hyväksymisen peruuttaminen",
            paragraphs=[
                "Hyväksytyt tuottajat, niiden palvelut ja hinnat lisätään julkiseen luetteloon, joka on saatavilla "
                "internetissä (palvelusetelilaki 4\u00a0§ 3\u00a0mom.; liite 1). Hyväksyminen peruutetaan ja tuottaja "
                "poistetaan luettelosta, jos hyväksymisen edellytykset eivät enää täyty tai tuottaja sitä pyytää "
                "(4\u00a0§ 4\u00a0mom.). Hylätty hakija voi hakea uudelleen, kun ehdot täyttyvät.",
            ],
        ),
    ]
    grounds += returned_section(handling, "Hakemukset on tarkistettu uudelleen kommenttien pohjalta.")
    points = []
    if approved:
        points.append(
            "hyväksyä palvelusetelituottajiksi "
            + ", ".join(f"{d.producer} ({d.service_name}, {_eur(d.price)}/{d.unit})" for d in approved)
        )
    if rejected:
        points.append(
            "hylätä hakemukset "
            + ", ".join(
                f"{d.producer} ({d.service_name}; täyttymättä: {', '.join(f.criterion_id for f in d.failed)})"
                for d in rejected
            )
            + " perusteluissa esitetyin perustein"
        )
    proposal = f"{body.decides_verb}\n\n" + "\n\n".join(
        f"{i}) {p}{',' if i < len(points) else '.'}" for i, p in enumerate(points, start=1)
    )
    agenda = AgendaContent(
        **agenda_fields(handling),
        meeting_date=meeting,
        title=f"Palveluntuottajien hyväksyminen palvelusetelituottajiksi, käsittelyerä {batch.batch}",
        grounds=grounds,
        proposal=proposal,
        attachments=[
            AttachmentRef(
                number=1,
                title="Hyväksytyt palvelusetelituottajat, julkinen luettelo (CSV)",
                filename=f"{approval_case(batch.batch)}-producers.csv",
            ),
            AttachmentRef(
                number=2,
                title="Päätökset hakemuksittain koneluettavana (JSON)",
                filename=f"{approval_case(batch.batch)}.json",
            ),
        ],
    )
    summary = "\n".join(
        [
            f"**{agenda.title}** — {analysis.region_name}, {body.name} {fi_date(meeting)}",
            "",
            *returned_summary(handling),
            "",
            "| hakemus | tuottaja | palvelu | päätös |",
            "|---|---|---|---|",
            *[
                f"| {d.application_id} | {d.producer} | {d.service_name} | "
                + ("hyväksytään" if d.approved else "hylätään: " + ", ".join(f.criterion_id for f in d.failed))
                + " |"
                for d in batch.decisions
            ],
        ]
    )
    return ApprovalProposal(
        region_code=analysis.region_code,
        region_name=analysis.region_name,
        cycle=analysis.cycle,
        batch=batch.batch,
        agenda=agenda,
        approved=[d.application_id for d in approved],
        rejected=[d.application_id for d in rejected],
        summary_markdown=summary,
    )
