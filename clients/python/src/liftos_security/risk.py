"""The guide's ``require_low_risk`` downstream: the service's request-independent risk inputs (introspection,
cached per token) plus what this service's own request shows, weighted as the service weighs them."""
from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple

import requests

from .http import raise_for
from .principal import Principal

IP_CHANGED = 0.30
UNTRUSTED_NETWORK = 0.10
FRESH_MFA_SECONDS = 15 * 60
_MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "sms", "totp"})
_TRUSTED = [ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
    "::1/128", "fc00::/7", "fe80::/10")]


@dataclass(frozen=True)
class RiskInputs:
    score: float
    signals: Tuple[str, ...]
    login_network: Optional[str]


class RiskScorer:
    """``score(principal, client_ip)``: the service's ``risk_score`` for the token (new device, failed logins,
    halved after a recent MFA), plus 0.30 when ``client_ip`` is outside the session's login network and 0.10 when it
    is a public address (halved too after a recent MFA), capped at 1."""

    def __init__(self, introspection_url: str, tokens, http: requests.Session, cache_seconds: float = 30.0,
                 clock: Callable[[], float] = time.time):
        self._url = introspection_url
        self._tokens = tokens
        self._http = http
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: Dict[str, Tuple[float, RiskInputs]] = {}
        self._lock = threading.Lock()

    def inputs(self, principal: Principal) -> RiskInputs:
        now = self._clock()
        hit = self._cache.get(principal.jti)
        if hit is not None and hit[0] > now:
            return hit[1]
        r = self._http.post(self._url, data={"token": principal.token}, headers=self._tokens.client_auth_header(),
                            timeout=5)
        raise_for(r)
        body = r.json()
        if not body.get("active"):
            inputs = RiskInputs(1.0, ("inactive",), None)
        else:
            inputs = RiskInputs(float(body.get("risk_score", 1.0)), tuple(body.get("risk_signals", ())),
                                body.get("login_network"))
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
            self._cache[principal.jti] = (now + self._cache_seconds, inputs)
        return inputs

    def score(self, principal: Principal, client_ip: Optional[str]) -> float:
        inputs = self.inputs(principal)
        extra = 0.0
        addr = _address(client_ip)
        if addr is None or not any(addr in n for n in _TRUSTED if n.version == addr.version):
            extra += UNTRUSTED_NETWORK
        if inputs.login_network and addr is not None:
            try:
                if addr not in ipaddress.ip_network(inputs.login_network, strict=False):
                    extra += IP_CHANGED
            except ValueError:
                extra += IP_CHANGED
        if _fresh_mfa(principal, self._clock()):
            extra /= 2
        return min(1.0, inputs.score + extra)


def _address(ip: Optional[str]):
    try:
        return ipaddress.ip_address(ip) if ip else None
    except ValueError:
        return None


def _fresh_mfa(p: Principal, now: float) -> bool:
    return bool(_MFA_METHODS.intersection(p.amr)) and p.auth_time is not None and now - p.auth_time <= FRESH_MFA_SECONDS
