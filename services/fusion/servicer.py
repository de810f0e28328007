"""FusionService: reads the pipeline's fused state; the streams fan out its events."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc

from aura.fusion.v1 import fusion_pb2 as pb
from aura.fusion.v1 import fusion_pb2_grpc as pb_grpc
from services.common.errors import NotFoundError, ValidationError
from services.common.status import rpc, stream_rpc
from services.fusion.adapters.convert import matches, set_time
from services.fusion.pipeline import TRAIL_MAX_S, FusionPipeline

DEFAULT_PAGE, MAX_PAGE = 500, 5000


def _check_filter(f: pb.FusedTrackFilter) -> None:
    if not 0.0 <= f.min_confidence <= 1.0:
        raise ValidationError("filter.min_confidence", "must be within 0..1")
    if f.min_threat_level > 4:
        raise ValidationError("filter.min_threat_level", "must be within 0..4")


class FusionServicer(pb_grpc.FusionServiceServicer):
    def __init__(self, pipeline: FusionPipeline) -> None:
        self.pipeline = pipeline

    @rpc
    async def ListFusedTracks(
        self, request: pb.ListFusedTracksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListFusedTracksResponse:
        _check_filter(request.filter)
        store = self.pipeline.store
        found = [
            store.live[g] for g in sorted(store.live) if matches(store.live[g], request.filter)
        ]
        after = request.page_token
        page = [t for t in found if t.global_id > after] if after else found
        size = min(request.page_size or DEFAULT_PAGE, MAX_PAGE)
        out = pb.ListFusedTracksResponse(fused_tracks=page[:size], total_size=len(found))
        if len(page) > size:
            out.next_page_token = page[size - 1].global_id
        if store.t is not None:
            set_time(out.timestamp, store.t)
        return out

    @rpc
    async def GetFusedTrack(
        self, request: pb.GetFusedTrackRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetFusedTrackResponse:
        if request.trail_seconds > TRAIL_MAX_S:
            raise ValidationError("trail_seconds", f"at most {TRAIL_MAX_S:g}")
        store = self.pipeline.store
        track = store.get(request.global_id)
        if track is None:
            raise NotFoundError(
                f"fused track {request.global_id!r} is not live nor recently deleted"
            )
        out = pb.GetFusedTrackResponse(fused_track=track)
        if request.trail_seconds:
            for t, x, y, vx, vy in store.trail(request.global_id, request.trail_seconds):
                p = out.trail.add()
                set_time(p.timestamp, t)
                p.position.x, p.position.y = x, y
                p.velocity.vx, p.velocity.vy = vx, vy
        return out

    @stream_rpc
    async def StreamFusedTracks(
        self, request: pb.StreamFusedTracksRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamFusedTracksResponse]:
        _check_filter(request.filter)
        f, gap = request.filter, request.min_interval_ms / 1000.0
        sent: dict[str, float] = {}  # matching tracks the client holds -> last send time
        # Subscribe before the snapshot so nothing falls between the two.
        with self.pipeline.tracks_hub.subscribe() as sub:
            live = self.pipeline.store.live
            for gid in sorted(live):
                if matches(live[gid], f):
                    sent[gid] = time.monotonic()
                    yield pb.StreamFusedTracksResponse(
                        type=pb.FUSED_TRACK_EVENT_TYPE_SNAPSHOT, fused_track=live[gid]
                    )
            yield pb.StreamFusedTracksResponse(type=pb.FUSED_TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE)
            while True:
                event, missed = await sub.get()
                if event is None:
                    yield pb.StreamFusedTracksResponse(
                        type=pb.FUSED_TRACK_EVENT_TYPE_MISSED, missed=missed
                    )
                    continue
                out = _for_subscriber(event, f, sent, gap)
                if out is not None:
                    yield out

    @stream_rpc
    async def StreamThreats(
        self, request: pb.StreamThreatsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamThreatsResponse]:
        if request.min_level > 4:
            raise ValidationError("min_level", "must be within 0..4")
        zones = set(request.zone_ids)

        def wanted(t: pb.Threat) -> bool:
            level_ok = max(t.level, t.previous_level) >= request.min_level
            return level_ok and (not zones or t.zone_id in zones)

        with self.pipeline.threats_hub.subscribe() as sub:
            current = self.pipeline.store.threats
            for gid in sorted(current):
                if wanted(current[gid]):
                    yield pb.StreamThreatsResponse(
                        type=pb.THREAT_EVENT_TYPE_SNAPSHOT, threat=current[gid]
                    )
            yield pb.StreamThreatsResponse(type=pb.THREAT_EVENT_TYPE_SNAPSHOT_COMPLETE)
            while True:
                event, missed = await sub.get()
                if event is None:
                    yield pb.StreamThreatsResponse(type=pb.THREAT_EVENT_TYPE_MISSED, missed=missed)
                elif wanted(event.threat):
                    yield event


def _for_subscriber(
    event: pb.StreamFusedTracksResponse,
    f: pb.FusedTrackFilter,
    sent: dict[str, float],
    gap: float,
) -> pb.StreamFusedTracksResponse | None:
    """The event as this subscriber sees it: NEW when a track starts to match its filter,
    LEFT_FILTER when one it holds stops matching, UPDATED at most once per `gap` seconds."""
    track = event.fused_track
    gid = track.global_id
    held = gid in sent
    if event.type == pb.FUSED_TRACK_EVENT_TYPE_DELETED:
        if not held:
            return None
        del sent[gid]
        return event
    if not matches(track, f):
        if not held:
            return None
        del sent[gid]
        return pb.StreamFusedTracksResponse(
            type=pb.FUSED_TRACK_EVENT_TYPE_LEFT_FILTER, fused_track=track, sequence=event.sequence
        )
    now = time.monotonic()
    if not held:
        sent[gid] = now
        if event.type == pb.FUSED_TRACK_EVENT_TYPE_NEW:
            return event
        return pb.StreamFusedTracksResponse(
            type=pb.FUSED_TRACK_EVENT_TYPE_NEW, fused_track=track, sequence=event.sequence
        )
    if gap and now - sent[gid] < gap:
        return None
    sent[gid] = now
    return event
