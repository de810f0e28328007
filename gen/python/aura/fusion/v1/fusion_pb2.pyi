import datetime

from aura.common.v1 import auth_pb2 as _auth_pb2
from aura.common.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FusedTrackEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FUSED_TRACK_EVENT_TYPE_UNSPECIFIED: _ClassVar[FusedTrackEventType]
    FUSED_TRACK_EVENT_TYPE_SNAPSHOT: _ClassVar[FusedTrackEventType]
    FUSED_TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE: _ClassVar[FusedTrackEventType]
    FUSED_TRACK_EVENT_TYPE_NEW: _ClassVar[FusedTrackEventType]
    FUSED_TRACK_EVENT_TYPE_UPDATED: _ClassVar[FusedTrackEventType]
    FUSED_TRACK_EVENT_TYPE_DELETED: _ClassVar[FusedTrackEventType]
    FUSED_TRACK_EVENT_TYPE_LEFT_FILTER: _ClassVar[FusedTrackEventType]
    FUSED_TRACK_EVENT_TYPE_MISSED: _ClassVar[FusedTrackEventType]

class ThreatKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    THREAT_KIND_UNSPECIFIED: _ClassVar[ThreatKind]
    THREAT_KIND_PROTECTED_ZONE: _ClassVar[ThreatKind]
    THREAT_KIND_APPROACH: _ClassVar[ThreatKind]
    THREAT_KIND_LOITERING: _ClassVar[ThreatKind]

class ThreatEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    THREAT_EVENT_TYPE_UNSPECIFIED: _ClassVar[ThreatEventType]
    THREAT_EVENT_TYPE_SNAPSHOT: _ClassVar[ThreatEventType]
    THREAT_EVENT_TYPE_SNAPSHOT_COMPLETE: _ClassVar[ThreatEventType]
    THREAT_EVENT_TYPE_CHANGED: _ClassVar[ThreatEventType]
    THREAT_EVENT_TYPE_MISSED: _ClassVar[ThreatEventType]

class ZoneEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ZONE_EVENT_TYPE_UNSPECIFIED: _ClassVar[ZoneEventType]
    ZONE_EVENT_TYPE_ENTER: _ClassVar[ZoneEventType]
    ZONE_EVENT_TYPE_EXIT: _ClassVar[ZoneEventType]
    ZONE_EVENT_TYPE_DWELL: _ClassVar[ZoneEventType]
    ZONE_EVENT_TYPE_LINE_CROSSING: _ClassVar[ZoneEventType]

class CrossingDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CROSSING_DIRECTION_UNSPECIFIED: _ClassVar[CrossingDirection]
    CROSSING_DIRECTION_LEFT_TO_RIGHT: _ClassVar[CrossingDirection]
    CROSSING_DIRECTION_RIGHT_TO_LEFT: _ClassVar[CrossingDirection]
FUSED_TRACK_EVENT_TYPE_UNSPECIFIED: FusedTrackEventType
FUSED_TRACK_EVENT_TYPE_SNAPSHOT: FusedTrackEventType
FUSED_TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE: FusedTrackEventType
FUSED_TRACK_EVENT_TYPE_NEW: FusedTrackEventType
FUSED_TRACK_EVENT_TYPE_UPDATED: FusedTrackEventType
FUSED_TRACK_EVENT_TYPE_DELETED: FusedTrackEventType
FUSED_TRACK_EVENT_TYPE_LEFT_FILTER: FusedTrackEventType
FUSED_TRACK_EVENT_TYPE_MISSED: FusedTrackEventType
THREAT_KIND_UNSPECIFIED: ThreatKind
THREAT_KIND_PROTECTED_ZONE: ThreatKind
THREAT_KIND_APPROACH: ThreatKind
THREAT_KIND_LOITERING: ThreatKind
THREAT_EVENT_TYPE_UNSPECIFIED: ThreatEventType
THREAT_EVENT_TYPE_SNAPSHOT: ThreatEventType
THREAT_EVENT_TYPE_SNAPSHOT_COMPLETE: ThreatEventType
THREAT_EVENT_TYPE_CHANGED: ThreatEventType
THREAT_EVENT_TYPE_MISSED: ThreatEventType
ZONE_EVENT_TYPE_UNSPECIFIED: ZoneEventType
ZONE_EVENT_TYPE_ENTER: ZoneEventType
ZONE_EVENT_TYPE_EXIT: ZoneEventType
ZONE_EVENT_TYPE_DWELL: ZoneEventType
ZONE_EVENT_TYPE_LINE_CROSSING: ZoneEventType
CROSSING_DIRECTION_UNSPECIFIED: CrossingDirection
CROSSING_DIRECTION_LEFT_TO_RIGHT: CrossingDirection
CROSSING_DIRECTION_RIGHT_TO_LEFT: CrossingDirection

class SensorTrackRef(_message.Message):
    __slots__ = ("sensor_id", "track_id", "sensor_kind", "updated_at")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    SENSOR_KIND_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    track_id: str
    sensor_kind: _common_pb2.SensorKind
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, sensor_id: _Optional[str] = ..., track_id: _Optional[str] = ..., sensor_kind: _Optional[_Union[_common_pb2.SensorKind, str]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FusedTrack(_message.Message):
    __slots__ = ("global_id", "site_id", "status", "position", "velocity", "covariance", "speed_mps", "heading_deg", "class_label", "confidence", "contributors", "threat_level", "threat_reason", "zone_ids", "created_at", "updated_at")
    GLOBAL_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_FIELD_NUMBER: _ClassVar[int]
    COVARIANCE_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    HEADING_DEG_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTORS_FIELD_NUMBER: _ClassVar[int]
    THREAT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    THREAT_REASON_FIELD_NUMBER: _ClassVar[int]
    ZONE_IDS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    global_id: str
    site_id: str
    status: _common_pb2.TrackStatus
    position: _common_pb2.Vector3
    velocity: _common_pb2.Velocity
    covariance: _common_pb2.Covariance
    speed_mps: float
    heading_deg: float
    class_label: str
    confidence: float
    contributors: _containers.RepeatedCompositeFieldContainer[SensorTrackRef]
    threat_level: int
    threat_reason: str
    zone_ids: _containers.RepeatedScalarFieldContainer[str]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, global_id: _Optional[str] = ..., site_id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.TrackStatus, str]] = ..., position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., velocity: _Optional[_Union[_common_pb2.Velocity, _Mapping]] = ..., covariance: _Optional[_Union[_common_pb2.Covariance, _Mapping]] = ..., speed_mps: _Optional[float] = ..., heading_deg: _Optional[float] = ..., class_label: _Optional[str] = ..., confidence: _Optional[float] = ..., contributors: _Optional[_Iterable[_Union[SensorTrackRef, _Mapping]]] = ..., threat_level: _Optional[int] = ..., threat_reason: _Optional[str] = ..., zone_ids: _Optional[_Iterable[str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FusedTrackPoint(_message.Message):
    __slots__ = ("timestamp", "position", "velocity")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    VELOCITY_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    position: _common_pb2.Vector3
    velocity: _common_pb2.Velocity
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., velocity: _Optional[_Union[_common_pb2.Velocity, _Mapping]] = ...) -> None: ...

class FusedTrackFilter(_message.Message):
    __slots__ = ("zone_ids", "class_labels", "sensor_ids", "statuses", "min_confidence", "min_threat_level", "site_id")
    ZONE_IDS_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABELS_FIELD_NUMBER: _ClassVar[int]
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MIN_THREAT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    zone_ids: _containers.RepeatedScalarFieldContainer[str]
    class_labels: _containers.RepeatedScalarFieldContainer[str]
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    statuses: _containers.RepeatedScalarFieldContainer[_common_pb2.TrackStatus]
    min_confidence: float
    min_threat_level: int
    site_id: str
    def __init__(self, zone_ids: _Optional[_Iterable[str]] = ..., class_labels: _Optional[_Iterable[str]] = ..., sensor_ids: _Optional[_Iterable[str]] = ..., statuses: _Optional[_Iterable[_Union[_common_pb2.TrackStatus, str]]] = ..., min_confidence: _Optional[float] = ..., min_threat_level: _Optional[int] = ..., site_id: _Optional[str] = ...) -> None: ...

class ListFusedTracksRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: FusedTrackFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[FusedTrackFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListFusedTracksResponse(_message.Message):
    __slots__ = ("fused_tracks", "next_page_token", "total_size", "timestamp")
    FUSED_TRACKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    fused_tracks: _containers.RepeatedCompositeFieldContainer[FusedTrack]
    next_page_token: str
    total_size: int
    timestamp: _timestamp_pb2.Timestamp
    def __init__(self, fused_tracks: _Optional[_Iterable[_Union[FusedTrack, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetFusedTrackRequest(_message.Message):
    __slots__ = ("global_id", "trail_seconds")
    GLOBAL_ID_FIELD_NUMBER: _ClassVar[int]
    TRAIL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    global_id: str
    trail_seconds: int
    def __init__(self, global_id: _Optional[str] = ..., trail_seconds: _Optional[int] = ...) -> None: ...

class GetFusedTrackResponse(_message.Message):
    __slots__ = ("fused_track", "trail")
    FUSED_TRACK_FIELD_NUMBER: _ClassVar[int]
    TRAIL_FIELD_NUMBER: _ClassVar[int]
    fused_track: FusedTrack
    trail: _containers.RepeatedCompositeFieldContainer[FusedTrackPoint]
    def __init__(self, fused_track: _Optional[_Union[FusedTrack, _Mapping]] = ..., trail: _Optional[_Iterable[_Union[FusedTrackPoint, _Mapping]]] = ...) -> None: ...

class StreamFusedTracksRequest(_message.Message):
    __slots__ = ("filter", "min_interval_ms")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MIN_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    filter: FusedTrackFilter
    min_interval_ms: int
    def __init__(self, filter: _Optional[_Union[FusedTrackFilter, _Mapping]] = ..., min_interval_ms: _Optional[int] = ...) -> None: ...

class StreamFusedTracksResponse(_message.Message):
    __slots__ = ("type", "fused_track", "sequence", "missed")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FUSED_TRACK_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    type: FusedTrackEventType
    fused_track: FusedTrack
    sequence: int
    missed: int
    def __init__(self, type: _Optional[_Union[FusedTrackEventType, str]] = ..., fused_track: _Optional[_Union[FusedTrack, _Mapping]] = ..., sequence: _Optional[int] = ..., missed: _Optional[int] = ...) -> None: ...

class Threat(_message.Message):
    __slots__ = ("global_id", "level", "previous_level", "kind", "reason", "zone_id", "position", "speed_mps", "time_to_closest_approach_s", "closest_approach_m", "dwell_s", "class_label", "confidence", "timestamp", "sequence")
    GLOBAL_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_LEVEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    TIME_TO_CLOSEST_APPROACH_S_FIELD_NUMBER: _ClassVar[int]
    CLOSEST_APPROACH_M_FIELD_NUMBER: _ClassVar[int]
    DWELL_S_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    global_id: str
    level: int
    previous_level: int
    kind: ThreatKind
    reason: str
    zone_id: str
    position: _common_pb2.Vector3
    speed_mps: float
    time_to_closest_approach_s: float
    closest_approach_m: float
    dwell_s: float
    class_label: str
    confidence: float
    timestamp: _timestamp_pb2.Timestamp
    sequence: int
    def __init__(self, global_id: _Optional[str] = ..., level: _Optional[int] = ..., previous_level: _Optional[int] = ..., kind: _Optional[_Union[ThreatKind, str]] = ..., reason: _Optional[str] = ..., zone_id: _Optional[str] = ..., position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., speed_mps: _Optional[float] = ..., time_to_closest_approach_s: _Optional[float] = ..., closest_approach_m: _Optional[float] = ..., dwell_s: _Optional[float] = ..., class_label: _Optional[str] = ..., confidence: _Optional[float] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sequence: _Optional[int] = ...) -> None: ...

class StreamThreatsRequest(_message.Message):
    __slots__ = ("min_level", "zone_ids")
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    ZONE_IDS_FIELD_NUMBER: _ClassVar[int]
    min_level: int
    zone_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, min_level: _Optional[int] = ..., zone_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class StreamThreatsResponse(_message.Message):
    __slots__ = ("type", "threat", "missed")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    THREAT_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    type: ThreatEventType
    threat: Threat
    missed: int
    def __init__(self, type: _Optional[_Union[ThreatEventType, str]] = ..., threat: _Optional[_Union[Threat, _Mapping]] = ..., missed: _Optional[int] = ...) -> None: ...

class ZoneEvent(_message.Message):
    __slots__ = ("event_id", "type", "zone_id", "zone_name", "global_id", "class_label", "timestamp", "position", "speed_mps", "dwell_s", "direction", "sensor_ids", "site_id")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_NAME_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABEL_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    DWELL_S_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    type: ZoneEventType
    zone_id: str
    zone_name: str
    global_id: str
    class_label: str
    timestamp: _timestamp_pb2.Timestamp
    position: _common_pb2.Vector3
    speed_mps: float
    dwell_s: float
    direction: CrossingDirection
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    site_id: str
    def __init__(self, event_id: _Optional[str] = ..., type: _Optional[_Union[ZoneEventType, str]] = ..., zone_id: _Optional[str] = ..., zone_name: _Optional[str] = ..., global_id: _Optional[str] = ..., class_label: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., speed_mps: _Optional[float] = ..., dwell_s: _Optional[float] = ..., direction: _Optional[_Union[CrossingDirection, str]] = ..., sensor_ids: _Optional[_Iterable[str]] = ..., site_id: _Optional[str] = ...) -> None: ...

class FusedTrackFrame(_message.Message):
    __slots__ = ("sequence", "timestamp", "tracks", "new_global_ids", "deleted_tracks", "live_track_count", "processing_time_ms", "source_frames")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    NEW_GLOBAL_IDS_FIELD_NUMBER: _ClassVar[int]
    DELETED_TRACKS_FIELD_NUMBER: _ClassVar[int]
    LIVE_TRACK_COUNT_FIELD_NUMBER: _ClassVar[int]
    PROCESSING_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FRAMES_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    timestamp: _timestamp_pb2.Timestamp
    tracks: _containers.RepeatedCompositeFieldContainer[FusedTrack]
    new_global_ids: _containers.RepeatedScalarFieldContainer[str]
    deleted_tracks: _containers.RepeatedCompositeFieldContainer[FusedTrack]
    live_track_count: int
    processing_time_ms: float
    source_frames: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, sequence: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tracks: _Optional[_Iterable[_Union[FusedTrack, _Mapping]]] = ..., new_global_ids: _Optional[_Iterable[str]] = ..., deleted_tracks: _Optional[_Iterable[_Union[FusedTrack, _Mapping]]] = ..., live_track_count: _Optional[int] = ..., processing_time_ms: _Optional[float] = ..., source_frames: _Optional[_Iterable[str]] = ...) -> None: ...
