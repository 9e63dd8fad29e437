"""The issuer's signing keys, from its JWKS, with rotation: an unknown ``kid`` triggers a refetch, at most once per
``min_refetch_seconds`` (so a flood of tokens with invented key ids cannot make us hammer the service)."""
from __future__ import annotations

import threading
import time
from typing import Callable, Dict, Optional

import jwt
import requests

from .http import raise_for

#: Algorithms a verifier may accept at all; never ``none``, never an HMAC (a public key is no shared secret).
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})


def key_algorithm(jwk: dict) -> Optional[str]:
    """The one algorithm a published key is used with: its ``alg``, else what its type implies."""
    alg = jwk.get("alg")
    if alg:
        return alg
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "RSA":
        return "RS256"
    if kty == "EC" and crv == "P-256":
        return "ES256"
    if kty == "OKP" and crv == "Ed25519":
        return "EdDSA"
    return None


class JwksCache:
    def __init__(self, jwks_uri: str, http: requests.Session, min_refetch_seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic):
        self._uri = jwks_uri
        self._http = http
        self._min_refetch = min_refetch_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: Dict[str, tuple] = {}
        self._fetched_at: Optional[float] = None
        self.fetches = 0

    def key(self, kid: str):
        """``(PyJWK, algorithm)`` for ``kid``, or None when the issuer does not publish it (after a refetch, if
        one is allowed now)."""
        found = self._keys.get(kid)
        if found is not None:
            return found
        with self._lock:
            found = self._keys.get(kid)
            if found is not None:
                return found
            now = self._clock()
            if self._fetched_at is None or now - self._fetched_at >= self._min_refetch:
                self._fetched_at = now
                self._fetch()
            return self._keys.get(kid)

    def _fetch(self) -> None:
        r = self._http.get(self._uri, timeout=5)
        raise_for(r)
        keys: Dict[str, tuple] = {}
        for jwk in r.json().get("keys", []):
            kid, alg = jwk.get("kid"), key_algorithm(jwk)
            if not isinstance(kid, str) or alg not in ASYMMETRIC_ALGORITHMS or jwk.get("use", "sig") != "sig":
                continue
            if any(private in jwk for private in ("d", "p", "q", "k")):
                continue  # a JWKS publishes public halves only; never take a secret or private key from it
            try:
                keys[kid] = (jwt.PyJWK(jwk, algorithm=alg), alg)
            except jwt.PyJWTError:
                continue
        self.fetches += 1
        self._keys = keys

    def refresh(self) -> None:
        with self._lock:
            self._fetched_at = self._clock()
            self._fetch()
