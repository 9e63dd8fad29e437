"""The credential vault: a service fetches a tenant's provider credential (audited by the service as
API_KEY_ACCESSED)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional
from urllib.parse import quote

import requests

from .http import raise_for


@dataclass(frozen=True)
class Credential:
    """A revealed credential. ``values`` holds the secrets and is left out of ``repr()``."""

    provider: str
    key_name: str
    version: int
    values: Mapping[str, str] = field(repr=False)

    def __getitem__(self, name: str) -> str:
        return self.values[name]


class VaultClient:
    """``get_credentials(provider, key_name="default", org_id=None)``; the service account needs
    ``reveal:credentials``. ``org_id`` defaults to the service account's own organization."""

    def __init__(self, base_url: str, tokens, http: requests.Session):
        self._base = base_url.rstrip("/")
        self._tokens = tokens
        self._http = http

    def get_credentials(self, provider: str, key_name: str = "default", org_id: Optional[str] = None) -> Credential:
        org = org_id or self._tokens.org_id
        url = "%s/v1/orgs/%s/credentials/%s/%s/secret" % (self._base, quote(org, safe=""), quote(provider, safe=""),
                                                          quote(key_name, safe=""))
        r = self._http.get(url, headers={"Authorization": "Bearer " + self._tokens.token()}, timeout=10)
        if r.status_code == 401:  # the cached token was revoked: one retry with a new one
            self._tokens.invalidate()
            r = self._http.get(url, headers={"Authorization": "Bearer " + self._tokens.token()}, timeout=10)
        raise_for(r)
        body = r.json()
        return Credential(body["provider"], body["key_name"], int(body["version"]), dict(body["credentials"]))

    # The seed's per-provider helpers
    def get_meta_credentials(self, org_id: Optional[str] = None, key_name: str = "default") -> Credential:
        return self.get_credentials("meta", key_name, org_id)

    def get_klaviyo_credentials(self, org_id: Optional[str] = None, key_name: str = "default") -> Credential:
        return self.get_credentials("klaviyo", key_name, org_id)
