"""TrackerService: reads the pipeline's live state; StreamTracks fans out its events."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from aura.tracker.v1 import tracker_pb2 as pb
from aura.tracker.v1 import tracker_pb2_grpc as pb_grpc
from services.common.errors import NotFoundError, ValidationError
from services.common.status import rpc, stream_rpc
from services.tracker.pipeline import TrackerPipeline, matches


def _check_filter(f: pb.TrackFilter) -> None:
    if not 0.0 <= f.min_confidence <= 1.0:
        raise ValidationError("filter.min_confidence", "must be within 0..1")


class TrackerServicer(pb_grpc.TrackerServiceServicer):
    def __init__(self, pipeline: TrackerPipeline) -> None:
        self.pipeline = pipeline

    @rpc
    async def ListTracks(
        self, request: pb.ListTracksRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListTracksResponse:
        _check_filter(request.filter)
        live = self.pipeline.store.live
        tracks = [live[i] for i in sorted(live) if matches(live[i], request.filter)]
        return pb.ListTracksResponse(tracks=tracks)

    @rpc
    async def GetTrack(
        self, request: pb.GetTrackRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTrackResponse:
        track = self.pipeline.store.get(request.track_id)
        if track is None:
            raise NotFoundError(f"track {request.track_id!r} is not live nor recently deleted")
        return pb.GetTrackResponse(track=track)

    @rpc
    async def GetTrackHistory(
        self, request: pb.GetTrackHistoryRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetTrackHistoryResponse:
        track = self.pipeline.store.get(request.track_id)
        if track is None:
            raise NotFoundError(f"track {request.track_id!r} is not live nor recently deleted")
        st = self.pipeline.sensors.get(track.sensor_id)
        points = st.tracker.history(request.track_id) if st else []
        if request.limit:
            points = points[-request.limit :]
        out = pb.GetTrackHistoryResponse(track_id=request.track_id)
        for t, (x, y, z) in points:
            p = out.points.add()
            p.timestamp.FromNanoseconds(int(round(t * 1e9)))
            p.position.x, p.position.y, p.position.z = x, y, z
        return out

    @stream_rpc
    async def StreamTracks(
        self, request: pb.StreamTracksRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[pb.StreamTracksResponse]:
        _check_filter(request.filter)
        f = request.filter
        # Subscribe before the snapshot so nothing falls between the two.
        with self.pipeline.hub.subscribe() as sub:
            live = self.pipeline.store.live
            for track_id in sorted(live):
                if matches(live[track_id], f):
                    yield pb.StreamTracksResponse(
                        type=pb.TRACK_EVENT_TYPE_SNAPSHOT, track=live[track_id]
                    )
            yield pb.StreamTracksResponse(type=pb.TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE)
            while True:
                event, missed = await sub.get()
                if event is None:
                    yield pb.StreamTracksResponse(type=pb.TRACK_EVENT_TYPE_MISSED, missed=missed)
                elif matches(event.track, f):
                    yield event
