"""The fused threat level of each sensor track, for the v2 `Track` answer: fusion publishes a
FusedTrackFrame on `aura.fused` every cycle, listing each live fused track with its threat
level and the sensor tracks fused into it. A plain subscription is enough: the answer needs
only the latest level, never a replay."""

from __future__ import annotations

import contextlib

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from aura.fusion.v1 import fusion_pb2 as fpb

SUBJECT = "aura.fused"


class FusedThreats:
    """track_id -> threat level of the fused track it is part of (0 when fusion does not
    know the track: not fused yet, its sensor not placed, or fusion not running)."""

    def __init__(self) -> None:
        self._of: dict[str, tuple[str, int]] = {}  # sensor track id -> (global id, level)
        self._members: dict[str, set[str]] = {}  # global id -> its sensor track ids
        self._sub: object | None = None

    def __call__(self, track_id: str) -> int:
        entry = self._of.get(track_id)
        return 0 if entry is None else entry[1]

    def apply(self, frame: fpb.FusedTrackFrame) -> None:
        for t in frame.tracks:
            ids = {k.track_id for k in t.contributors}
            self._drop(t.global_id, self._members.get(t.global_id, set()) - ids)
            for i in ids:
                self._of[i] = (t.global_id, int(t.threat_level))
            self._members[t.global_id] = ids
        for t in frame.deleted_tracks:
            self._drop(t.global_id, self._members.pop(t.global_id, set()))

    def _drop(self, gid: str, ids: set[str]) -> None:
        for i in ids:
            if self._of.get(i, ("",))[0] == gid:  # not when it moved to another fused track
                del self._of[i]

    async def _on_msg(self, msg: Msg) -> None:
        frame = fpb.FusedTrackFrame()
        try:
            frame.ParseFromString(msg.data)
        except Exception:
            return
        self.apply(frame)

    async def start(self, nc: NATS) -> None:
        self._sub = await nc.subscribe(SUBJECT, cb=self._on_msg)

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()  # type: ignore[attr-defined]
