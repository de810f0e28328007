"""Domain errors to gRPC status codes, in one place for every servicer."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import grpc

from services.common.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PreconditionError,
    UnavailableError,
    ValidationError,
)

_CODES: list[tuple[type[DomainError], grpc.StatusCode]] = [
    (ValidationError, grpc.StatusCode.INVALID_ARGUMENT),
    (NotFoundError, grpc.StatusCode.NOT_FOUND),
    (ConflictError, grpc.StatusCode.ABORTED),
    (UnavailableError, grpc.StatusCode.UNAVAILABLE),
    (PreconditionError, grpc.StatusCode.FAILED_PRECONDITION),
]

R = TypeVar("R")


def code_for(exc: DomainError) -> grpc.StatusCode:
    for typ, code in _CODES:
        if isinstance(exc, typ):
            return code
    return grpc.StatusCode.FAILED_PRECONDITION


def rpc(fn: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """Decorate a unary servicer method: DomainError becomes its status code."""

    @functools.wraps(fn)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> R:
        try:
            return await fn(self, request, context)
        except DomainError as exc:
            await context.abort(code_for(exc), str(exc))
            raise  # unreachable: abort raises

    return wrapper


def stream_rpc(fn: Callable[..., AsyncIterator[R]]) -> Callable[..., AsyncIterator[R]]:
    """Decorate a server-streaming servicer method likewise."""

    @functools.wraps(fn)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            async for item in fn(self, request, context):
                yield item
        except DomainError as exc:
            await context.abort(code_for(exc), str(exc))

    return wrapper
