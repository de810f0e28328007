import math

import pytest

from aura.common.v1 import common_pb2 as c
from services.common.errors import ValidationError
from services.common.timeutil import ts_from_seconds
from services.ingest.domain.validation import Limits, build_frames, check_request_size

T0 = 1_757_415_601.0


def point(sensor="radar_1", t=T0, **kw):
    kw.setdefault("position", c.Vector3(x=1, y=2))
    kw.setdefault("confidence", 0.9)
    return c.Detection(sensor_id=sensor, timestamp=ts_from_seconds(t), **kw)


def box(sensor="cam_1", t=T0, **kw):
    kw.setdefault("bbox", c.BoundingBox(x=1, y=2, width=10, height=20))
    kw.setdefault("confidence", 0.9)
    return c.Detection(sensor_id=sensor, timestamp=ts_from_seconds(t), **kw)


def test_groups_by_sensor_and_frame_and_derives_frame_from_time():
    frames = build_frames(
        [point(), point(), point(t=T0 + 0.5), box(frame_id=7), box(frame_id=7)], Limits()
    )
    keys = [(f.sensor_id, f.frame_id, len(f.detections)) for f in frames]
    assert keys == [
        ("cam_1", 7, 2),
        ("radar_1", int(T0 * 1e6), 2),
        ("radar_1", int((T0 + 0.5) * 1e6), 1),
    ]
    assert frames[0].sensor_kind == c.SENSOR_KIND_CAMERA
    assert frames[1].sensor_kind == c.SENSOR_KIND_OTHER


@pytest.mark.parametrize(
    ("det", "field"),
    [
        (point(sensor=""), "detections[1].sensor_id"),
        (point(sensor="../etc"), "detections[1].sensor_id"),
        (
            c.Detection(sensor_id="r", position=c.Vector3(), confidence=0.5),
            "detections[1].timestamp",
        ),
        (point(confidence=1.5), "detections[1].confidence"),
        (point(confidence=-0.1), "detections[1].confidence"),
        (point(confidence=math.nan), "detections[1].confidence"),
        (point(position=c.Vector3(x=math.nan)), "detections[1].position"),
        (point(position=c.Vector3(y=math.inf)), "detections[1].position"),
        (box(bbox=c.BoundingBox(width=0, height=5)), "detections[1].bbox"),
        (box(bbox=c.BoundingBox(width=5, height=-1)), "detections[1].bbox"),
        (box(sensor_kind=c.SENSOR_KIND_RADAR), "detections[1].bbox"),
        (point(sensor_kind=c.SENSOR_KIND_CAMERA), "detections[1].position"),
        (
            point(covariance=c.Covariance(dim=2, values=[1, 0.5, 0.4, 1])),
            "detections[1].covariance.values",
        ),
        (
            point(covariance=c.Covariance(dim=2, values=[1, 2, 2, 1])),
            "detections[1].covariance.values",
        ),
        (point(covariance=c.Covariance(dim=2, values=[1, 0])), "detections[1].covariance.values"),
        (point(covariance=c.Covariance(dim=4, values=[0] * 16)), "detections[1].covariance.dim"),
        (point(speed_mps=-1.0), "detections[1].speed_mps"),
        (
            c.Detection(sensor_id="r", timestamp=ts_from_seconds(T0), confidence=0.5),
            "detections[1].position",
        ),
        (point(t=T0 * 1000), "detections[1].timestamp"),
    ],
)
def test_bad_detection_rejects_whole_batch_naming_field_and_index(det, field):
    with pytest.raises(ValidationError) as err:
        build_frames([point(), det], Limits())
    assert err.value.field == field
    assert str(err.value).startswith(field)


def test_kind_mismatch_within_a_sensor_is_rejected():
    with pytest.raises(ValidationError) as err:
        build_frames(
            [point(sensor_kind=c.SENSOR_KIND_RADAR), point(sensor_kind=c.SENSOR_KIND_LIDAR)],
            Limits(),
        )
    assert err.value.field == "detections[1].sensor_kind"


def test_valid_covariance_is_accepted():
    frames = build_frames(
        [point(covariance=c.Covariance(dim=2, values=[1, 0.2, 0.2, 2]))], Limits()
    )
    assert frames[0].detections[0].covariance.dim == 2


def test_too_many_detections_and_oversized_request():
    with pytest.raises(ValidationError, match="exceed the limit of 3"):
        build_frames([point()] * 4, Limits(max_detections=3))
    with pytest.raises(ValidationError) as err:
        check_request_size(5000, Limits(max_request_bytes=4096))
    assert err.value.field == "request"
