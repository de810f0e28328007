"""AdminService: one servicer composed of parts, each in its own module:

- RegistryPart (registry_servicer.py): sensors, zones, thresholds, broadcast, system status;
- AccessPart (access_servicer.py): API keys and the audit log;
- SessionsPart (sessions_servicer.py): recording sessions, notes, replays.

Every AdminService RPC is defined by one of the parts; `pending_servicer` only guards an RPC
added to the contract later, which then answers UNIMPLEMENTED instead of crashing.
"""

from __future__ import annotations

from aura.admin.v1 import admin_pb2, admin_pb2_grpc
from services.admin.access_servicer import AccessPart
from services.admin.deps import AdminDeps
from services.admin.registry_servicer import RegistryPart
from services.admin.sessions_servicer import SessionsPart
from services.common.contract import pending_servicer

DESCRIPTOR = admin_pb2.DESCRIPTOR.services_by_name["AdminService"]
AREA = "the admin issue (registry, zones, thresholds, keys, audit, sessions)"


class _Parts(RegistryPart, AccessPart, SessionsPart):
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


AdminServicer = pending_servicer(admin_pb2_grpc.AdminServiceServicer, DESCRIPTOR, AREA, _Parts)
