"""Stage 5a as open data: the procurement plan, awards and contracts in OCDS 1.1.5 with the Lots extension.

Three steps, all offline (there is no network at run time):

* :func:`build_release_package` turns the plan, the award comparisons and the contract register
  into one release package: per procurement a planning release, and where bids were compared a
  tender, an award and a contract release;
* :func:`compile_records` merges each contracting process's releases into a record with its
  compiled release (ocdsmerge, with the release schema patched by the Lots extension);
* :func:`validate_package` checks a release or record package with the Open Contracting
  Partnership's own checker (libcoveocds) and a few cross-references the schema cannot express.

The standard (``standard-1__1__5.zip``) and the Lots extension ship in ``data/ocds/``. libcoveocds
reads the standard from its ``standard_zip`` setting, but it would fetch every extension the package
declares from the extension's URL. The package declares the official URL; :class:`_OfflineBuilder`
hands libcoveocds the shipped copy under that URL instead, and refuses any other scheme than
``file``, so a validation can never open a socket.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import json_merge_patch
import jsonschema
import ocdsmerge
from libcoveocds.common_checks import common_checks_ocds
from libcoveocds.config import LibCoveOCDSConfig
from libcoveocds.exceptions import LibCoveOCDSError
from libcoveocds.lib.api import context_api_transform
from libcoveocds.schema import SchemaOCDS
from ocdsextensionregistry.extension_version import ExtensionVersion
from ocdsextensionregistry.profile_builder import ProfileBuilder
from ocdsextensionregistry.util import remove_nulls
from referencing import Registry, Resource

from schemas.procurement import (
    AwardComparison,
    ContractRegister,
    ContractTerms,
    LotAward,
    MilestoneCode,
    Procedure,
    Procurement,
    ProcurementPlan,
)
from soteflow.numbers import fi_percent, round_half_up
from soteflow.settings import PROJECT_ROOT
from soteflow.store.canonical import canonical_json

__all__ = [
    "LOTS_EXTENSION_URL",
    "OCDS_DIR",
    "build_release_package",
    "compile_records",
    "producer_party_id",
    "validate_package",
]

#: The shipped standard and extension (data/README.md, section ocds/): part of the code, not an input.
OCDS_DIR = PROJECT_ROOT / "data" / "ocds"
STANDARD_ZIP = OCDS_DIR / "standard-1__1__5.zip"
STANDARD_TAG = "1__1__5"
OCDS_VERSION = "1.1"
#: The Lots extension as a package declares it (the official URL), and where its copy is.
LOTS_EXTENSION_URL = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json"
)
LOTS_EXTENSION_DIR = OCDS_DIR / "ocds_lots_extension-1.1.5"
_LOCAL_EXTENSIONS: dict[str, Path] = {LOTS_EXTENSION_URL: LOTS_EXTENSION_DIR}
#: Where the standard's schemas live by their ids; every reference to them resolves from the zip.
_SCHEMA_BASE = f"https://standard.open-contracting.org/schema/{STANDARD_TAG}/"

HELSINKI = ZoneInfo("Europe/Helsinki")
CURRENCY = "EUR"
PRODUCER_ID_PREFIX = "FI-PRODUCER-"

#: OCDS's method codelist (open, selective, limited, direct) by procedure; the Finnish label goes
#: to procurementMethodDetails. Every procedure under hankintalaki with a published notice lets any
#: producer bid: "open". Below the national threshold the act's procedures do not apply and the
#: region's own rules ask quotes from producers it chooses: "limited". A direct award (hankintalaki
#: 40–41 §, 110 §) is "direct". No procedure of the plan is a restricted one ("selective").
PROCUREMENT_METHODS: dict[Procedure, str] = {
    Procedure.BELOW_NATIONAL: "limited",
    Procedure.NATIONAL: "open",
    Procedure.LIGHT_NATIONAL: "open",
    Procedure.LIGHT_EU: "open",
    Procedure.EU_OPEN: "open",
    Procedure.DIRECT: "direct",
}

#: The criterion that is the price (vertailuperusteet.csv: "'hinta' on hinta").
_PRICE_CRITERION = "hinta"


# -- the release package -------------------------------------------------------------------------


def build_release_package(
    plan: ProcurementPlan,
    awards: Sequence[AwardComparison],
    contracts: ContractRegister,
    *,
    ocid_prefix: str,
    buyer_id: str,
    buyer_name: str,
    published: dt.datetime,
    uri: str,
) -> dict[str, Any]:
    """The plan's procurements as an OCDS 1.1.5 release package (with the Lots extension).

    Per procurement (``ocid = f"{ocid_prefix}-{procurement_id}"``): a planning release (budget,
    the planned tender with its method, periods, timeline and lots); and where its bids were
    compared, a tender release (tenderers), an award release (one pending award per lot) and a
    contract release (one pending contract per awarded lot, from the register where it has one).

    Every release is dated ``published`` (when the information is published; the timeline's dates
    are planned dates and go to the periods and milestones). Release ids are the ocid, the tag and
    a digest of the release's content, so the same inputs give the same JSON byte for byte, and a
    changed release gets a new id.

    Raises:
        ValueError: ``published`` has no time zone, or an award comparison does not match the plan
            (an unknown procurement, a lot the procurement does not have, two comparisons for one).
    """
    if published.tzinfo is None or published.utcoffset() is None:
        raise ValueError("published must be timezone-aware (OCDS dates carry their offset)")
    date = published.astimezone(HELSINKI).isoformat(timespec="seconds")
    comparisons = _comparisons_by_procurement(plan, awards)
    party_ids = _party_ids([name for comparison in comparisons.values() for name in _bidders(comparison)])
    buyer = {"id": buyer_id, "name": buyer_name}
    buyer_party = {**buyer, "roles": ["buyer", "procuringEntity"]}

    releases: list[dict[str, Any]] = []
    for procurement in plan.procurements:
        ocid = f"{ocid_prefix}-{procurement.procurement_id}"
        releases.append(_release(ocid, "planning", date, _planning(procurement, buyer, buyer_party)))
        comparison = comparisons.get(procurement.procurement_id)
        if comparison is None:
            continue
        releases.append(_release(ocid, "tender", date, _tender(procurement, comparison, buyer_party, party_ids)))
        releases.append(_release(ocid, "award", date, _award(procurement, comparison, buyer_party, party_ids)))
        releases.append(_release(ocid, "contract", date, _contract(procurement, comparison, contracts)))

    package = {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": [LOTS_EXTENSION_URL],
        "publishedDate": date,
        "publisher": {"name": buyer_name},
        "releases": releases,
    }
    result: dict[str, Any] = _prune(package)
    return result


def producer_party_id(name: str) -> str:
    """A producer's stable party id: ``FI-PRODUCER-`` and an ASCII slug of its name.

    ``"Hoiva-Äänekoski Oy"`` → ``FI-PRODUCER-hoiva-aanekoski-oy``. (Within a package, names whose
    slugs collide get a digest of the name appended, see :func:`build_release_package`.)
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return PRODUCER_ID_PREFIX + (slug or _digest(name)[:8])


def _party_ids(names: Sequence[str]) -> dict[str, str]:
    # Two different names with the same slug ("Hoiva Oy", "Hoiva-Oy") would merge into one party
    # in a compiled release: both get a digest of their own name. Order-independent, so stable.
    by_slug: dict[str, set[str]] = {}
    for name in names:
        by_slug.setdefault(producer_party_id(name), set()).add(name)
    ids: dict[str, str] = {}
    for slug, group in by_slug.items():
        for name in group:
            ids[name] = slug if len(group) == 1 else f"{slug}-{_digest(name)[:6]}"
    return ids


def _comparisons_by_procurement(plan: ProcurementPlan, awards: Sequence[AwardComparison]) -> dict[str, AwardComparison]:
    procurements = {p.procurement_id: p for p in plan.procurements}
    comparisons: dict[str, AwardComparison] = {}
    for comparison in awards:
        pid = comparison.procurement_id
        if pid not in procurements:
            raise ValueError(f"award comparison for procurement {pid!r}, which the plan does not have")
        if pid in comparisons:
            raise ValueError(f"two award comparisons for procurement {pid!r}")
        lot_ids = {lot.lot_id for lot in procurements[pid].lots}
        for lot in comparison.lots:
            # A procurement that is not divided has no lots: its award is for the whole tender.
            if lot_ids and lot.lot_id not in lot_ids:
                raise ValueError(f"award comparison of {pid!r} names lot {lot.lot_id!r}, which the procurement lacks")
        comparisons[pid] = comparison
    return comparisons


def _release(ocid: str, tag: str, date: str, body: dict[str, Any]) -> dict[str, Any]:
    content = _prune({"ocid": ocid, "date": date, "tag": [tag], "initiationType": "tender", "language": "fi", **body})
    # The digest covers everything but the id itself: same content, same id; new content, new id
    # (OCDS: a release id is unique within its contracting process and a release is never edited).
    return {"id": f"{ocid}-{tag}-{_digest(content)[:12]}", **content}


def _planning(procurement: Procurement, buyer: dict[str, str], buyer_party: dict[str, Any]) -> dict[str, Any]:
    p = procurement
    years = p.contract_years + p.option_years
    return {
        "parties": [buyer_party],
        "buyer": buyer,
        "planning": {
            "rationale": p.reason,
            "budget": {
                "description": "Hankinnan ennakoitu arvo sopimuskausineen ja optioineen (hankintalaki 27 §), alv 0 %",
                "amount": _money(p.estimated_value),
            },
        },
        "tender": {
            "id": p.procurement_id,
            "title": p.service_name,
            "description": p.description,
            "status": "planned",
            "procuringEntity": buyer,
            "value": _money(p.estimated_value),
            "procurementMethod": PROCUREMENT_METHODS[p.procedure],
            "procurementMethodDetails": p.procedure.label_fi,
            "procurementMethodRationale": p.procedure_basis,
            "mainProcurementCategory": "services",
            "tenderPeriod": _period(_milestone(p, MilestoneCode.NOTICE), _milestone(p, MilestoneCode.TENDER_DEADLINE)),
            # Evaluation starts the day after the tender deadline and ends with the decision.
            "awardPeriod": _period(
                _next_day(_milestone(p, MilestoneCode.TENDER_DEADLINE)), _milestone(p, MilestoneCode.AWARD)
            ),
            "contractPeriod": _planned_contract_period(p),
            "milestones": [
                {
                    "id": f"{p.procurement_id}-M{number}",
                    "title": milestone.step,
                    "dueDate": _start(milestone.date),
                    "status": "scheduled",
                }
                for number, milestone in enumerate(sorted(p.timeline, key=lambda m: m.date), start=1)
            ],
            "lots": [
                {
                    "id": lot.lot_id,
                    "title": lot.name,
                    "description": "Mitoitettu pk-tuottajien ja järjestöjen kapasiteettiin"
                    if lot.fits_small_producers
                    else None,
                    "status": "planned",
                    # The lot's share of the estimated value: its annual value over the whole
                    # term with options, as tender.value counts it (hankintalaki 27 §).
                    "value": _money(lot.annual_value * years),
                }
                for lot in p.lots
            ],
        },
    }


def _tender(
    procurement: Procurement,
    comparison: AwardComparison,
    buyer_party: dict[str, Any],
    party_ids: dict[str, str],
) -> dict[str, Any]:
    bidders = sorted(set(_bidders(comparison)), key=lambda name: party_ids[name])
    has_lots = bool(procurement.lots)
    price_only = all(c.criterion.strip().lower() == _PRICE_CRITERION for c in comparison.criteria)
    criteria = "; ".join(f"{c.criterion} {_weight(c.weight_pct)}" for c in comparison.criteria)
    return {
        "parties": [buyer_party, *({"id": party_ids[name], "name": name, "roles": ["tenderer"]} for name in bidders)],
        "tender": {
            "id": procurement.procurement_id,
            "status": "complete",
            "awardCriteria": "priceOnly" if price_only else "ratedCriteria",
            "awardCriteriaDetails": f"Vertailuperusteet: {criteria}" if criteria else None,
            "numberOfTenderers": len(bidders),
            "tenderers": [{"id": party_ids[name], "name": name} for name in bidders],
            "lots": [{"id": lot.lot_id, "status": "complete"} for lot in comparison.lots] if has_lots else None,
            "lotDetails": {"awardCriteriaDetails": "Kukin osa vertaillaan erikseen samoin vertailuperustein."}
            if has_lots
            else None,
        },
    }


def _award(
    procurement: Procurement,
    comparison: AwardComparison,
    buyer_party: dict[str, Any],
    party_ids: dict[str, str],
) -> dict[str, Any]:
    winners = sorted({lot.winner for lot in comparison.lots}, key=lambda name: party_ids[name])
    return {
        "parties": [
            buyer_party,
            *({"id": party_ids[name], "name": name, "roles": ["tenderer", "supplier"]} for name in winners),
        ],
        "awards": [
            {
                "id": _award_id(procurement, lot),
                "title": f"{procurement.service_name}: {lot.lot_name}",
                "status": "pending",  # decided by the board, then the standstill (hankintalaki 129 §)
                # The winner's price × the lot's volume is the lot's annual value; an award's value
                # is for the whole contract term (options are not awarded).
                "value": _money(lot.annual_value * procurement.contract_years),
                "suppliers": [{"id": party_ids[lot.winner], "name": lot.winner}],
                "relatedLots": [lot.lot_id] if procurement.lots else None,
            }
            for lot in comparison.lots
        ],
    }


def _contract(procurement: Procurement, comparison: AwardComparison, register: ContractRegister) -> dict[str, Any]:
    contracts = []
    for lot in comparison.lots:
        terms = _terms_for(comparison, lot, register)
        if terms is not None:
            contract_id = terms.contract_id
            start: dt.date | None = terms.start
            end: dt.date | None = terms.end
            annual_value = terms.annual_value
        else:
            # No contract in the register yet: the plan's term and the winner's price stand in.
            contract_id = f"{_award_id(procurement, lot)}-contract"
            start, end = _planned_term(procurement)
            annual_value = lot.annual_value
        max_extent = None
        if end is not None and procurement.option_years:
            max_extent = _add_years(end + dt.timedelta(days=1), procurement.option_years) - dt.timedelta(days=1)
        contracts.append(
            {
                "id": contract_id,
                "awardID": _award_id(procurement, lot),
                "title": f"{procurement.service_name}: {lot.lot_name}",
                "status": "pending",  # signed only after the standstill period
                "period": {
                    "startDate": _start(start),
                    "endDate": _end(end),
                    "maxExtentDate": _end(max_extent),
                },
                "value": _money(annual_value * procurement.contract_years),
            }
        )
    return {"contracts": contracts}


def _terms_for(comparison: AwardComparison, lot: LotAward, register: ContractRegister) -> ContractTerms | None:
    # The register knows contracts by service and lot, not by procurement; the winner breaks a tie.
    matches = [
        c
        for c in register.contracts
        if c.origin == "awarded" and c.service_id == comparison.service_id and c.lot_id == lot.lot_id
    ]
    matches.sort(key=lambda c: (c.producer != lot.winner, c.contract_id))
    return matches[0] if matches else None


def _award_id(procurement: Procurement, lot: LotAward) -> str:
    return f"{procurement.procurement_id}-{lot.lot_id}"


def _bidders(comparison: AwardComparison) -> list[str]:
    return [bid.bidder for lot in comparison.lots for bid in lot.bids] + [lot.winner for lot in comparison.lots]


def _milestone(procurement: Procurement, code: MilestoneCode) -> dt.date | None:
    return next((m.date for m in procurement.timeline if m.code is code), None)


def _planned_term(procurement: Procurement) -> tuple[dt.date | None, dt.date | None]:
    start = _milestone(procurement, MilestoneCode.START)
    if start is None:
        return None, None
    return start, _add_years(start, procurement.contract_years) - dt.timedelta(days=1)


def _planned_contract_period(procurement: Procurement) -> dict[str, Any] | None:
    start, end = _planned_term(procurement)
    if start is None:
        return None
    extent = procurement.contract_years + procurement.option_years
    max_extent = _add_years(start, extent) - dt.timedelta(days=1) if procurement.option_years else None
    return {"startDate": _start(start), "endDate": _end(end), "maxExtentDate": _end(max_extent)}


def _period(start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
    return {"startDate": _start(start), "endDate": _end(end)}


def _next_day(day: dt.date | None) -> dt.date | None:
    return None if day is None else day + dt.timedelta(days=1)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _start(day: dt.date | None) -> str | None:
    # A day starts at midnight Helsinki time: OCDS dates are date-times with an offset.
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(0, 0), HELSINKI).isoformat()


def _end(day: dt.date | None) -> str | None:
    # A period's last day counts in full (a contract ending 31.12. runs through that day).
    if day is None:
        return None
    return dt.datetime.combine(day, dt.time(23, 59, 59), HELSINKI).isoformat()


def _money(amount: float) -> dict[str, Any]:
    return {"amount": round_half_up(amount, 2), "currency": CURRENCY}


def _weight(weight_pct: float) -> str:
    return fi_percent(weight_pct, 0 if float(weight_pct).is_integer() else 1)


def _digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def _prune(value: Any) -> Any:
    # OCDS asks that a field without a value be left out, not set empty (libcoveocds reports
    # empty strings, objects and arrays): drop None and everything that becomes empty.
    if isinstance(value, dict):
        pruned = {key: _prune(item) for key, item in value.items()}
        return {key: item for key, item in pruned.items() if not _empty(item)}
    if isinstance(value, list):
        return [item for item in (_prune(item) for item in value) if not _empty(item)]
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


# -- records ---------------------------------------------------------------------------------------


def compile_records(package: Mapping[str, Any], *, uri: str | None = None) -> dict[str, Any]:
    """A record package of a release package: per ocid its releases and the compiled release.

    Releases are embedded as they are; the compiled release is ocdsmerge's, with the merge rules
    of the release schema patched with the Lots extension (read from ``data/ocds``, never fetched),
    so lots, awards and contracts merge by their ids. ``uri`` defaults to the release package's
    URI with ``#records``; ``packages`` names the release package.

    Raises:
        ValueError: the package has no list of releases, or a release has no ocid or date.
    """
    releases = package.get("releases")
    if not isinstance(releases, list):
        raise ValueError("not a release package: no list of releases")
    by_ocid: dict[str, list[dict[str, Any]]] = {}
    for index, release in enumerate(releases):
        if not isinstance(release, dict) or not isinstance(release.get("ocid"), str):
            raise ValueError(f"releases/{index}: a release needs an ocid to be compiled")
        if not isinstance(release.get("date"), str):
            raise ValueError(f"releases/{index}: a release needs a date to be compiled")
        by_ocid.setdefault(release["ocid"], []).append(copy.deepcopy(release))

    merger = _merger()
    records = [
        {
            "ocid": ocid,
            "releases": group,
            # Through JSON: the compiled release must share no list with the embedded releases.
            "compiledRelease": json.loads(json.dumps(merger.create_compiled_release(copy.deepcopy(group)))),
        }
        for ocid, group in by_ocid.items()
    ]
    package_uri = package.get("uri")
    record_package = {
        "uri": uri or (f"{package_uri}#records" if package_uri else None),
        "version": package.get("version", OCDS_VERSION),
        "extensions": copy.deepcopy(package.get("extensions")),
        "publishedDate": package.get("publishedDate"),
        "publisher": copy.deepcopy(package.get("publisher")),
        "packages": [package_uri] if package_uri else None,
        "records": records,
    }
    return {key: value for key, value in record_package.items() if value is not None}


@functools.lru_cache(maxsize=1)
def _merger() -> Any:
    return ocdsmerge.Merger(schema=_patched_release_schema())


@functools.lru_cache(maxsize=8)
def _standard_file(name: str) -> str:
    """A file of the standard's ``schema/`` folder, read from the shipped zip (never downloaded)."""
    builder = ProfileBuilder(STANDARD_TAG, [], standard_base_url=STANDARD_ZIP.as_uri())
    text: str = builder.get_standard_file_contents(name)
    return text


def _patched_release_schema() -> dict[str, Any]:
    """The release schema with the shipped Lots extension's JSON Merge Patch applied (a fresh copy).

    Made here directly, not through libcoveocds's builder: it is the yardstick if that builder
    ever fails to apply the extension (see :func:`validate_package`).
    """
    schema: dict[str, Any] = json.loads(_standard_file("release-schema.json"))
    patch = json.loads((LOTS_EXTENSION_DIR / "release-schema.json").read_text(encoding="utf-8"))
    # As ocdsextensionregistry does: an extension may add to the schema but never delete from it,
    # and a null in a merge patch would delete.
    remove_nulls(patch)
    json_merge_patch.merge(schema, patch)
    return schema


# -- validation ------------------------------------------------------------------------------------


def validate_package(package: Mapping[str, Any]) -> list[str]:
    """Problems of a release or record package, one readable line each; empty when it is valid.

    libcoveocds (the Open Contracting Partnership's checker, context "api") runs fully offline on
    the standard in ``data/ocds/standard-1__1__5.zip`` and the shipped Lots extension: schema
    errors, values outside closed codelists, fields the schema does not know, deprecated fields,
    empty values, malformed ocid prefixes and extensions it could not apply. If it could not apply
    the Lots extension, the package is also checked with jsonschema against the release schema
    patched with the shipped extension. Last, cross-references the schema cannot express: an
    award's ``relatedLots`` must name a lot of the process's ``tender.lots``, a contract's
    ``awardID`` an award of the process.

    Each line starts with the JSON path of the problem (``releases/0/tender/lots/0/value/amount: …``).
    """
    if not isinstance(package, Mapping):
        return [f"(root): a package is a JSON object, not {type(package).__name__}"]
    data = copy.deepcopy(dict(package))
    record_pkg = "records" in data
    config = LibCoveOCDSConfig({"standard_zip": STANDARD_ZIP.as_uri(), "context": "api"})
    try:
        schema = _OfflineSchemaOCDS(data, config, record_pkg=record_pkg)
        context = common_checks_ocds({"file_type": "json"}, "", data, schema, cache=False)
    except LibCoveOCDSError as error:  # e.g. a version that is not 1.0 or 1.1
        return [f"version: {_one_line(str(error))}"]
    if "validation_errors" in context:  # absent when a reference did not resolve
        context_api_transform(context)
    problems = _libcove_problems(context, schema)
    for url in _as_list(data.get("extensions")):
        if isinstance(url, str) and url not in _LOCAL_EXTENSIONS:
            problems.append(f"extensions: {url} is not shipped in data/ocds, so it cannot be applied offline")
    if not _lots_applied(schema, data):
        problems.append(f"extensions: libcoveocds did not apply {LOTS_EXTENSION_URL}; checked with jsonschema instead")
        problems += _jsonschema_problems(data, record_pkg=record_pkg)
    problems += _reference_problems(data)
    return problems


def _libcove_problems(context: dict[str, Any], schema: Any) -> list[str]:
    problems: list[str] = []
    if schema.json_deref_error:
        problems.append(f"(schema): a reference did not resolve: {_one_line(schema.json_deref_error)}")
    for url, message in (context.get("extensions") or {}).get("invalid_extensions", []):
        problems.append(f"extensions: {url} could not be applied: {_one_line(str(message))}")
    for error in context.get("validation_errors", []):
        where = error["path"] or error["field"] or "(root)"
        value = f" (value: {_short(error['value'])})" if error["value"] not in ("", None) else ""
        problems.append(f"{where}: {_one_line(error['description'])}{value}")
    for path, info in sorted(context.get("additional_closed_codelist_values", {}).items()):
        values = ", ".join(repr(v) for v in info["values"])
        problems.append(f"{path}: {values} not in the closed codelist {info['codelist']}")
    for field in context.get("additional_fields", []):
        problems.append(f"{field['path']}/{field['field']}: field not in the schema ({field['usage_count']}×)")
    for field in context.get("deprecated_fields", []):
        problems.append(f"{field['field']}: deprecated field")
    for check, findings in sorted((context.get("additional_checks") or {}).items()):
        for finding in findings:
            what = "empty value" if check == "empty_field" else check
            problems.append(f"{finding.get('json_location', '(root)')}: {what}")
    for ocid, path in (context.get("conformance_errors") or {}).get("ocds_prefixes_bad_format", []):
        problems.append(f"{path}: ocid {ocid!r} does not start with a prefix of the form ocds-xxxxxx")
    return problems


def _lots_applied(schema: Any, data: dict[str, Any]) -> bool:
    # Only a package that declares the extension needs it; the test is whether libcoveocds
    # patched its schema with it (a change in libcoveocds's hooks would silently drop it).
    if LOTS_EXTENSION_URL not in _as_list(data.get("extensions")):
        return True
    lots = schema.get_schema_obj().get("definitions", {}).get("Tender", {}).get("properties", {}).get("lots")
    return lots is not None and not schema.invalid_extension


def _jsonschema_problems(data: dict[str, Any], *, record_pkg: bool) -> list[str]:
    name = "record-package-schema.json" if record_pkg else "release-package-schema.json"
    package_schema = json.loads(_standard_file(name))
    versioned = json.loads(_standard_file("versioned-release-validation-schema.json"))
    # The package schema refers to the release schema by its URL: serve the patched one there.
    registry: Registry[Any] = Registry().with_resources(
        [
            (f"{_SCHEMA_BASE}release-schema.json", Resource.from_contents(_patched_release_schema())),
            (f"{_SCHEMA_BASE}versioned-release-validation-schema.json", Resource.from_contents(versioned)),
        ]
    )
    validator = jsonschema.Draft4Validator(
        package_schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(part) for part in e.absolute_path]):
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        problems.append(f"{where}: {_one_line(error.message)} (jsonschema, release schema with the Lots extension)")
    return problems


def _reference_problems(data: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for where, releases in _processes(data):
        lot_ids = {lot.get("id") for _, release in releases for lot in _dicts(_get(release, "tender", "lots"))}
        award_ids = {award.get("id") for _, release in releases for award in _dicts(release.get("awards"))}
        for path, release in releases:
            for a, award in enumerate(release.get("awards") or []):
                related = award.get("relatedLots") if isinstance(award, dict) else None
                for r, lot_id in enumerate(related if isinstance(related, list) else []):
                    if lot_id not in lot_ids:
                        problems.append(
                            f"{path}/awards/{a}/relatedLots/{r}: lot {lot_id!r} is not among tender.lots of {where}"
                        )
            for c, contract in enumerate(release.get("contracts") or []):
                award_id = contract.get("awardID") if isinstance(contract, dict) else None
                if award_id is not None and award_id not in award_ids:
                    problems.append(f"{path}/contracts/{c}/awardID: award {award_id!r} is not an award of {where}")
    return problems


def _processes(data: dict[str, Any]) -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """Per contracting process, its releases with their paths (a record's compiled release too)."""
    if isinstance(data.get("records"), list):
        for r, record in enumerate(data["records"]):
            if not isinstance(record, dict):
                continue
            releases = [(f"records/{r}/releases/{i}", rel) for i, rel in enumerate(_as_list(record.get("releases")))]
            members = [(path, release) for path, release in releases if isinstance(release, dict)]
            if isinstance(record.get("compiledRelease"), dict):
                members.append((f"records/{r}/compiledRelease", record["compiledRelease"]))
            yield str(record.get("ocid", f"records/{r}")), members
    elif isinstance(data.get("releases"), list):
        groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for i, release in enumerate(data["releases"]):
            if isinstance(release, dict):
                groups.setdefault(str(release.get("ocid", f"releases/{i}")), []).append((f"releases/{i}", release))
        yield from groups.items()


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in _as_list(value) if isinstance(item, dict)]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _short(value: Any) -> str:
    text = _one_line(repr(value))
    return text if len(text) <= 80 else text[:77] + "..."


# -- libcoveocds, offline --------------------------------------------------------------------------


class _OfflineBuilder(ProfileBuilder):  # type: ignore[misc]  # ocdsextensionregistry is untyped
    """A profile builder that serves the shipped extensions under their official URLs.

    ProfileBuilder would read an extension from its URL over HTTP. Here an extension the project
    ships is read from its folder (a ``file://`` download URL, which the library zips in memory),
    and only the ``file`` scheme is allowed, so nothing is fetched. An extension not shipped is
    left out; libcoveocds then reports its fields as not in the schema.
    """

    def extensions(self) -> Iterator[ExtensionVersion]:
        for url in self.extension_versions:
            folder = _LOCAL_EXTENSIONS.get(url) if isinstance(url, str) else None
            if folder is None:
                continue
            version = ExtensionVersion(
                {
                    "Id": None,
                    "Date": None,
                    "Version": None,
                    "Base URL": url.removesuffix("extension.json"),
                    "Download URL": folder.as_uri(),
                },
                input_url=url,
            )
            version.allow_schemes = {"file"}
            yield version


class _OfflineSchemaOCDS(SchemaOCDS):  # type: ignore[misc]  # libcoveocds is untyped
    """libcoveocds's schema with the offline builder, and references to the standard read from the zip."""

    builder: Any
    builder_extensions: list[ExtensionVersion]

    def __init__(self, package: dict[str, Any], config: Any, *, record_pkg: bool) -> None:
        super().__init__(None, package, config, record_pkg=record_pkg)
        # SchemaOCDS.__init__ only creates its builder (nothing is read yet): replace it before use.
        created: Any = self.builder
        self.builder = _OfflineBuilder(
            created.standard_tag, list(self.extensions), standard_base_url=created.standard_base_url
        )
        self.builder_extensions = list(self.builder.extensions())

    def _jsonref_kwarg(self, *, proxies: bool = False) -> dict[str, Any]:
        # Dereferencing the record package schema follows its versionedRelease $ref to the
        # standard's website; jsonref's loader would fetch it. Serve the standard's files from the zip.
        kwargs: dict[str, Any] = SchemaOCDS._jsonref_kwarg(proxies=proxies)
        kwargs["loader"] = _load_standard_schema
        return kwargs


def _load_standard_schema(uri: str, **kwargs: Any) -> Any:
    """jsonref's loader: the standard's schemas from the zip; anything else is refused, not fetched."""
    if not uri.startswith(_SCHEMA_BASE):
        raise OSError(f"{uri}: only the standard's own schemas are available offline")
    return json.loads(_standard_file(uri.removeprefix(_SCHEMA_BASE)), **kwargs)
