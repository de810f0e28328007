"""Every RPC of the five contracts has an implementation of ours: none falls through to the
generated base class, which would answer UNIMPLEMENTED."""

from __future__ import annotations

import pytest

from aura.admin.v1 import admin_pb2, admin_pb2_grpc
from aura.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from aura.fusion.v1 import fusion_pb2, fusion_pb2_grpc
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from services.admin.servicer import AdminServicer
from services.analytics.servicer import AnalyticsServicer
from services.fusion.servicer import FusionServicer
from services.ingest.servicer import IngestServicer
from services.tracker.servicer import TrackerServicer

CASES = [
    (IngestServicer, ingest_pb2_grpc.IngestServiceServicer, ingest_pb2, "IngestService"),
    (TrackerServicer, tracker_pb2_grpc.TrackerServiceServicer, tracker_pb2, "TrackerService"),
    (FusionServicer, fusion_pb2_grpc.FusionServiceServicer, fusion_pb2, "FusionService"),
    (
        AnalyticsServicer,
        analytics_pb2_grpc.AnalyticsServiceServicer,
        analytics_pb2,
        "AnalyticsService",
    ),
    (AdminServicer, admin_pb2_grpc.AdminServiceServicer, admin_pb2, "AdminService"),
]


@pytest.mark.parametrize(("servicer", "base", "module", "name"), CASES, ids=[c[3] for c in CASES])
def test_every_rpc_has_our_implementation(servicer, base, module, name):
    methods = [m.name for m in module.DESCRIPTOR.services_by_name[name].methods]
    missing = [m for m in methods if getattr(servicer, m) is getattr(base, m)]
    assert methods and missing == []
