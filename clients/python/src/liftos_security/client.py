"""One object per process: discovery, keys, revocation feed, service token, vault, audit and risk."""
from __future__ import annotations

import os
import threading
from typing import Any, Iterable, Optional

import requests

from .audit import SecurityAuditLogger
from .errors import LiftOSError
from .http import new_session, raise_for
from .jwks import JwksCache
from .principal import Principal
from .revocation import RevocationFeed
from .risk import RiskScorer
from .tokens import ClientCredentials
from .vault import VaultClient
from .verifier import AUDIENCE, Verifier


class LiftOS:
    """Everything a service needs from LiftOS Security.

    ``issuer``: the service's issuer URL (its discovery document is read from
    ``{issuer}/.well-known/openid-configuration`` and must name the same issuer). ``client_id``/``client_secret``:
    this service's own service account, for the revocation feed (``subscribe:revocations``), risk inputs
    (introspection), the vault (``reveal:credentials``) and audit ingestion (``write:audit_events``); without them
    only offline verification is available, and without the feed a revoked token is accepted until it expires.
    """

    def __init__(self, issuer: str, client_id: Optional[str] = None, client_secret: Optional[str] = None, *,
                 base_url: Optional[str] = None, audience: str = AUDIENCE,
                 algorithms: Iterable[str] = ("RS256", "ES256", "EdDSA"), revocation_feed: bool = True,
                 wait_for_feed: float = 10.0, max_feed_staleness: float = 30.0, jwks_min_refetch: float = 10.0,
                 http: Optional[requests.Session] = None):
        self.http = http or new_session()
        self.issuer = issuer
        r = self.http.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=10)
        raise_for(r)
        self.metadata = r.json()
        if self.metadata.get("issuer") != issuer:
            raise LiftOSError(f"the discovery document names issuer {self.metadata.get('issuer')!r}, not {issuer!r}")
        self.base_url = (base_url or issuer).rstrip("/")
        self.tokens = (ClientCredentials(self.metadata["token_endpoint"], client_id, client_secret, http=self.http)
                       if client_id and client_secret else None)
        self.jwks = JwksCache(self.metadata["jwks_uri"], self.http, min_refetch_seconds=jwks_min_refetch)
        self.revocations: Optional[RevocationFeed] = None
        if revocation_feed and self.tokens is not None:
            stream = self.metadata.get("revocation_stream_endpoint", self.base_url + "/v1/revocations/stream")
            self.revocations = RevocationFeed(stream, self.tokens).start()
            if wait_for_feed > 0:
                self.revocations.wait_ready(wait_for_feed)
        self.verifier = Verifier(issuer, self.jwks, audience=audience, algorithms=algorithms,
                                 revocations=self.revocations, max_feed_staleness=max_feed_staleness)
        self._risk = (RiskScorer(self.metadata["introspection_endpoint"], self.tokens, self.http)
                      if self.tokens is not None else None)
        self._vault = VaultClient(self.base_url, self.tokens, self.http) if self.tokens is not None else None
        self._audit = SecurityAuditLogger(self.base_url, self.tokens, self.http) if self.tokens is not None else None

    def __repr__(self) -> str:
        return f"LiftOS(issuer={self.issuer!r}, client={self.tokens!r})"

    def _need(self, part: Any, what: str):
        if part is None:
            raise LiftOSError(f"{what} needs client_id and client_secret (a service account)")
        return part

    @property
    def risk(self) -> RiskScorer:
        return self._need(self._risk, "require_low_risk")

    @property
    def vault(self) -> VaultClient:
        return self._need(self._vault, "the vault client")

    @property
    def audit(self) -> SecurityAuditLogger:
        return self._need(self._audit, "log_security_event")

    def verify(self, token: str) -> Principal:
        return self.verifier.verify(token)

    def get_credentials(self, provider: str, key_name: str = "default", org_id: Optional[str] = None):
        return self.vault.get_credentials(provider, key_name, org_id)

    def log_security_event(self, *args, **kwargs) -> str:
        return self.audit.log_security_event(*args, **kwargs)

    def close(self) -> None:
        if self.revocations is not None:
            self.revocations.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_default: Optional[LiftOS] = None
_default_lock = threading.Lock()


def configure(issuer: Optional[str] = None, client_id: Optional[str] = None, client_secret: Optional[str] = None,
              **options) -> LiftOS:
    """Creates the process's :class:`LiftOS` (used by the decorators and the module functions); arguments default
    to the variables ``LIFTOS_ISSUER``, ``LIFTOS_CLIENT_ID``, ``LIFTOS_CLIENT_SECRET``."""
    global _default
    liftos = LiftOS(issuer or os.environ["LIFTOS_ISSUER"], client_id or os.environ.get("LIFTOS_CLIENT_ID"),
                    client_secret or os.environ.get("LIFTOS_CLIENT_SECRET"), **options)
    with _default_lock:
        old, _default = _default, liftos
    if old is not None:
        old.close()
    return liftos


def default() -> LiftOS:
    """The configured :class:`LiftOS`; configured from the environment on first use."""
    global _default
    with _default_lock:
        if _default is not None:
            return _default
    return configure()


def log_security_event(*args, **kwargs) -> str:
    """The seed's ``log_security_event``, through the configured :class:`LiftOS`."""
    return default().log_security_event(*args, **kwargs)


def get_credentials(provider: str, key_name: str = "default", org_id: Optional[str] = None):
    return default().get_credentials(provider, key_name, org_id)
