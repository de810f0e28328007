import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SensorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENSOR_KIND_UNSPECIFIED: _ClassVar[SensorKind]
    SENSOR_KIND_CAMERA: _ClassVar[SensorKind]
    SENSOR_KIND_RADAR: _ClassVar[SensorKind]
    SENSOR_KIND_LIDAR: _ClassVar[SensorKind]
    SENSOR_KIND_OTHER: _ClassVar[SensorKind]

class TrackStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRACK_STATUS_UNSPECIFIED: _ClassVar[TrackStatus]
    TRACK_STATUS_TENTATIVE: _ClassVar[TrackStatus]
    TRACK_STATUS_CONFIRMED: _ClassVar[TrackStatus]
    TRACK_STATUS_COASTING: _ClassVar[TrackStatus]
    TRACK_STATUS_DELETED: _ClassVar[TrackStatus]

class CongestionLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONGESTION_LEVEL_UNSPECIFIED: _ClassVar[CongestionLevel]
    CONGESTION_LEVEL_LOW: _ClassVar[CongestionLevel]
    CONGESTION_LEVEL_MODERATE: _ClassVar[CongestionLevel]
    CONGESTION_LEVEL_HIGH: _ClassVar[CongestionLevel]
    CONGESTION_LEVEL_SEVERE: _ClassVar[CongestionLevel]
SENSOR_KIND_UNSPECIFIED: SensorKind
SENSOR_KIND_CAMERA: SensorKind
SENSOR_KIND_RADAR: SensorKind
SENSOR_KIND_LIDAR: SensorKind
SENSOR_KIND_OTHER: SensorKind
TRACK_STATUS_UNSPECIFIED: TrackStatus
TRACK_STATUS_TENTATIVE: TrackStatus
TRACK_STATUS_CONFIRMED: TrackStatus
TRACK_STATUS_COASTING: TrackStatus
TRACK_STATUS_DELETED: TrackStatus
CONGESTION_LEVEL_UNSPECIFIED: CongestionLevel
CONGESTION_LEVEL_LOW: CongestionLevel
CONGESTION_LEVEL_MODERATE: CongestionLevel
CONGESTION_LEVEL_HIGH: CongestionLevel
CONGESTION_LEVEL_SEVERE: CongestionLevel

class Vector3(_message.Message):
    __slots__ = ("x", "y", "z")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    Z_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    z: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., z: _Optional[float] = ...) -> None: ...

class Velocity(_message.Message):
    __slots__ = ("vx", "vy", "vz")
    VX_FIELD_NUMBER: _ClassVar[int]
    VY_FIELD_NUMBER: _ClassVar[int]
    VZ_FIELD_NUMBER: _ClassVar[int]
    vx: float
    vy: float
    vz: float
    def __init__(self, vx: _Optional[float] = ..., vy: _Optional[float] = ..., vz: _Optional[float] = ...) -> None: ...

class BoundingBox(_message.Message):
    __slots__ = ("x", "y", "width", "height")
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    x: float
    y: float
    width: float
    height: float
    def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ..., width: _Optional[float] = ..., height: _Optional[float] = ...) -> None: ...

class Covariance(_message.Message):
    __slots__ = ("dim", "values")
    DIM_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    dim: int
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, dim: _Optional[int] = ..., values: _Optional[_Iterable[float]] = ...) -> None: ...

class Detection(_message.Message):
    __slots__ = ("sensor_id", "timestamp", "frame_id", "class_label", "confidence", "position", "bbox", "speed_mps", "covariance", "attributes", "sensor_kind")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    BBOX_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    COVARIANCE_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SENSOR_KIND_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    timestamp: _timestamp_pb2.Timestamp
    frame_id: int
    class_label: str
    confidence: float
    position: Vector3
    bbox: BoundingBox
    speed_mps: float
    covariance: Covariance
    attributes: _struct_pb2.Struct
    sensor_kind: SensorKind
    def __init__(self, sensor_id: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., frame_id: _Optional[int] = ..., class_label: _Optional[str] = ..., confidence: _Optional[float] = ..., position: _Optional[_Union[Vector3, _Mapping]] = ..., bbox: _Optional[_Union[BoundingBox, _Mapping]] = ..., speed_mps: _Optional[float] = ..., covariance: _Optional[_Union[Covariance, _Mapping]] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., sensor_kind: _Optional[_Union[SensorKind, str]] = ...) -> None: ...

class DetectionFrame(_message.Message):
    __slots__ = ("sensor_id", "sensor_kind", "frame_id", "timestamp", "detections", "received_at")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    SENSOR_KIND_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    sensor_kind: SensorKind
    frame_id: int
    timestamp: _timestamp_pb2.Timestamp
    detections: _containers.RepeatedCompositeFieldContainer[Detection]
    received_at: _timestamp_pb2.Timestamp
    def __init__(self, sensor_id: _Optional[str] = ..., sensor_kind: _Optional[_Union[SensorKind, str]] = ..., frame_id: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detections: _Optional[_Iterable[_Union[Detection, _Mapping]]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Track(_message.Message):
    __slots__ = ("id", "sensor_id", "status", "position", "velocity", "covariance", "bbox", "class_label", "confidence", "created_at", "updated_at", "world_position", "speed_mps", "speed_kmh", "hits", "frame_id", "sensor_kind")
    ID_FIELD_NUMBER: _ClassVar[int]
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_FIELD_NUMBER: _ClassVar[int]
    COVARIANCE_FIELD_NUMBER: _ClassVar[int]
    BBOX_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    WORLD_POSITION_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    SPEED_KMH_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    SENSOR_KIND_FIELD_NUMBER: _ClassVar[int]
    id: str
    sensor_id: str
    status: TrackStatus
    position: Vector3
    velocity: Velocity
    covariance: Covariance
    bbox: BoundingBox
    class_label: str
    confidence: float
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    world_position: Vector3
    speed_mps: float
    speed_kmh: float
    hits: int
    frame_id: int
    sensor_kind: SensorKind
    def __init__(self, id: _Optional[str] = ..., sensor_id: _Optional[str] = ..., status: _Optional[_Union[TrackStatus, str]] = ..., position: _Optional[_Union[Vector3, _Mapping]] = ..., velocity: _Optional[_Union[Velocity, _Mapping]] = ..., covariance: _Optional[_Union[Covariance, _Mapping]] = ..., bbox: _Optional[_Union[BoundingBox, _Mapping]] = ..., class_label: _Optional[str] = ..., confidence: _Optional[float] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., world_position: _Optional[_Union[Vector3, _Mapping]] = ..., speed_mps: _Optional[float] = ..., speed_kmh: _Optional[float] = ..., hits: _Optional[int] = ..., frame_id: _Optional[int] = ..., sensor_kind: _Optional[_Union[SensorKind, str]] = ...) -> None: ...

class TrackFrame(_message.Message):
    __slots__ = ("sensor_id", "frame_id", "timestamp", "tracks", "new_track_ids", "deleted_tracks", "processing_time_ms", "dropped")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    NEW_TRACK_IDS_FIELD_NUMBER: _ClassVar[int]
    DELETED_TRACKS_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    DROPPED_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    frame_id: int
    timestamp: _timestamp_pb2.Timestamp
    tracks: _containers.RepeatedCompositeFieldContainer[Track]
    new_track_ids: _containers.RepeatedScalarFieldContainer[str]
    deleted_tracks: _containers.RepeatedCompositeFieldContainer[Track]
    processing_time_ms: float
    dropped: bool
    def __init__(self, sensor_id: _Optional[str] = ..., frame_id: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tracks: _Optional[_Iterable[_Union[Track, _Mapping]]] = ..., new_track_ids: _Optional[_Iterable[str]] = ..., deleted_tracks: _Optional[_Iterable[_Union[Track, _Mapping]]] = ..., processing_time_ms: _Optional[float] = ..., dropped: bool = ...) -> None: ...
