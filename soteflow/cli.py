"""The engine's commands: inspect, export and verify the store, list the regions.

The ``soteflow`` command (:mod:`tasks.cli`) mounts these beside the stage commands, the demo and
``decide``, which know the stages; this module knows none. Bad input ends in one clear line
naming the file, row and field, and exit status 2 (:func:`run`).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

# Before Prefect is imported anywhere: telemetry can lock SQLite and tries to reach the internet.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import typer

from soteflow.errors import InputError, SoteflowError, StoreIntegrityError

app = typer.Typer(
    name="soteflow",
    help="Workflow engine for a welfare region's service-organising process (palvelujen järjestäminen).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
artefacts_app = typer.Typer(help="Inspect and export stored artefact versions.", no_args_is_help=True)
store_app = typer.Typer(help="Manage the artefact store.", no_args_is_help=True)
app.add_typer(artefacts_app, name="artefacts")
app.add_typer(store_app, name="store")

RegionOpt = Annotated[
    str, typer.Option("--region", "-r", help="Welfare region: HVA08, PI or a name such as Pirkanmaa.")
]
CycleOpt = Annotated[int, typer.Option("--cycle", "-c", help="Planning cycle (year, 2023–2100).")]
DEFAULT_CYCLE = 2026


def fail(message: str, status: int = 2) -> NoReturn:
    """Print one error line and exit with ``status`` (2: bad input)."""
    typer.echo(f"soteflow: error: {message}", err=True)
    raise typer.Exit(status)


def _store() -> Any:
    from soteflow.stagekit import open_store

    return open_store()


def resolve_region(text: str, data_dir: Path | None = None) -> Any:
    """The region a code, id or name stands for (``UnknownRegionError``, an InputError, otherwise)."""
    from soteflow.data.regions import load_region_key, resolve_region
    from soteflow.settings import get_settings

    key = load_region_key((data_dir or get_settings().input_dir) / "geo" / "finland-hva-2021.topo.json")
    return resolve_region(text, key)


@app.command()
def regions() -> None:
    """List the welfare-region areas a stage can run for."""
    from soteflow.data.regions import load_region_key
    from soteflow.settings import get_settings

    key = load_region_key(get_settings().input_dir / "geo" / "finland-hva-2021.topo.json")
    for region in key.regions.values():
        typer.echo(f"{region.code}\t{region.short_name_fi}\t{region.name_fi}")


@artefacts_app.command("list")
def artefacts_list(
    region: Annotated[str | None, typer.Option(help="Only this region (code).")] = None,
    cycle: Annotated[int | None, typer.Option(help="Only this cycle.")] = None,
    stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
) -> None:
    """List artefacts with their latest version.

    A version that belongs to an approved round resting on a superseded basis (an earlier stage
    approved again since) is marked ``[stale basis: …]``.
    """
    from soteflow.store.verify import stale_rounds

    store = _store()
    code = resolve_region(region).code if region else None
    rows = store.list_artefacts(region=code, cycle=cycle, stage=stage)
    if not rows:
        typer.echo("no artefacts")
    stale = {member: item for item in stale_rounds(store) for member in item.members}
    for artefact in rows:
        latest = store.latest(artefact.region, artefact.cycle, artefact.key)
        mark = f"\t[stale basis: {stale[latest.id].basis}]" if latest.id in stale else ""
        typer.echo(
            f"{artefact.region}\t{artefact.cycle}\t{artefact.stage}\t{artefact.key:<24}\t"
            f"v{latest.version}\t{_status(latest):<10}\t{latest.sha256[:16]}\t{artefact.title}{mark}"
        )


def _status(version: Any) -> str:
    return str(getattr(version.status, "value", version.status))


def _find(store: Any, region: str, cycle: int, key: str, version: int | None) -> Any:
    history = store.history(region, cycle, key)
    if not history:
        fail(f"no artefact {key!r} for {region} {cycle}")
    if version is None:
        return history[-1]
    for item in history:
        if item.version == version:
            return item
    fail(f"artefact {key!r} has no version {version}")


@artefacts_app.command("show")
def artefacts_show(
    key: Annotated[str, typer.Argument(help="Artefact key, e.g. needs-index.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    version: Annotated[int | None, typer.Option(help="Version number; default the latest.")] = None,
) -> None:
    """Show one version: metadata, lineage, decisions and (for JSON) the payload."""
    store = _store()
    code = resolve_region(region).code
    item = _find(store, code, cycle, key, version)
    info = {
        "key": key,
        "version": item.version,
        "id": str(item.id),
        "status": _status(item),
        "sha256": item.sha256,
        "prev_sha256": item.prev_sha256,
        "media_type": item.media_type,
        "schema": f"{item.schema_name} {item.schema_version}",
        "code_version": item.code_version,
        "record_hash": item.record_hash,
        "created_at": item.created_at.isoformat(),
        "flow_run_id": item.flow_run_id,
        "inputs": item.inputs,
        "decisions": [
            {
                "body": d.body,
                "outcome": d.outcome,
                "meeting_date": d.meeting_date.isoformat(),
                "section": d.section,
                "comments": d.comments,
                "sha256": d.sha256,
            }
            for d in store.decisions_for(item.id)
        ],
    }
    typer.echo(json.dumps(info, indent=2, ensure_ascii=False, default=str))
    if item.payload is not None:
        typer.echo(json.dumps(json.loads(item.payload), indent=2, ensure_ascii=False))


@artefacts_app.command("history")
def artefacts_history(
    key: Annotated[str, typer.Argument(help="Artefact key.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
) -> None:
    """Every version of one artefact, oldest first, with its hash chain and decisions."""
    store = _store()
    code = resolve_region(region).code
    history = store.history(code, cycle, key)
    if not history:
        fail(f"no artefact {key!r} for {code} {cycle}")
    for item in history:
        decisions = store.decisions_for(item.id)
        decided = "; ".join(f"{d.outcome} {d.body} {d.meeting_date} {d.section} §" for d in decisions)
        typer.echo(
            f"v{item.version}\t{_status(item)}\t{item.created_at:%Y-%m-%d %H:%M:%S}Z\t"
            f"{item.sha256[:16]}\tprev {str(item.prev_sha256 or '-')[:16]}\t{decided}"
        )


@artefacts_app.command("export")
def artefacts_export(
    key: Annotated[str, typer.Argument(help="Artefact key.")],
    dest: Annotated[Path, typer.Option(help="Folder to write to.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    version: Annotated[int | None, typer.Option(help="Version number; default the latest.")] = None,
) -> None:
    """Write one version (JSON pretty-printed, or the file) into DEST."""
    if dest.exists() and not dest.is_dir():
        raise InputError("is not a folder: --dest names the folder to write into", file=dest, field="--dest")
    store = _store()
    code = resolve_region(region).code
    dest.mkdir(parents=True, exist_ok=True)
    item = _find(store, code, cycle, key, version)
    typer.echo(str(store.export_version(item, dest)))


#: Exit status of ``verify --strict`` when the store verifies but has warnings or leftover files.
STRICT_EXIT = 3


def _load_anchor(path: Path) -> Any:
    """The anchor in ``path``, checked against its own root hash (InputError otherwise)."""
    from pydantic import ValidationError

    from soteflow.store.integrity import Anchor

    if path.is_dir():
        raise InputError("is a folder, not an anchor file", file=path, field="--anchor")
    try:
        anchor = Anchor.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise InputError("the anchor file does not exist", file=path, field="--anchor") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise InputError(f"not a soteflow anchor ({where}: {first['msg']})", file=path, field="--anchor") from None
    if anchor.recomputed_root() != anchor.root:
        raise InputError("the anchor's root hash does not match its contents (edited?)", file=path, field="--anchor")
    return anchor


def _load_document(path: Path) -> Any:
    """The store point a decision document (PDF) embeds (InputError otherwise)."""
    from soteflow.documents.evidence import NotADocumentError, read_document

    if path.is_dir():
        raise InputError("is a folder, not a decision document", file=path, field="--document")
    try:
        return read_document(path)
    except FileNotFoundError:
        raise InputError("the document does not exist", file=path, field="--document") from None
    except NotADocumentError as exc:
        raise InputError(str(exc), file=path, field="--document") from None


@app.command()
def verify(
    anchor: Annotated[
        Path | None, typer.Option("--anchor", help="Also check the store against an anchor taken earlier.")
    ] = None,
    document: Annotated[
        Path | None,
        typer.Option(
            "--document",
            help="Also check the store against a decision document (PDF): the store point its footer prints.",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help=f"Exit {STRICT_EXIT} on warnings (stale bases) and leftover files too."),
    ] = False,
    repair_orphans: Annotated[
        bool,
        typer.Option(
            "--repair-orphans",
            help="Remove blob files no version references and temporary files of interrupted writes.",
        ),
    ] = False,
) -> None:
    """Re-hash everything stored, check every chain and the audit log, print the root hash.

    Exit 1 and name each mismatch; with --anchor FILE also against an anchor (`soteflow anchor`);
    with --document FILE.pdf also against the store point a decision document prints and embeds
    (the root as of the audit event that wrote its proposal).
    """
    from soteflow.store.verify import verify as verify_store

    checked = _load_anchor(anchor) if anchor is not None else None
    evidence = _load_document(document) if document is not None else None
    store = _store()
    report = verify_store(store, anchor=checked, document=evidence.point if evidence is not None else None)
    if evidence is not None:
        point = evidence.point
        typer.echo(
            f"document {point.region}/{point.cycle}/{point.key} v{point.version}: "
            f"event #{point.event}, root {point.root}"
        )
        if not evidence.data_embedded:
            typer.echo(f"WARN the document embeds no file with the sha256 it presents ({point.sha256[:16]}…)", err=True)
    for problem in report.problems:
        typer.echo(f"FAIL {problem}", err=True)
    for warning in report.warnings:
        typer.echo(f"WARN {warning}", err=True)
    if repair_orphans and (report.orphan_blobs or report.temp_files):
        if not report.ok:
            typer.echo("not repairing: the store has integrity problems; a file may be evidence", err=True)
        else:
            removed = store.remove_leftovers(actor="soteflow verify --repair-orphans")
            for relative in removed.orphan_blobs:
                typer.echo(f"removed orphan blob file {relative}")
            for relative in removed.temp_files:
                typer.echo(f"removed temporary file {relative}")
            left = store.leftovers()
            report.orphan_blobs, report.temp_files = list(left.orphan_blobs), list(left.temp_files)
    for relative in report.orphan_blobs:
        typer.echo(f"orphan blob file {relative} (no version refers to it; --repair-orphans removes it)")
    for relative in report.temp_files:
        typer.echo(f"temporary file {relative} (an interrupted write; --repair-orphans removes it)")
    typer.echo(report.summary())
    typer.echo(f"root {report.root} ({len(report.chains)} chains, audit log #{report.audit_events})")
    if not report.ok:
        raise typer.Exit(1)
    if strict and not report.clean:
        raise typer.Exit(STRICT_EXIT)


@app.command()
def anchor(
    signed_off_by: Annotated[
        str | None, typer.Option("--signed-off-by", help="Who takes the anchor, recorded in it.")
    ] = None,
) -> None:
    """Print the store's anchor (root hash and chain heads) as JSON, to keep outside the store.

    `soteflow anchor > anchor.json` after a meeting; later `soteflow verify --anchor anchor.json`
    finds any rewrite made since, even one with every hash recomputed. Exit 1 if the store does
    not verify now.
    """
    from soteflow.store.verify import make_anchor

    taken = make_anchor(_store(), signed_off_by=signed_off_by.strip() if signed_off_by else None)
    typer.echo(taken.model_dump_json(indent=1))


@store_app.command("migrate")
def store_migrate() -> None:
    """Create or upgrade the artefact store's schema (Alembic migrations)."""
    from soteflow.settings import get_settings
    from soteflow.store.db import migrate

    migrate(get_settings().store_url)
    typer.echo(f"store at head: {get_settings().store_url}")


def run(application: typer.Typer, argv: list[str] | None = None) -> None:
    """Run a command line: bad input and store problems become one line and an exit status."""
    try:
        application(args=argv, standalone_mode=True)
    except InputError as exc:
        typer.echo(f"soteflow: error: {exc.message}", err=True)
        sys.exit(2)
    except StoreIntegrityError as exc:
        typer.echo(f"soteflow: store integrity: {exc}", err=True)
        sys.exit(1)
    except SoteflowError as exc:
        typer.echo(f"soteflow: error: {exc}", err=True)
        sys.exit(1)


def main(argv: list[str] | None = None) -> None:
    """The engine's commands alone (the full ``soteflow`` command is :func:`tasks.cli.main`)."""
    run(app, argv)
