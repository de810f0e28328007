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
        hyp_high: gated costs for stage 1 (high-score detections, all tracks).
        hyp_low: gated costs for stage 2 (low-score detections, unmatched confirmed tracks).
        associator: optimal assignment.
        initiator: births and M-of-N confirmation.
        deleter: deletion.
    """

    model: MeasurementModel
    predictor: Predictor
    updater: Updater
    hyp_high: Hypothesiser
    hyp_low: Hypothesiser
    associator: Associator
    initiator: Initiator
    deleter: Deleter

    @classmethod
    def from_config(cls, config: TrackerConfig) -> TrackerParts:
        """The standard parts for config."""
        hyp_high: Hypothesiser
        hyp_low: Hypothesiser
        if config.kind is MeasurementKind.BOX:
            predictor = ConstantVelocityPredictor(config.box_accel_noise, config.box_pos_noise)
            hyp_high = IouHypothesiser(config.iou_threshold)
            hyp_low = IouHypothesiser(config.iou_threshold_low)
            max_std = config.box_max_pos_std
        else:
            predictor = ConstantVelocityPredictor(config.accel_noise)
            hyp_high = MahalanobisHypothesiser.from_probability(config.gate_prob, config.dims)
            hyp_low = hyp_high
            max_std = config.max_pos_std
        return cls(
            model=make_model(config),
            predictor=predictor,
            updater=KalmanUpdater(),
            hyp_high=hyp_high,
            hyp_low=hyp_low,
            associator=ClusteredLapAssociator(),
            initiator=MofNInitiator(config.confirm_m, config.confirm_n, config.new_track_score),
            deleter=CoastDeleter(config.max_coast_s, max_std, config.confirm_m, config.confirm_n),
        )
