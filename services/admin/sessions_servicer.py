"""AdminService RPCs of the sessions part (see services/admin/servicer.py)."""

from __future__ import annotations

from services.admin.deps import AdminDeps


class SessionsPart:
    """Mixed into AdminServicer; `self.deps` holds the shared dependencies."""

    deps: AdminDeps

    async def start_sessions(self) -> None:
        """Background work of this part (watchers, consumers); called once at start."""
        return None

    async def stop_sessions(self) -> None:
        return None
