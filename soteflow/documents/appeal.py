"""Appeal instructions (muutoksenhakuohjeet) by route, from ``templates/legal/appeal.toml``.

The legal text is data: a lawyer reads and edits the TOML file, never Python strings. Each route
has a heading, the provisions it rests on and its paragraphs; the paragraphs may use only the
placeholders :data:`PLACEHOLDERS`, so a typo in the file fails loudly instead of printing a
stray ``{...}`` in a decision.
"""

from __future__ import annotations

import string
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schemas.documents import AppealKind, TextSection
from soteflow.errors import InputError
from soteflow.settings import get_settings

APPEAL_FILE = Path("legal") / "appeal.toml"
#: What a route's text may refer to.
PLACEHOLDERS = frozenset({"authority", "address", "court", "market_court"})


class AppealRoute(BaseModel):
    """One route's instructions as the file gives them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    heading: str = Field(min_length=1, description="Heading printed above the instructions.")
    basis: list[str] = Field(min_length=1, description="The provisions the text rests on.")
    paragraphs: list[str] = Field(min_length=1, description="Paragraphs with {placeholders}.")


@lru_cache(maxsize=4)
def load_routes(templates_dir: Path) -> dict[AppealKind, AppealRoute]:
    """Every route of the appeal file, validated: all routes present, only known placeholders."""
    path = templates_dir / APPEAL_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"cannot read the appeal instructions: {exc}", file=path) from exc
    routes: dict[AppealKind, AppealRoute] = {}
    for kind in AppealKind:
        if kind.value not in raw:
            raise InputError("route is missing", file=path, field=kind.value)
        try:
            route = AppealRoute.model_validate(raw[kind.value])
        except ValidationError as exc:
            error = exc.errors()[0]
            raise InputError(error["msg"], file=path, field=f"{kind.value}.{error['loc'][0]}") from exc
        for number, paragraph in enumerate(route.paragraphs):
            names = {name for _, name, _, _ in string.Formatter().parse(paragraph) if name is not None}
            unknown = names - PLACEHOLDERS
            if unknown:
                raise InputError(
                    f"unknown placeholder {{{sorted(unknown)[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}",
                    file=path,
                    field=f"{kind.value}.paragraphs[{number}]",
                )
        routes[kind] = route
    return routes


def appeal_instructions(
    kind: AppealKind,
    *,
    authority: str,
    address: str,
    court: str,
    market_court: str = "markkinaoikeus",
    templates_dir: Path | None = None,
) -> list[TextSection]:
    """The instructions of ``kind`` with the deciding body, registry and courts filled in."""
    route = load_routes((templates_dir or get_settings().templates_dir).resolve())[kind]
    values = {"authority": authority, "address": address, "court": court, "market_court": market_court}
    return [TextSection(heading=route.heading, paragraphs=[p.format(**values) for p in route.paragraphs])]
