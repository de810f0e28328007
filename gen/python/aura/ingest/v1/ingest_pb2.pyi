import datetime

from aura.common.v1 import auth_pb2 as _auth_pb2
from aura.common.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PublishDetectionsRequest(_message.Message):
    __slots__ = ("detections",)
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    detections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Detection]
    def __init__(self, detections: _Optional[_Iterable[_Union[_common_pb2.Detection, _Mapping]]] = ...) -> None: ...

class PublishDetectionsResponse(_message.Message):
    __slots__ = ("accepted", "frames")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    frames: _containers.RepeatedCompositeFieldContainer[PublishedFrame]
    def __init__(self, accepted: _Optional[int] = ..., frames: _Optional[_Iterable[_Union[PublishedFrame, _Mapping]]] = ...) -> None: ...

class PublishedFrame(_message.Message):
    __slots__ = ("sensor_id", "frame_id", "detections", "duplicate", "stream_sequence")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    STREAM_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    frame_id: int
    detections: int
    duplicate: bool
    stream_sequence: int
    def __init__(self, sensor_id: _Optional[str] = ..., frame_id: _Optional[int] = ..., detections: _Optional[int] = ..., duplicate: bool = ..., stream_sequence: _Optional[int] = ...) -> None: ...

class StreamDetectionsRequest(_message.Message):
    __slots__ = ("detections",)
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    detections: _containers.RepeatedCompositeFieldContainer[_common_pb2.Detection]
    def __init__(self, detections: _Optional[_Iterable[_Union[_common_pb2.Detection, _Mapping]]] = ...) -> None: ...

class StreamDetectionsResponse(_message.Message):
    __slots__ = ("batches", "accepted", "frames", "duplicates")
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    FRAMES_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    batches: int
    accepted: int
    frames: int
    duplicates: int
    def __init__(self, batches: _Optional[int] = ..., accepted: _Optional[int] = ..., frames: _Optional[int] = ..., duplicates: _Optional[int] = ...) -> None: ...

class LegacyPosition(_message.Message):
    __slots__ = ("x", "y", "z")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class LegacyDetection(_message.Message):
    __slots__ = ("sensor_id", "timestamp", "position", "confidence", "attributes")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    timestamp: str
    position: LegacyPosition
    confidence: float
    attributes: _struct_pb2.Struct
    def __init__(self, sensor_id: _Optional[str] = ..., timestamp: _Optional[str] = ..., position: _Optional[_Union[LegacyPosition, _Mapping]] = ..., confidence: _Optional[float] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class TrackRequest(_message.Message):
    __slots__ = ("radar_detections", "camera_detections", "lidar_detections", "timestamp")
    RADAR_DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    CAMERA_DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    LIDAR_DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    radar_detections: _containers.RepeatedCompositeFieldContainer[LegacyDetection]
    camera_detections: _containers.RepeatedCompositeFieldContainer[LegacyDetection]
    lidar_detections: _containers.RepeatedCompositeFieldContainer[LegacyDetection]
    timestamp: str
    def __init__(self, radar_detections: _Optional[_Iterable[_Union[LegacyDetection, _Mapping]]] = ..., camera_detections: _Optional[_Iterable[_Union[LegacyDetection, _Mapping]]] = ..., lidar_detections: _Optional[_Iterable[_Union[LegacyDetection, _Mapping]]] = ..., timestamp: _Optional[str] = ...) -> None: ...

class LegacyTrack(_message.Message):
    __slots__ = ("id", "position", "velocity", "confidence", "status", "threat_level", "created_at", "updated_at", "sensor_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    THREAT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    position: LegacyPosition
    velocity: _common_pb2.Velocity
    confidence: float
    status: str
    threat_level: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    sensor_id: str
    def __init__(self, id: _Optional[str] = ..., position: _Optional[_Union[LegacyPosition, _Mapping]] = ..., velocity: _Optional[_Union[_common_pb2.Velocity, _Mapping]] = ..., confidence: _Optional[float] = ..., status: _Optional[str] = ..., threat_level: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sensor_id: _Optional[str] = ...) -> None: ...

class LegacyThreat(_message.Message):
    __slots__ = ("track_id", "threat_level", "confidence")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    THREAT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    threat_level: int
    confidence: float
    def __init__(self, track_id: _Optional[str] = ..., threat_level: _Optional[int] = ..., confidence: _Optional[float] = ...) -> None: ...

class TrackResponse(_message.Message):
    __slots__ = ("active_tracks", "new_tracks", "deleted_tracks", "threats", "processing_time_ms", "frame_id")
    ACTIVE_TRACKS_FIELD_NUMBER: _ClassVar[int]
    NEW_TRACKS_FIELD_NUMBER: _ClassVar[int]
    DELETED_TRACKS_FIELD_NUMBER: _ClassVar[int]
    THREATS_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    active_tracks: _containers.RepeatedCompositeFieldContainer[LegacyTrack]
    new_tracks: _containers.RepeatedCompositeFieldContainer[LegacyTrack]
    deleted_tracks: _containers.RepeatedCompositeFieldContainer[LegacyTrack]
    threats: _containers.RepeatedCompositeFieldContainer[LegacyThreat]
    processing_time_ms: float
    frame_id: int
    def __init__(self, active_tracks: _Optional[_Iterable[_Union[LegacyTrack, _Mapping]]] = ..., new_tracks: _Optional[_Iterable[_Union[LegacyTrack, _Mapping]]] = ..., deleted_tracks: _Optional[_Iterable[_Union[LegacyTrack, _Mapping]]] = ..., threats: _Optional[_Iterable[_Union[LegacyThreat, _Mapping]]] = ..., processing_time_ms: _Optional[float] = ..., frame_id: _Optional[int] = ...) -> None: ...

class TelemetrySample(_message.Message):
    __slots__ = ("source_id", "channel", "value", "unit", "timestamp")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    channel: str
    value: float
    unit: str
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, source_id: _Optional[str] = ..., channel: _Optional[str] = ..., value: _Optional[float] = ..., unit: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PublishTelemetryRequest(_message.Message):
    __slots__ = ("samples",)
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    samples: _containers.RepeatedCompositeFieldContainer[TelemetrySample]
    def __init__(self, samples: _Optional[_Iterable[_Union[TelemetrySample, _Mapping]]] = ...) -> None: ...

class PublishTelemetryResponse(_message.Message):
    __slots__ = ("accepted",)
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    def __init__(self, accepted: _Optional[int] = ...) -> None: ...

class TelemetryBatch(_message.Message):
    __slots__ = ("source_id", "samples")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    samples: _containers.RepeatedCompositeFieldContainer[TelemetrySample]
    def __init__(self, source_id: _Optional[str] = ..., samples: _Optional[_Iterable[_Union[TelemetrySample, _Mapping]]] = ...) -> None: ...
