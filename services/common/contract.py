"""Servicers for RPCs whose behaviour a later issue delivers: each answers UNIMPLEMENTED
with a message naming that issue's area, never a crash or a hang."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf.descriptor import ServiceDescriptor


def _method(name: str, area: str, req_stream: bool, resp_stream: bool) -> Any:
    message = f"{name} belongs to {area} and is not built yet; the contract is final"
    if resp_stream:

        async def stream(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
            await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)
            yield  # pragma: no cover - makes this an async generator

        return stream

    async def unary(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, message)

    return unary


def pending_servicer(
    base: type, service: ServiceDescriptor, area: str, done: type | None = None
) -> Any:
    """An instance of `base` whose methods not defined on `done` answer UNIMPLEMENTED."""
    attrs: dict[str, Any] = {}
    for m in service.methods:
        if done is not None and hasattr(done, m.name):
            continue
        attrs[m.name] = _method(
            f"{service.full_name}/{m.name}", area, m.client_streaming, m.server_streaming
        )
    bases = (done, base) if done is not None else (base,)
    return type(f"Pending{service.name}", bases, attrs)
