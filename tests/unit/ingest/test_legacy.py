from datetime import UTC, datetime

import pytest
from google.protobuf import json_format

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as pb
from services.common.errors import ValidationError
from services.ingest.domain import legacy

NOW = datetime(2025, 9, 9, 12, 0, tzinfo=UTC)


def req(obj):
    return json_format.ParseDict(obj, pb.TrackRequest())


def test_v2_request_converts_with_kinds_and_utc():
    r = req(
        {
            "camera_detections": [
                {
                    "sensor_id": "camera_1",
                    "timestamp": "2025-09-09T13:00:01+02:00",
                    "position": {"x": 10.1, "y": 20.2},
                    "confidence": 0.95,
                }
            ],
            "radar_detections": [
                {
                    "sensor_id": "radar_1",
                    "timestamp": "2025-09-09T11:00:00Z",
                    "position": {"x": 10, "y": 20},
                    "confidence": 0.88,
                    "attributes": {"lane": 2},
                }
            ],
        }
    )
    dets, frame_id = legacy.to_detections(r, NOW, False, "UTC")
    assert [d.sensor_kind for d in dets] == [c.SENSOR_KIND_RADAR, c.SENSOR_KIND_OTHER]
    assert dets[1].timestamp.ToDatetime(tzinfo=UTC) == datetime(2025, 9, 9, 11, 0, 1, tzinfo=UTC)
    assert frame_id == int(datetime(2025, 9, 9, 11, 0, 1, tzinfo=UTC).timestamp() * 1e6)
    assert all(d.frame_id == frame_id for d in dets)
    assert dets[0].attributes["lane"] == 2
    assert dets[1].attributes["legacy_list"] == "camera_detections"


def test_naive_timestamp_rejected_unless_dev_setting():
    r = req(
        {
            "lidar_detections": [
                {
                    "sensor_id": "l",
                    "timestamp": "2025-09-09T11:00:00",
                    "position": {"x": 1, "y": 1},
                    "confidence": 0.5,
                }
            ]
        }
    )
    with pytest.raises(ValidationError) as err:
        legacy.to_detections(r, NOW, False, "UTC")
    assert err.value.field == "lidar_detections[0].timestamp"
    dets, _ = legacy.to_detections(r, NOW, True, "Europe/Berlin")
    assert dets[0].timestamp.ToDatetime(tzinfo=UTC) == datetime(2025, 9, 9, 9, 0, tzinfo=UTC)


def test_batch_timestamp_fills_in_and_sets_frame():
    r = req(
        {
            "timestamp": "2025-09-09T11:00:00Z",
            "radar_detections": [{"sensor_id": "r", "position": {"x": 1}, "confidence": 0.5}],
        }
    )
    dets, frame_id = legacy.to_detections(r, NOW, False, "UTC")
    assert frame_id == int(datetime(2025, 9, 9, 11, 0, tzinfo=UTC).timestamp() * 1e6)
    assert dets[0].timestamp.ToDatetime(tzinfo=UTC) == datetime(2025, 9, 9, 11, 0, tzinfo=UTC)


def test_missing_position_and_time_are_named():
    with pytest.raises(ValidationError) as err:
        legacy.to_detections(
            req({"radar_detections": [{"sensor_id": "r", "timestamp": "2025-09-09T11:00:00Z"}]}),
            NOW,
            False,
            "UTC",
        )
    assert err.value.field == "radar_detections[0].position"
    with pytest.raises(ValidationError) as err:
        legacy.to_detections(
            req({"radar_detections": [{"sensor_id": "r", "position": {"x": 1}}]}), NOW, False, "UTC"
        )
    assert err.value.field == "radar_detections[0].timestamp"


def test_response_shape_marks_new_and_deleted():
    t1 = c.Track(
        id="r-000001",
        sensor_id="r",
        status=c.TRACK_STATUS_CONFIRMED,
        confidence=0.8,
        position=c.Vector3(x=1, y=2),
        velocity=c.Velocity(vx=1),
    )
    t2 = c.Track(id="r-000002", sensor_id="r", status=c.TRACK_STATUS_TENTATIVE, confidence=0.5)
    gone = c.Track(id="r-000000", sensor_id="r", status=c.TRACK_STATUS_DELETED)
    frame = c.TrackFrame(
        sensor_id="r",
        frame_id=5,
        tracks=[t1, t2],
        new_track_ids=["r-000002"],
        deleted_tracks=[gone],
    )
    resp = legacy.to_response([frame], 5, 1.5)
    body = json_format.MessageToDict(resp, preserving_proto_field_name=True)
    assert [t["id"] for t in body["active_tracks"]] == ["r-000001", "r-000002"]
    assert [t["id"] for t in body["new_tracks"]] == ["r-000002"]
    assert body["deleted_tracks"][0]["status"] == "deleted"
    assert body["active_tracks"][0]["status"] == "confirmed"
    assert body["active_tracks"][0]["velocity"] == {"vx": 1.0}
    assert [t["track_id"] for t in body["threats"]] == ["r-000001", "r-000002"]
    assert body["frame_id"] == "5" and body["processing_time_ms"] == 1.5
