"""Pure tracker domain: no grpc, nats, asyncpg or clock; numpy arrays for all tracks."""

from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.parts import TrackerParts
from services.tracker.domain.reorder import ReorderBuffer
from services.tracker.domain.tracker import SensorTracker, StaleBatchError
from services.tracker.domain.types import (
    DetectionBatch,
    MeasurementKind,
    StepResult,
    TrackStatus,
    TrackView,
)
from services.tracker.domain.views import TrackViews

__all__ = [
    "DetectionBatch",
    "MeasurementKind",
    "ReorderBuffer",
    "SensorTracker",
    "StaleBatchError",
    "StepResult",
    "TrackStatus",
    "TrackView",
    "TrackerConfig",
    "TrackerParts",
    "TrackViews",
]
