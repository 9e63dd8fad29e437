"""The tests run against the real service: ``LIFTOS_TEST_URL`` (its public URL, also the tokens' issuer) and its
bootstrap super admin ``LIFTOS_TEST_ADMIN_EMAIL`` / ``LIFTOS_TEST_ADMIN_PASSWORD``. ``./mvnw verify`` starts the
packaged jar and sets them (``ClientLibrariesIT``); by hand, start a service and export them."""
from __future__ import annotations

import os
import uuid

import pytest
import requests

import liftos_security


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.exit(f"{name} is not set: these tests need a running LiftOS Security (see tests/conftest.py)", 2)
    return value


class Service:
    def __init__(self, url: str, admin_email: str, admin_password: str):
        self.url = url.rstrip("/")
        self.http = requests.Session()
        r = self.http.post(self.url + "/v1/auth/login", json={"email": admin_email, "password": admin_password})
        assert r.status_code == 200, r.text
        self.admin_token = r.json()["access_token"]
        me = self.http.get(self.url + "/v1/me", headers=self.admin()).json()
        self.org_id = me["org_id"]

    def admin(self) -> dict:
        return {"Authorization": "Bearer " + self.admin_token}

    def service_account(self, *permissions: str) -> dict:
        r = self.http.post(f"{self.url}/v1/orgs/{self.org_id}/service-accounts", headers=self.admin(),
                           json={"name": "py-" + uuid.uuid4().hex[:12], "permissions": list(permissions)})
        assert r.status_code == 201, r.text
        return r.json()

    def user_token(self, role: str = "viewer") -> str:
        email = f"py-{uuid.uuid4().hex[:12]}@example.test"
        password = "Py-Client-Passw0rd!" + uuid.uuid4().hex[:6]
        r = self.http.post(f"{self.url}/v1/orgs/{self.org_id}/users", headers=self.admin(),
                           json={"email": email, "password": password, "roles": [role]})
        assert r.status_code == 201, r.text
        r = self.http.post(self.url + "/v1/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def logout(self, token: str) -> None:
        r = self.http.post(self.url + "/v1/auth/logout", headers={"Authorization": "Bearer " + token})
        assert r.status_code in (200, 204), r.text


KIT_PERMISSIONS = ("subscribe:revocations", "reveal:credentials", "write:audit_events")


@pytest.fixture(scope="session")
def service() -> Service:
    return Service(_env("LIFTOS_TEST_URL"), _env("LIFTOS_TEST_ADMIN_EMAIL"), _env("LIFTOS_TEST_ADMIN_PASSWORD"))


@pytest.fixture(scope="session")
def kit_account(service) -> dict:
    """This test service's own account: feed, vault, audit ingestion."""
    return service.service_account(*KIT_PERMISSIONS)


@pytest.fixture(scope="session")
def liftos(service, kit_account):
    with liftos_security.LiftOS(service.url, kit_account["client_id"], kit_account["client_secret"]) as client:
        assert client.revocations.wait_ready(10), "the revocation feed sent its snapshot"
        yield client
