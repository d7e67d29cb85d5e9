"""Settings from the environment (prefix ``SOTEFLOW_``), read once through :func:`get_settings`.

``PREFECT_*`` settings stay Prefect's own; soteflow only reads its own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The repository root: the application is run from here (flat application layout).
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where soteflow keeps its store, its outputs, and where it reads its inputs."""

    model_config = SettingsConfigDict(env_prefix="SOTEFLOW_", extra="ignore")

    home: Path = Field(
        default=PROJECT_ROOT / "var",
        description="Working directory for the artefact store (SQLite file, content-addressed files).",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the artefact store; default: a SQLite file under `home`.",
    )
    input_dir: Path = Field(
        default=PROJECT_ROOT / "data",
        description="Folder of input files (PxWeb exports, map, region configuration).",
    )
    templates_dir: Path = Field(
        default=PROJECT_ROOT / "templates",
        description="Jinja2 templates, print CSS and fonts of the decision documents.",
    )
    render_workers: int = Field(
        default=0,
        ge=0,
        le=32,
        description=(
            "How many documents of a case are rendered at the same time, each in its own process;"
            " 0: one per CPU (at most 4), 1: one after another in the calling process."
        ),
    )
    dask_address: str | None = Field(
        default=None,
        description=(
            "Address of a running Dask scheduler (tcp://host:8786) that stage 6's producer reports render on"
            " with the task runner `dask`; default: a local Dask cluster of `render_workers` processes."
            " Its workers need this repository's code and templates and the Prefect API (PREFECT_API_URL)."
        ),
    )
    documents_url: str | None = Field(
        default=None,
        description=(
            "Base URL at which the blob folder is served (a shared volume behind a web server, or object"
            " storage): the decision form and the Prefect artifacts link documents there; default: file:// links."
        ),
    )
    notify_webhook_url: str | None = Field(
        default=None,
        description="Webhook that `soteflow notifications` points the decision-awaited automation at.",
    )
    notify_block: str | None = Field(
        default=None,
        description="Name of an existing Prefect notification block (e.g. email) to use instead of the webhook.",
    )
    allow_stale_basis: bool = Field(
        default=False,
        description=(
            "Let a stage build on an approved round that rests on a superseded basis (an earlier stage"
            " approved again since); by default the stage refuses and says which round to run again."
        ),
    )
    pause_poll_seconds: int = Field(
        default=10,
        ge=1,
        le=3600,
        description="How often a paused stage run (gate `pause`) asks the Prefect API whether the decision came.",
    )

    @field_validator("database_url")
    @classmethod
    def _refuse_in_memory_sqlite(cls, value: str | None) -> str | None:
        # An in-memory SQLite store would silently lose every version at exit, and each
        # connection would see a different database: refuse it rather than lose decisions.
        if value is not None and value.strip() in {"sqlite://", "sqlite:///:memory:"}:
            raise ValueError("an in-memory SQLite store would lose every artefact; give a file or server URL")
        return value

    @property
    def store_url(self) -> str:
        """The effective SQLAlchemy URL of the artefact store."""
        return self.database_url or f"sqlite:///{(self.home / 'soteflow.db').resolve()}"

    @property
    def blob_dir(self) -> Path:
        """Where content-addressed files (PDF, HTML, SVG) are kept."""
        return self.home / "blobs"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment. Tests clear the cache."""
    return Settings()
