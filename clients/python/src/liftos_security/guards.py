"""What the framework decorators share: read the bearer token, verify it, check roles, permissions and risk.
Refusals are the service's error format: 401 ``unauthorized``, 403 ``forbidden``, 403 ``risk_too_high``."""
from __future__ import annotations

import dataclasses
import logging
from typing import Iterable, Optional, Tuple

from .errors import InvalidToken
from .principal import Principal

log = logging.getLogger("liftos_security.guards")


class Denied(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}

    def headers(self) -> dict:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'} if self.status == 401 else {}


def bearer(authorization: Optional[str]) -> Optional[str]:
    if not authorization or len(authorization) < 8 or authorization[:7].lower() != "bearer ":
        return None
    return authorization[7:].strip() or None


def authenticate(liftos, authorization: Optional[str]) -> Principal:
    token = bearer(authorization)
    if token is None:
        raise Denied(401, "unauthorized", "Missing or invalid access token")
    try:
        return liftos.verify(token)
    except InvalidToken as e:
        log.info("access token refused: %s", e.reason)
        raise Denied(401, "unauthorized", "Missing or invalid access token") from None


def flatten(items: Iterable) -> Tuple[str, ...]:
    out = []
    for i in items:
        if isinstance(i, (list, tuple, set, frozenset)):
            out.extend(i)
        else:
            out.append(i)
    return tuple(out)


def check_roles(p: Principal, roles: Tuple[str, ...]) -> None:
    """Any of ``roles``."""
    if not any(p.has_role(r) for r in roles):
        raise Denied(403, "forbidden", "This requires one of the roles: " + ", ".join(roles))


def check_permissions(p: Principal, permissions: Tuple[str, ...]) -> None:
    """All of ``permissions``."""
    missing = [x for x in permissions if not p.has_permission(x)]
    if missing:
        raise Denied(403, "forbidden", "Missing permission: " + ", ".join(missing))


def check_risk(liftos, p: Principal, client_ip: Optional[str], max_risk: float) -> Principal:
    score = p.risk_score if p.risk_score is not None else liftos.risk.score(p, client_ip)
    scored = dataclasses.replace(p, risk_score=score)
    if score > max_risk:
        raise Denied(403, "risk_too_high", "The request's risk is too high for this operation")
    return scored
