import datetime

from aura.admin.v1 import admin_pb2 as _admin_pb2
from aura.common.v1 import auth_pb2 as _auth_pb2
from aura.common.v1 import common_pb2 as _common_pb2
from aura.fusion.v1 import fusion_pb2 as _fusion_pb2
from aura.ingest.v1 import ingest_pb2 as _ingest_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MetricsScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METRICS_SCOPE_UNSPECIFIED: _ClassVar[MetricsScope]
    METRICS_SCOPE_SENSOR: _ClassVar[MetricsScope]
    METRICS_SCOPE_ZONE: _ClassVar[MetricsScope]
    METRICS_SCOPE_LANE: _ClassVar[MetricsScope]

class SpeedSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SPEED_SOURCE_UNSPECIFIED: _ClassVar[SpeedSource]
    SPEED_SOURCE_MEASURED: _ClassVar[SpeedSource]
    SPEED_SOURCE_TRACK: _ClassVar[SpeedSource]
    SPEED_SOURCE_MIXED: _ClassVar[SpeedSource]

class AlertKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_KIND_UNSPECIFIED: _ClassVar[AlertKind]
    ALERT_KIND_CONGESTION: _ClassVar[AlertKind]
    ALERT_KIND_THREAT: _ClassVar[AlertKind]

class AlertSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_SEVERITY_UNSPECIFIED: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_INFO: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_WARNING: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_HIGH: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_CRITICAL: _ClassVar[AlertSeverity]

class AlertState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_STATE_UNSPECIFIED: _ClassVar[AlertState]
    ALERT_STATE_ACTIVE: _ClassVar[AlertState]
    ALERT_STATE_CLEARED: _ClassVar[AlertState]

class EventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_TYPE_UNSPECIFIED: _ClassVar[EventType]
    EVENT_TYPE_METRICS_UPDATE: _ClassVar[EventType]
    EVENT_TYPE_HEATMAP_UPDATE: _ClassVar[EventType]
    EVENT_TYPE_ALERT_RAISED: _ClassVar[EventType]
    EVENT_TYPE_ALERT_ACKNOWLEDGED: _ClassVar[EventType]
    EVENT_TYPE_ALERT_CLEARED: _ClassVar[EventType]
    EVENT_TYPE_ADMIN_BROADCAST: _ClassVar[EventType]
    EVENT_TYPE_ZONE_EVENT: _ClassVar[EventType]
    EVENT_TYPE_THREAT_CHANGE: _ClassVar[EventType]
    EVENT_TYPE_MISSED_EVENTS: _ClassVar[EventType]
    EVENT_TYPE_HEARTBEAT: _ClassVar[EventType]
METRICS_SCOPE_UNSPECIFIED: MetricsScope
METRICS_SCOPE_SENSOR: MetricsScope
METRICS_SCOPE_ZONE: MetricsScope
METRICS_SCOPE_LANE: MetricsScope
SPEED_SOURCE_UNSPECIFIED: SpeedSource
SPEED_SOURCE_MEASURED: SpeedSource
SPEED_SOURCE_TRACK: SpeedSource
SPEED_SOURCE_MIXED: SpeedSource
ALERT_KIND_UNSPECIFIED: AlertKind
ALERT_KIND_CONGESTION: AlertKind
ALERT_KIND_THREAT: AlertKind
ALERT_SEVERITY_UNSPECIFIED: AlertSeverity
ALERT_SEVERITY_INFO: AlertSeverity
ALERT_SEVERITY_WARNING: AlertSeverity
ALERT_SEVERITY_HIGH: AlertSeverity
ALERT_SEVERITY_CRITICAL: AlertSeverity
ALERT_STATE_UNSPECIFIED: AlertState
ALERT_STATE_ACTIVE: AlertState
ALERT_STATE_CLEARED: AlertState
EVENT_TYPE_UNSPECIFIED: EventType
EVENT_TYPE_METRICS_UPDATE: EventType
EVENT_TYPE_HEATMAP_UPDATE: EventType
EVENT_TYPE_ALERT_RAISED: EventType
EVENT_TYPE_ALERT_ACKNOWLEDGED: EventType
EVENT_TYPE_ALERT_CLEARED: EventType
EVENT_TYPE_ADMIN_BROADCAST: EventType
EVENT_TYPE_ZONE_EVENT: EventType
EVENT_TYPE_THREAT_CHANGE: EventType
EVENT_TYPE_MISSED_EVENTS: EventType
EVENT_TYPE_HEARTBEAT: EventType

class MetricsKey(_message.Message):
    __slots__ = ("scope", "sensor_id", "zone_id", "lane_id")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    LANE_ID_FIELD_NUMBER: _ClassVar[int]
    scope: MetricsScope
    sensor_id: str
    zone_id: str
    lane_id: str
    def __init__(self, scope: _Optional[_Union[MetricsScope, str]] = ..., sensor_id: _Optional[str] = ..., zone_id: _Optional[str] = ..., lane_id: _Optional[str] = ...) -> None: ...

class WindowMetrics(_message.Message):
    __slots__ = ("key", "window_start", "window_end", "detection_count", "counts_by_class", "unique_tracks", "unique_tracks_by_class", "mean_speed_mps", "p85_speed_mps", "speed_source", "occupancy", "congestion_level", "congestion_score", "late_dropped")
    class CountsByClassEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    class UniqueTracksByClassEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    KEY_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    DETECTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    COUNTS_BY_CLASS_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_TRACKS_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_TRACKS_BY_CLASS_FIELD_NUMBER: _ClassVar[int]
    MEAN_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    P85_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    SPEED_SOURCE_FIELD_NUMBER: _ClassVar[int]
    OCCUPANCY_FIELD_NUMBER: _ClassVar[int]
    CONGESTION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONGESTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    LATE_DROPPED_FIELD_NUMBER: _ClassVar[int]
    key: MetricsKey
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    detection_count: int
    counts_by_class: _containers.ScalarMap[str, int]
    unique_tracks: int
    unique_tracks_by_class: _containers.ScalarMap[str, int]
    mean_speed_mps: float
    p85_speed_mps: float
    speed_source: SpeedSource
    occupancy: float
    congestion_level: _common_pb2.CongestionLevel
    congestion_score: float
    late_dropped: int
    def __init__(self, key: _Optional[_Union[MetricsKey, _Mapping]] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detection_count: _Optional[int] = ..., counts_by_class: _Optional[_Mapping[str, int]] = ..., unique_tracks: _Optional[int] = ..., unique_tracks_by_class: _Optional[_Mapping[str, int]] = ..., mean_speed_mps: _Optional[float] = ..., p85_speed_mps: _Optional[float] = ..., speed_source: _Optional[_Union[SpeedSource, str]] = ..., occupancy: _Optional[float] = ..., congestion_level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., congestion_score: _Optional[float] = ..., late_dropped: _Optional[int] = ...) -> None: ...

class GetCurrentMetricsRequest(_message.Message):
    __slots__ = ("scope", "sensor_ids", "zone_ids")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    ZONE_IDS_FIELD_NUMBER: _ClassVar[int]
    scope: MetricsScope
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    zone_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scope: _Optional[_Union[MetricsScope, str]] = ..., sensor_ids: _Optional[_Iterable[str]] = ..., zone_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetCurrentMetricsResponse(_message.Message):
    __slots__ = ("metrics",)
    METRICS_FIELD_NUMBER: _ClassVar[int]
    metrics: _containers.RepeatedCompositeFieldContainer[WindowMetrics]
    def __init__(self, metrics: _Optional[_Iterable[_Union[WindowMetrics, _Mapping]]] = ...) -> None: ...

class GetMetricsHistoryRequest(_message.Message):
    __slots__ = ("sensor_id", "zone_id", "lane_id", "start_time", "end_time", "step_seconds")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    LANE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    zone_id: str
    lane_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    step_seconds: int
    def __init__(self, sensor_id: _Optional[str] = ..., zone_id: _Optional[str] = ..., lane_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step_seconds: _Optional[int] = ...) -> None: ...

class GetMetricsHistoryResponse(_message.Message):
    __slots__ = ("key", "step_seconds", "points")
    KEY_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    key: MetricsKey
    step_seconds: int
    points: _containers.RepeatedCompositeFieldContainer[WindowMetrics]
    def __init__(self, key: _Optional[_Union[MetricsKey, _Mapping]] = ..., step_seconds: _Optional[int] = ..., points: _Optional[_Iterable[_Union[WindowMetrics, _Mapping]]] = ...) -> None: ...

class RangeSummary(_message.Message):
    __slots__ = ("start_time", "end_time", "windows", "detection_count", "unique_tracks", "unique_tracks_by_class", "mean_speed_mps", "p85_speed_mps", "mean_occupancy", "mean_congestion_score", "peak_congestion_level", "congested_fraction", "alert_count")
    class UniqueTracksByClassEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_FIELD_NUMBER: _ClassVar[int]
    DETECTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_TRACKS_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_TRACKS_BY_CLASS_FIELD_NUMBER: _ClassVar[int]
    MEAN_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    P85_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    MEAN_OCCUPANCY_FIELD_NUMBER: _ClassVar[int]
    MEAN_CONGESTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    PEAK_CONGESTION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONGESTED_FRACTION_FIELD_NUMBER: _ClassVar[int]
    ALERT_COUNT_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    windows: int
    detection_count: int
    unique_tracks: int
    unique_tracks_by_class: _containers.ScalarMap[str, int]
    mean_speed_mps: float
    p85_speed_mps: float
    mean_occupancy: float
    mean_congestion_score: float
    peak_congestion_level: _common_pb2.CongestionLevel
    congested_fraction: float
    alert_count: int
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., windows: _Optional[int] = ..., detection_count: _Optional[int] = ..., unique_tracks: _Optional[int] = ..., unique_tracks_by_class: _Optional[_Mapping[str, int]] = ..., mean_speed_mps: _Optional[float] = ..., p85_speed_mps: _Optional[float] = ..., mean_occupancy: _Optional[float] = ..., mean_congestion_score: _Optional[float] = ..., peak_congestion_level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., congested_fraction: _Optional[float] = ..., alert_count: _Optional[int] = ...) -> None: ...

class RangeChange(_message.Message):
    __slots__ = ("unique_tracks_pct", "mean_speed_pct", "mean_occupancy_delta", "mean_congestion_score_delta", "alert_count_delta")
    UNIQUE_TRACKS_PCT_FIELD_NUMBER: _ClassVar[int]
    MEAN_SPEED_PCT_FIELD_NUMBER: _ClassVar[int]
    MEAN_OCCUPANCY_DELTA_FIELD_NUMBER: _ClassVar[int]
    MEAN_CONGESTION_SCORE_DELTA_FIELD_NUMBER: _ClassVar[int]
    ALERT_COUNT_DELTA_FIELD_NUMBER: _ClassVar[int]
    unique_tracks_pct: float
    mean_speed_pct: float
    mean_occupancy_delta: float
    mean_congestion_score_delta: float
    alert_count_delta: int
    def __init__(self, unique_tracks_pct: _Optional[float] = ..., mean_speed_pct: _Optional[float] = ..., mean_occupancy_delta: _Optional[float] = ..., mean_congestion_score_delta: _Optional[float] = ..., alert_count_delta: _Optional[int] = ...) -> None: ...

class CompareRangesRequest(_message.Message):
    __slots__ = ("sensor_id", "zone_id", "a_start_time", "a_end_time", "b_start_time", "b_end_time")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    A_START_TIME_FIELD_NUMBER: _ClassVar[int]
    A_END_TIME_FIELD_NUMBER: _ClassVar[int]
    B_START_TIME_FIELD_NUMBER: _ClassVar[int]
    B_END_TIME_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    zone_id: str
    a_start_time: _timestamp_pb2.Timestamp
    a_end_time: _timestamp_pb2.Timestamp
    b_start_time: _timestamp_pb2.Timestamp
    b_end_time: _timestamp_pb2.Timestamp
    def __init__(self, sensor_id: _Optional[str] = ..., zone_id: _Optional[str] = ..., a_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., a_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., b_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., b_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CompareRangesResponse(_message.Message):
    __slots__ = ("key", "a", "b", "change")
    KEY_FIELD_NUMBER: _ClassVar[int]
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    key: MetricsKey
    a: RangeSummary
    b: RangeSummary
    change: RangeChange
    def __init__(self, key: _Optional[_Union[MetricsKey, _Mapping]] = ..., a: _Optional[_Union[RangeSummary, _Mapping]] = ..., b: _Optional[_Union[RangeSummary, _Mapping]] = ..., change: _Optional[_Union[RangeChange, _Mapping]] = ...) -> None: ...

class HeatmapCell(_message.Message):
    __slots__ = ("ix", "iy", "x_m", "y_m", "count")
    IX_FIELD_NUMBER: _ClassVar[int]
    IY_FIELD_NUMBER: _ClassVar[int]
    X_M_FIELD_NUMBER: _ClassVar[int]
    Y_M_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    ix: int
    iy: int
    x_m: float
    y_m: float
    count: int
    def __init__(self, ix: _Optional[int] = ..., iy: _Optional[int] = ..., x_m: _Optional[float] = ..., y_m: _Optional[float] = ..., count: _Optional[int] = ...) -> None: ...

class Heatmap(_message.Message):
    __slots__ = ("site_id", "start_time", "end_time", "cell_size_m", "cells", "max_count")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    CELL_SIZE_M_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    MAX_COUNT_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    cell_size_m: float
    cells: _containers.RepeatedCompositeFieldContainer[HeatmapCell]
    max_count: int
    def __init__(self, site_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cell_size_m: _Optional[float] = ..., cells: _Optional[_Iterable[_Union[HeatmapCell, _Mapping]]] = ..., max_count: _Optional[int] = ...) -> None: ...

class GetHeatmapRequest(_message.Message):
    __slots__ = ("window_minutes", "cell_size_m", "site_id", "class_labels")
    WINDOW_MINUTES_FIELD_NUMBER: _ClassVar[int]
    CELL_SIZE_M_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABELS_FIELD_NUMBER: _ClassVar[int]
    window_minutes: int
    cell_size_m: float
    site_id: str
    class_labels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, window_minutes: _Optional[int] = ..., cell_size_m: _Optional[float] = ..., site_id: _Optional[str] = ..., class_labels: _Optional[_Iterable[str]] = ...) -> None: ...

class GetHeatmapResponse(_message.Message):
    __slots__ = ("heatmap",)
    HEATMAP_FIELD_NUMBER: _ClassVar[int]
    heatmap: Heatmap
    def __init__(self, heatmap: _Optional[_Union[Heatmap, _Mapping]] = ...) -> None: ...

class Incident(_message.Message):
    __slots__ = ("key", "level", "congestion_score", "since", "latest", "position", "alert_id")
    KEY_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONGESTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    key: MetricsKey
    level: _common_pb2.CongestionLevel
    congestion_score: float
    since: _timestamp_pb2.Timestamp
    latest: WindowMetrics
    position: _common_pb2.Vector3
    alert_id: str
    def __init__(self, key: _Optional[_Union[MetricsKey, _Mapping]] = ..., level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., congestion_score: _Optional[float] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., latest: _Optional[_Union[WindowMetrics, _Mapping]] = ..., position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., alert_id: _Optional[str] = ...) -> None: ...

class ListIncidentsRequest(_message.Message):
    __slots__ = ("min_level", "scope")
    MIN_LEVEL_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    min_level: _common_pb2.CongestionLevel
    scope: MetricsScope
    def __init__(self, min_level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., scope: _Optional[_Union[MetricsScope, str]] = ...) -> None: ...

class ListIncidentsResponse(_message.Message):
    __slots__ = ("incidents",)
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    incidents: _containers.RepeatedCompositeFieldContainer[Incident]
    def __init__(self, incidents: _Optional[_Iterable[_Union[Incident, _Mapping]]] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("alert_id", "kind", "severity", "state", "title", "detail", "key", "sensor_ids", "zone_id", "global_id", "congestion_level", "congestion_score", "threat_level", "position", "raised_at", "last_seen_at", "cleared_at", "occurrences", "acknowledged", "acknowledged_by", "acknowledged_at", "acknowledge_comment", "session_id")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_ID_FIELD_NUMBER: _ClassVar[int]
    CONGESTION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    CONGESTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    THREAT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    RAISED_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    CLEARED_AT_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_AT_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_COMMENT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    kind: AlertKind
    severity: AlertSeverity
    state: AlertState
    title: str
    detail: str
    key: MetricsKey
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    zone_id: str
    global_id: str
    congestion_level: _common_pb2.CongestionLevel
    congestion_score: float
    threat_level: int
    position: _common_pb2.Vector3
    raised_at: _timestamp_pb2.Timestamp
    last_seen_at: _timestamp_pb2.Timestamp
    cleared_at: _timestamp_pb2.Timestamp
    occurrences: int
    acknowledged: bool
    acknowledged_by: str
    acknowledged_at: _timestamp_pb2.Timestamp
    acknowledge_comment: str
    session_id: str
    def __init__(self, alert_id: _Optional[str] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., severity: _Optional[_Union[AlertSeverity, str]] = ..., state: _Optional[_Union[AlertState, str]] = ..., title: _Optional[str] = ..., detail: _Optional[str] = ..., key: _Optional[_Union[MetricsKey, _Mapping]] = ..., sensor_ids: _Optional[_Iterable[str]] = ..., zone_id: _Optional[str] = ..., global_id: _Optional[str] = ..., congestion_level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., congestion_score: _Optional[float] = ..., threat_level: _Optional[int] = ..., position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., raised_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cleared_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., occurrences: _Optional[int] = ..., acknowledged: bool = ..., acknowledged_by: _Optional[str] = ..., acknowledged_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledge_comment: _Optional[str] = ..., session_id: _Optional[str] = ...) -> None: ...

class AlertFilter(_message.Message):
    __slots__ = ("start_time", "end_time", "min_severity", "kind", "state", "sensor_id", "zone_id", "global_id", "session_id", "unacknowledged_only")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    MIN_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    UNACKNOWLEDGED_ONLY_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    min_severity: AlertSeverity
    kind: AlertKind
    state: AlertState
    sensor_id: str
    zone_id: str
    global_id: str
    session_id: str
    unacknowledged_only: bool
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., min_severity: _Optional[_Union[AlertSeverity, str]] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., state: _Optional[_Union[AlertState, str]] = ..., sensor_id: _Optional[str] = ..., zone_id: _Optional[str] = ..., global_id: _Optional[str] = ..., session_id: _Optional[str] = ..., unacknowledged_only: bool = ...) -> None: ...

class ListActiveAlertsRequest(_message.Message):
    __slots__ = ("min_severity", "kind", "sensor_id", "zone_id", "unacknowledged_only", "page_size", "page_token")
    MIN_SEVERITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    UNACKNOWLEDGED_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    min_severity: AlertSeverity
    kind: AlertKind
    sensor_id: str
    zone_id: str
    unacknowledged_only: bool
    page_size: int
    page_token: str
    def __init__(self, min_severity: _Optional[_Union[AlertSeverity, str]] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., sensor_id: _Optional[str] = ..., zone_id: _Optional[str] = ..., unacknowledged_only: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListActiveAlertsResponse(_message.Message):
    __slots__ = ("alerts", "next_page_token")
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    next_page_token: str
    def __init__(self, alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListAlertHistoryRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    filter: AlertFilter
    page_size: int
    page_token: str
    def __init__(self, filter: _Optional[_Union[AlertFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAlertHistoryResponse(_message.Message):
    __slots__ = ("alerts", "next_page_token")
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    next_page_token: str
    def __init__(self, alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class AcknowledgeAlertRequest(_message.Message):
    __slots__ = ("alert_id", "comment")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    comment: str
    def __init__(self, alert_id: _Optional[str] = ..., comment: _Optional[str] = ...) -> None: ...

class AcknowledgeAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class ExportAlertsCsvRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: AlertFilter
    def __init__(self, filter: _Optional[_Union[AlertFilter, _Mapping]] = ...) -> None: ...

class StoredDetection(_message.Message):
    __slots__ = ("detection", "received_at", "session_id")
    DETECTION_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_AT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    detection: _common_pb2.Detection
    received_at: _timestamp_pb2.Timestamp
    session_id: str
    def __init__(self, detection: _Optional[_Union[_common_pb2.Detection, _Mapping]] = ..., received_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session_id: _Optional[str] = ...) -> None: ...

class QueryDetectionsRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "class_label", "sensor_id", "session_id", "min_confidence", "limit")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABEL_FIELD_NUMBER: _ClassVar[int]
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    class_label: str
    sensor_id: str
    session_id: str
    min_confidence: float
    limit: int
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., class_label: _Optional[str] = ..., sensor_id: _Optional[str] = ..., session_id: _Optional[str] = ..., min_confidence: _Optional[float] = ..., limit: _Optional[int] = ...) -> None: ...

class QueryDetectionsResponse(_message.Message):
    __slots__ = ("detections", "limit", "truncated")
    DETECTIONS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    detections: _containers.RepeatedCompositeFieldContainer[StoredDetection]
    limit: int
    truncated: bool
    def __init__(self, detections: _Optional[_Iterable[_Union[StoredDetection, _Mapping]]] = ..., limit: _Optional[int] = ..., truncated: bool = ...) -> None: ...

class SensorSummary(_message.Message):
    __slots__ = ("sensor_id", "sensor_kind", "last_seen_at", "detections_per_second", "live_tracks", "latest")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    SENSOR_KIND_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    LIVE_TRACKS_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    sensor_kind: _common_pb2.SensorKind
    last_seen_at: _timestamp_pb2.Timestamp
    detections_per_second: float
    live_tracks: int
    latest: WindowMetrics
    def __init__(self, sensor_id: _Optional[str] = ..., sensor_kind: _Optional[_Union[_common_pb2.SensorKind, str]] = ..., last_seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., detections_per_second: _Optional[float] = ..., live_tracks: _Optional[int] = ..., latest: _Optional[_Union[WindowMetrics, _Mapping]] = ...) -> None: ...

class GetDashboardSummaryRequest(_message.Message):
    __slots__ = ("site_id",)
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    def __init__(self, site_id: _Optional[str] = ...) -> None: ...

class GetDashboardSummaryResponse(_message.Message):
    __slots__ = ("timestamp", "sensors_total", "sensors_reporting", "detections_per_second", "live_tracks", "live_fused_tracks", "unique_tracks_last_hour", "unique_tracks_last_hour_by_class", "mean_speed_mps", "worst_congestion_level", "worst_congestion_key", "active_alerts", "unacknowledged_alerts", "critical_alerts", "max_threat_level", "threatening_tracks", "late_dropped_last_hour", "sensors")
    class UniqueTracksLastHourByClassEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SENSORS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SENSORS_REPORTING_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_PER_SECOND_FIELD_NUMBER: _ClassVar[int]
    LIVE_TRACKS_FIELD_NUMBER: _ClassVar[int]
    LIVE_FUSED_TRACKS_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_TRACKS_LAST_HOUR_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_TRACKS_LAST_HOUR_BY_CLASS_FIELD_NUMBER: _ClassVar[int]
    MEAN_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    WORST_CONGESTION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    WORST_CONGESTION_KEY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_ALERTS_FIELD_NUMBER: _ClassVar[int]
    UNACKNOWLEDGED_ALERTS_FIELD_NUMBER: _ClassVar[int]
    CRITICAL_ALERTS_FIELD_NUMBER: _ClassVar[int]
    MAX_THREAT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    THREATENING_TRACKS_FIELD_NUMBER: _ClassVar[int]
    LATE_DROPPED_LAST_HOUR_FIELD_NUMBER: _ClassVar[int]
    SENSORS_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    sensors_total: int
    sensors_reporting: int
    detections_per_second: float
    live_tracks: int
    live_fused_tracks: int
    unique_tracks_last_hour: int
    unique_tracks_last_hour_by_class: _containers.ScalarMap[str, int]
    mean_speed_mps: float
    worst_congestion_level: _common_pb2.CongestionLevel
    worst_congestion_key: MetricsKey
    active_alerts: int
    unacknowledged_alerts: int
    critical_alerts: int
    max_threat_level: int
    threatening_tracks: int
    late_dropped_last_hour: int
    sensors: _containers.RepeatedCompositeFieldContainer[SensorSummary]
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sensors_total: _Optional[int] = ..., sensors_reporting: _Optional[int] = ..., detections_per_second: _Optional[float] = ..., live_tracks: _Optional[int] = ..., live_fused_tracks: _Optional[int] = ..., unique_tracks_last_hour: _Optional[int] = ..., unique_tracks_last_hour_by_class: _Optional[_Mapping[str, int]] = ..., mean_speed_mps: _Optional[float] = ..., worst_congestion_level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., worst_congestion_key: _Optional[_Union[MetricsKey, _Mapping]] = ..., active_alerts: _Optional[int] = ..., unacknowledged_alerts: _Optional[int] = ..., critical_alerts: _Optional[int] = ..., max_threat_level: _Optional[int] = ..., threatening_tracks: _Optional[int] = ..., late_dropped_last_hour: _Optional[int] = ..., sensors: _Optional[_Iterable[_Union[SensorSummary, _Mapping]]] = ...) -> None: ...

class TelemetryChannel(_message.Message):
    __slots__ = ("source_id", "channel", "unit", "sample_count", "first_at", "last_at", "last_value")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_VALUE_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    channel: str
    unit: str
    sample_count: int
    first_at: _timestamp_pb2.Timestamp
    last_at: _timestamp_pb2.Timestamp
    last_value: float
    def __init__(self, source_id: _Optional[str] = ..., channel: _Optional[str] = ..., unit: _Optional[str] = ..., sample_count: _Optional[int] = ..., first_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_value: _Optional[float] = ...) -> None: ...

class GetLatestTelemetryRequest(_message.Message):
    __slots__ = ("source_id", "channels")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    channels: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, source_id: _Optional[str] = ..., channels: _Optional[_Iterable[str]] = ...) -> None: ...

class GetLatestTelemetryResponse(_message.Message):
    __slots__ = ("samples",)
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    samples: _containers.RepeatedCompositeFieldContainer[_ingest_pb2.TelemetrySample]
    def __init__(self, samples: _Optional[_Iterable[_Union[_ingest_pb2.TelemetrySample, _Mapping]]] = ...) -> None: ...

class ListTelemetryChannelsRequest(_message.Message):
    __slots__ = ("source_id",)
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    def __init__(self, source_id: _Optional[str] = ...) -> None: ...

class ListTelemetryChannelsResponse(_message.Message):
    __slots__ = ("channels",)
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[TelemetryChannel]
    def __init__(self, channels: _Optional[_Iterable[_Union[TelemetryChannel, _Mapping]]] = ...) -> None: ...

class GetTelemetryRangeRequest(_message.Message):
    __slots__ = ("source_id", "channel", "start_time", "end_time", "step_seconds", "limit")
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    source_id: str
    channel: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    step_seconds: int
    limit: int
    def __init__(self, source_id: _Optional[str] = ..., channel: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step_seconds: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class GetTelemetryRangeResponse(_message.Message):
    __slots__ = ("samples", "truncated")
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    samples: _containers.RepeatedCompositeFieldContainer[_ingest_pb2.TelemetrySample]
    truncated: bool
    def __init__(self, samples: _Optional[_Iterable[_Union[_ingest_pb2.TelemetrySample, _Mapping]]] = ..., truncated: bool = ...) -> None: ...

class ForecastPoint(_message.Message):
    __slots__ = ("timestamp", "congestion_score", "lower_score", "upper_score", "level", "unique_tracks")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    CONGESTION_SCORE_FIELD_NUMBER: _ClassVar[int]
    LOWER_SCORE_FIELD_NUMBER: _ClassVar[int]
    UPPER_SCORE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_TRACKS_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    congestion_score: float
    lower_score: float
    upper_score: float
    level: _common_pb2.CongestionLevel
    unique_tracks: float
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., congestion_score: _Optional[float] = ..., lower_score: _Optional[float] = ..., upper_score: _Optional[float] = ..., level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., unique_tracks: _Optional[float] = ...) -> None: ...

class GetForecastRequest(_message.Message):
    __slots__ = ("sensor_id", "zone_id", "horizon_minutes", "lookback_minutes", "step_seconds")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    HORIZON_MINUTES_FIELD_NUMBER: _ClassVar[int]
    LOOKBACK_MINUTES_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    zone_id: str
    horizon_minutes: int
    lookback_minutes: int
    step_seconds: int
    def __init__(self, sensor_id: _Optional[str] = ..., zone_id: _Optional[str] = ..., horizon_minutes: _Optional[int] = ..., lookback_minutes: _Optional[int] = ..., step_seconds: _Optional[int] = ...) -> None: ...

class GetForecastResponse(_message.Message):
    __slots__ = ("key", "method", "points", "mae_score", "rmse_score", "holdout_minutes", "history_end", "generated_at")
    KEY_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    MAE_SCORE_FIELD_NUMBER: _ClassVar[int]
    RMSE_SCORE_FIELD_NUMBER: _ClassVar[int]
    HOLDOUT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    HISTORY_END_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    key: MetricsKey
    method: str
    points: _containers.RepeatedCompositeFieldContainer[ForecastPoint]
    mae_score: float
    rmse_score: float
    holdout_minutes: int
    history_end: _timestamp_pb2.Timestamp
    generated_at: _timestamp_pb2.Timestamp
    def __init__(self, key: _Optional[_Union[MetricsKey, _Mapping]] = ..., method: _Optional[str] = ..., points: _Optional[_Iterable[_Union[ForecastPoint, _Mapping]]] = ..., mae_score: _Optional[float] = ..., rmse_score: _Optional[float] = ..., holdout_minutes: _Optional[int] = ..., history_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MissedEvents(_message.Message):
    __slots__ = ("count", "first_missed_at")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_MISSED_AT_FIELD_NUMBER: _ClassVar[int]
    count: int
    first_missed_at: _timestamp_pb2.Timestamp
    def __init__(self, count: _Optional[int] = ..., first_missed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("interval_seconds",)
    INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    interval_seconds: int
    def __init__(self, interval_seconds: _Optional[int] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("types", "sensor_ids", "zone_ids", "heartbeat_seconds")
    TYPES_FIELD_NUMBER: _ClassVar[int]
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    ZONE_IDS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    types: _containers.RepeatedScalarFieldContainer[EventType]
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    zone_ids: _containers.RepeatedScalarFieldContainer[str]
    heartbeat_seconds: int
    def __init__(self, types: _Optional[_Iterable[_Union[EventType, str]]] = ..., sensor_ids: _Optional[_Iterable[str]] = ..., zone_ids: _Optional[_Iterable[str]] = ..., heartbeat_seconds: _Optional[int] = ...) -> None: ...

class StreamEventsResponse(_message.Message):
    __slots__ = ("sequence", "timestamp", "type", "metrics_update", "heatmap_update", "alert_raised", "alert_acknowledged", "alert_cleared", "admin_broadcast", "zone_event", "threat_change", "missed_events", "heartbeat")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    METRICS_UPDATE_FIELD_NUMBER: _ClassVar[int]
    HEATMAP_UPDATE_FIELD_NUMBER: _ClassVar[int]
    ALERT_RAISED_FIELD_NUMBER: _ClassVar[int]
    ALERT_ACKNOWLEDGED_FIELD_NUMBER: _ClassVar[int]
    ALERT_CLEARED_FIELD_NUMBER: _ClassVar[int]
    ADMIN_BROADCAST_FIELD_NUMBER: _ClassVar[int]
    ZONE_EVENT_FIELD_NUMBER: _ClassVar[int]
    THREAT_CHANGE_FIELD_NUMBER: _ClassVar[int]
    MISSED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    timestamp: _timestamp_pb2.Timestamp
    type: EventType
    metrics_update: WindowMetrics
    heatmap_update: Heatmap
    alert_raised: Alert
    alert_acknowledged: Alert
    alert_cleared: Alert
    admin_broadcast: _admin_pb2.BroadcastMessage
    zone_event: _fusion_pb2.ZoneEvent
    threat_change: _fusion_pb2.Threat
    missed_events: MissedEvents
    heartbeat: Heartbeat
    def __init__(self, sequence: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[_Union[EventType, str]] = ..., metrics_update: _Optional[_Union[WindowMetrics, _Mapping]] = ..., heatmap_update: _Optional[_Union[Heatmap, _Mapping]] = ..., alert_raised: _Optional[_Union[Alert, _Mapping]] = ..., alert_acknowledged: _Optional[_Union[Alert, _Mapping]] = ..., alert_cleared: _Optional[_Union[Alert, _Mapping]] = ..., admin_broadcast: _Optional[_Union[_admin_pb2.BroadcastMessage, _Mapping]] = ..., zone_event: _Optional[_Union[_fusion_pb2.ZoneEvent, _Mapping]] = ..., threat_change: _Optional[_Union[_fusion_pb2.Threat, _Mapping]] = ..., missed_events: _Optional[_Union[MissedEvents, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...
