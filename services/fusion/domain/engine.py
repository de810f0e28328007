"""FusionEngine: per-sensor tracks in, fused tracks with global ids, zone events and threat
changes out. It composes the parts of this package:

    to_world (pose / homography) -> TrackBuffer (reorder, latest state <= T, predict to T)
    -> consensus (a sensor track that disagrees with the others bound to its fused track
    loses its binding) -> TrackToTrackAssociator (per sensor, sticky bindings, lapjv) ->
    strained bindings held (no birth for a bound track out of its gate for up to hold_s)
    -> births with new global ids -> fusion rule (FastCovarianceIntersection by default;
    see FusionConfig.fusion_rule) -> duplicate merge -> coast / delete -> ZoneEngine ->
    ThreatBook.

Sensor covariances can be calibrated per sensor (FusionConfig.sensor_cov_scale) before they
are associated and fused: covariance intersection weighs each sensor by its covariance, so a
sensor that reports twice its real error is all but ignored.

Each update fuses at T = now - lateness_s (never earlier than the previous T), so a sensor
state that arrives up to lateness_s late is still fused at the time it belongs to; every
sensor contributes its latest state at or before T, predicted to T, whatever its rate.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from scipy.stats import chi2

from services.fusion.domain.associate import TrackToTrackAssociator
from services.fusion.domain.fuse import (
    FastCovarianceIntersection,
    IndependentFusion,
    InverseCovarianceIntersection,
)
from services.fusion.domain.identity import Bindings, IdAllocator, global_id
from services.fusion.domain.merge import DuplicateMerger
from services.fusion.domain.predict import CvPredictor, Snapshot, TrackBuffer
from services.fusion.domain.threats import Threat, ThreatBook, ThreatRules, assess
from services.fusion.domain.to_world import Geometry, NoGeometryError, to_world
from services.fusion.domain.types import MeasurementKind, SensorTrack, TrackStatus, WorldTrack
from services.fusion.domain.zones import Zone, ZoneEngine, ZoneEvent
from services.tracker.domain.linalg import inv_sym

_STATE_VERSION = 1
_FUSERS = {
    "ci": FastCovarianceIntersection,
    "ici": InverseCovarianceIntersection,
    "independent": IndependentFusion,
}


class Fuser(Protocol):
    """Combines the estimates of each group (one object) into one: rows of x (m, 4) and
    P (m, 4, 4) grouped by group (m,) -> (n_groups, 4), (n_groups, 4, 4)."""

    def fuse(
        self, x: np.ndarray, P: np.ndarray, group: np.ndarray, n_groups: int
    ) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class FusionConfig:
    """FusionConfig holds the fusion parameters; invalid values raise ValueError.

    Attributes:
        lateness_s: fusion runs at T = now - lateness_s; states up to this late are fused.
        accel_noise: CV process noise (white acceleration), m²/s³, for predicting sensor
            states and fused tracks to T.
        gate_prob: chi-square probability of the association gate (4 dof).
        sticky_gate_prob: a sensor track stays bound to its fused track while their
            distance is within this chi-square probability (4 dof); beyond, it is assigned
            afresh (e.g. after the sensor swapped two crossing people).
        max_gate_m: Euclidean pre-gate in metres between a sensor track and a fused track.
        stale_s: a sensor track whose latest state is older than T - stale_s leaves fusion.
        coast_s: a fused track with no contributing sensor track for longer than this
            (seconds) is deleted; until then it coasts, ready for a hand-over.
        max_pos_std_m: a coasting fused track whose position standard deviation exceeds
            this is deleted earlier.
        buffer_depth: states kept per sensor track for out-of-order arrivals.
        confirm_s: a fused track seen by one sensor only is TENTATIVE for this long (two
            sensors confirm it at once); a tentative track without contributors is deleted
            at once, only confirmed tracks coast (and wait for a hand-over).
        full_frames: every report of a sensor lists all its live tracks at one time (a
            TrackFrame); a track missing from its sensor's latest frame at or before T
            then leaves fusion at once instead of after stale_s (so a sensor that replaces
            a track by a new one never holds two bindings to one object).
        fusion_rule: how the sensor estimates of one object are combined: "ci" (fast
            covariance intersection: consistent for any correlation, never better than
            the best input when the inputs are alike), "ici" (inverse covariance
            intersection: consistent when the correlation comes from common information,
            such as a shared prior; tighter than CI, but the common process noise of one
            target seen by several sensors is not of that kind, and bench/fusion measured
            it overconfident) or
            "independent" (information sum: optimal for independent errors, overconfident
            otherwise; a reference, not for production).
        sensor_cov_scale: sensor_id -> (position factor, velocity factor) applied to that
            sensor's world-frame covariances before association and fusion (P ← D P D with
            D = diag(√kp, √kp, √kv, √kv), so P stays positive definite): the calibration of
            a sensor whose tracker reports covariances larger or smaller than its real
            errors. Measure each factor as NEES / 2 of the position (velocity) part against
            surveyed ground truth (bench/fusion does). A single number scales both.
            Sensors not listed keep (1, 1).
        gate_dims: 4 associates on position and velocity (x, y, vx, vy); 2 on position only,
            for sensors whose velocity covariance is unreliable (a tracker's velocity is
            often the least consistent part of its state).
        sticky_m: a sensor track also stays bound to its fused track while their positions
            are at most this many metres apart, whatever their Mahalanobis distance (see
            TrackToTrackAssociator.sticky_m); 0 turns it off.
        hold_s: a sensor track bound to a live fused track that falls out of that track's
            gate and is matched to no other fused track starts no new fused track for up to
            this many seconds: it stays bound (its binding is strained), and is left out of
            the fused state while its fused track has other contributors (it is fused in as
            usual when it has none: then all of them disagree with the prediction, and the
            prediction is what is wrong). A sensor state that jumps for a moment (a camera
            box whose height jumps) or the first of two sensor tracks that swap objects no
            longer gives the object a new global id. 0 turns it off.
        consensus_gate_prob: before association, the sensor tracks bound to one fused track
            are checked against each other (positions, chi-square probability, 2 dof); of
            a pair that disagrees, the one with less support (its identity_weight plus the
            weights of the fellow contributors it agrees with) loses its binding and is
            assigned afresh, and the fused track is predicted from the sensor tracks that
            stay (the dissenter had pulled its state), so one sensor's swap does not carry
            the global id away: the id stays with the majority, or with the sensor least
            prone to swaps. A tie releases neither. 0 turns it off.
        merge_back_s: a fused track born at most this many seconds ago that lies within the
            duplicate-merge gate of a confirmed track that is coasting (lost its sensor
            tracks) is merged into it, so the object keeps its old id (a sensor that
            replaced its track of the object by a new one); 0 turns it off.
        identity_weight: sensor_id -> weight (> 0) in that check; sensors not listed weigh
            1. Give sensors whose trackers swap identities often (a radar) less.
    """

    lateness_s: float = 0.3
    accel_noise: float = 1.0
    gate_prob: float = 0.999
    sticky_gate_prob: float = 0.99
    max_gate_m: float = 10.0
    stale_s: float = 1.0
    coast_s: float = 5.0
    max_pos_std_m: float = 15.0
    buffer_depth: int = 8
    confirm_s: float = 1.0
    full_frames: bool = True
    fusion_rule: str = "ci"
    sensor_cov_scale: Mapping[str, float | Sequence[float]] = field(default_factory=dict)
    gate_dims: int = 4
    sticky_m: float = 0.0
    hold_s: float = 1.0
    consensus_gate_prob: float = 0.99
    identity_weight: Mapping[str, float] = field(default_factory=dict)
    merge_back_s: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.consensus_gate_prob < 1.0:
            raise ValueError(f"consensus_gate_prob must be in [0, 1), "
                             f"got {self.consensus_gate_prob!r}")  # fmt: skip
        for sensor, w in self.identity_weight.items():
            if not (isinstance(w, int | float) and math.isfinite(w) and w > 0):
                raise ValueError(f"identity_weight[{sensor!r}] must be a number > 0, got {w!r}")
        if self.fusion_rule not in _FUSERS:
            raise ValueError(f"fusion_rule must be one of {sorted(_FUSERS)}, "
                             f"got {self.fusion_rule!r}")  # fmt: skip
        for sensor in self.sensor_cov_scale:
            self.cov_scale(sensor)
        if self.gate_dims not in (2, 4):
            raise ValueError(f"gate_dims must be 2 or 4, got {self.gate_dims!r}")
        for name in (
            "lateness_s",
            "accel_noise",
            "stale_s",
            "coast_s",
            "confirm_s",
            "hold_s",
            "merge_back_s",
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        for name in ("gate_prob", "sticky_gate_prob"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in (0, 1), got {getattr(self, name)!r}")
        if not 0 <= self.sticky_m <= self.max_gate_m:
            raise ValueError(f"sticky_m must be in [0, max_gate_m], got {self.sticky_m!r}")
        if not self.max_gate_m > 0 or not self.max_pos_std_m > 0:
            raise ValueError("max_gate_m and max_pos_std_m must be > 0")
        if self.buffer_depth < 1:
            raise ValueError("buffer_depth must be >= 1")

    def cov_scale(self, sensor_id: str) -> tuple[float, float]:
        """(position, velocity) covariance factors of a sensor; ValueError if invalid."""
        k = self.sensor_cov_scale.get(sensor_id, 1.0)
        pair = (k, k) if isinstance(k, int | float) else tuple(k)
        if len(pair) != 2 or not all(
            isinstance(v, int | float) and math.isfinite(v) and v > 0 for v in pair
        ):
            raise ValueError(f"sensor_cov_scale[{sensor_id!r}] must be a number > 0 or a "
                             f"(position, velocity) pair of them, got {k!r}")  # fmt: skip
        return float(pair[0]), float(pair[1])


@dataclass(frozen=True)
class Contributor:
    """One sensor track fused into a fused track (aura.fusion.v1.SensorTrackRef)."""

    sensor_id: str
    track_id: str
    kind: MeasurementKind
    t: float


@dataclass(frozen=True)
class FusedTrack:
    """One object as all sensors see it, in the site frame.

    Attributes:
        global_id: "g-<n:06d>", never reused.
        status: TENTATIVE (one sensor, younger than confirm_s), CONFIRMED (fused from
            sensor tracks at t), COASTING (predicted, waiting for a hand-over) or DELETED.
        x: (4,) x, y (m), vx, vy (m/s). P: (4, 4) CI covariance.
        label: class with the highest summed confidence of the contributors.
        confidence: 1 - Π(1 - c_i) of the contributors (decaying while coasting).
        contributors: the sensor tracks fused at t.
        created_t: first fusion time; t: fusion time of the state.
        threat_level, threat_reason: current threat. zone_ids: polygon zones it is inside.
    """

    global_id: str
    status: TrackStatus
    x: np.ndarray
    P: np.ndarray
    label: str
    confidence: float
    contributors: tuple[Contributor, ...]
    created_t: float
    t: float
    threat_level: int = 0
    threat_reason: str = ""
    zone_ids: tuple[str, ...] = ()

    @property
    def speed_mps(self) -> float:
        return float(math.hypot(self.x[2], self.x[3]))

    @property
    def heading_deg(self) -> float:
        """Course over ground, degrees clockwise from north; 0 when not moving."""
        if self.speed_mps < 1e-6:
            return 0.0
        return float(math.degrees(math.atan2(self.x[2], self.x[3])) % 360.0)


@dataclass(frozen=True)
class FusionResult:
    """What one update produced.

    Attributes:
        t: fusion time T. sequence: update number (grows across restarts).
        tracks: live fused tracks (confirmed and coasting), by global id.
        new_ids: global ids born in this update. deleted: tracks that ended (DELETED).
        zone_events, threats: zone events and threat level changes of this update.
        refused_sensors: sensors whose tracks were kept out (no pose or homography).
        late: states that arrived older than the previous fusion time (beyond lateness);
            they are used only when nothing newer of their track is at hand.
    """

    t: float
    sequence: int
    tracks: list[FusedTrack]
    new_ids: list[str]
    deleted: list[FusedTrack]
    zone_events: list[ZoneEvent] = field(default_factory=list)
    threats: list[Threat] = field(default_factory=list)
    refused_sensors: tuple[str, ...] = ()
    late: int = 0


@dataclass
class _Table:
    """Fused tracks as parallel arrays (row i is global id number num[i])."""

    num: np.ndarray
    x: np.ndarray
    P: np.ndarray
    created_t: np.ndarray
    seen_t: np.ndarray  # last fusion time with at least one contributor
    label: np.ndarray
    conf: np.ndarray
    contrib: list[tuple[Contributor, ...]]
    confirmed: np.ndarray  # bool: seen by two sensors, or by one for confirm_s

    @classmethod
    def empty(cls) -> _Table:
        return cls(np.zeros(0, np.int64), np.zeros((0, 4)), np.zeros((0, 4, 4)), np.zeros(0),
                   np.zeros(0), np.zeros(0, object), np.zeros(0), [],
                   np.zeros(0, bool))  # fmt: skip

    def __len__(self) -> int:
        return len(self.num)

    def take(self, idx: np.ndarray) -> _Table:
        """Rows idx (a boolean mask or indices) as a new table."""
        rows = np.flatnonzero(idx) if idx.dtype == bool else np.asarray(idx, np.intp)
        return _Table(self.num[rows], self.x[rows], self.P[rows], self.created_t[rows],
                      self.seen_t[rows], self.label[rows], self.conf[rows],
                      [self.contrib[i] for i in rows.tolist()],
                      self.confirmed[rows])  # fmt: skip


class FusionEngine:
    """Multi-sensor track-to-track fusion with global identities, zones and threats."""

    def __init__(
        self,
        config: FusionConfig | None = None,
        geometries: Mapping[str, Geometry | None] | None = None,
        zones: Sequence[Zone] = (),
        rules: ThreatRules | None = None,
    ) -> None:
        self.config = config or FusionConfig()
        self.geometries: dict[str, Geometry | None] = dict(geometries or {})
        self.rules = rules or ThreatRules()
        self.predictor = CvPredictor(self.config.accel_noise)
        self.associator = TrackToTrackAssociator.from_probability(
            self.config.gate_prob,
            self.config.max_gate_m,
            self.config.sticky_gate_prob,
            self.config.gate_dims,
            self.config.sticky_m,
        )
        self.fuser: Fuser = _FUSERS[self.config.fusion_rule]()
        self.merger = DuplicateMerger()
        self._consensus_gate = (float(chi2.ppf(self.config.consensus_gate_prob, 2))
                                if self.config.consensus_gate_prob > 0 else 0.0)  # fmt: skip
        self.ids = IdAllocator()
        self.bindings = Bindings()
        self.buffer = TrackBuffer(self.config.buffer_depth)
        self.zones = ZoneEngine()
        self.zones.set_zones(zones)
        self.threats = ThreatBook()
        self.sequence = 0
        self.last_t: float | None = None
        self._tab = _Table.empty()

    # -- configuration ---------------------------------------------------------------------
    def set_geometry(self, sensor_id: str, geometry: Geometry | None) -> None:
        """Register (or clear, with None) a sensor's pose/homography."""
        self.geometries[sensor_id] = geometry

    def set_zones(self, zones: Sequence[Zone]) -> None:
        self.zones.set_zones(zones)

    def set_rules(self, rules: ThreatRules) -> None:
        self.rules = rules

    def __len__(self) -> int:
        return len(self._tab)

    # -- the cycle -------------------------------------------------------------------------
    def update(self, sensor_tracks: Sequence[SensorTrack], now: float) -> FusionResult:
        """Take the sensor track states that arrived since the last call and fuse at
        T = now - lateness_s. Tracks of sensors without geometry are refused (listed in
        refused_sensors), never fused."""
        cfg = self.config
        T = float(now) - cfg.lateness_s
        if self.last_t is not None:
            T = max(T, self.last_t)
        refused, late = self._ingest(sensor_tracks)
        snap, stale = self.buffer.at(T, self.predictor, cfg.stale_s, cfg.full_frames)
        self.bindings.unbind(stale)
        tab = self._tab
        # Fused tracks predicted to T.
        if len(tab):
            fx, fP = self.predictor.predict(tab.x, tab.P, 0.0 if self.last_t is None
                                            else T - self.last_t)  # fmt: skip
        else:
            fx, fP = tab.x, tab.P
        row_of = {int(n): i for i, n in enumerate(tab.num.tolist())}
        bound_all = np.array([row_of.get(self.bindings.get(k), -1) for k in snap.keys], np.intp)
        if cfg.consensus_gate_prob > 0 and len(snap.keys):
            bound_all, fx, fP = self._consensus(snap, bound_all, fx, fP)
        cand_x, cand_P = [fx], [fP]
        n_cand = len(tab)
        assign = np.full(len(snap.keys), -1, np.intp)
        born_rows: list[int] = []  # snapshot row that starts each new fused track
        held: list[tuple[int, int]] = []  # (snapshot row, fused row) of strained bindings
        by_sensor: dict[str, list[int]] = defaultdict(list)
        for i, (s, _) in enumerate(snap.keys):
            by_sensor[s].append(i)
        for s in sorted(by_sensor):
            rows = np.array(by_sensor[s], np.intp)
            bound = bound_all[rows]
            cx = np.concatenate(cand_x) if len(cand_x) > 1 else cand_x[0]
            cP = np.concatenate(cand_P) if len(cand_P) > 1 else cand_P[0]
            a = self.associator.associate(cx, cP, snap.x[rows], snap.P[rows], bound)
            assign[rows[a.dets]] = a.tracks
            unmatched = a.unmatched_dets
            if cfg.hold_s > 0 and len(unmatched):
                hold = self._holds(T, [snap.keys[r] for r in rows[unmatched]],
                                   bound[unmatched], a.tracks)  # fmt: skip
                held += zip(rows[unmatched[hold]].tolist(), bound[unmatched[hold]].tolist(),
                            strict=True)  # fmt: skip
                unmatched = unmatched[~hold]
            births = rows[unmatched]
            assign[births] = np.arange(n_cand, n_cand + len(births))
            n_cand += len(births)
            born_rows.extend(births.tolist())
            cand_x.append(snap.x[births])
            cand_P.append(snap.P[births])
        # A strained binding is fused in after all when its fused track has no other
        # contributor (all of its sensor tracks disagree with its prediction).
        if held:
            alone = np.bincount(assign[assign >= 0], minlength=n_cand) == 0
            for r, b in held:
                if alone[b]:
                    assign[r] = b
        new_nums = np.array(self.ids.take(len(born_rows)), np.int64)
        num = np.concatenate([tab.num, new_nums])
        use = np.flatnonzero(assign >= 0)  # the others are held (strained bindings)
        for r in use.tolist():
            self.bindings.bind(snap.keys[r], int(num[assign[r]]))
        # Covariance intersection of the contributors; the others coast.
        px = np.concatenate(cand_x)
        pP = np.concatenate(cand_P)
        if len(use):
            xf, Pf = self.fuser.fuse(snap.x[use], snap.P[use], assign[use], n_cand)
            has = np.bincount(assign[use], minlength=n_cand) > 0
            px[has], pP[has] = xf[has], Pf[has]
        else:
            has = np.zeros(n_cand, bool)
        nb = len(born_rows)
        label = np.concatenate([tab.label, np.full(nb, "", object)])
        conf = np.concatenate([tab.conf, np.zeros(nb)])
        contrib: list[tuple[Contributor, ...]] = tab.contrib + [()] * nb
        groups: dict[int, list[int]] = defaultdict(list)
        for i in use.tolist():
            groups[int(assign[i])].append(i)
        for g, members in groups.items():
            wts = [snap.tracks[i] for i in members]
            contrib[g] = tuple(Contributor(w.sensor_id, w.track_id, w.kind, w.t) for w in wts)
            label[g], conf[g] = _label_conf(wts)
        seen = np.concatenate([tab.seen_t, np.full(nb, T)])
        seen[has] = T
        created = np.concatenate([tab.created_t, np.full(nb, T)])
        confirmed = np.concatenate([tab.confirmed, np.zeros(nb, bool)])
        for g in np.flatnonzero(~has).tolist():
            contrib[g] = ()
        # Duplicates (one object, two fused tracks fed by disjoint sensors): the older id
        # takes the other's sensor tracks; the estimate is the CI of the two.
        merged = np.zeros(n_cand, bool)
        sensors = [frozenset(c.sensor_id for c in cs) for cs in contrib]
        back = young = None
        if cfg.merge_back_s > 0:
            back = confirmed & ~has
            young = has & (T - created <= cfg.merge_back_s + 1e-9)
        for keep, drop in self.merger.pairs(px, pP, sensors, num, back, young):
            xm, Pm = self.fuser.fuse(px[[keep, drop]], pP[[keep, drop]], np.zeros(2, np.intp), 1)
            px[keep], pP[keep] = xm[0], Pm[0]
            contrib[keep] = contrib[keep] + contrib[drop]
            for c in contrib[drop]:
                self.bindings.bind((c.sensor_id, c.track_id), int(num[keep]))
            contrib[drop] = ()
            label[keep], conf[keep] = (label[keep] or label[drop]), max(conf[keep], conf[drop])
            created[keep] = min(created[keep], created[drop])
            confirmed[keep] |= confirmed[drop]
            merged[drop] = True
            if has[drop] and not has[keep]:  # merge-back: the coasting track is seen again
                has[keep], seen[keep] = True, T
        has &= ~merged
        # Confirmation: two sensors agree, or one sensor has kept it for confirm_s (a lone
        # sensor's false track rarely lives that long).
        n_sensors = np.array([len({c.sensor_id for c in cs}) for cs in contrib], np.int64)
        confirmed |= has & ((n_sensors >= 2) | (T - created >= cfg.confirm_s - 1e-9))
        decay = np.exp(-(T - seen) / max(cfg.coast_s, 1e-9))
        new = _Table(num, px, pP, created, seen, label, conf, contrib, confirmed)
        # Deletion: a tentative track as soon as it has no contributor; a confirmed one
        # after coasting too long or growing too uncertain.
        pos_std = np.sqrt(np.maximum(pP[:, 0, 0], pP[:, 1, 1])) if n_cand else np.zeros(0)
        lost = (T - seen > cfg.coast_s) | (pos_std > cfg.max_pos_std_m) | ~confirmed
        gone = (~has & lost) | merged
        dead = new.take(gone)
        self._tab = new.take(~gone)
        self.bindings.drop_fused(dead.num.tolist())
        self.last_t = T
        self.sequence += 1
        status = np.where(has, np.where(confirmed, TrackStatus.CONFIRMED.value,
                                        TrackStatus.TENTATIVE.value),
                          TrackStatus.COASTING.value)[~gone]  # fmt: skip
        return self._outputs(T, new_nums, dead, decay[~gone], status, refused, late)

    def _consensus(
        self, snap: Snapshot, bound: np.ndarray, fx: np.ndarray, fP: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Release the bindings of dissenting sensor tracks (bound -> -1); the fused tracks
        they leave are predicted from the sensor tracks that stay (the dissenter had pulled
        their last state). Returns new bound, fx, fP."""
        out = self._dissenters(snap.keys, snap.x, snap.P, bound)
        if not out:
            return bound, fx, fP
        hit = np.unique(bound[out])
        bound = bound.copy()
        bound[out] = -1
        rest = np.flatnonzero(np.isin(bound, hit))
        if len(rest):
            g = np.searchsorted(hit, bound[rest])
            xr, Pr = self.fuser.fuse(snap.x[rest], snap.P[rest], g, len(hit))
            ok = np.isfinite(xr[:, 0])
            fx, fP = fx.copy(), fP.copy()
            fx[hit[ok]], fP[hit[ok]] = xr[ok], Pr[ok]
        return bound, fx, fP

    def _dissenters(
        self, keys: list[tuple[str, str]], x: np.ndarray, P: np.ndarray, bound: np.ndarray
    ) -> list[int]:
        """Snapshot rows whose binding is released because they disagree with the other
        sensor tracks bound to the same fused track (see FusionConfig.consensus_gate_prob)."""
        gate = self._consensus_gate
        rows = np.flatnonzero(bound >= 0)
        rows = rows[np.argsort(bound[rows], kind="stable")]
        if len(rows) < 2:
            return []
        # Every pair of rows bound to one fused track (they are contiguous once sorted),
        # vectorised: most fused tracks have two or three contributors that agree.
        b = bound[rows]
        pa, pb = [], []
        for o in range(1, len(rows)):
            same = b[o:] == b[:-o]
            if not same.any():
                break
            pa.append(rows[:-o][same])
            pb.append(rows[o:][same])
        if not pa:
            return []
        a_, b_ = np.concatenate(pa), np.concatenate(pb)
        nu = x[a_, :2] - x[b_, :2]
        d2 = np.einsum("pm,pmn,pn->p", nu, inv_sym(P[a_, :2, :2] + P[b_, :2, :2]), nu)
        suspect = set(bound[a_[d2 > gate]].tolist())
        starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
        groups = np.split(rows, starts[1:])
        out: list[int] = []
        for members in groups:
            if len(members) < 2 or int(bound[members[0]]) not in suspect:
                continue
            m = members.tolist()
            w = [float(self.config.identity_weight.get(keys[r][0], 1.0)) for r in m]
            out += dissenters(x[m, :2], P[m, :2, :2], w, gate, m)
        return out

    def _holds(
        self, T: float, keys: list[tuple[str, str]], bound: np.ndarray, taken: np.ndarray
    ) -> np.ndarray:
        """Which unmatched sensor tracks of one sensor are held on their fused track instead
        of starting a new one: bound to a fused row that no other track of that sensor took
        in this cycle, and strained for less than hold_s."""
        free = np.ones(len(self._tab), bool)
        free[taken[taken < len(self._tab)]] = False
        out = np.zeros(len(keys), bool)
        for k, (key, b) in enumerate(zip(keys, bound.tolist(), strict=True)):
            if b >= 0 and free[b]:
                out[k] = T - self.bindings.strain(key, T) < self.config.hold_s
        return out

    def _ingest(self, sensor_tracks: Sequence[SensorTrack]) -> tuple[tuple[str, ...], int]:
        by: dict[tuple[str, MeasurementKind], list[SensorTrack]] = defaultdict(list)
        ended: list[tuple[str, str]] = []
        for st in sensor_tracks:
            if st.deleted:
                ended.append(st.key)
            else:
                by[(st.sensor_id, st.kind)].append(st)
        self.buffer.remove(ended)
        self.bindings.unbind(ended)
        refused: set[str] = set()
        late = 0
        for (sensor, _), tracks in by.items():
            try:
                world: list[WorldTrack] = to_world(tracks, self.geometries.get(sensor))
            except NoGeometryError:
                refused.add(sensor)
                continue
            kp, kv = self.config.cov_scale(sensor)
            D = np.sqrt(np.array([kp, kp, kv, kv]))
            for w in world:
                if kp != 1.0 or kv != 1.0:
                    w = replace(w, P=w.P * D[:, None] * D[None, :])
                if self.last_t is not None and w.t < self.last_t - 1e-9:
                    late += 1
                self.buffer.add(w)
        return tuple(sorted(refused)), late

    def _outputs(
        self, T: float, new_nums: np.ndarray, dead: _Table, decay: np.ndarray,
        status: np.ndarray, refused: tuple[str, ...], late: int,
    ) -> FusionResult:  # fmt: skip
        tab = self._tab
        gids = [global_id(n) for n in tab.num.tolist()]
        pos, vel = tab.x[:, :2], tab.x[:, 2:]
        sensors = [tuple(sorted({c.sensor_id for c in cs})) for cs in tab.contrib]
        inside = self.zones.inside(pos, tab.label)
        events = self.zones.update(T, gids, pos, vel, tab.label, sensors, inside)
        dwell = self.zones.dwell(gids, T)
        verdicts = assess(self.rules, self.zones.zones, pos, vel, tab.label, inside, dwell)
        threats = self.threats.update(T, self.rules.hold_s, gids, verdicts, pos, vel,
                                      tab.label.tolist())  # fmt: skip
        dgids = [global_id(n) for n in dead.num.tolist()]
        dlabels = [str(v) for v in dead.label.tolist()]
        events += self.zones.remove(T, dgids, dead.x[:, :2], dlabels, [()] * len(dgids))
        threats += self.threats.remove(T, dgids, dead.x[:, :2], dlabels)
        zone_of: dict[int, list[str]] = defaultdict(list)
        for zid, mask in inside.items():
            for i in np.flatnonzero(mask).tolist():
                zone_of[i].append(zid)
        tracks = []
        for i, g in enumerate(gids):
            lvl, why = self.threats.level(g)
            tracks.append(FusedTrack(
                g, TrackStatus(int(status[i])), tab.x[i],
                tab.P[i], str(tab.label[i]), float(tab.conf[i] * decay[i]), tab.contrib[i],
                float(tab.created_t[i]), T, lvl, why, tuple(zone_of.get(i, ())),
            ))  # fmt: skip
        deleted = [
            FusedTrack(g, TrackStatus.DELETED, dead.x[i], dead.P[i], dlabels[i],
                       float(dead.conf[i]), (), float(dead.created_t[i]), T)
            for i, g in enumerate(dgids)
        ]  # fmt: skip
        return FusionResult(T, self.sequence, tracks, [global_id(n) for n in new_nums.tolist()],
                            deleted, events, threats, refused, late)  # fmt: skip

    # -- checkpoints -----------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """JSON-serialisable state: counters, bindings, fused tracks, buffered sensor
        states, zone presence and threat levels. Geometry, zones and rules come from admin
        and are given again to from_state."""
        t = self._tab
        return {
            "version": _STATE_VERSION,
            "config": asdict(self.config),
            "next_num": self.ids.next_num,
            "sequence": self.sequence,
            "last_t": self.last_t,
            "bindings": self.bindings.to_list(),
            "fused": {
                "num": t.num.tolist(),
                "x": t.x.tolist(),
                "P": t.P.tolist(),
                "created_t": t.created_t.tolist(),
                "seen_t": t.seen_t.tolist(),
                "confirmed": t.confirmed.tolist(),
                "label": [str(v) for v in t.label.tolist()],
                "conf": t.conf.tolist(),
                "contrib": [
                    [[c.sensor_id, c.track_id, c.kind.value, c.t] for c in cs] for cs in t.contrib
                ],
            },  # fmt: skip
            "buffer": [
                [
                    w.sensor_id,
                    w.track_id,
                    w.t,
                    w.kind.value,
                    w.x.tolist(),
                    w.P.tolist(),
                    w.label,
                    w.confidence,
                ]
                for w in self.buffer.to_list()
            ],  # fmt: skip
            "zones": self.zones.to_dict(),
            "threats": self.threats.to_dict(),
        }

    @classmethod
    def from_state(
        cls,
        state: dict[str, Any],
        geometries: Mapping[str, Geometry | None] | None = None,
        zones: Sequence[Zone] = (),
        rules: ThreatRules | None = None,
    ) -> FusionEngine:
        """Rebuild an engine from to_state(); global ids continue where they stopped."""
        if state.get("version") != _STATE_VERSION:
            raise ValueError(f"version: unsupported fusion state {state.get('version')!r}")
        eng = cls(FusionConfig(**state["config"]), geometries, zones, rules)
        eng.ids = IdAllocator(int(state["next_num"]))
        eng.sequence = int(state["sequence"])
        eng.last_t = None if state["last_t"] is None else float(state["last_t"])
        eng.bindings = Bindings.from_list(state["bindings"])
        f = state["fused"]
        n = len(f["num"])
        label = np.empty(n, object)
        label[:] = f["label"]
        eng._tab = _Table(
            np.array(f["num"], np.int64), np.array(f["x"], float).reshape(n, 4),
            np.array(f["P"], float).reshape(n, 4, 4), np.array(f["created_t"], float),
            np.array(f["seen_t"], float), label, np.array(f["conf"], float),
            [tuple(Contributor(s, tr, MeasurementKind(k), float(tt)) for s, tr, k, tt in cs)
             for cs in f["contrib"]],
            np.array(f["confirmed"], bool).reshape(n),
        )  # fmt: skip
        for s, tr, tt, k, x, P, lab, c in state["buffer"]:
            eng.buffer.add(WorldTrack(s, tr, float(tt), MeasurementKind(k), np.array(x, float),
                                      np.array(P, float), lab, float(c)))  # fmt: skip
        eng.zones.load(state["zones"])
        eng.threats.load(state["threats"])
        return eng


def dissenters(
    x: np.ndarray, P: np.ndarray, weight: Sequence[float], gate: float, ids: Sequence[int]
) -> list[int]:
    """The estimates (x (k, d), P (k, d, d)) of one object by k sensor tracks, checked in
    pairs: a pair agrees when the squared Mahalanobis distance under P_i + P_j is at most
    gate. For each disagreeing pair, worst first, the member with less support (its weight
    plus the weights of the members it agrees with) dissents; a tie drops neither. Returns
    the ids of the dissenters."""
    k = len(x)
    i, j = np.triu_indices(k, 1)
    nu = x[i] - x[j]
    d2 = np.einsum("pm,pmn,pn->p", nu, np.linalg.inv(P[i] + P[j]), nu)
    agree = np.eye(k, dtype=bool)
    agree[i, j] = agree[j, i] = d2 <= gate
    w = np.asarray(weight, float)
    support = agree.astype(float) @ w
    out: set[int] = set()
    for p in np.argsort(-d2, kind="stable").tolist():
        a, b = int(i[p]), int(j[p])
        if d2[p] <= gate or a in out or b in out:
            continue
        if support[a] < support[b] - 1e-12:
            out.add(a)
        elif support[b] < support[a] - 1e-12:
            out.add(b)
    return [ids[m] for m in sorted(out)]


def _label_conf(tracks: Sequence[WorldTrack]) -> tuple[str, float]:
    score: dict[str, float] = defaultdict(float)
    miss = 1.0
    for w in tracks:
        c = min(max(float(w.confidence), 0.0), 1.0)
        if w.label:
            score[w.label] += c
        miss *= 1.0 - c
    label = max(sorted(score), key=lambda k: score[k]) if score else ""
    return label, 1.0 - miss
