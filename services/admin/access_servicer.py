"""AdminService RPCs of the access part (see services/admin/servicer.py)."""

from __future__ import annotations

from services.admin.deps import AdminDeps


class AccessPart:
    """Mixed into AdminServicer; `self.deps` holds the shared dependencies."""

    deps: AdminDeps

    async def start_access(self) -> None:
        """Background work of this part (watchers, consumers); called once at start."""
        return None

    async def stop_access(self) -> None:
        return None
