"""AnalyticsService, the read side: every query RPC, AcknowledgeAlert, the CSV export,
StreamEvents and GetForecast, over the tables the write side fills.

Wiring (services/analytics/main.py):

    servicer = AnalyticsServicer(AnalyticsDeps(settings, db, nc, js, registry))
    await servicer.start()   # StreamEvents' NATS subscriptions and the heatmap publisher
    register=lambda s: analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(servicer, s)
    ...
    await servicer.stop()    # before draining NATS and closing the pool

`deps.registry` must be started (admin's sensors, zones and thresholds): sensors and zones
are "known" when admin has them or when stored rows name them (NOT_FOUND otherwise), the
forecast grades its scores with the thresholds in force, incidents are placed on the map at
the sensor's position or the zone's centroid.

Errors: bad input is INVALID_ARGUMENT naming the field, an unknown sensor, zone, site,
alert or telemetry channel NOT_FOUND, PostgreSQL away UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import grpc
from google.api import httpbody_pb2

from aura.admin.v1 import admin_pb2
from aura.analytics.v1 import analytics_pb2 as pb
from aura.analytics.v1 import analytics_pb2_grpc as pb_grpc
from aura.common.v1 import common_pb2 as c
from aura.common.v1 import common_pb2 as common
from services.analytics.adapters import queries as sql
from services.analytics.adapters.events_feed import EventHub, EventsFeed, HeatmapPublisher
from services.analytics.deps import AnalyticsDeps
from services.analytics.domain import events as ev
from services.analytics.domain import forecast as fc
from services.analytics.domain import queries as q
from services.analytics.domain.queries import to_timestamp
from services.common import bus
from services.common.auth import caller_name
from services.common.errors import NotFoundError, ValidationError
from services.common.status import rpc, stream_rpc

log = logging.getLogger("aura.analytics.read")

ACK_SUBJECT = "aura.events.alert.acknowledged"
#: A fused track is "live" when it has a sampled position this recent.
LIVE_FUSED = timedelta(seconds=10)
#: A sensor is "reporting" when its latest frame arrived this recently.
REPORTING = timedelta(seconds=30)
CSV_COLUMNS = (
    "alert_id",
    "kind",
    "severity",
    "state",
    "title",
    "sensor_ids",
    "zone_id",
    "lane_id",
    "global_id",
    "congestion_level",
    "threat_level",
    "raised_at",
    "last_seen_at",
    "cleared_at",
    "occurrences",
    "acknowledged_by",
    "acknowledged_at",
    "session_id",
)
CSV_CHUNK_BYTES = 64 * 1024


def _opt(msg: Any, name: str) -> Any:
    """The message field `name`, or None when it is unset."""
    return getattr(msg, name) if msg.HasField(name) else None


def _rfc3339(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _enum_name(enum: object, value: int, prefix: str) -> str:
    try:
        return str(enum.Name(value)).removeprefix(prefix)  # type: ignore[attr-defined]
    except ValueError:
        return str(value)


class AnalyticsServicer(pb_grpc.AnalyticsServiceServicer):
    def __init__(
        self,
        deps: AnalyticsDeps,
        *,
        event_buffer: int = 1024,
        heatmap_interval_s: float = 10.0,
        publish_heatmaps: bool = True,
    ) -> None:
        self.deps = deps
        self.window_s = max(1, round(deps.settings.analytics_window_s))
        self.hub = EventHub(event_buffer)
        self.feed = EventsFeed(deps.nc, self.hub)
        self.heatmaps = HeatmapPublisher(deps.js, self._live_heatmap, heatmap_interval_s)
        self.publish_heatmaps = publish_heatmaps

    async def start(self) -> None:
        await self.feed.start()
        if self.publish_heatmaps:
            self.heatmaps.start()

    async def stop(self) -> None:
        await self.heatmaps.stop()
        await self.feed.stop()

    # ------------------------------------------------------------------ plumbing

    def _conn(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        """A pooled connection; UNAVAILABLE when PostgreSQL cannot be reached."""
        return self.deps.db.connection()

    async def _require_sensor(self, conn: asyncpg.Connection, sensor_id: str) -> None:
        if sensor_id in self.deps.registry.sensors or await sql.sensor_stored(conn, sensor_id):
            return
        raise NotFoundError(
            f"sensor {sensor_id!r} is neither registered with admin nor in stored data"
        )

    async def _require_zone(self, conn: asyncpg.Connection, zone_id: str) -> None:
        if zone_id in self.deps.registry.zones or await sql.zone_stored(conn, zone_id):
            return
        raise NotFoundError(f"zone {zone_id!r} is neither defined in admin nor in stored data")

    async def _resolve(self, conn: asyncpg.Connection, key: q.Key, zone_id: str = "") -> q.Key:
        """Check the key's sensor or zone (and `zone_id`, the zone a request named, when it
        differs: the zone of a LANE zone) exists; a LANE zone named as a zone is its lane key
        (the write side keys a LANE zone's windows as (LANE, '', zone, zone))."""
        if key.sensor_id:
            await self._require_sensor(conn, key.sensor_id)
            return key
        if zone_id and zone_id != key.zone_id:
            await self._require_zone(conn, zone_id)
        await self._require_zone(conn, key.zone_id)
        if key.scope == q.SCOPE_ZONE:
            zone = self.deps.registry.zones.get(key.zone_id)
            if zone is not None and zone.kind == admin_pb2.ZONE_KIND_LANE:
                return q.Key(q.SCOPE_LANE, "", key.zone_id, key.zone_id)
        return key

    def _now(self) -> datetime:
        return datetime.now(UTC)

    # ------------------------------------------------------------------ metrics

    @rpc
    async def GetCurrentMetrics(
        self, request: pb.GetCurrentMetricsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCurrentMetricsResponse:
        scopes = q.scopes_of(request.scope)
        async with self._conn() as conn:
            rows = await sql.latest_windows(conn, scopes, request.sensor_ids, request.zone_ids)
        return pb.GetCurrentMetricsResponse(metrics=[sql.window_of_row(r) for r in rows])

    @rpc
    async def GetMetricsHistory(
        self, request: pb.GetMetricsHistoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetMetricsHistoryResponse:
        key = q.key_of(request.sensor_id, request.zone_id, request.lane_id)
        assert key is not None
        rng = q.time_range(
            _opt(request, "start_time"),
            _opt(request, "end_time"),
            self._now(),
        )
        step = q.history_step(request.step_seconds, self.window_s, rng)
        async with self._conn() as conn:
            key = await self._resolve(conn, key, request.zone_id)
            sums = await sql.history(conn, key, rng, step)
        return pb.GetMetricsHistoryResponse(
            key=key.to_pb(), step_seconds=step, points=[q.step_point(key, s, step) for s in sums]
        )

    @rpc
    async def CompareRanges(
        self, request: pb.CompareRangesRequest, context: grpc.aio.ServicerContext
    ) -> pb.CompareRangesResponse:
        key = q.key_of(request.sensor_id, request.zone_id, required=False)
        ra = q.required_range(
            _opt(request, "a_start_time"),
            _opt(request, "a_end_time"),
            "a_",
        )
        rb = q.required_range(
            _opt(request, "b_start_time"),
            _opt(request, "b_end_time"),
            "b_",
        )
        async with self._conn() as conn:
            if key is not None:
                key = await self._resolve(conn, key)
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                a = q.range_summary(ra, await sql.range_sums(conn, key, ra))
                b = q.range_summary(rb, await sql.range_sums(conn, key, rb))
        return pb.CompareRangesResponse(
            key=key.to_pb() if key is not None else pb.MetricsKey(),
            a=a,
            b=b,
            change=q.range_change(a, b),
        )

    # ------------------------------------------------------------------ heatmap

    async def _heatmap(
        self,
        conn: asyncpg.Connection,
        end: datetime,
        minutes: int,
        cell: float,
        site_id: str,
        labels: Sequence[str],
    ) -> pb.Heatmap:
        rng = q.TimeRange(end - timedelta(minutes=minutes), end)
        cells = await sql.heatmap_cells(conn, rng, cell, site_id, labels)
        return q.heatmap(site_id, rng, cell, cells)

    async def _live_heatmap(self, end: datetime) -> pb.Heatmap:
        """HEATMAP_UPDATE: the last 5 minutes at the default cell, all sites."""
        async with self._conn() as conn:
            return await self._heatmap(
                conn, end, q.DEFAULT_HEATMAP_MINUTES, q.DEFAULT_CELL_M, "", ()
            )

    def _site_known(self, site_id: str) -> bool:
        reg = self.deps.registry
        return any(s.sensor.site_id == site_id for s in reg.sensors.values()) or any(
            z.site_id == site_id for z in reg.zones.values()
        )

    @rpc
    async def GetHeatmap(
        self, request: pb.GetHeatmapRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetHeatmapResponse:
        minutes = q.at_most(
            "window_minutes",
            request.window_minutes,
            q.DEFAULT_HEATMAP_MINUTES,
            q.MAX_HEATMAP_MINUTES,
        )
        cell = q.cell_size(request.cell_size_m)
        async with self._conn() as conn:
            site = request.site_id
            if site and not self._site_known(site) and not await sql.site_stored(conn, site):
                raise NotFoundError(f"site {site!r} has no sensor, zone or stored position")
            heatmap = await self._heatmap(
                conn, self._now(), minutes, cell, site, request.class_labels
            )
        return pb.GetHeatmapResponse(heatmap=heatmap)

    # ------------------------------------------------------------------ incidents

    def _position(self, key: q.Key) -> c.Vector3 | None:
        reg = self.deps.registry
        if key.sensor_id:
            s = reg.sensors.get(key.sensor_id)
            if s is not None and s.sensor.HasField("pose"):
                p = s.sensor.pose.position
                return c.Vector3(x=p.x, y=p.y, z=p.z)
            return None
        zone = reg.zones.get(key.zone_id or key.lane_id)
        if zone is None:
            return None
        if zone.HasField("line"):
            pts = [(zone.line.start.x, zone.line.start.y), (zone.line.end.x, zone.line.end.y)]
        else:
            pts = [(v.x, v.y) for v in zone.polygon.vertices]
        xy = q.centroid(pts)
        return c.Vector3(x=xy[0], y=xy[1]) if xy is not None else None

    @rpc
    async def ListIncidents(
        self, request: pb.ListIncidentsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListIncidentsResponse:
        level = q.congestion_level(request.min_level, "min_level") or c.CONGESTION_LEVEL_MODERATE
        scopes = q.scopes_of(request.scope)
        out: list[pb.Incident] = []
        async with self._conn() as conn:
            for row in await sql.latest_windows(conn, scopes):
                if row["congestion_level"] < level:
                    continue
                key = sql.key_of_row(row)
                since = await sql.run_since(conn, key, level)
                inc = pb.Incident(
                    key=key.to_pb(),
                    level=row["congestion_level"],
                    congestion_score=row["congestion_score"],
                    since=to_timestamp(since or row["window_start"]),
                    latest=sql.window_of_row(row),
                    alert_id=await sql.active_key_alert(conn, key),
                )
                pos = self._position(key)
                if pos is not None:
                    inc.position.CopyFrom(pos)
                out.append(inc)
        out.sort(key=lambda i: (-i.congestion_score, i.key.scope, i.key.sensor_id, i.key.zone_id))
        return pb.ListIncidentsResponse(incidents=out)

    # ------------------------------------------------------------------ alerts

    async def _alert_page(
        self, query: q.AlertQuery, page_size: int, token: str
    ) -> tuple[list[pb.Alert], str]:
        after = q.decode_alert_token(token)
        async with self._conn() as conn:
            rows = await sql.list_alerts(conn, query, after, page_size + 1)
        more = len(rows) > page_size
        rows = rows[:page_size]
        nxt = q.encode_alert_token(rows[-1]["raised_at"], rows[-1]["alert_id"]) if more else ""
        return [sql.alert_of_row(r) for r in rows], nxt

    @rpc
    async def ListActiveAlerts(
        self, request: pb.ListActiveAlertsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListActiveAlertsResponse:
        query = q.active_alert_query(request)
        size = q.clamp(request.page_size, q.DEFAULT_ACTIVE_PAGE, 1, q.MAX_ACTIVE_PAGE)
        alerts, nxt = await self._alert_page(query, size, request.page_token)
        return pb.ListActiveAlertsResponse(alerts=alerts, next_page_token=nxt)

    @rpc
    async def ListAlertHistory(
        self, request: pb.ListAlertHistoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAlertHistoryResponse:
        query = q.alert_query(request.filter)
        size = q.clamp(request.page_size, q.DEFAULT_HISTORY_PAGE, 1, q.MAX_HISTORY_PAGE)
        alerts, nxt = await self._alert_page(query, size, request.page_token)
        return pb.ListAlertHistoryResponse(alerts=alerts, next_page_token=nxt)

    @rpc
    async def AcknowledgeAlert(
        self, request: pb.AcknowledgeAlertRequest, context: grpc.aio.ServicerContext
    ) -> pb.AcknowledgeAlertResponse:
        """The first acknowledgement sticks: acknowledging again returns the alert
        unchanged (and publishes nothing). A cleared alert can still be acknowledged (the
        operator saw it after it ended). ALERT_ACKNOWLEDGED is published after the commit;
        if NATS does not take it the acknowledgement stands and a warning is logged."""
        q.check_alert_id("alert_id", request.alert_id)
        remark = q.comment(request.comment)
        async with self._conn() as conn:
            row, changed = await sql.acknowledge(
                conn, request.alert_id, caller_name(), self._now(), remark
            )
        if row is None:
            raise NotFoundError(f"alert {request.alert_id!r} does not exist")
        alert = sql.alert_of_row(row)
        if changed:
            event = pb.StreamEventsResponse(
                timestamp=alert.acknowledged_at,
                type=pb.EVENT_TYPE_ALERT_ACKNOWLEDGED,
                alert_acknowledged=alert,
            )
            try:
                await bus.publish(
                    self.deps.js,
                    ACK_SUBJECT,
                    event.SerializeToString(),
                    ev.ack_msg_id(alert.alert_id),
                )
            except Exception as exc:
                log.warning(
                    "ALERT_ACKNOWLEDGED not published",
                    extra={"alert_id": alert.alert_id, "error": str(exc)},
                )
        return pb.AcknowledgeAlertResponse(alert=alert)

    @stream_rpc
    async def ExportAlertsCsv(
        self, request: pb.ExportAlertsCsvRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        query = q.alert_query(request.filter)
        kind = "text/csv; charset=utf-8"
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180
        writer.writerow(CSV_COLUMNS)
        async with self._conn() as conn, conn.transaction(readonly=True):
            async for r in sql.iter_alerts_oldest_first(conn, query):
                writer.writerow(
                    (
                        r["alert_id"],
                        _enum_name(pb.AlertKind, r["kind"], "ALERT_KIND_"),
                        _enum_name(pb.AlertSeverity, r["severity"], "ALERT_SEVERITY_"),
                        _enum_name(pb.AlertState, r["state"], "ALERT_STATE_"),
                        r["title"],
                        ";".join(r["sensor_ids"]),
                        r["zone_id"],
                        r["lane_id"],
                        r["global_id"],
                        _enum_name(c.CongestionLevel, r["congestion_level"], "CONGESTION_LEVEL_"),
                        r["threat_level"],
                        _rfc3339(r["raised_at"]),
                        _rfc3339(r["last_seen_at"]),
                        _rfc3339(r["cleared_at"]),
                        r["occurrences"],
                        r["acknowledged_by"],
                        _rfc3339(r["acknowledged_at"]),
                        r["session_id"],
                    )
                )
                if buf.tell() >= CSV_CHUNK_BYTES:
                    yield httpbody_pb2.HttpBody(content_type=kind, data=buf.getvalue().encode())
                    buf.seek(0)
                    buf.truncate()
        yield httpbody_pb2.HttpBody(content_type=kind, data=buf.getvalue().encode())

    # ------------------------------------------------------------------ detections

    @rpc
    async def QueryDetections(
        self, request: pb.QueryDetectionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.QueryDetectionsResponse:
        rng = q.optional_range(_opt(request, "start_time"), _opt(request, "end_time"))
        q.confidence("min_confidence", request.min_confidence)
        limit = q.clamp(request.limit, q.DEFAULT_DETECTION_LIMIT, 1, q.MAX_DETECTION_LIMIT)
        async with self._conn() as conn:
            rows = await sql.query_detections(
                conn,
                rng,
                request.class_label,
                request.sensor_id,
                request.session_id,
                request.min_confidence,
                limit + 1,
            )
        out = pb.QueryDetectionsResponse(limit=limit, truncated=len(rows) > limit)
        for r in rows[:limit]:
            out.detections.append(
                pb.StoredDetection(
                    detection=common.Detection.FromString(r["detection"]),
                    received_at=to_timestamp(r["received_at"]),
                    session_id=r["session_id"],
                )
            )
        return out

    # ------------------------------------------------------------------ dashboard

    @rpc
    async def GetDashboardSummary(
        self, request: pb.GetDashboardSummaryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetDashboardSummaryResponse:
        now = self._now()
        site = request.site_id
        reg = self.deps.registry
        minute = q.TimeRange(now - timedelta(minutes=1), now)
        async with self._conn() as conn:
            latest_all = await sql.latest_windows(conn, [1, 2, 3])
            seen = await sql.sensors_latest(conn)
            rates = await sql.detection_counts(conn, minute)
            fused = await sql.fused_live(conn, now - LIVE_FUSED, site)
            by_class = await sql.fused_by_class(conn, now - timedelta(hours=1), site)
            alerts = await sql.alert_counts(conn)
            late = await sql.late_dropped(conn, now - timedelta(hours=1))

        def in_site(sensor_id: str) -> bool:
            if not site:
                return True
            s = reg.sensors.get(sensor_id)
            return s is not None and s.sensor.site_id == site

        def zone_in_site(zone_id: str) -> bool:
            z = reg.zones.get(zone_id)
            return not site or (z is not None and z.site_id == site)

        latest_sensor = {r["sensor_id"]: r for r in latest_all if r["scope"] == q.SCOPE_SENSOR}
        recent = now - 24 * timedelta(hours=1)
        last_seen = {r["sensor_id"]: r for r in seen if r["ts"] >= recent}
        ids = sorted(
            sid
            for sid in set(last_seen)
            | {s for s, r in latest_sensor.items() if r["window_end"] >= recent}
            if in_site(sid)
        )
        live_horizon = now - timedelta(seconds=3 * self.window_s)
        out = pb.GetDashboardSummaryResponse(timestamp=to_timestamp(now))
        speed_sum = speed_n = 0.0
        for sid in ids:
            line = pb.SensorSummary(sensor_id=sid)
            geo = reg.sensors.get(sid)
            seen_row = last_seen.get(sid)
            if geo is not None:
                line.sensor_kind = geo.sensor.kind
            elif seen_row is not None:
                line.sensor_kind = seen_row["sensor_kind"]
            if seen_row is not None:
                line.last_seen_at.CopyFrom(to_timestamp(seen_row["ts"]))
                if max(seen_row["ts"], seen_row["received_at"]) >= now - REPORTING:
                    out.sensors_reporting += 1
            line.detections_per_second = rates.get(sid, 0) / 60.0
            w = latest_sensor.get(sid)
            if w is not None:
                line.latest.CopyFrom(sql.window_of_row(w))
                if w["window_end"] >= live_horizon:
                    line.live_tracks = w["unique_tracks"]
                if w["speed_source"]:
                    speed_sum += w["mean_speed_mps"]
                    speed_n += 1
            out.live_tracks += line.live_tracks
            out.detections_per_second += line.detections_per_second
            out.sensors.append(line)
        out.sensors_total = len(ids)
        out.mean_speed_mps = speed_sum / speed_n if speed_n else 0.0
        worst = None
        for r in latest_all:
            ok = in_site(r["sensor_id"]) if r["sensor_id"] else zone_in_site(r["zone_id"])
            if not ok:
                continue
            if worst is None or (r["congestion_level"], r["congestion_score"]) > (
                worst["congestion_level"],
                worst["congestion_score"],
            ):
                worst = r
        if worst is not None:
            out.worst_congestion_level = worst["congestion_level"]
            out.worst_congestion_key.CopyFrom(sql.key_of_row(worst).to_pb())
        out.live_fused_tracks = fused["live"]
        out.max_threat_level = fused["max_threat"]
        out.threatening_tracks = fused["threatening"]
        out.unique_tracks_last_hour = sum(by_class.values())
        out.unique_tracks_last_hour_by_class.update(by_class)
        out.active_alerts = alerts["active"]
        out.unacknowledged_alerts = alerts["unack"]
        out.critical_alerts = alerts["critical"]
        out.late_dropped_last_hour = late
        return out

    # ------------------------------------------------------------------ telemetry

    @rpc
    async def GetLatestTelemetry(
        self, request: pb.GetLatestTelemetryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetLatestTelemetryResponse:
        async with self._conn() as conn:
            rows = await sql.telemetry_latest(conn, request.source_id, request.channels)
        return pb.GetLatestTelemetryResponse(
            samples=[
                sql.sample(r["source_id"], r["channel"], r["ts"], r["value"], r["unit"])
                for r in rows
            ]
        )

    @rpc
    async def ListTelemetryChannels(
        self, request: pb.ListTelemetryChannelsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTelemetryChannelsResponse:
        async with self._conn() as conn:
            rows = await sql.telemetry_channels(conn, request.source_id)
        return pb.ListTelemetryChannelsResponse(
            channels=[
                pb.TelemetryChannel(
                    source_id=r["source_id"],
                    channel=r["channel"],
                    unit=r["unit"],
                    sample_count=r["n"],
                    first_at=to_timestamp(r["first_at"]),
                    last_at=to_timestamp(r["last_at"]),
                    last_value=r["last_value"],
                )
                for r in rows
            ]
        )

    @rpc
    async def GetTelemetryRange(
        self, request: pb.GetTelemetryRangeRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTelemetryRangeResponse:
        if not request.source_id:
            raise ValidationError("source_id", "is required")
        if not request.channel:
            raise ValidationError("channel", "is required")
        rng = q.time_range(
            _opt(request, "start_time"),
            _opt(request, "end_time"),
            self._now(),
        )
        limit = q.clamp(request.limit, q.DEFAULT_TELEMETRY_LIMIT, 1, q.MAX_TELEMETRY_LIMIT)
        async with self._conn() as conn:
            if not await sql.telemetry_stored(conn, request.source_id, request.channel):
                raise NotFoundError(
                    f"no telemetry is stored for channel {request.channel!r} "
                    f"of source {request.source_id!r}"
                )
            rows = await sql.telemetry_range(
                conn, request.source_id, request.channel, rng, request.step_seconds, limit + 1
            )
        return pb.GetTelemetryRangeResponse(
            samples=[
                sql.sample(request.source_id, request.channel, t, v, u) for t, v, u in rows[:limit]
            ],
            truncated=len(rows) > limit,
        )

    # ------------------------------------------------------------------ forecast

    def _levels(self, key: q.Key) -> tuple[float, float, float]:
        th = self.deps.registry.thresholds
        if th is None:
            return q.DEFAULT_LEVELS
        ct = th.congestion
        for k in (key.sensor_id, key.zone_id):
            if k and k in th.congestion_overrides:
                ct = th.congestion_overrides[k]
        if not 0 < ct.moderate_score < ct.high_score < ct.severe_score:
            return q.DEFAULT_LEVELS
        return ct.moderate_score, ct.high_score, ct.severe_score

    @rpc
    async def GetForecast(
        self, request: pb.GetForecastRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetForecastResponse:
        key = q.key_of(request.sensor_id, request.zone_id)
        assert key is not None
        horizon = q.at_most("horizon_minutes", request.horizon_minutes, 10, 120)
        lookback = q.at_most("lookback_minutes", request.lookback_minutes, 60, 1440)
        step = request.step_seconds or 60
        if step % self.window_s:
            raise ValidationError(
                "step_seconds",
                f"{request.step_seconds} is not a multiple of the window length {self.window_s} s",
            )
        if step > horizon * 60:
            raise ValidationError(
                "step_seconds", f"{step} s is longer than the horizon of {horizon} minutes"
            )
        async with self._conn() as conn:
            key = await self._resolve(conn, key)
            end = await sql.latest_window_end(conn, key)
            if end is None:
                raise NotFoundError(f"{key.describe()} has no stored windows to forecast from")
            rng = q.TimeRange(end - timedelta(minutes=lookback), end)
            rows = await sql.key_windows(conn, key, rng)
        windows = [
            (r["window_start"].timestamp(), r["congestion_score"], float(r["unique_tracks"]))
            for r in rows
        ]
        series = fc.resample(windows, step, self.window_s)
        steps = -(-horizon * 60 // step)
        try:
            result = await asyncio.to_thread(fc.forecast, series, steps)
        except fc.TooLittleHistory as exc:
            raise NotFoundError(
                f"too little history for {key.describe()} in the last {lookback} minutes: {exc}"
            ) from exc
        levels = self._levels(key)
        out = pb.GetForecastResponse(
            key=key.to_pb(),
            method=result.method,
            mae_score=result.mae,
            rmse_score=result.rmse,
            holdout_minutes=result.holdout_steps * step // 60,
            history_end=to_timestamp(end),
            generated_at=to_timestamp(self._now()),
        )
        for s in result.steps:
            out.points.append(
                pb.ForecastPoint(
                    timestamp=to_timestamp(datetime.fromtimestamp(s.end_s, UTC)),
                    congestion_score=s.score,
                    lower_score=s.lower,
                    upper_score=s.upper,
                    level=q.level_for(s.score, *levels),
                    unique_tracks=s.tracks,
                )
            )
        return out

    # ------------------------------------------------------------------ events

    @stream_rpc
    async def StreamEvents(
        self, request: pb.StreamEventsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamEventsResponse]:
        """Live events that match the filter, numbered per subscriber. A subscriber whose
        buffer (event_buffer events) is full loses the events that come meanwhile; where
        they were lost, its sequence jumps by their number and a MISSED_EVENTS notice with
        that count comes first (so sequence numbers count every matching event, delivered
        or not). HEARTBEAT when nothing was sent for heartbeat_seconds."""
        f = ev.event_filter(request)
        seq = 0
        sub = self.hub.subscribe_filtered(f)
        # One pending get at a time, kept across heartbeats (cancelling it on a timeout
        # could lose an event taken from the queue at that very moment).
        getter: asyncio.Future[tuple[pb.StreamEventsResponse | None, int]] | None = None
        try:
            while True:
                if getter is None:
                    getter = asyncio.ensure_future(sub.get())
                done, _ = await asyncio.wait({getter}, timeout=f.heartbeat_s)
                if not done:
                    seq += 1
                    yield pb.StreamEventsResponse(
                        sequence=seq,
                        timestamp=to_timestamp(self._now()),
                        type=pb.EVENT_TYPE_HEARTBEAT,
                        heartbeat=pb.Heartbeat(interval_seconds=f.heartbeat_s),
                    )
                    continue
                event, missed = getter.result()
                getter = None
                if missed:
                    seq += missed + 1  # the numbers of the dropped events, then the notice
                    yield pb.StreamEventsResponse(
                        sequence=seq,
                        timestamp=to_timestamp(self._now()),
                        type=pb.EVENT_TYPE_MISSED_EVENTS,
                        missed_events=pb.MissedEvents(
                            count=missed,
                            first_missed_at=to_timestamp(
                                datetime.fromtimestamp(sub.take_first_missed_at(), UTC)
                            ),
                        ),
                    )
                if event is None:
                    continue
                seq += 1
                out = pb.StreamEventsResponse()
                out.CopyFrom(event)
                out.sequence = seq
                yield out
        finally:
            if getter is not None:
                getter.cancel()
            sub.close()
