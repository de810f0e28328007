"""AdminService RPCs of the registry part (see services/admin/servicer.py)."""

from __future__ import annotations

from services.admin.deps import AdminDeps


class RegistryPart:
    """Mixed into AdminServicer; `self.deps` holds the shared dependencies."""

    deps: AdminDeps

    async def start_registry(self) -> None:
        """Background work of this part (watchers, consumers); called once at start."""
        return None

    async def stop_registry(self) -> None:
        return None
