"""``log_security_event``: a service writes security events into its organization's audit hash chain
(``POST /v1/orgs/{orgId}/audit/events``, service accounts holding ``write:audit_events``).

Every call carries an ``Idempotency-Key``; a retry after a lost answer or a 5xx/429 sends the same key, so the
service writes the events once."""
from __future__ import annotations

import asyncio
import datetime as _dt
import enum
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union
from urllib.parse import quote

import requests

from .errors import ServiceError
from .http import raise_for

MAX_BATCH = 500


class SecurityEventType(str, enum.Enum):
    """The security guide's event types."""

    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILURE = "login_failure"
    MFA_ENABLED = "mfa_enabled"
    MFA_DISABLED = "mfa_disabled"
    PASSWORD_CHANGED = "password_changed"
    PERMISSION_GRANTED = "permission_granted"
    PERMISSION_DENIED = "permission_denied"
    ROLE_ASSIGNED = "role_assigned"
    ROLE_REVOKED = "role_revoked"
    API_KEY_CREATED = "api_key_created"
    API_KEY_ACCESSED = "api_key_accessed"
    API_KEY_ROTATED = "api_key_rotated"
    API_KEY_REVOKED = "api_key_revoked"
    RATE_LIMIT_EXCEEDED = "rate_limit_exceeded"
    SUSPICIOUS_ACTIVITY = "suspicious_activity"
    BRUTE_FORCE_ATTEMPT = "brute_force_attempt"
    IP_BLOCKED = "ip_blocked"
    SENSITIVE_DATA_ACCESS = "sensitive_data_access"
    DATA_EXPORT = "data_export"
    BULK_DATA_ACCESS = "bulk_data_access"
    CONFIGURATION_CHANGE = "configuration_change"
    SYSTEM_BACKUP = "system_backup"
    SYSTEM_RESTORE = "system_restore"


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    event_ids: List[str]
    replayed: bool


def security_event(event_type: Union[SecurityEventType, str], *, user_id: Optional[str] = None,
                   ip_address: Optional[str] = None, user_agent: Optional[str] = None,
                   details: Optional[Mapping[str, Any]] = None, risk_level: str = "low", action: Optional[str] = None,
                   resource: Optional[str] = None, success: bool = True,
                   occurred_at: Optional[_dt.datetime] = None) -> Dict[str, Any]:
    """One event as the ingestion API takes it."""
    e: Dict[str, Any] = {"event_type": SecurityEventType(event_type).value, "success": success,
                         "risk_level": risk_level}
    for name, value in (("user_id", user_id), ("ip_address", ip_address), ("user_agent", user_agent),
                        ("action", action), ("resource", resource)):
        if value is not None:
            e[name] = value
    if details:
        e["details"] = dict(details)
    when = occurred_at or _dt.datetime.now(_dt.timezone.utc)
    e["occurred_at"] = when.astimezone(_dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return e


class SecurityAuditLogger:
    """The seed's audit logger, writing to the service instead of a local table."""

    def __init__(self, base_url: str, tokens, http: requests.Session, retries: int = 3):
        self._base = base_url.rstrip("/")
        self._tokens = tokens
        self._http = http
        self._retries = retries

    def log_security_event(self, event_type: Union[SecurityEventType, str], user_id: Optional[str] = None,
                           org_id: Optional[str] = None, ip_address: Optional[str] = None,
                           user_agent: Optional[str] = None, details: Optional[Mapping[str, Any]] = None,
                           risk_level: str = "low", *, action: Optional[str] = None, resource: Optional[str] = None,
                           success: bool = True, occurred_at: Optional[_dt.datetime] = None,
                           idempotency_key: Optional[str] = None, session: Any = None) -> str:
        """Writes one event; answers its id in the chain. ``session`` (the seed's database session) is accepted
        and ignored: the service owns the storage."""
        event = security_event(event_type, user_id=user_id, ip_address=ip_address, user_agent=user_agent,
                               details=details, risk_level=risk_level, action=action, resource=resource,
                               success=success, occurred_at=occurred_at)
        return self.log_security_events([event], org_id=org_id, idempotency_key=idempotency_key).event_ids[0]

    def log_security_events(self, events: Sequence[Mapping[str, Any]], org_id: Optional[str] = None,
                            idempotency_key: Optional[str] = None) -> IngestResult:
        """Writes up to 500 events (built with :func:`security_event`) in one batch, one transaction."""
        if not 1 <= len(events) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} events")
        key = idempotency_key or str(uuid.uuid4())
        org = org_id or self._tokens.org_id
        url = "%s/v1/orgs/%s/audit/events" % (self._base, quote(org, safe=""))
        body = {"events": list(events)}
        delay = 0.2
        for attempt in range(self._retries + 1):
            try:
                r = self._http.post(url, json=body, timeout=15, headers={
                    "Authorization": "Bearer " + self._tokens.token(), "Idempotency-Key": key})
            except requests.ConnectionError:
                if attempt == self._retries:
                    raise
                time.sleep(delay)
                delay *= 2
                continue
            if r.status_code == 401 and attempt < self._retries:
                self._tokens.invalidate()
                continue
            if (r.status_code >= 500 or r.status_code == 429) and attempt < self._retries:
                time.sleep(float(r.headers.get("Retry-After", delay)))
                delay *= 2
                continue
            raise_for(r)
            b = r.json()
            return IngestResult(int(b["accepted"]), list(b["event_ids"]), bool(b["replayed"]))
        raise ServiceError(0, "retries_exhausted")

    async def alog_security_event(self, *args, **kwargs) -> str:
        """:meth:`log_security_event` for async code (the seed awaits it)."""
        return await asyncio.to_thread(self.log_security_event, *args, **kwargs)
