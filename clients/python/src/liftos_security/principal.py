"""The verified caller: what the guards and the application see."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, FrozenSet, Mapping, Optional


def _split(p: str):
    if p == "*":
        return "*", "*"
    action, sep, resource = p.partition(":")
    return (action, resource) if sep else (None, None)


def _perm_implies(held: str, wanted: str) -> bool:
    """As the service: ``action:resource``, either side may be ``*`` (a bare ``*`` is ``*:*``); a granted
    permission implies a required one when each side is equal or the granted side is ``*``."""
    ha, hr = _split(held)
    wa, wr = _split(wanted)
    if ha is None or wa is None:
        return False
    return (ha == "*" or ha == wa) and (hr == "*" or hr == wr)


@dataclass(frozen=True)
class Principal:
    """The subject of a verified access token.

    ``user_id`` is the subject (a user, or a service account for client-credentials tokens), as the seed's
    ``g.security_context.user_id``. ``risk_score`` is filled in by ``require_low_risk`` (None before).
    """

    user_id: str
    org_id: str
    roles: FrozenSet[str]
    permissions: FrozenSet[str]
    session_id: Optional[str]
    client_id: Optional[str]
    email: Optional[str]
    jti: str
    expires_at: int
    auth_time: Optional[int]
    amr: tuple
    risk_score: Optional[float] = None
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    token: str = field(default="", repr=False, compare=False)

    @property
    def subject(self) -> str:
        return self.user_id

    @property
    def is_service_account(self) -> bool:
        return self.session_id is None

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def has_permission(self, permission: str) -> bool:
        return any(_perm_implies(p, permission) for p in self.permissions)

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], token: str) -> "Principal":
        return cls(
            user_id=str(claims["sub"]),
            org_id=str(claims["org_id"]),
            roles=frozenset(claims.get("roles") or ()),
            permissions=frozenset(claims.get("permissions") or ()),
            session_id=claims.get("sid"),
            client_id=claims.get("client_id"),
            email=claims.get("email"),
            jti=str(claims["jti"]),
            expires_at=int(claims["exp"]),
            auth_time=claims.get("auth_time"),
            amr=tuple(claims.get("amr") or ()),
            claims=dict(claims),
            token=token,
        )


# The seed's name for it (``g.security_context``).
SecurityContext = Principal
