"""Service tokens: OAuth 2.0 client credentials, cached and refreshed before they expire."""
from __future__ import annotations

import base64
import json
import threading
import time
from typing import Callable, Optional
from urllib.parse import quote

import requests

from .http import new_session, raise_for


class ClientCredentials:
    """Obtains and caches a service account's access token from the token endpoint.

    :meth:`token` answers the cached token until ``refresh_before`` seconds (at most half its lifetime) before it
    expires, then obtains a new one; concurrent callers share one request. The secret never appears in
    ``repr()``, in an exception or in a log line.
    """

    def __init__(self, token_url: str, client_id: str, client_secret: str, *, scope: Optional[str] = None,
                 refresh_before: float = 60.0, http: Optional[requests.Session] = None,
                 clock: Callable[[], float] = time.time):
        self.token_url = token_url
        self.client_id = client_id
        self.__secret = client_secret
        self._scope = scope
        self._refresh_before = refresh_before
        self._http = http or new_session()
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._refresh_at = 0.0
        self.grants = 0

    def __repr__(self) -> str:
        return f"ClientCredentials(client_id={self.client_id!r}, token_url={self.token_url!r}, client_secret=***)"

    __str__ = __repr__

    def token(self) -> str:
        now = self._clock()
        tok = self._token
        if tok is not None and now < self._refresh_at:
            return tok
        with self._lock:
            if self._token is not None and self._clock() < self._refresh_at:
                return self._token
            self._obtain()
            return self._token  # type: ignore[return-value]

    def invalidate(self) -> None:
        """Forgets the cached token (after a 401: the service account's token was revoked)."""
        with self._lock:
            self._token = None
            self._refresh_at = 0.0

    @property
    def org_id(self) -> str:
        """The organization of the service account (the ``org_id`` claim of its token)."""
        payload = self.token().split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["org_id"]

    def client_auth_header(self) -> dict:
        """``Authorization: Basic`` for this client (token and introspection endpoints); RFC 6749 §2.3.1 form-encodes
        both parts first."""
        pair = quote(self.client_id, safe="") + ":" + quote(self.__secret, safe="")
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def _obtain(self) -> None:
        data = {"grant_type": "client_credentials"}
        if self._scope:
            data["scope"] = self._scope
        started = self._clock()
        r = self._http.post(self.token_url, data=data, headers=self.client_auth_header(), timeout=10)
        raise_for(r)
        body = r.json()
        lifetime = float(body.get("expires_in", 300))
        self._token = body["access_token"]
        self._expires_at = started + lifetime
        self._refresh_at = self._expires_at - min(self._refresh_before, lifetime / 2)
        self.grants += 1
