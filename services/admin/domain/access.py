"""API keys and the audit log as admin checks them: names, roles, expiry, page sizes and
page tokens, audit filters. Pure: takes the time as an argument and raises ValidationError
naming the field."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass

from aura.admin.v1 import admin_pb2 as pb
from aura.common.v1 import auth_pb2
from services.common.errors import ValidationError
from services.common.timeutil import ts_seconds

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.:@/\-]{0,63}$")
KEY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
ROLES = frozenset(
    {auth_pb2.ROLE_VIEWER, auth_pb2.ROLE_OPERATOR, auth_pb2.ROLE_INGEST, auth_pb2.ROLE_ADMIN}
)
OUTCOMES = frozenset(pb.AuditOutcome.values())
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
#: Name of the first admin key; the "who" that made it is BOOTSTRAP.
BOOTSTRAP_NAME = "bootstrap-admin"
BOOTSTRAP = "bootstrap"
#: Name of the ingest key `aura up` gives its demo source (AURA_ADMIN_PUMP_KEY).
PUMP_NAME = "aura-up-pump"


@dataclass(frozen=True)
class NewKey:
    """A checked CreateApiKey request."""

    name: str
    role: int
    expires_at_s: float | None


def check_create(req: pb.CreateApiKeyRequest, now_s: float) -> NewKey:
    name = req.name.strip()
    if not NAME_RE.match(name):
        raise ValidationError(
            "name",
            "1 to 64 characters: letters, digits, space and _ . : @ / -, "
            "starting with a letter or digit",
        )
    if req.role not in ROLES:
        raise ValidationError(
            "role", "must be ROLE_VIEWER, ROLE_OPERATOR, ROLE_INGEST or ROLE_ADMIN"
        )
    expires = None
    if req.HasField("expires_at"):
        expires = ts_seconds(req.expires_at)
        if expires <= now_s:
            raise ValidationError("expires_at", "must be in the future")
    return NewKey(name, int(req.role), expires)


def check_key_id(key_id: str, field: str = "key_id") -> str:
    if not KEY_ID_RE.match(key_id):
        raise ValidationError(field, "1 to 64 letters, digits, '_' or '-'")
    return key_id


def page_size(requested: int) -> int:
    """0 gives the default; more than the maximum is cut to it."""
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    return min(int(requested), MAX_PAGE_SIZE)


def encode_token(*parts: str | int) -> str:
    raw = "\x1f".join(str(p) for p in parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, count: int) -> list[str]:
    """The parts of a page token made by encode_token; ValidationError when it is not one."""
    if not token:
        return []
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationError("page_token", "not a token this service gave") from exc
    parts = raw.split("\x1f")
    if len(parts) != count:
        raise ValidationError("page_token", "not a token this service gave")
    return parts


def keys_after(token: str) -> tuple[int, str] | None:
    """ListApiKeys: (created_at in microseconds, key_id) of the last key of the page."""
    parts = decode_token(token, 2)
    if not parts:
        return None
    try:
        return int(parts[0]), check_key_id(parts[1], "page_token")
    except ValueError as exc:
        raise ValidationError("page_token", "not a token this service gave") from exc


def audit_before(token: str) -> int:
    """ListAuditLog: the entry id of the last entry of the page (0: from the newest)."""
    parts = decode_token(token, 1)
    if not parts:
        return 0
    try:
        value = int(parts[0])
    except ValueError as exc:
        raise ValidationError("page_token", "not a token this service gave") from exc
    if value < 1:
        raise ValidationError("page_token", "not a token this service gave")
    return value


@dataclass(frozen=True)
class AuditFilter:
    """A checked ListAuditLog request, as the repository takes it."""

    start_s: float | None
    end_s: float | None
    key_id: str
    role: int
    rpc: str
    target: str
    outcome: int
    before_entry: int
    limit: int


def check_audit_query(req: pb.ListAuditLogRequest) -> AuditFilter:
    start = ts_seconds(req.start_time) if req.HasField("start_time") else None
    end = ts_seconds(req.end_time) if req.HasField("end_time") else None
    if start is not None and end is not None and end <= start:
        raise ValidationError("end_time", "must be after start_time")
    if req.key_id:
        check_key_id(req.key_id)
    if req.role and req.role not in ROLES:
        raise ValidationError("role", "unknown role")
    if req.outcome not in OUTCOMES:
        raise ValidationError("outcome", "unknown outcome")
    if len(req.rpc) > 256 or len(req.target) > 256:
        raise ValidationError("rpc" if len(req.rpc) > 256 else "target", "at most 256 characters")
    return AuditFilter(
        start,
        end,
        req.key_id,
        int(req.role),
        req.rpc,
        req.target,
        int(req.outcome),
        audit_before(req.page_token),
        page_size(req.page_size),
    )


def parse_key_use(data: bytes) -> dict[str, float]:
    """A key use report (JSON {key_id: epoch seconds}); ValueError names what is wrong."""
    try:
        report = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"key use report is not JSON: {exc}") from exc
    if not isinstance(report, dict):
        raise ValueError("key use report is not a JSON object")
    out: dict[str, float] = {}
    for key_id, at in report.items():
        if not isinstance(at, int | float) or isinstance(at, bool) or not math.isfinite(at):
            raise ValueError(f"key use report: time of {key_id!r} is not a finite number")
        out[str(key_id)] = float(at)
    return out
