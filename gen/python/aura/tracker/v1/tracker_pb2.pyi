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

class TrackEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRACK_EVENT_TYPE_UNSPECIFIED: _ClassVar[TrackEventType]
    TRACK_EVENT_TYPE_SNAPSHOT: _ClassVar[TrackEventType]
    TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE: _ClassVar[TrackEventType]
    TRACK_EVENT_TYPE_NEW: _ClassVar[TrackEventType]
    TRACK_EVENT_TYPE_UPDATED: _ClassVar[TrackEventType]
    TRACK_EVENT_TYPE_DELETED: _ClassVar[TrackEventType]
    TRACK_EVENT_TYPE_MISSED: _ClassVar[TrackEventType]
TRACK_EVENT_TYPE_UNSPECIFIED: TrackEventType
TRACK_EVENT_TYPE_SNAPSHOT: TrackEventType
TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE: TrackEventType
TRACK_EVENT_TYPE_NEW: TrackEventType
TRACK_EVENT_TYPE_UPDATED: TrackEventType
TRACK_EVENT_TYPE_DELETED: TrackEventType
TRACK_EVENT_TYPE_MISSED: TrackEventType

class TrackFilter(_message.Message):
    __slots__ = ("sensor_ids", "statuses", "class_labels", "min_confidence")
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABELS_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    statuses: _containers.RepeatedScalarFieldContainer[_common_pb2.TrackStatus]
    class_labels: _containers.RepeatedScalarFieldContainer[str]
    min_confidence: float
    def __init__(self, sensor_ids: _Optional[_Iterable[str]] = ..., statuses: _Optional[_Iterable[_Union[_common_pb2.TrackStatus, str]]] = ..., class_labels: _Optional[_Iterable[str]] = ..., min_confidence: _Optional[float] = ...) -> None: ...

class ListTracksRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: TrackFilter
    def __init__(self, filter: _Optional[_Union[TrackFilter, _Mapping]] = ...) -> None: ...

class ListTracksResponse(_message.Message):
    __slots__ = ("tracks",)
    TRACKS_FIELD_NUMBER: _ClassVar[int]
    tracks: _containers.RepeatedCompositeFieldContainer[_common_pb2.Track]
    def __init__(self, tracks: _Optional[_Iterable[_Union[_common_pb2.Track, _Mapping]]] = ...) -> None: ...

class GetTrackRequest(_message.Message):
    __slots__ = ("track_id",)
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    def __init__(self, track_id: _Optional[str] = ...) -> None: ...

class GetTrackResponse(_message.Message):
    __slots__ = ("track",)
    TRACK_FIELD_NUMBER: _ClassVar[int]
    track: _common_pb2.Track
    def __init__(self, track: _Optional[_Union[_common_pb2.Track, _Mapping]] = ...) -> None: ...

class GetTrackHistoryRequest(_message.Message):
    __slots__ = ("track_id", "limit")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    limit: int
    def __init__(self, track_id: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class TrackPoint(_message.Message):
    __slots__ = ("timestamp", "position")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    position: _common_pb2.Vector3
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ...) -> None: ...

class GetTrackHistoryResponse(_message.Message):
    __slots__ = ("track_id", "points")
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    track_id: str
    points: _containers.RepeatedCompositeFieldContainer[TrackPoint]
    def __init__(self, track_id: _Optional[str] = ..., points: _Optional[_Iterable[_Union[TrackPoint, _Mapping]]] = ...) -> None: ...

class StreamTracksRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: TrackFilter
    def __init__(self, filter: _Optional[_Union[TrackFilter, _Mapping]] = ...) -> None: ...

class StreamTracksResponse(_message.Message):
    __slots__ = ("type", "track", "frame_id", "missed")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TRACK_FIELD_NUMBER: _ClassVar[int]
    FRAME_ID_FIELD_NUMBER: _ClassVar[int]
    MISSED_FIELD_NUMBER: _ClassVar[int]
    type: TrackEventType
    track: _common_pb2.Track
    frame_id: int
    missed: int
    def __init__(self, type: _Optional[_Union[TrackEventType, str]] = ..., track: _Optional[_Union[_common_pb2.Track, _Mapping]] = ..., frame_id: _Optional[int] = ..., missed: _Optional[int] = ...) -> None: ...
