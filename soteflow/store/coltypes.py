"""Column types shared by the store's tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> dt.datetime:
    """The current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime on every backend.

    SQLite has no time-zone type and returns naive values; PostgreSQL returns aware ones in the
    session's zone. Both come back as aware UTC, and naive values are refused on the way in, so
    no local time can slip into storage (CONVENTIONS: timezone-aware UTC in storage).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert an aware datetime to UTC before storing it; refuse naive ones."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: the store keeps aware UTC times")
        value = value.astimezone(dt.UTC)
        # SQLite would store the offset text inconsistently; store plain UTC there.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        """Return the stored time as an aware UTC datetime."""
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
