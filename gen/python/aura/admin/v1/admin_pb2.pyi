import datetime

from aura.common.v1 import auth_pb2 as _auth_pb2
from aura.common.v1 import common_pb2 as _common_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ZoneKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ZONE_KIND_UNSPECIFIED: _ClassVar[ZoneKind]
    ZONE_KIND_PROTECTED: _ClassVar[ZoneKind]
    ZONE_KIND_MONITORING: _ClassVar[ZoneKind]
    ZONE_KIND_LANE: _ClassVar[ZoneKind]
    ZONE_KIND_COUNTING_LINE: _ClassVar[ZoneKind]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_SUCCESS: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_DENIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILED: _ClassVar[AuditOutcome]

class BroadcastSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BROADCAST_SEVERITY_UNSPECIFIED: _ClassVar[BroadcastSeverity]
    BROADCAST_SEVERITY_INFO: _ClassVar[BroadcastSeverity]
    BROADCAST_SEVERITY_WARNING: _ClassVar[BroadcastSeverity]
    BROADCAST_SEVERITY_CRITICAL: _ClassVar[BroadcastSeverity]

class SessionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_STATE_UNSPECIFIED: _ClassVar[SessionState]
    SESSION_STATE_ACTIVE: _ClassVar[SessionState]
    SESSION_STATE_ENDED: _ClassVar[SessionState]

class NoteType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTE_TYPE_UNSPECIFIED: _ClassVar[NoteType]
    NOTE_TYPE_OBSERVATION: _ClassVar[NoteType]
    NOTE_TYPE_COMMAND: _ClassVar[NoteType]
    NOTE_TYPE_SYSTEM: _ClassVar[NoteType]

class NoteExportFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTE_EXPORT_FORMAT_UNSPECIFIED: _ClassVar[NoteExportFormat]
    NOTE_EXPORT_FORMAT_MARKDOWN: _ClassVar[NoteExportFormat]
    NOTE_EXPORT_FORMAT_JSON: _ClassVar[NoteExportFormat]

class ReplayStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REPLAY_STATUS_UNSPECIFIED: _ClassVar[ReplayStatus]
    REPLAY_STATUS_PENDING: _ClassVar[ReplayStatus]
    REPLAY_STATUS_RUNNING: _ClassVar[ReplayStatus]
    REPLAY_STATUS_DONE: _ClassVar[ReplayStatus]
    REPLAY_STATUS_FAILED: _ClassVar[ReplayStatus]
    REPLAY_STATUS_CANCELLED: _ClassVar[ReplayStatus]

class HealthState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HEALTH_STATE_UNSPECIFIED: _ClassVar[HealthState]
    HEALTH_STATE_OK: _ClassVar[HealthState]
    HEALTH_STATE_DEGRADED: _ClassVar[HealthState]
    HEALTH_STATE_DOWN: _ClassVar[HealthState]

class ComponentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPONENT_KIND_UNSPECIFIED: _ClassVar[ComponentKind]
    COMPONENT_KIND_SERVICE: _ClassVar[ComponentKind]
    COMPONENT_KIND_NATS: _ClassVar[ComponentKind]
    COMPONENT_KIND_DATABASE: _ClassVar[ComponentKind]
    COMPONENT_KIND_PROXY: _ClassVar[ComponentKind]
ZONE_KIND_UNSPECIFIED: ZoneKind
ZONE_KIND_PROTECTED: ZoneKind
ZONE_KIND_MONITORING: ZoneKind
ZONE_KIND_LANE: ZoneKind
ZONE_KIND_COUNTING_LINE: ZoneKind
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_SUCCESS: AuditOutcome
AUDIT_OUTCOME_DENIED: AuditOutcome
AUDIT_OUTCOME_FAILED: AuditOutcome
BROADCAST_SEVERITY_UNSPECIFIED: BroadcastSeverity
BROADCAST_SEVERITY_INFO: BroadcastSeverity
BROADCAST_SEVERITY_WARNING: BroadcastSeverity
BROADCAST_SEVERITY_CRITICAL: BroadcastSeverity
SESSION_STATE_UNSPECIFIED: SessionState
SESSION_STATE_ACTIVE: SessionState
SESSION_STATE_ENDED: SessionState
NOTE_TYPE_UNSPECIFIED: NoteType
NOTE_TYPE_OBSERVATION: NoteType
NOTE_TYPE_COMMAND: NoteType
NOTE_TYPE_SYSTEM: NoteType
NOTE_EXPORT_FORMAT_UNSPECIFIED: NoteExportFormat
NOTE_EXPORT_FORMAT_MARKDOWN: NoteExportFormat
NOTE_EXPORT_FORMAT_JSON: NoteExportFormat
REPLAY_STATUS_UNSPECIFIED: ReplayStatus
REPLAY_STATUS_PENDING: ReplayStatus
REPLAY_STATUS_RUNNING: ReplayStatus
REPLAY_STATUS_DONE: ReplayStatus
REPLAY_STATUS_FAILED: ReplayStatus
REPLAY_STATUS_CANCELLED: ReplayStatus
HEALTH_STATE_UNSPECIFIED: HealthState
HEALTH_STATE_OK: HealthState
HEALTH_STATE_DEGRADED: HealthState
HEALTH_STATE_DOWN: HealthState
COMPONENT_KIND_UNSPECIFIED: ComponentKind
COMPONENT_KIND_SERVICE: ComponentKind
COMPONENT_KIND_NATS: ComponentKind
COMPONENT_KIND_DATABASE: ComponentKind
COMPONENT_KIND_PROXY: ComponentKind

class SensorPose(_message.Message):
    __slots__ = ("position", "heading_deg")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    HEADING_DEG_FIELD_NUMBER: _ClassVar[int]
    position: _common_pb2.Vector3
    heading_deg: float
    def __init__(self, position: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., heading_deg: _Optional[float] = ...) -> None: ...

class Homography(_message.Message):
    __slots__ = ("values", "image_width_px", "image_height_px")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    IMAGE_WIDTH_PX_FIELD_NUMBER: _ClassVar[int]
    IMAGE_HEIGHT_PX_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    image_width_px: int
    image_height_px: int
    def __init__(self, values: _Optional[_Iterable[float]] = ..., image_width_px: _Optional[int] = ..., image_height_px: _Optional[int] = ...) -> None: ...

class MeasurementNoise(_message.Message):
    __slots__ = ("position_std_m", "pixel_std_px")
    POSITION_STD_M_FIELD_NUMBER: _ClassVar[int]
    PIXEL_STD_PX_FIELD_NUMBER: _ClassVar[int]
    position_std_m: float
    pixel_std_px: float
    def __init__(self, position_std_m: _Optional[float] = ..., pixel_std_px: _Optional[float] = ...) -> None: ...

class TrackerTuning(_message.Message):
    __slots__ = ("accel_noise", "box_meas_std", "high_score", "low_score", "birth_score", "confirm_hits", "confirm_scans", "coast_grace_s", "max_coast_s")
    ACCEL_NOISE_FIELD_NUMBER: _ClassVar[int]
    BOX_MEAS_STD_FIELD_NUMBER: _ClassVar[int]
    HIGH_SCORE_FIELD_NUMBER: _ClassVar[int]
    LOW_SCORE_FIELD_NUMBER: _ClassVar[int]
    BIRTH_SCORE_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_HITS_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_SCANS_FIELD_NUMBER: _ClassVar[int]
    COAST_GRACE_S_FIELD_NUMBER: _ClassVar[int]
    MAX_COAST_S_FIELD_NUMBER: _ClassVar[int]
    accel_noise: float
    box_meas_std: float
    high_score: float
    low_score: float
    birth_score: float
    confirm_hits: int
    confirm_scans: int
    coast_grace_s: float
    max_coast_s: float
    def __init__(self, accel_noise: _Optional[float] = ..., box_meas_std: _Optional[float] = ..., high_score: _Optional[float] = ..., low_score: _Optional[float] = ..., birth_score: _Optional[float] = ..., confirm_hits: _Optional[int] = ..., confirm_scans: _Optional[int] = ..., coast_grace_s: _Optional[float] = ..., max_coast_s: _Optional[float] = ...) -> None: ...

class Sensor(_message.Message):
    __slots__ = ("sensor_id", "kind", "site_id", "name", "enabled", "pose", "homography", "expected_rate_hz", "expected_delay_ms", "default_noise", "labels", "version", "created_at", "updated_at", "updated_by", "tracking")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    POSE_FIELD_NUMBER: _ClassVar[int]
    HOMOGRAPHY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DELAY_MS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_NOISE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    TRACKING_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    kind: _common_pb2.SensorKind
    site_id: str
    name: str
    enabled: bool
    pose: SensorPose
    homography: Homography
    expected_rate_hz: float
    expected_delay_ms: float
    default_noise: MeasurementNoise
    labels: _containers.ScalarMap[str, str]
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    tracking: TrackerTuning
    def __init__(self, sensor_id: _Optional[str] = ..., kind: _Optional[_Union[_common_pb2.SensorKind, str]] = ..., site_id: _Optional[str] = ..., name: _Optional[str] = ..., enabled: bool = ..., pose: _Optional[_Union[SensorPose, _Mapping]] = ..., homography: _Optional[_Union[Homography, _Mapping]] = ..., expected_rate_hz: _Optional[float] = ..., expected_delay_ms: _Optional[float] = ..., default_noise: _Optional[_Union[MeasurementNoise, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ..., tracking: _Optional[_Union[TrackerTuning, _Mapping]] = ...) -> None: ...

class ListSensorsRequest(_message.Message):
    __slots__ = ("kind", "site_id", "enabled_only", "page_size", "page_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    ENABLED_ONLY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: _common_pb2.SensorKind
    site_id: str
    enabled_only: bool
    page_size: int
    page_token: str
    def __init__(self, kind: _Optional[_Union[_common_pb2.SensorKind, str]] = ..., site_id: _Optional[str] = ..., enabled_only: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSensorsResponse(_message.Message):
    __slots__ = ("sensors", "next_page_token")
    SENSORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sensors: _containers.RepeatedCompositeFieldContainer[Sensor]
    next_page_token: str
    def __init__(self, sensors: _Optional[_Iterable[_Union[Sensor, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSensorRequest(_message.Message):
    __slots__ = ("sensor_id",)
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    def __init__(self, sensor_id: _Optional[str] = ...) -> None: ...

class GetSensorResponse(_message.Message):
    __slots__ = ("sensor",)
    SENSOR_FIELD_NUMBER: _ClassVar[int]
    sensor: Sensor
    def __init__(self, sensor: _Optional[_Union[Sensor, _Mapping]] = ...) -> None: ...

class CreateSensorRequest(_message.Message):
    __slots__ = ("sensor",)
    SENSOR_FIELD_NUMBER: _ClassVar[int]
    sensor: Sensor
    def __init__(self, sensor: _Optional[_Union[Sensor, _Mapping]] = ...) -> None: ...

class CreateSensorResponse(_message.Message):
    __slots__ = ("sensor",)
    SENSOR_FIELD_NUMBER: _ClassVar[int]
    sensor: Sensor
    def __init__(self, sensor: _Optional[_Union[Sensor, _Mapping]] = ...) -> None: ...

class UpdateSensorRequest(_message.Message):
    __slots__ = ("sensor_id", "sensor", "update_mask", "expected_version")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    SENSOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    sensor: Sensor
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    def __init__(self, sensor_id: _Optional[str] = ..., sensor: _Optional[_Union[Sensor, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateSensorResponse(_message.Message):
    __slots__ = ("sensor",)
    SENSOR_FIELD_NUMBER: _ClassVar[int]
    sensor: Sensor
    def __init__(self, sensor: _Optional[_Union[Sensor, _Mapping]] = ...) -> None: ...

class DeleteSensorRequest(_message.Message):
    __slots__ = ("sensor_id", "expected_version")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    expected_version: int
    def __init__(self, sensor_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class DeleteSensorResponse(_message.Message):
    __slots__ = ("sensor",)
    SENSOR_FIELD_NUMBER: _ClassVar[int]
    sensor: Sensor
    def __init__(self, sensor: _Optional[_Union[Sensor, _Mapping]] = ...) -> None: ...

class Polygon(_message.Message):
    __slots__ = ("vertices",)
    VERTICES_FIELD_NUMBER: _ClassVar[int]
    vertices: _containers.RepeatedCompositeFieldContainer[_common_pb2.Vector3]
    def __init__(self, vertices: _Optional[_Iterable[_Union[_common_pb2.Vector3, _Mapping]]] = ...) -> None: ...

class LineSegment(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: _common_pb2.Vector3
    end: _common_pb2.Vector3
    def __init__(self, start: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., end: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ...) -> None: ...

class Zone(_message.Message):
    __slots__ = ("zone_id", "name", "kind", "site_id", "polygon", "line", "anchor", "dwell_threshold_s", "class_labels", "enabled", "version", "created_at", "updated_at", "updated_by")
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    POLYGON_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    ANCHOR_FIELD_NUMBER: _ClassVar[int]
    DWELL_THRESHOLD_S_FIELD_NUMBER: _ClassVar[int]
    CLASS_LABELS_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    zone_id: str
    name: str
    kind: ZoneKind
    site_id: str
    polygon: Polygon
    line: LineSegment
    anchor: _common_pb2.Vector3
    dwell_threshold_s: float
    class_labels: _containers.RepeatedScalarFieldContainer[str]
    enabled: bool
    version: int
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, zone_id: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[ZoneKind, str]] = ..., site_id: _Optional[str] = ..., polygon: _Optional[_Union[Polygon, _Mapping]] = ..., line: _Optional[_Union[LineSegment, _Mapping]] = ..., anchor: _Optional[_Union[_common_pb2.Vector3, _Mapping]] = ..., dwell_threshold_s: _Optional[float] = ..., class_labels: _Optional[_Iterable[str]] = ..., enabled: bool = ..., version: _Optional[int] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class ListZonesRequest(_message.Message):
    __slots__ = ("kind", "site_id", "page_size", "page_token")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    kind: ZoneKind
    site_id: str
    page_size: int
    page_token: str
    def __init__(self, kind: _Optional[_Union[ZoneKind, str]] = ..., site_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListZonesResponse(_message.Message):
    __slots__ = ("zones", "next_page_token")
    ZONES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    zones: _containers.RepeatedCompositeFieldContainer[Zone]
    next_page_token: str
    def __init__(self, zones: _Optional[_Iterable[_Union[Zone, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetZoneRequest(_message.Message):
    __slots__ = ("zone_id",)
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    zone_id: str
    def __init__(self, zone_id: _Optional[str] = ...) -> None: ...

class GetZoneResponse(_message.Message):
    __slots__ = ("zone",)
    ZONE_FIELD_NUMBER: _ClassVar[int]
    zone: Zone
    def __init__(self, zone: _Optional[_Union[Zone, _Mapping]] = ...) -> None: ...

class CreateZoneRequest(_message.Message):
    __slots__ = ("zone",)
    ZONE_FIELD_NUMBER: _ClassVar[int]
    zone: Zone
    def __init__(self, zone: _Optional[_Union[Zone, _Mapping]] = ...) -> None: ...

class CreateZoneResponse(_message.Message):
    __slots__ = ("zone",)
    ZONE_FIELD_NUMBER: _ClassVar[int]
    zone: Zone
    def __init__(self, zone: _Optional[_Union[Zone, _Mapping]] = ...) -> None: ...

class UpdateZoneRequest(_message.Message):
    __slots__ = ("zone_id", "zone", "update_mask", "expected_version")
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    ZONE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    zone_id: str
    zone: Zone
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    def __init__(self, zone_id: _Optional[str] = ..., zone: _Optional[_Union[Zone, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateZoneResponse(_message.Message):
    __slots__ = ("zone",)
    ZONE_FIELD_NUMBER: _ClassVar[int]
    zone: Zone
    def __init__(self, zone: _Optional[_Union[Zone, _Mapping]] = ...) -> None: ...

class DeleteZoneRequest(_message.Message):
    __slots__ = ("zone_id", "expected_version")
    ZONE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    zone_id: str
    expected_version: int
    def __init__(self, zone_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class DeleteZoneResponse(_message.Message):
    __slots__ = ("zone",)
    ZONE_FIELD_NUMBER: _ClassVar[int]
    zone: Zone
    def __init__(self, zone: _Optional[_Union[Zone, _Mapping]] = ...) -> None: ...

class CongestionThresholds(_message.Message):
    __slots__ = ("moderate_score", "high_score", "severe_score", "free_flow_speed_mps", "capacity_per_window", "speed_weight", "occupancy_weight", "count_weight")
    MODERATE_SCORE_FIELD_NUMBER: _ClassVar[int]
    HIGH_SCORE_FIELD_NUMBER: _ClassVar[int]
    SEVERE_SCORE_FIELD_NUMBER: _ClassVar[int]
    FREE_FLOW_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_PER_WINDOW_FIELD_NUMBER: _ClassVar[int]
    SPEED_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    OCCUPANCY_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    COUNT_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    moderate_score: float
    high_score: float
    severe_score: float
    free_flow_speed_mps: float
    capacity_per_window: float
    speed_weight: float
    occupancy_weight: float
    count_weight: float
    def __init__(self, moderate_score: _Optional[float] = ..., high_score: _Optional[float] = ..., severe_score: _Optional[float] = ..., free_flow_speed_mps: _Optional[float] = ..., capacity_per_window: _Optional[float] = ..., speed_weight: _Optional[float] = ..., occupancy_weight: _Optional[float] = ..., count_weight: _Optional[float] = ...) -> None: ...

class AlertRules(_message.Message):
    __slots__ = ("min_congestion_level", "raise_after_windows", "clear_after_windows", "min_threat_level", "threat_clear_after_s")
    MIN_CONGESTION_LEVEL_FIELD_NUMBER: _ClassVar[int]
    RAISE_AFTER_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    CLEAR_AFTER_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    MIN_THREAT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    THREAT_CLEAR_AFTER_S_FIELD_NUMBER: _ClassVar[int]
    min_congestion_level: _common_pb2.CongestionLevel
    raise_after_windows: int
    clear_after_windows: int
    min_threat_level: int
    threat_clear_after_s: float
    def __init__(self, min_congestion_level: _Optional[_Union[_common_pb2.CongestionLevel, str]] = ..., raise_after_windows: _Optional[int] = ..., clear_after_windows: _Optional[int] = ..., min_threat_level: _Optional[int] = ..., threat_clear_after_s: _Optional[float] = ...) -> None: ...

class ZoneEntryRule(_message.Message):
    __slots__ = ("enabled", "level")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    level: int
    def __init__(self, enabled: bool = ..., level: _Optional[int] = ...) -> None: ...

class ApproachRule(_message.Message):
    __slots__ = ("enabled", "level", "min_speed_mps", "max_time_to_closest_approach_s", "max_closest_approach_m")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MIN_SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    MAX_TIME_TO_CLOSEST_APPROACH_S_FIELD_NUMBER: _ClassVar[int]
    MAX_CLOSEST_APPROACH_M_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    level: int
    min_speed_mps: float
    max_time_to_closest_approach_s: float
    max_closest_approach_m: float
    def __init__(self, enabled: bool = ..., level: _Optional[int] = ..., min_speed_mps: _Optional[float] = ..., max_time_to_closest_approach_s: _Optional[float] = ..., max_closest_approach_m: _Optional[float] = ...) -> None: ...

class LoiteringRule(_message.Message):
    __slots__ = ("enabled", "level", "min_dwell_s")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MIN_DWELL_S_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    level: int
    min_dwell_s: float
    def __init__(self, enabled: bool = ..., level: _Optional[int] = ..., min_dwell_s: _Optional[float] = ...) -> None: ...

class ThreatRules(_message.Message):
    __slots__ = ("protected_zone", "approach", "loitering", "ignored_class_labels", "hold_s")
    PROTECTED_ZONE_FIELD_NUMBER: _ClassVar[int]
    APPROACH_FIELD_NUMBER: _ClassVar[int]
    LOITERING_FIELD_NUMBER: _ClassVar[int]
    IGNORED_CLASS_LABELS_FIELD_NUMBER: _ClassVar[int]
    HOLD_S_FIELD_NUMBER: _ClassVar[int]
    protected_zone: ZoneEntryRule
    approach: ApproachRule
    loitering: LoiteringRule
    ignored_class_labels: _containers.RepeatedScalarFieldContainer[str]
    hold_s: float
    def __init__(self, protected_zone: _Optional[_Union[ZoneEntryRule, _Mapping]] = ..., approach: _Optional[_Union[ApproachRule, _Mapping]] = ..., loitering: _Optional[_Union[LoiteringRule, _Mapping]] = ..., ignored_class_labels: _Optional[_Iterable[str]] = ..., hold_s: _Optional[float] = ...) -> None: ...

class Thresholds(_message.Message):
    __slots__ = ("congestion", "congestion_overrides", "alert_rules", "threat_rules", "version", "updated_at", "updated_by")
    class CongestionOverridesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: CongestionThresholds
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[CongestionThresholds, _Mapping]] = ...) -> None: ...
    CONGESTION_FIELD_NUMBER: _ClassVar[int]
    CONGESTION_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    ALERT_RULES_FIELD_NUMBER: _ClassVar[int]
    THREAT_RULES_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    congestion: CongestionThresholds
    congestion_overrides: _containers.MessageMap[str, CongestionThresholds]
    alert_rules: AlertRules
    threat_rules: ThreatRules
    version: int
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, congestion: _Optional[_Union[CongestionThresholds, _Mapping]] = ..., congestion_overrides: _Optional[_Mapping[str, CongestionThresholds]] = ..., alert_rules: _Optional[_Union[AlertRules, _Mapping]] = ..., threat_rules: _Optional[_Union[ThreatRules, _Mapping]] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class GetThresholdsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetThresholdsResponse(_message.Message):
    __slots__ = ("thresholds",)
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    thresholds: Thresholds
    def __init__(self, thresholds: _Optional[_Union[Thresholds, _Mapping]] = ...) -> None: ...

class UpdateThresholdsRequest(_message.Message):
    __slots__ = ("thresholds", "expected_version")
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    thresholds: Thresholds
    expected_version: int
    def __init__(self, thresholds: _Optional[_Union[Thresholds, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateThresholdsResponse(_message.Message):
    __slots__ = ("thresholds",)
    THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    thresholds: Thresholds
    def __init__(self, thresholds: _Optional[_Union[Thresholds, _Mapping]] = ...) -> None: ...

class ApiKey(_message.Message):
    __slots__ = ("key_id", "name", "role", "secret_prefix", "created_at", "created_by", "expires_at", "last_used_at", "revoked", "revoked_at", "revoked_by")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SECRET_PREFIX_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_USED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AT_FIELD_NUMBER: _ClassVar[int]
    REVOKED_BY_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    name: str
    role: _auth_pb2.Role
    secret_prefix: str
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    expires_at: _timestamp_pb2.Timestamp
    last_used_at: _timestamp_pb2.Timestamp
    revoked: bool
    revoked_at: _timestamp_pb2.Timestamp
    revoked_by: str
    def __init__(self, key_id: _Optional[str] = ..., name: _Optional[str] = ..., role: _Optional[_Union[_auth_pb2.Role, str]] = ..., secret_prefix: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_used_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked: bool = ..., revoked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revoked_by: _Optional[str] = ...) -> None: ...

class CreateApiKeyRequest(_message.Message):
    __slots__ = ("name", "role", "expires_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: _auth_pb2.Role
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[_auth_pb2.Role, str]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateApiKeyResponse(_message.Message):
    __slots__ = ("api_key", "secret")
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    secret: str
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListApiKeysRequest(_message.Message):
    __slots__ = ("include_revoked", "page_size", "page_token")
    INCLUDE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    include_revoked: bool
    page_size: int
    page_token: str
    def __init__(self, include_revoked: bool = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListApiKeysResponse(_message.Message):
    __slots__ = ("api_keys", "next_page_token")
    API_KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    api_keys: _containers.RepeatedCompositeFieldContainer[ApiKey]
    next_page_token: str
    def __init__(self, api_keys: _Optional[_Iterable[_Union[ApiKey, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeApiKeyRequest(_message.Message):
    __slots__ = ("key_id",)
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    def __init__(self, key_id: _Optional[str] = ...) -> None: ...

class RevokeApiKeyResponse(_message.Message):
    __slots__ = ("api_key",)
    API_KEY_FIELD_NUMBER: _ClassVar[int]
    api_key: ApiKey
    def __init__(self, api_key: _Optional[_Union[ApiKey, _Mapping]] = ...) -> None: ...

class AuditEntry(_message.Message):
    __slots__ = ("entry_id", "time", "key_id", "key_name", "role", "rpc", "target", "outcome", "status_code", "detail", "peer", "trace_id")
    ENTRY_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    RPC_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    PEER_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    entry_id: int
    time: _timestamp_pb2.Timestamp
    key_id: str
    key_name: str
    role: _auth_pb2.Role
    rpc: str
    target: str
    outcome: AuditOutcome
    status_code: str
    detail: str
    peer: str
    trace_id: str
    def __init__(self, entry_id: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_id: _Optional[str] = ..., key_name: _Optional[str] = ..., role: _Optional[_Union[_auth_pb2.Role, str]] = ..., rpc: _Optional[str] = ..., target: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., status_code: _Optional[str] = ..., detail: _Optional[str] = ..., peer: _Optional[str] = ..., trace_id: _Optional[str] = ...) -> None: ...

class ListAuditLogRequest(_message.Message):
    __slots__ = ("start_time", "end_time", "key_id", "role", "rpc", "target", "outcome", "page_size", "page_token")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    RPC_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    key_id: str
    role: _auth_pb2.Role
    rpc: str
    target: str
    outcome: AuditOutcome
    page_size: int
    page_token: str
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_id: _Optional[str] = ..., role: _Optional[_Union[_auth_pb2.Role, str]] = ..., rpc: _Optional[str] = ..., target: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListAuditLogResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[AuditEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[AuditEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class BroadcastMessage(_message.Message):
    __slots__ = ("broadcast_id", "text", "severity", "sender", "sent_at", "expires_at")
    BROADCAST_ID_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SENDER_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    broadcast_id: str
    text: str
    severity: BroadcastSeverity
    sender: str
    sent_at: _timestamp_pb2.Timestamp
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, broadcast_id: _Optional[str] = ..., text: _Optional[str] = ..., severity: _Optional[_Union[BroadcastSeverity, str]] = ..., sender: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BroadcastRequest(_message.Message):
    __slots__ = ("text", "severity", "ttl_seconds")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    text: str
    severity: BroadcastSeverity
    ttl_seconds: int
    def __init__(self, text: _Optional[str] = ..., severity: _Optional[_Union[BroadcastSeverity, str]] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class BroadcastResponse(_message.Message):
    __slots__ = ("broadcast",)
    BROADCAST_FIELD_NUMBER: _ClassVar[int]
    broadcast: BroadcastMessage
    def __init__(self, broadcast: _Optional[_Union[BroadcastMessage, _Mapping]] = ...) -> None: ...

class Session(_message.Message):
    __slots__ = ("session_id", "name", "description", "sensor_ids", "tags", "metadata", "state", "started_at", "ended_at", "started_by", "ended_by", "note_count", "version", "updated_at")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_BY_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_COUNT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    name: str
    description: str
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.ScalarMap[str, str]
    state: SessionState
    started_at: _timestamp_pb2.Timestamp
    ended_at: _timestamp_pb2.Timestamp
    started_by: str
    ended_by: str
    note_count: int
    version: int
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, session_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., sensor_ids: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[SessionState, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ended_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_by: _Optional[str] = ..., ended_by: _Optional[str] = ..., note_count: _Optional[int] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StartSessionRequest(_message.Message):
    __slots__ = ("name", "description", "sensor_ids", "tags", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SENSOR_IDS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    sensor_ids: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., sensor_ids: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class StartSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class ListSessionsRequest(_message.Message):
    __slots__ = ("state", "sensor_id", "start_time", "end_time", "tag", "page_size", "page_token")
    STATE_FIELD_NUMBER: _ClassVar[int]
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    state: SessionState
    sensor_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    tag: str
    page_size: int
    page_token: str
    def __init__(self, state: _Optional[_Union[SessionState, str]] = ..., sensor_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tag: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSessionsResponse(_message.Message):
    __slots__ = ("sessions", "next_page_token")
    SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sessions: _containers.RepeatedCompositeFieldContainer[Session]
    next_page_token: str
    def __init__(self, sessions: _Optional[_Iterable[_Union[Session, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetSessionRequest(_message.Message):
    __slots__ = ("session_id",)
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    def __init__(self, session_id: _Optional[str] = ...) -> None: ...

class GetSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class UpdateSessionRequest(_message.Message):
    __slots__ = ("session_id", "session", "update_mask", "expected_version")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    session: Session
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    def __init__(self, session_id: _Optional[str] = ..., session: _Optional[_Union[Session, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class EndSessionRequest(_message.Message):
    __slots__ = ("session_id", "expected_version")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    expected_version: int
    def __init__(self, session_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class EndSessionResponse(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: Session
    def __init__(self, session: _Optional[_Union[Session, _Mapping]] = ...) -> None: ...

class Note(_message.Message):
    __slots__ = ("note_id", "session_id", "track_id", "timestamp", "speaker", "type", "text", "tags", "telemetry_snapshot", "created_by", "created_at", "updated_at", "version")
    class TelemetrySnapshotEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    note_id: str
    session_id: str
    track_id: str
    timestamp: _timestamp_pb2.Timestamp
    speaker: str
    type: NoteType
    text: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    telemetry_snapshot: _containers.ScalarMap[str, float]
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    version: int
    def __init__(self, note_id: _Optional[str] = ..., session_id: _Optional[str] = ..., track_id: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., speaker: _Optional[str] = ..., type: _Optional[_Union[NoteType, str]] = ..., text: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., telemetry_snapshot: _Optional[_Mapping[str, float]] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class CreateNoteRequest(_message.Message):
    __slots__ = ("session_id", "track_id", "timestamp", "speaker", "type", "text", "tags", "telemetry_snapshot")
    class TelemetrySnapshotEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    TELEMETRY_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    track_id: str
    timestamp: _timestamp_pb2.Timestamp
    speaker: str
    type: NoteType
    text: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    telemetry_snapshot: _containers.ScalarMap[str, float]
    def __init__(self, session_id: _Optional[str] = ..., track_id: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., speaker: _Optional[str] = ..., type: _Optional[_Union[NoteType, str]] = ..., text: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., telemetry_snapshot: _Optional[_Mapping[str, float]] = ...) -> None: ...

class CreateNoteResponse(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: Note
    def __init__(self, note: _Optional[_Union[Note, _Mapping]] = ...) -> None: ...

class GetNoteRequest(_message.Message):
    __slots__ = ("session_id", "note_id")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    note_id: str
    def __init__(self, session_id: _Optional[str] = ..., note_id: _Optional[str] = ...) -> None: ...

class GetNoteResponse(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: Note
    def __init__(self, note: _Optional[_Union[Note, _Mapping]] = ...) -> None: ...

class ListNotesRequest(_message.Message):
    __slots__ = ("session_id", "track_id", "speaker", "type", "tag", "start_time", "end_time", "page_size", "page_token")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    TRACK_ID_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    track_id: str
    speaker: str
    type: NoteType
    tag: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    def __init__(self, session_id: _Optional[str] = ..., track_id: _Optional[str] = ..., speaker: _Optional[str] = ..., type: _Optional[_Union[NoteType, str]] = ..., tag: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNotesResponse(_message.Message):
    __slots__ = ("notes", "next_page_token")
    NOTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    notes: _containers.RepeatedCompositeFieldContainer[Note]
    next_page_token: str
    def __init__(self, notes: _Optional[_Iterable[_Union[Note, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateNoteRequest(_message.Message):
    __slots__ = ("session_id", "note_id", "note", "update_mask", "expected_version")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    note_id: str
    note: Note
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    def __init__(self, session_id: _Optional[str] = ..., note_id: _Optional[str] = ..., note: _Optional[_Union[Note, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateNoteResponse(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: Note
    def __init__(self, note: _Optional[_Union[Note, _Mapping]] = ...) -> None: ...

class DeleteNoteRequest(_message.Message):
    __slots__ = ("session_id", "note_id", "expected_version")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    note_id: str
    expected_version: int
    def __init__(self, session_id: _Optional[str] = ..., note_id: _Optional[str] = ..., expected_version: _Optional[int] = ...) -> None: ...

class DeleteNoteResponse(_message.Message):
    __slots__ = ("note",)
    NOTE_FIELD_NUMBER: _ClassVar[int]
    note: Note
    def __init__(self, note: _Optional[_Union[Note, _Mapping]] = ...) -> None: ...

class ExportNotesRequest(_message.Message):
    __slots__ = ("session_id", "format")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    format: NoteExportFormat
    def __init__(self, session_id: _Optional[str] = ..., format: _Optional[_Union[NoteExportFormat, str]] = ...) -> None: ...

class Replay(_message.Message):
    __slots__ = ("replay_id", "session_id", "jsonl_path", "speed_factor", "repeat", "keep_original_timestamps", "status", "progress", "frames_total", "frames_sent", "detections_sent", "source_time", "created_at", "started_at", "finished_at", "created_by", "error", "scores")
    class ScoresEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    JSONL_PATH_FIELD_NUMBER: _ClassVar[int]
    SPEED_FACTOR_FIELD_NUMBER: _ClassVar[int]
    REPEAT_FIELD_NUMBER: _ClassVar[int]
    KEEP_ORIGINAL_TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    FRAMES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    FRAMES_SENT_FIELD_NUMBER: _ClassVar[int]
    DETECTIONS_SENT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    replay_id: str
    session_id: str
    jsonl_path: str
    speed_factor: float
    repeat: int
    keep_original_timestamps: bool
    status: ReplayStatus
    progress: float
    frames_total: int
    frames_sent: int
    detections_sent: int
    source_time: _timestamp_pb2.Timestamp
    created_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    created_by: str
    error: str
    scores: _containers.ScalarMap[str, float]
    def __init__(self, replay_id: _Optional[str] = ..., session_id: _Optional[str] = ..., jsonl_path: _Optional[str] = ..., speed_factor: _Optional[float] = ..., repeat: _Optional[int] = ..., keep_original_timestamps: bool = ..., status: _Optional[_Union[ReplayStatus, str]] = ..., progress: _Optional[float] = ..., frames_total: _Optional[int] = ..., frames_sent: _Optional[int] = ..., detections_sent: _Optional[int] = ..., source_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., error: _Optional[str] = ..., scores: _Optional[_Mapping[str, float]] = ...) -> None: ...

class StartReplayRequest(_message.Message):
    __slots__ = ("session_id", "jsonl_path", "speed_factor", "repeat", "keep_original_timestamps")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    JSONL_PATH_FIELD_NUMBER: _ClassVar[int]
    SPEED_FACTOR_FIELD_NUMBER: _ClassVar[int]
    REPEAT_FIELD_NUMBER: _ClassVar[int]
    KEEP_ORIGINAL_TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    jsonl_path: str
    speed_factor: float
    repeat: int
    keep_original_timestamps: bool
    def __init__(self, session_id: _Optional[str] = ..., jsonl_path: _Optional[str] = ..., speed_factor: _Optional[float] = ..., repeat: _Optional[int] = ..., keep_original_timestamps: bool = ...) -> None: ...

class StartReplayResponse(_message.Message):
    __slots__ = ("replay",)
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    replay: Replay
    def __init__(self, replay: _Optional[_Union[Replay, _Mapping]] = ...) -> None: ...

class GetReplayRequest(_message.Message):
    __slots__ = ("replay_id",)
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    replay_id: str
    def __init__(self, replay_id: _Optional[str] = ...) -> None: ...

class GetReplayResponse(_message.Message):
    __slots__ = ("replay",)
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    replay: Replay
    def __init__(self, replay: _Optional[_Union[Replay, _Mapping]] = ...) -> None: ...

class ListReplaysRequest(_message.Message):
    __slots__ = ("status", "page_size", "page_token")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    status: ReplayStatus
    page_size: int
    page_token: str
    def __init__(self, status: _Optional[_Union[ReplayStatus, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListReplaysResponse(_message.Message):
    __slots__ = ("replays", "next_page_token")
    REPLAYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    replays: _containers.RepeatedCompositeFieldContainer[Replay]
    next_page_token: str
    def __init__(self, replays: _Optional[_Iterable[_Union[Replay, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelReplayRequest(_message.Message):
    __slots__ = ("replay_id",)
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    replay_id: str
    def __init__(self, replay_id: _Optional[str] = ...) -> None: ...

class CancelReplayResponse(_message.Message):
    __slots__ = ("replay",)
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    replay: Replay
    def __init__(self, replay: _Optional[_Union[Replay, _Mapping]] = ...) -> None: ...

class StreamReplayProgressRequest(_message.Message):
    __slots__ = ("replay_id",)
    REPLAY_ID_FIELD_NUMBER: _ClassVar[int]
    replay_id: str
    def __init__(self, replay_id: _Optional[str] = ...) -> None: ...

class StreamReplayProgressResponse(_message.Message):
    __slots__ = ("replay",)
    REPLAY_FIELD_NUMBER: _ClassVar[int]
    replay: Replay
    def __init__(self, replay: _Optional[_Union[Replay, _Mapping]] = ...) -> None: ...

class ComponentStatus(_message.Message):
    __slots__ = ("name", "kind", "state", "detail", "address", "latency_ms", "version", "checked_at")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: ComponentKind
    state: HealthState
    detail: str
    address: str
    latency_ms: float
    version: str
    checked_at: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[ComponentKind, str]] = ..., state: _Optional[_Union[HealthState, str]] = ..., detail: _Optional[str] = ..., address: _Optional[str] = ..., latency_ms: _Optional[float] = ..., version: _Optional[str] = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ConsumerLag(_message.Message):
    __slots__ = ("stream", "consumer", "pending", "ack_pending", "redelivered", "last_active", "state")
    STREAM_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_FIELD_NUMBER: _ClassVar[int]
    PENDING_FIELD_NUMBER: _ClassVar[int]
    ACK_PENDING_FIELD_NUMBER: _ClassVar[int]
    REDELIVERED_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    stream: str
    consumer: str
    pending: int
    ack_pending: int
    redelivered: int
    last_active: _timestamp_pb2.Timestamp
    state: HealthState
    def __init__(self, stream: _Optional[str] = ..., consumer: _Optional[str] = ..., pending: _Optional[int] = ..., ack_pending: _Optional[int] = ..., redelivered: _Optional[int] = ..., last_active: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[HealthState, str]] = ...) -> None: ...

class SensorStatus(_message.Message):
    __slots__ = ("sensor_id", "state", "detail", "fusable", "last_seen_at", "rate_hz", "expected_rate_hz")
    SENSOR_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    FUSABLE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_RATE_HZ_FIELD_NUMBER: _ClassVar[int]
    sensor_id: str
    state: HealthState
    detail: str
    fusable: bool
    last_seen_at: _timestamp_pb2.Timestamp
    rate_hz: float
    expected_rate_hz: float
    def __init__(self, sensor_id: _Optional[str] = ..., state: _Optional[_Union[HealthState, str]] = ..., detail: _Optional[str] = ..., fusable: bool = ..., last_seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rate_hz: _Optional[float] = ..., expected_rate_hz: _Optional[float] = ...) -> None: ...

class GetSystemStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSystemStatusResponse(_message.Message):
    __slots__ = ("overall", "components", "consumers", "sensors", "auth_enabled", "tls_enabled", "checked_at")
    OVERALL_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    CONSUMERS_FIELD_NUMBER: _ClassVar[int]
    SENSORS_FIELD_NUMBER: _ClassVar[int]
    AUTH_ENABLED_FIELD_NUMBER: _ClassVar[int]
    TLS_ENABLED_FIELD_NUMBER: _ClassVar[int]
    CHECKED_AT_FIELD_NUMBER: _ClassVar[int]
    overall: HealthState
    components: _containers.RepeatedCompositeFieldContainer[ComponentStatus]
    consumers: _containers.RepeatedCompositeFieldContainer[ConsumerLag]
    sensors: _containers.RepeatedCompositeFieldContainer[SensorStatus]
    auth_enabled: bool
    tls_enabled: bool
    checked_at: _timestamp_pb2.Timestamp
    def __init__(self, overall: _Optional[_Union[HealthState, str]] = ..., components: _Optional[_Iterable[_Union[ComponentStatus, _Mapping]]] = ..., consumers: _Optional[_Iterable[_Union[ConsumerLag, _Mapping]]] = ..., sensors: _Optional[_Iterable[_Union[SensorStatus, _Mapping]]] = ..., auth_enabled: bool = ..., tls_enabled: bool = ..., checked_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
