"""Analytics' query RPCs through gRPC against the real PostgreSQL (rows inserted straight
into the write side's tables) and NATS: current metrics, history steps, range comparison,
heatmap, incidents, dashboard, telemetry and forecast, with their validation errors."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from test_analytics_queries_support import (
    Analytics,
    fails,
    insert_alert,
    insert_detection,
    insert_fused,
    insert_telemetry,
    insert_window,
    start_analytics,
    uid,
)

from aura.admin.v1 import admin_pb2
from aura.analytics.v1 import analytics_pb2 as pb
from aura.common.v1 import common_pb2 as c
from services.analytics.domain import queries as q
from services.common.registry import sensor_key
from services.common.timeutil import to_timestamp

BASE = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
INVALID = grpc.StatusCode.INVALID_ARGUMENT
NOT_FOUND = grpc.StatusCode.NOT_FOUND


def ts(dt: datetime) -> Timestamp:
    return to_timestamp(dt)


@pytest.fixture(scope="module")
async def analytics(nats_server, postgres) -> AsyncIterator[Analytics]:
    a, close = await start_analytics(nats_server.url, postgres.dsn, publish_heatmaps=False)
    yield a
    await close()


def register_sensor(a: Analytics, sensor_id: str, site_id: str = "", x: float = 0.0) -> None:
    sensor = admin_pb2.Sensor(
        sensor_id=sensor_id,
        kind=c.SENSOR_KIND_RADAR,
        site_id=site_id,
        pose=admin_pb2.SensorPose(position=c.Vector3(x=x, y=7.0)),
    )
    a.registry.apply(sensor_key(sensor_id), sensor.SerializeToString())


def register_zone(a: Analytics, zone_id: str, kind: int = admin_pb2.ZONE_KIND_MONITORING) -> None:
    pts = [c.Vector3(x=x, y=y) for x, y in ((0, 0), (4, 0), (4, 2), (0, 2))]
    zone = admin_pb2.Zone(zone_id=zone_id, kind=kind, polygon=admin_pb2.Polygon(vertices=pts))
    a.registry.apply(f"zones.{zone_id}", zone.SerializeToString())


# --------------------------------------------------------------------------- current


async def test_current_metrics_latest_window_per_key(analytics):
    s, z = uid("cam"), uid("zone")
    for i in range(3):
        await insert_window(
            analytics.pool, 1, BASE + timedelta(seconds=5 * i), sensor_id=s, detection_count=i + 1
        )
    await insert_window(analytics.pool, 2, BASE, zone_id=z, detection_count=9)
    await insert_window(analytics.pool, 3, BASE, sensor_id=s, lane_id="2", detection_count=4)

    got = await analytics.stub.GetCurrentMetrics(pb.GetCurrentMetricsRequest(sensor_ids=[s]))
    assert [(m.key.scope, m.detection_count) for m in got.metrics] == [(1, 3)]
    assert got.metrics[0].window_start == ts(BASE + timedelta(seconds=10))
    assert got.metrics[0].window_end == ts(BASE + timedelta(seconds=15))

    lanes = await analytics.stub.GetCurrentMetrics(
        pb.GetCurrentMetricsRequest(scope=pb.METRICS_SCOPE_LANE, sensor_ids=[s])
    )
    assert [(m.key.lane_id, m.detection_count) for m in lanes.metrics] == [("2", 4)]
    zones = await analytics.stub.GetCurrentMetrics(pb.GetCurrentMetricsRequest(zone_ids=[z]))
    assert [(m.key.scope, m.key.zone_id, m.detection_count) for m in zones.metrics] == [(2, z, 9)]
    lane_zone = uid("lane")
    await insert_window(analytics.pool, 3, BASE, zone_id=lane_zone, lane_id=lane_zone)
    by_lane_zone = await analytics.stub.GetCurrentMetrics(
        pb.GetCurrentMetricsRequest(scope=pb.METRICS_SCOPE_LANE, zone_ids=[lane_zone])
    )
    assert [m.key.lane_id for m in by_lane_zone.metrics] == [lane_zone]
    await fails(INVALID, analytics.stub.GetCurrentMetrics(pb.GetCurrentMetricsRequest(scope=7)))


# --------------------------------------------------------------------------- history


async def test_history_steps_aggregate_windows(analytics):
    s = uid("radar")
    rows = []
    for i in range(12):  # one minute of 5 s windows
        w = q.WindowRow(
            window_start=BASE + timedelta(seconds=5 * i),
            detection_count=i,
            counts_by_class={"car": i, "bus": 1} if i % 2 else {"car": i},
            unique_tracks=i % 4,
            unique_tracks_by_class={"car": i % 4},
            mean_speed_mps=10.0 + i,
            p85_speed_mps=12.0 + i,
            speed_source=1 if i < 9 else (2 if i < 11 else 0),
            occupancy=i / 12,
            congestion_level=4 if i == 7 else 2,
            congestion_score=i / 20,
            late_dropped=i % 3,
        )
        rows.append(w)
        await insert_window(
            analytics.pool,
            1,
            w.window_start,
            sensor_id=s,
            detection_count=w.detection_count,
            counts_by_class=dict(w.counts_by_class),
            unique_tracks=w.unique_tracks,
            unique_tracks_by_class=dict(w.unique_tracks_by_class),
            mean_speed_mps=w.mean_speed_mps,
            p85_speed_mps=w.p85_speed_mps,
            speed_source=w.speed_source,
            occupancy=w.occupancy,
            congestion_level=w.congestion_level,
            congestion_score=w.congestion_score,
            late_dropped=w.late_dropped,
        )
    req = pb.GetMetricsHistoryRequest(
        sensor_id=s, start_time=ts(BASE), end_time=ts(BASE + timedelta(minutes=1))
    )
    raw = await analytics.stub.GetMetricsHistory(req)
    assert raw.step_seconds == 5 and len(raw.points) == 12
    assert raw.key == pb.MetricsKey(scope=1, sensor_id=s)
    assert [p.detection_count for p in raw.points] == list(range(12))

    req.step_seconds = 30
    stepped = await analytics.stub.GetMetricsHistory(req)
    assert stepped.step_seconds == 30 and len(stepped.points) == 2
    key = q.Key(1, s)
    expected = [q.step_point(key, st, 30) for st in q.sum_steps(rows, 30)]
    for got, want in zip(stepped.points, expected, strict=True):
        assert got.window_start == want.window_start and got.window_end == want.window_end
        assert got.detection_count == want.detection_count
        assert dict(got.counts_by_class) == dict(want.counts_by_class)
        assert got.unique_tracks == want.unique_tracks
        assert dict(got.unique_tracks_by_class) == dict(want.unique_tracks_by_class)
        assert got.mean_speed_mps == pytest.approx(want.mean_speed_mps)
        assert got.p85_speed_mps == pytest.approx(want.p85_speed_mps)
        assert got.occupancy == pytest.approx(want.occupancy)
        assert got.congestion_score == pytest.approx(want.congestion_score)
        assert (got.congestion_level, got.late_dropped, got.speed_source) == (
            want.congestion_level,
            want.late_dropped,
            want.speed_source,
        )
    first, second = stepped.points
    # By hand: windows 0..5 hold 0+1+...+5 detections; speeds weighted by detections.
    assert first.detection_count == 15 and dict(first.counts_by_class) == {"car": 15, "bus": 3}
    assert first.mean_speed_mps == pytest.approx(sum((10 + i) * i for i in range(6)) / 15)
    assert second.congestion_level == 4 and second.speed_source == pb.SPEED_SOURCE_MIXED


async def test_history_validation(analytics):
    s = uid("radar")
    register_sensor(analytics, s)
    h = analytics.stub.GetMetricsHistory
    later, earlier = ts(BASE + timedelta(hours=1)), ts(BASE)
    msg = await fails(
        INVALID, h(pb.GetMetricsHistoryRequest(sensor_id=s, start_time=later, end_time=earlier))
    )
    assert msg.startswith("start_time:")
    msg = await fails(INVALID, h(pb.GetMetricsHistoryRequest(sensor_id=s, step_seconds=7)))
    assert msg.startswith("step_seconds:") and "multiple" in msg
    week = pb.GetMetricsHistoryRequest(
        sensor_id=s, start_time=ts(BASE - timedelta(days=7)), end_time=ts(BASE), step_seconds=5
    )
    msg = await fails(INVALID, h(week))
    assert msg.startswith("step_seconds:") and "10000" in msg and "at least 65 s" in msg
    week.step_seconds = 65
    assert (await h(week)).step_seconds == 65  # 9,305 points: allowed (none stored)
    await fails(INVALID, h(pb.GetMetricsHistoryRequest()))
    await fails(INVALID, h(pb.GetMetricsHistoryRequest(sensor_id=s, zone_id="z")))
    await fails(INVALID, h(pb.GetMetricsHistoryRequest(sensor_id="bad id!")))
    msg = await fails(NOT_FOUND, h(pb.GetMetricsHistoryRequest(sensor_id=uid("nobody"))))
    assert "neither registered" in msg
    await fails(NOT_FOUND, h(pb.GetMetricsHistoryRequest(zone_id=uid("nozone"))))
    # Known from stored data only (not in the registry): found.
    stored = uid("old")
    await insert_window(analytics.pool, 1, BASE, sensor_id=stored)
    got = await h(
        pb.GetMetricsHistoryRequest(
            sensor_id=stored, start_time=ts(BASE), end_time=ts(BASE + timedelta(seconds=5))
        )
    )
    assert len(got.points) == 1
    # A registered sensor without data: an empty history, not an error.
    assert list((await h(pb.GetMetricsHistoryRequest(sensor_id=s))).points) == []


async def test_history_of_a_lane_zone(analytics):
    lane = uid("lane")
    register_zone(analytics, lane, admin_pb2.ZONE_KIND_LANE)
    await insert_window(analytics.pool, 3, BASE, zone_id=lane, lane_id=lane, detection_count=3)
    req = pb.GetMetricsHistoryRequest(
        zone_id=lane, start_time=ts(BASE), end_time=ts(BASE + timedelta(seconds=5))
    )
    got = await analytics.stub.GetMetricsHistory(req)
    assert got.key == pb.MetricsKey(scope=3, zone_id=lane, lane_id=lane)
    assert [p.detection_count for p in got.points] == [3]


# --------------------------------------------------------------------------- compare


async def test_compare_ranges(analytics):
    s = uid("cam")
    a0, b0 = BASE, BASE + timedelta(hours=1)
    for i in range(4):  # range a: tracks t1, t2 (t1 twice)
        await insert_window(
            analytics.pool,
            1,
            a0 + timedelta(seconds=5 * i),
            sensor_id=s,
            detection_count=10,
            unique_tracks=1,
            unique_tracks_by_class={"car": 1},
            track_ids=["t1"] if i < 2 else ["t2"],
            mean_speed_mps=10.0,
            speed_source=1,
            occupancy=0.2,
            congestion_score=0.2,
            congestion_level=1,
        )
    for i in range(2):  # range b: three distinct tracks, congested
        await insert_window(
            analytics.pool,
            1,
            b0 + timedelta(seconds=5 * i),
            sensor_id=s,
            detection_count=30,
            unique_tracks=2,
            unique_tracks_by_class={"car": 1, "bus": 1},
            track_ids=["t3", "t4"] if i == 0 else ["t4", "t5"],
            mean_speed_mps=5.0,
            speed_source=1,
            occupancy=0.6,
            congestion_score=0.7,
            congestion_level=3,
        )
    await insert_alert(analytics.pool, raised_at=b0 + timedelta(seconds=3), sensor_id=s)
    req = pb.CompareRangesRequest(
        sensor_id=s,
        a_start_time=ts(a0),
        a_end_time=ts(a0 + timedelta(minutes=10)),
        b_start_time=ts(b0),
        b_end_time=ts(b0 + timedelta(minutes=10)),
    )
    got = await analytics.stub.CompareRanges(req)
    a, b, ch = got.a, got.b, got.change
    assert got.key == pb.MetricsKey(scope=1, sensor_id=s)
    assert (a.windows, a.detection_count, a.unique_tracks, a.alert_count) == (4, 40, 2, 0)
    assert (b.windows, b.detection_count, b.unique_tracks, b.alert_count) == (2, 60, 3, 1)
    assert dict(a.unique_tracks_by_class) == {"car": 2}
    assert sum(b.unique_tracks_by_class.values()) == 3
    assert b.peak_congestion_level == 3 and b.congested_fraction == 1.0
    assert a.congested_fraction == 0.0 and a.mean_speed_mps == pytest.approx(10.0)
    assert ch.unique_tracks_pct == pytest.approx(50.0)
    assert ch.mean_speed_pct == pytest.approx(-50.0)
    assert ch.mean_occupancy_delta == pytest.approx(0.4)
    assert ch.mean_congestion_score_delta == pytest.approx(0.5)
    assert ch.alert_count_delta == 1

    empty = pb.CompareRangesRequest(
        sensor_id=s,
        a_start_time=ts(a0 - timedelta(days=1)),
        a_end_time=ts(a0 - timedelta(hours=23)),
        b_start_time=ts(b0),
        b_end_time=ts(b0 + timedelta(minutes=10)),
    )
    got = await analytics.stub.CompareRanges(empty)
    assert got.a.windows == 0 and not got.change.HasField("unique_tracks_pct")
    assert not got.change.HasField("mean_speed_pct")

    site = await analytics.stub.CompareRanges(
        pb.CompareRangesRequest(
            a_start_time=ts(a0),
            a_end_time=ts(a0 + timedelta(minutes=10)),
            b_start_time=ts(b0),
            b_end_time=ts(b0 + timedelta(minutes=10)),
        )
    )
    assert site.key.scope == pb.METRICS_SCOPE_UNSPECIFIED and site.a.windows >= 4

    bad = pb.CompareRangesRequest(sensor_id=s, a_start_time=ts(a0), a_end_time=ts(a0))
    assert (await fails(INVALID, analytics.stub.CompareRanges(bad))).startswith("b_start_time")
    bad = pb.CompareRangesRequest(
        sensor_id=s,
        a_start_time=ts(b0),
        a_end_time=ts(a0),
        b_start_time=ts(a0),
        b_end_time=ts(b0),
    )
    assert (await fails(INVALID, analytics.stub.CompareRanges(bad))).startswith("a_start_time")
    req.sensor_id = uid("ghost")
    await fails(NOT_FOUND, analytics.stub.CompareRanges(req))


# --------------------------------------------------------------------------- heatmap


async def test_heatmap_counts_distinct_tracks_per_cell(analytics):
    site = uid("site")
    now = datetime.now(UTC)
    # g1 twice in cell (0, 0) and once in (1, 0); g2 in (0, 0); g3 (a bus) in (-1, 2); g4 too old.
    for gid, t, x, y, label in (
        ("g1", 10, 1.0, 1.0, "car"),
        ("g1", 20, 2.0, 2.0, "car"),
        ("g1", 30, 6.0, 1.0, "car"),
        ("g2", 15, 4.9, 0.1, "car"),
        ("g3", 40, -0.5, 12.0, "bus"),
        ("g4", 400, 1.0, 1.0, "car"),
    ):
        await insert_fused(
            analytics.pool,
            f"{site}-{gid}",
            now - timedelta(seconds=t),
            x,
            y,
            site_id=site,
            class_label=label,
        )
    got = (await analytics.stub.GetHeatmap(pb.GetHeatmapRequest(site_id=site))).heatmap
    assert got.site_id == site and got.cell_size_m == 5.0
    assert [(cl.ix, cl.iy, cl.count) for cl in got.cells] == [(0, 0, 2), (1, 0, 1), (-1, 2, 1)]
    assert got.max_count == 2 and (got.cells[0].x_m, got.cells[0].y_m) == (2.5, 2.5)
    span = got.end_time.ToDatetime() - got.start_time.ToDatetime()
    assert span == timedelta(minutes=5)

    buses = await analytics.stub.GetHeatmap(
        pb.GetHeatmapRequest(site_id=site, class_labels=["bus"], cell_size_m=10)
    )
    assert [(cl.ix, cl.iy, cl.count) for cl in buses.heatmap.cells] == [(-1, 1, 1)]
    longer = await analytics.stub.GetHeatmap(pb.GetHeatmapRequest(site_id=site, window_minutes=10))
    assert longer.heatmap.cells[0].count == 3  # g4 now counts

    h = analytics.stub.GetHeatmap
    assert (await fails(INVALID, h(pb.GetHeatmapRequest(window_minutes=1441)))).startswith(
        "window_minutes"
    )
    assert (await fails(INVALID, h(pb.GetHeatmapRequest(cell_size_m=0.1)))).startswith(
        "cell_size_m"
    )
    await fails(INVALID, h(pb.GetHeatmapRequest(cell_size_m=math.nan)))
    await fails(NOT_FOUND, h(pb.GetHeatmapRequest(site_id=uid("nosite"))))


# --------------------------------------------------------------------------- incidents


async def test_incidents_with_run_start_position_and_alert(analytics):
    s, calm = uid("radar"), uid("radar")
    register_sensor(analytics, s, x=42.0)
    levels = [1, 3, 2, 3, 4]  # the current run at >= MODERATE starts at window 1
    for i, lvl in enumerate(levels):
        await insert_window(
            analytics.pool,
            1,
            BASE + timedelta(seconds=5 * i),
            sensor_id=s,
            congestion_level=lvl,
            congestion_score=0.2 * lvl,
        )
    await insert_window(analytics.pool, 1, BASE, sensor_id=calm, congestion_level=1)
    alert = await insert_alert(analytics.pool, raised_at=BASE, sensor_id=s)

    got = await analytics.stub.ListIncidents(pb.ListIncidentsRequest())
    mine = [i for i in got.incidents if i.key.sensor_id in (s, calm)]
    assert len(mine) == 1
    inc = mine[0]
    assert inc.level == 4 and inc.congestion_score == pytest.approx(0.8)
    assert inc.since == ts(BASE + timedelta(seconds=5)) and inc.alert_id == alert
    assert inc.position.x == 42.0 and inc.latest.window_start == ts(BASE + timedelta(seconds=20))
    scores = [i.congestion_score for i in got.incidents]
    assert scores == sorted(scores, reverse=True)

    high = await analytics.stub.ListIncidents(pb.ListIncidentsRequest(min_level=3))
    assert [i.since for i in high.incidents if i.key.sensor_id == s] == [
        ts(BASE + timedelta(seconds=15))
    ]
    await fails(INVALID, analytics.stub.ListIncidents(pb.ListIncidentsRequest(min_level=9)))


# --------------------------------------------------------------------------- detections


async def test_query_detections_limit_filters_and_payload(analytics):
    s = uid("radar")
    now = datetime.now(UTC).replace(microsecond=0)
    dets = []
    for i in range(6):
        d = c.Detection(
            sensor_id=s,
            timestamp=ts(now - timedelta(seconds=10 - i)),
            frame_id=i + 1,
            class_label="car" if i % 2 else "person",
            confidence=[0.9, 0.5, 0.95, 0.3, 0.9, 0.8][i],
            position=c.Vector3(x=i, y=-i),
            sensor_kind=c.SENSOR_KIND_RADAR,
        )
        if i == 2:
            d.speed_mps = 3.5
        d.attributes.update({"lane": "2", "colour": "red"})
        dets.append(d)
        await insert_detection(analytics.pool, d, session_id="sess1" if i < 2 else "")
    qd = analytics.stub.QueryDetections
    got = await qd(pb.QueryDetectionsRequest(sensor_id=s, limit=2))
    assert got.limit == 2 and got.truncated
    assert [x.detection for x in got.detections] == [dets[5], dets[4]]  # newest first, whole
    assert got.detections[0].received_at == dets[5].timestamp
    got = await qd(pb.QueryDetectionsRequest(sensor_id=s))
    assert got.limit == 200 and not got.truncated and len(got.detections) == 6
    assert (await qd(pb.QueryDetectionsRequest(sensor_id=s, limit=100_000))).limit == 5000
    cars = await qd(pb.QueryDetectionsRequest(sensor_id=s, class_label="car"))
    assert [x.detection.frame_id for x in cars.detections] == [6, 4, 2]
    sure = await qd(pb.QueryDetectionsRequest(sensor_id=s, min_confidence=0.9))
    assert [x.detection.frame_id for x in sure.detections] == [5, 3, 1]  # 0.9 itself is kept
    sess = await qd(pb.QueryDetectionsRequest(sensor_id=s, session_id="sess1"))
    assert [(x.detection.frame_id, x.session_id) for x in sess.detections] == [
        (2, "sess1"),
        (1, "sess1"),
    ]
    ranged = await qd(
        pb.QueryDetectionsRequest(
            sensor_id=s, start_time=dets[1].timestamp, end_time=dets[3].timestamp
        )
    )
    assert [x.detection.frame_id for x in ranged.detections] == [3, 2]  # [start, end)
    bad = pb.QueryDetectionsRequest(start_time=dets[3].timestamp, end_time=dets[1].timestamp)
    assert (await fails(INVALID, qd(bad))).startswith("start_time")
    assert (await fails(INVALID, qd(pb.QueryDetectionsRequest(min_confidence=1.5)))).startswith(
        "min_confidence"
    )


# --------------------------------------------------------------------------- dashboard


async def test_dashboard_summary_of_a_site(analytics):
    site = uid("site")
    s1, s2 = uid("radar"), uid("radar")
    register_sensor(analytics, s1, site)
    register_sensor(analytics, s2, site)
    now = datetime.now(UTC)
    # 30 detections of s1 between 40 s and 2 s ago: 20 s of slack for "the last minute" and
    # 28 s for "reporting" (30 s), however slow the machine is.
    for i in range(30):
        await insert_detection(
            analytics.pool,
            c.Detection(
                sensor_id=s1,
                frame_id=i + 1,
                timestamp=ts(now - timedelta(seconds=40) + timedelta(seconds=1.3 * i)),
                confidence=0.9,
                sensor_kind=c.SENSOR_KIND_RADAR,
            ),
        )
    await insert_detection(
        analytics.pool,
        c.Detection(  # s2 last seen two minutes ago
            sensor_id=s2,
            frame_id=1,
            timestamp=ts(now - timedelta(minutes=2)),
            confidence=0.9,
        ),
    )
    start = q.bucket_start(now - timedelta(seconds=6), 5)
    await insert_window(
        analytics.pool,
        1,
        start,
        sensor_id=s1,
        unique_tracks=4,
        mean_speed_mps=8.0,
        speed_source=1,
        detection_count=10,
        congestion_level=3,
        congestion_score=0.65,
    )
    await insert_window(
        analytics.pool,
        1,
        start,
        sensor_id=s2,
        unique_tracks=2,
        mean_speed_mps=4.0,
        speed_source=1,
        detection_count=10,
        congestion_level=2,
        congestion_score=0.5,
    )
    for gid, label, threat in (("f1", "car", 0), ("f2", "car", 2), ("f3", "person", 0)):
        await insert_fused(
            analytics.pool,
            f"{site}-{gid}",
            datetime.now(UTC) - timedelta(seconds=1),
            1,
            1,
            site_id=site,
            class_label=label,
            threat_level=threat,
        )
    await insert_fused(
        analytics.pool,
        f"{site}-old",
        now - timedelta(minutes=30),
        1,
        1,
        site_id=site,
        class_label="bus",
    )

    got = await analytics.stub.GetDashboardSummary(pb.GetDashboardSummaryRequest(site_id=site))
    assert got.sensors_total == 2 and got.sensors_reporting == 1
    assert [x.sensor_id for x in got.sensors] == sorted([s1, s2])
    line = {x.sensor_id: x for x in got.sensors}
    assert line[s1].detections_per_second == pytest.approx(0.5)
    assert line[s1].live_tracks == 4 and line[s1].sensor_kind == c.SENSOR_KIND_RADAR
    assert line[s2].last_seen_at == ts(now - timedelta(minutes=2))
    assert got.detections_per_second == pytest.approx(0.5) and got.live_tracks == 6
    assert got.mean_speed_mps == pytest.approx(6.0)
    assert got.worst_congestion_level == 3 and got.worst_congestion_key.sensor_id == s1
    assert (got.live_fused_tracks, got.max_threat_level, got.threatening_tracks) == (3, 2, 1)
    assert got.unique_tracks_last_hour == 4
    assert dict(got.unique_tracks_last_hour_by_class) == {"car": 2, "person": 1, "bus": 1}

    await insert_alert(
        analytics.pool, raised_at=now, sensor_id=s1, severity=pb.ALERT_SEVERITY_CRITICAL
    )
    after = await analytics.stub.GetDashboardSummary(pb.GetDashboardSummaryRequest(site_id=site))
    assert after.active_alerts >= 1 and after.critical_alerts >= 1
    assert after.active_alerts >= after.unacknowledged_alerts >= 1


# --------------------------------------------------------------------------- telemetry


async def test_telemetry_latest_channels_and_range(analytics):
    src = uid("uav")
    for i in range(10):
        await insert_telemetry(
            analytics.pool, src, "battery_v", BASE + timedelta(seconds=i), 12.0 - 0.1 * i, "V"
        )
    await insert_telemetry(analytics.pool, src, "cpu_temp_c", BASE, 55.0, "degC")
    stub = analytics.stub

    latest = await stub.GetLatestTelemetry(pb.GetLatestTelemetryRequest(source_id=src))
    assert [(x.channel, round(x.value, 6), x.unit) for x in latest.samples] == [
        ("battery_v", 11.1, "V"),
        ("cpu_temp_c", 55.0, "degC"),
    ]
    assert latest.samples[0].timestamp == ts(BASE + timedelta(seconds=9))
    only = await stub.GetLatestTelemetry(
        pb.GetLatestTelemetryRequest(source_id=src, channels=["cpu_temp_c"])
    )
    assert [x.channel for x in only.samples] == ["cpu_temp_c"]

    chans = await stub.ListTelemetryChannels(pb.ListTelemetryChannelsRequest(source_id=src))
    bat = chans.channels[0]
    assert [ch.channel for ch in chans.channels] == ["battery_v", "cpu_temp_c"]
    assert (bat.sample_count, bat.unit, round(bat.last_value, 6)) == (10, "V", 11.1)
    assert bat.first_at == ts(BASE) and bat.last_at == ts(BASE + timedelta(seconds=9))

    rng = pb.GetTelemetryRangeRequest(
        source_id=src,
        channel="battery_v",
        start_time=ts(BASE),
        end_time=ts(BASE + timedelta(seconds=10)),
    )
    raw = await stub.GetTelemetryRange(rng)
    assert len(raw.samples) == 10 and not raw.truncated
    assert raw.samples[0].timestamp == ts(BASE)  # oldest first
    rng.limit = 4
    cut = await stub.GetTelemetryRange(rng)
    assert len(cut.samples) == 4 and cut.truncated
    rng.limit, rng.step_seconds = 0, 5
    avg = await stub.GetTelemetryRange(rng)
    assert [(x.timestamp, round(x.value, 6)) for x in avg.samples] == [
        (ts(BASE), 11.8),
        (ts(BASE + timedelta(seconds=5)), 11.3),
    ]
    assert (
        await fails(
            INVALID, stub.GetTelemetryRange(pb.GetTelemetryRangeRequest(channel="battery_v"))
        )
    ).startswith("source_id")
    await fails(INVALID, stub.GetTelemetryRange(pb.GetTelemetryRangeRequest(source_id=src)))
    await fails(
        NOT_FOUND,
        stub.GetTelemetryRange(pb.GetTelemetryRangeRequest(source_id=src, channel="nope")),
    )
    rng.start_time.CopyFrom(ts(BASE + timedelta(seconds=10)))
    rng.end_time.CopyFrom(ts(BASE))
    await fails(INVALID, stub.GetTelemetryRange(rng))


# --------------------------------------------------------------------------- forecast


async def test_forecast_of_a_rising_sensor(analytics):
    s = uid("cam")
    register_sensor(analytics, s)
    end = q.bucket_start(BASE, 60)
    for i in range(60 * 12):  # an hour of 5 s windows: the score ramps from 0.1 to ~0.7
        score = 0.1 + 0.6 * i / 720 + 0.02 * math.sin(i / 7)
        await insert_window(
            analytics.pool,
            1,
            end - timedelta(hours=1) + timedelta(seconds=5 * i),
            sensor_id=s,
            congestion_score=score,
            unique_tracks=3,
        )
    got = await analytics.stub.GetForecast(pb.GetForecastRequest(sensor_id=s))
    assert got.method == "holt_damped" and len(got.points) == 10
    assert got.history_end == ts(end) and got.holdout_minutes == 12
    assert got.points[0].timestamp == ts(end + timedelta(minutes=1))
    assert got.points[-1].timestamp == ts(end + timedelta(minutes=10))
    for p in got.points:
        assert 0 <= p.lower_score <= p.congestion_score <= p.upper_score <= 1
        assert p.level == q.level_for(p.congestion_score, *q.DEFAULT_LEVELS)
        assert p.unique_tracks == pytest.approx(36, abs=3)  # 3 per window, 12 windows per step
    assert got.points[0].congestion_score > 0.6  # the ramp goes on
    assert 0 <= got.mae_score < 0.1 and got.rmse_score >= got.mae_score

    f = analytics.stub.GetForecast
    await fails(INVALID, f(pb.GetForecastRequest(sensor_id=s, horizon_minutes=121)))
    await fails(INVALID, f(pb.GetForecastRequest(sensor_id=s, lookback_minutes=1441)))
    await fails(INVALID, f(pb.GetForecastRequest(sensor_id=s, step_seconds=7)))
    await fails(INVALID, f(pb.GetForecastRequest()))
    few = uid("cam")
    await insert_window(analytics.pool, 1, BASE, sensor_id=few, congestion_score=0.3)
    assert "too little history" in await fails(NOT_FOUND, f(pb.GetForecastRequest(sensor_id=few)))
    register_sensor(analytics, empty := uid("cam"))
    await fails(NOT_FOUND, f(pb.GetForecastRequest(sensor_id=empty)))
    await fails(NOT_FOUND, f(pb.GetForecastRequest(sensor_id=uid("ghost"))))


async def test_query_detections_without_an_indexed_filter_widens_from_the_newest(analytics):
    # A quiet hour of its own (no other test writes there): 300 detections over 10 minutes.
    start = datetime(2031, 1, 1, tzinfo=UTC) + timedelta(hours=int(uid("h")[-4:], 16) % 5000)
    s = uid("radar")
    for i in range(300):
        det = c.Detection(
            sensor_id=s,
            frame_id=i + 1,
            confidence=0.5,
            timestamp=ts(start + timedelta(seconds=2 * i)),
        )
        await insert_detection(analytics.pool, det)
    req = pb.QueryDetectionsRequest(
        start_time=ts(start), end_time=ts(start + timedelta(hours=1)), limit=250
    )
    got = await analytics.stub.QueryDetections(req)
    assert got.truncated and [d.detection.frame_id for d in got.detections] == list(
        range(300, 50, -1)
    )
    req.limit = 0
    got = await analytics.stub.QueryDetections(req)
    assert [d.detection.frame_id for d in got.detections] == list(range(300, 100, -1))
    req.limit, req.min_confidence = 5000, 0.6
    assert list((await analytics.stub.QueryDetections(req)).detections) == []
