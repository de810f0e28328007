import json
import logging

from opentelemetry.sdk.trace import TracerProvider

from services.common.observability import JsonFormatter, extract_context, inject_headers


def test_log_lines_are_json_with_the_current_trace_id():
    tracer = TracerProvider().get_tracer("t")
    fmt = JsonFormatter("ingest")
    record = logging.LogRecord("aura.x", logging.INFO, "f", 1, "frame %s", (7,), None)
    record.sensor = "radar_1"
    with tracer.start_as_current_span("s") as span:
        line = json.loads(fmt.format(record))
    assert line["msg"] == "frame 7" and line["service"] == "ingest"
    assert line["sensor"] == "radar_1" and line["level"] == "INFO"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")


def test_inject_then_extract_keeps_the_trace():
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("s") as span:
        headers = inject_headers({"Nats-Msg-Id": "a:1"})
    assert headers["Nats-Msg-Id"] == "a:1"
    ctx = extract_context(headers)
    from opentelemetry import trace

    assert trace.get_current_span(ctx).get_span_context().trace_id == (
        span.get_span_context().trace_id
    )
