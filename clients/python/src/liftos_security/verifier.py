"""Offline verification of LiftOS access tokens: signature against the issuer's JWKS, algorithm, claims, and the
revocation feed."""
from __future__ import annotations

import time
from typing import Callable, Iterable, Optional

import jwt
import requests

from .errors import InvalidToken
from .jwks import ASYMMETRIC_ALGORITHMS, JwksCache
from .principal import Principal

AUDIENCE = "liftos-api"
MAX_TOKEN_CHARS = 16_384
_REQUIRED = ("iss", "aud", "exp", "iat", "sub", "jti", "org_id", "roles", "permissions")


class Verifier:
    """Checks an access token and answers its :class:`Principal`, or raises :class:`InvalidToken`.

    A token is accepted only when: its header names an algorithm of ``algorithms`` (a subset of RS256, ES256,
    EdDSA: never ``none``, never HMAC) that is the algorithm of the published key its ``kid`` names (so an ES256
    key never checks an RS256 token, and a public key is never used as an HMAC secret); ``typ`` is ``at+jwt``;
    the signature verifies; ``iss`` is the configured issuer, ``aud`` contains ``liftos-api``, ``exp`` is in the
    future, ``nbf``/``iat`` not in the future (``leeway`` seconds of skew); the claims have their types; and the
    revocation feed (when given) has not announced the token, its session or its service account — while the feed
    has been lost for more than ``max_feed_staleness`` seconds, every token is refused (fail closed).
    """

    def __init__(self, issuer: str, jwks: JwksCache, *, audience: str = AUDIENCE,
                 algorithms: Iterable[str] = ("RS256", "ES256", "EdDSA"), revocations=None,
                 max_feed_staleness: float = 30.0, leeway: int = 30, clock: Callable[[], float] = time.time):
        algs = frozenset(algorithms)
        if not algs or not algs <= ASYMMETRIC_ALGORITHMS:
            raise ValueError(f"algorithms must be among {sorted(ASYMMETRIC_ALGORITHMS)}")
        self.issuer = issuer
        self.audience = audience
        self.algorithms = algs
        self.jwks = jwks
        self.revocations = revocations
        self._max_staleness = max_feed_staleness
        self._leeway = leeway
        self._clock = clock

    def verify(self, token: str) -> Principal:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
            raise InvalidToken("malformed")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed") from None
        alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        if alg not in self.algorithms:
            raise InvalidToken("algorithm_not_allowed")
        if not isinstance(typ, str) or typ.lower() not in ("at+jwt", "application/at+jwt"):
            raise InvalidToken("not_an_access_token")
        if not isinstance(kid, str) or not kid or any(h in header for h in ("jwk", "jku", "x5u", "x5c")):
            raise InvalidToken("key_not_named")
        try:
            found = self.jwks.key(kid)
        except (requests.RequestException, ValueError) as e:
            raise InvalidToken("jwks_unavailable") from e
        if found is None:
            raise InvalidToken("unknown_key")
        key, key_alg = found
        if key_alg != alg:
            raise InvalidToken("algorithm_mismatch")
        try:
            claims = jwt.decode(token, key.key, algorithms=[key_alg], audience=self.audience, issuer=self.issuer,
                                options={"require": list(_REQUIRED[:6]), "verify_exp": False,
                                         "verify_nbf": False, "verify_iat": False})
        except jwt.InvalidAudienceError:
            raise InvalidToken("wrong_audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("wrong_issuer") from None
        except jwt.InvalidSignatureError:
            raise InvalidToken("bad_signature") from None
        except jwt.PyJWTError:
            raise InvalidToken("invalid_claims") from None
        self._check_times(claims)
        self._check_types(claims)
        if self.revocations is not None:
            if self.revocations.stale_for() > self._max_staleness:
                raise InvalidToken("revocation_feed_unavailable")
            if self.revocations.is_revoked(claims["jti"], claims.get("sid"), claims["sub"]):
                raise InvalidToken("revoked")
        return Principal.from_claims(claims, token)

    def _check_times(self, c: dict) -> None:
        now = self._clock()
        for name in ("exp", "iat", "nbf", "auth_time"):
            v = c.get(name)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool)):
                raise InvalidToken("invalid_claims")
        if c["exp"] <= now - self._leeway:
            raise InvalidToken("expired")
        if c["iat"] > now + self._leeway or c.get("nbf", 0) > now + self._leeway:
            raise InvalidToken("not_yet_valid")

    @staticmethod
    def _check_types(c: dict) -> None:
        strings = ("sub", "jti", "org_id")
        if not all(isinstance(c[k], str) and c[k] for k in strings):
            raise InvalidToken("invalid_claims")
        if "roles" not in c or "permissions" not in c:
            raise InvalidToken("invalid_claims")
        for k in ("roles", "permissions", "amr"):
            v = c.get(k, [])
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise InvalidToken("invalid_claims")
        for k in ("sid", "client_id", "email"):
            if k in c and not isinstance(c[k], str):
                raise InvalidToken("invalid_claims")
