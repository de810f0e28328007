"""TrackerParts: the injected parts a SensorTracker composes, built from a TrackerConfig."""

from __future__ import annotations

from dataclasses import dataclass

from services.tracker.domain.associator import Associator, ClusteredLapAssociator
from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.deleter import CoastDeleter, Deleter
from services.tracker.domain.hypothesiser import (
    Hypothesiser,
    IouHypothesiser,
    MahalanobisHypothesiser,
)
from services.tracker.domain.initiator import Initiator, MofNInitiator
from services.tracker.domain.model import MeasurementModel, make_model
from services.tracker.domain.predictor import ConstantVelocityPredictor, Predictor
from services.tracker.domain.types import MeasurementKind
from services.tracker.domain.updater import KalmanUpdater, Updater


@dataclass(frozen=True)
class TrackerParts:
    """The parts of one tracker; replace any of them (e.g. with a fake in a test).

    Attributes:
        model: detections -> (z, R); states -> positions; noise scales.
        predictor: moves all tracks to the scan time.
        updater: corrects matched tracks.
        hypothesiser: gated costs of every (track, detection) pair, computed once per scan;
            stage 1 uses its pairs with high-score detections.
        low_cost_limit: stage 2 (low-score detections, tracks left unmatched by stage 1)
            keeps only pairs costing at most this, in the hypothesiser's cost units (for
            boxes, 1 - iou_threshold_low: a stricter gate than stage 1's).
        associator: optimal assignment.
        initiator: births and M-of-N confirmation.
        deleter: deletion.
    """

    model: MeasurementModel
    predictor: Predictor
    updater: Updater
    hypothesiser: Hypothesiser
    low_cost_limit: float
    associator: Associator
    initiator: Initiator
    deleter: Deleter

    @classmethod
    def from_config(cls, config: TrackerConfig) -> TrackerParts:
        """The standard parts for config."""
        hyp: Hypothesiser
        if config.kind is MeasurementKind.BOX:
            predictor = ConstantVelocityPredictor(config.box_accel_noise, config.box_pos_noise)
            hyp = IouHypothesiser(
                config.iou_threshold, config.box_max_centre_dist, config.box_max_size_ratio
            )
            low_limit = 1.0 - max(config.iou_threshold_low, config.iou_threshold)
            max_std = config.box_max_pos_std
        else:
            predictor = ConstantVelocityPredictor(config.accel_noise)
            maha = MahalanobisHypothesiser.from_probability(config.gate_prob, config.dims)
            hyp, low_limit = maha, maha.gate
            max_std = config.max_pos_std
        return cls(
            model=make_model(config),
            predictor=predictor,
            updater=KalmanUpdater(),
            hypothesiser=hyp,
            low_cost_limit=low_limit,
            associator=ClusteredLapAssociator(),
            initiator=MofNInitiator(config.confirm_m, config.confirm_n, config.birth_score),
            deleter=CoastDeleter(config.max_coast_s, max_std, config.confirm_m, config.confirm_n),
        )
