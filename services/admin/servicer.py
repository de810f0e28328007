"""AdminService: one servicer composed of parts, each in its own module:

- RegistryPart (registry_servicer.py): sensors, zones, thresholds, broadcast, system status;
- AccessPart (access_servicer.py): API keys and the audit log;
- SessionsPart (sessions_servicer.py): recording sessions, notes, replays.

Every AdminService RPC is defined by one of the parts (tests/service/test_auth_matrix.py calls
each one).
"""

from __future__ import annotations

from aura.admin.v1 import admin_pb2, admin_pb2_grpc
from services.admin.access_servicer import AccessPart
from services.admin.deps import AdminDeps
from services.admin.registry_servicer import RegistryPart
from services.admin.sessions_servicer import SessionsPart

DESCRIPTOR = admin_pb2.DESCRIPTOR.services_by_name["AdminService"]


class AdminServicer(RegistryPart, AccessPart, SessionsPart, admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, deps: AdminDeps) -> None:
        self.deps = deps

    async def start(self) -> None:
        await self.start_registry()
        await self.start_access()
        await self.start_sessions()

    async def stop(self) -> None:
        await self.stop_sessions()
        await self.stop_access()
        await self.stop_registry()
