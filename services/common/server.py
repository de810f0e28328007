"""Server bootstrap shared by the five services: a grpc.aio server with health, reflection,
trace-context interceptor, readiness probing and a clean SIGTERM shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection
from opentelemetry import trace

from services.common.observability import extract_context

log = logging.getLogger("aura.server")

# Large enough that our own size check (INVALID_ARGUMENT naming the field) answers first.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

# grpc's handler objects are untyped at run time (namedtuples made by grpc's helpers).
Handler: TypeAlias = Any


def wrap_handler(
    handler: Handler,
    around: Callable[[Callable[..., Any], bool, bool], Callable[..., Any]],
) -> Handler:
    """Rebuild `handler` with each behaviour passed through `around(behaviour, req_stream,
    resp_stream)`; used by interceptors that must run code around every kind of RPC."""
    req_s, resp_s = handler.request_streaming, handler.response_streaming
    kwargs = {
        "request_deserializer": handler.request_deserializer,
        "response_serializer": handler.response_serializer,
    }
    if not req_s and not resp_s:
        return grpc.unary_unary_rpc_method_handler(
            around(handler.unary_unary, False, False), **kwargs
        )
    if not req_s and resp_s:
        return grpc.unary_stream_rpc_method_handler(
            around(handler.unary_stream, False, True), **kwargs
        )
    if req_s and not resp_s:
        return grpc.stream_unary_rpc_method_handler(
            around(handler.stream_unary, True, False), **kwargs
        )
    return grpc.stream_stream_rpc_method_handler(
        around(handler.stream_stream, True, True), **kwargs
    )


class TracingInterceptor(grpc.aio.ServerInterceptor):
    """Starts a server span per call, parented on the caller's `traceparent` metadata."""

    def __init__(self, service: str) -> None:
        self._tracer = trace.get_tracer(f"aura.{service}")

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        handler = await continuation(details)
        if handler is None:
            return None
        method = details.method
        if method.startswith("/grpc.health.") or method.startswith("/grpc.reflection."):
            return handler
        meta = {k: v for k, v in (details.invocation_metadata or ()) if isinstance(v, str)}
        ctx = extract_context(meta)
        tracer = self._tracer

        def around(fn: Callable[..., Any], _req_s: bool, resp_s: bool) -> Callable[..., Any]:
            if resp_s:

                async def gen(request: Any, context: Any) -> Any:
                    # A stream's span is not made current: a generator suspends across
                    # contexts, and the streamed items carry their own trace context.
                    span = tracer.start_span(method, context=ctx, kind=trace.SpanKind.SERVER)
                    try:
                        async for item in fn(request, context):
                            yield item
                    finally:
                        span.end()

                return gen

            async def unary(request: Any, context: Any) -> Any:
                with tracer.start_as_current_span(method, context=ctx, kind=trace.SpanKind.SERVER):
                    return await fn(request, context)

            return unary

        return wrap_handler(handler, around)


def server_credentials(tls_cert: str, tls_key: str) -> grpc.ServerCredentials | None:
    """TLS credentials from PEM files (AURA_TLS_CERT, AURA_TLS_KEY); None when unset."""
    if not tls_cert:
        return None
    with open(tls_key, "rb") as key, open(tls_cert, "rb") as cert:
        return grpc.ssl_server_credentials([(key.read(), cert.read())])


def client_channel(target: str, tls_cert: str = "") -> grpc.aio.Channel:
    """A channel to a mesh service: TLS trusting `tls_cert` (a self-signed certificate or
    the CA that signed the services' certificates) when given, else plain text."""
    if not tls_cert:
        return grpc.aio.insecure_channel(target)
    with open(tls_cert, "rb") as cert:
        creds = grpc.ssl_channel_credentials(root_certificates=cert.read())
    return grpc.aio.secure_channel(target, creds)


@dataclass
class ServiceApp:
    """What a service hands to `run`: how to register it and how to tell it is ready."""

    name: str
    service_names: Sequence[str]
    register: Callable[[grpc.aio.Server], None]
    ready: Callable[[], Awaitable[bool]]
    start: Callable[[], Awaitable[None]] | None = None
    stop: Callable[[], Awaitable[None]] | None = None
    interceptors: list[grpc.aio.ServerInterceptor] = field(default_factory=list)
    #: TLS of the port (see `server_credentials`); None serves plain text.
    credentials: grpc.ServerCredentials | None = None


class RunningServer:
    """A started service: the gRPC server, its health servicer and the readiness loop."""

    def __init__(self, app: ServiceApp, server: grpc.aio.Server, port: int) -> None:
        self.app = app
        self.server = server
        self.port = port
        self.health = HealthServicer()
        self._probe: asyncio.Task[None] | None = None
        self._stopped = asyncio.Event()

    async def _set_all(self, status: int) -> None:
        for name in ("", *self.app.service_names):
            await self.health.set(name, status)

    async def probe_once(self) -> bool:
        try:
            ok = await self.app.ready()
        except Exception:  # a failing probe means not ready, never a crash
            log.exception("readiness probe failed")
            ok = False
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if ok
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        await self._set_all(status)
        return ok

    async def _probe_loop(self, interval: float) -> None:
        while True:
            await self.probe_once()
            await asyncio.sleep(interval)

    async def stop(self, grace: float) -> None:
        """NOT_SERVING first, drain in-flight calls, then close the app's resources."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._probe:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        if self.app.stop:
            await self.app.stop()
        log.info("stopped", extra={"service": self.app.name})

    async def wait(self) -> None:
        await self._stopped.wait()


async def start_server(
    app: ServiceApp, host: str, port: int, probe_interval: float = 1.0
) -> RunningServer:
    """Start `app` on host:port (port 0 picks one); returns once it accepts calls."""
    server = grpc.aio.server(
        interceptors=[TracingInterceptor(app.name), *app.interceptors],
        options=[
            ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
            ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ("grpc.so_reuseport", 0),
        ],
    )
    running = RunningServer(app, server, 0)
    health_pb2_grpc.add_HealthServicer_to_server(running.health, server)
    app.register(server)
    names: Iterable[str] = (
        *app.service_names,
        health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
        reflection.SERVICE_NAME,
    )
    reflection.enable_server_reflection(tuple(names), server)
    if app.credentials is not None:
        bound = server.add_secure_port(f"{host}:{port}", app.credentials)
    else:
        bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"cannot bind {host}:{port}")
    running.port = bound
    await running._set_all(health_pb2.HealthCheckResponse.NOT_SERVING)
    if app.start:
        await app.start()
    await server.start()
    await running.probe_once()
    running._probe = asyncio.create_task(running._probe_loop(probe_interval))
    log.info("serving", extra={"service": app.name, "port": bound})
    return running


async def serve_forever(app: ServiceApp, host: str, port: int, grace: float) -> None:
    """Run until SIGTERM or SIGINT, then stop cleanly (the composition roots call this)."""
    running = await start_server(app, host, port)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(running.stop(grace)))
    await running.wait()
