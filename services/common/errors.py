"""Domain errors every service maps to gRPC status codes the same way."""

from __future__ import annotations


class DomainError(Exception):
    """Base of the errors a domain raises on purpose."""


class ValidationError(DomainError):
    """Bad input: INVALID_ARGUMENT. `field` is the path of the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class NotFoundError(DomainError):
    """The named object does not exist: NOT_FOUND."""


class ConflictError(DomainError):
    """A stale update (version mismatch): ABORTED."""


class UnavailableError(DomainError):
    """A dependency is away: UNAVAILABLE (the caller may retry)."""


class PreconditionError(DomainError):
    """The object is in a state that does not allow the call: FAILED_PRECONDITION."""
