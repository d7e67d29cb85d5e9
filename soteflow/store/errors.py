"""The store's exceptions; all are :class:`soteflow.errors.SoteflowError`."""

from __future__ import annotations

from soteflow.errors import SoteflowError, StoreIntegrityError

__all__ = [
    "ArtefactMismatchError",
    "InvalidTransitionError",
    "NotFoundError",
    "StoreError",
    "StoreIntegrityError",
]


class StoreError(SoteflowError):
    """Base class of the artefact store's errors (other than integrity failures)."""


class InvalidTransitionError(StoreError):
    """A status change that the version life cycle does not allow."""


class ArtefactMismatchError(StoreError):
    """A save that names an existing artefact key with a different stage or kind."""


class NotFoundError(StoreError):
    """A version or artefact that is not in the store."""
