"""The README's examples, run as written against the running service."""
from __future__ import annotations

import pathlib
import re
import secrets

import pytest
import requests
from fastapi.testclient import TestClient

import liftos_security

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def _examples() -> dict:
    examples = {}
    for section in README.read_text().split("\n## ")[1:]:
        title, _, body = section.partition("\n")
        code = re.findall(r"```python\n(.*?)```", body, re.S)
        if code:
            examples[title.strip()] = "".join(code)
    return examples


@pytest.fixture(scope="module")
def configured(service, kit_account, monkeypatch_module):
    monkeypatch_module.setenv("LIFTOS_ISSUER", service.url)
    monkeypatch_module.setenv("LIFTOS_CLIENT_ID", kit_account["client_id"])
    monkeypatch_module.setenv("LIFTOS_CLIENT_SECRET", kit_account["client_secret"])
    yield
    liftos_security.default().close()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_the_readme_has_the_three_examples():
    assert set(_examples()) == {"Flask", "FastAPI", "A sync job: credentials and audit"}


def test_flask_example(configured, service):
    ns: dict = {"__name__": __name__}
    exec(compile(_examples()["Flask"], "README.md#flask", "exec"), ns)
    client = ns["app"].test_client()
    viewer, admin = service.user_token("viewer"), service.user_token("admin")
    assert client.get("/api/protected").status_code == 401
    assert client.get("/api/protected", headers={"Authorization": "Bearer " + viewer}).json["message"].startswith("Hello")
    assert client.get("/api/admin", headers={"Authorization": "Bearer " + viewer}).status_code == 403
    assert client.get("/api/admin", headers={"Authorization": "Bearer " + admin}).status_code == 200
    assert client.get("/api/sensitive", headers={"Authorization": "Bearer " + admin}).status_code == 403
    service_token = liftos_security.default().tokens.token()
    assert client.get("/api/sensitive", headers={"Authorization": "Bearer " + service_token}).status_code == 200


def test_fastapi_example(configured, service):
    ns: dict = {"__name__": __name__}
    exec(compile(_examples()["FastAPI"], "README.md#fastapi", "exec"), ns)
    client = TestClient(ns["app"], client=("127.0.0.1", 50000))
    viewer = service.user_token("viewer")
    r = client.get("/api/connections", headers={"Authorization": "Bearer " + viewer})
    assert r.status_code == 200 and r.json() == {"org": service.org_id}
    assert client.get("/api/connections").status_code == 401
    # a first sign-in on a device scores 0.3 (new device): low enough from the login network, too high from afar
    assert client.get("/api/sensitive", headers={"Authorization": "Bearer " + viewer}).status_code == 200
    far = TestClient(ns["app"], client=("203.0.113.9", 50000))
    r = far.get("/api/sensitive", headers={"Authorization": "Bearer " + viewer})
    assert r.status_code == 403 and r.json()["error"]["code"] == "risk_too_high"


def test_sync_job_example(configured, service):
    token = "EAAB" + secrets.token_hex(12)
    r = requests.put(f"{service.url}/v1/orgs/{service.org_id}/credentials/meta", headers=service.admin(),
                     json={"access_token": token, "app_id": "42", "app_secret": secrets.token_hex(16)})
    assert r.status_code in (200, 201), r.text
    ns: dict = {"__name__": __name__}
    exec(compile(_examples()["A sync job: credentials and audit"], "README.md#job", "exec"), ns)
    assert ns["access_token"] == token and token not in repr(ns["meta"])
    r = requests.get(f"{service.url}/v1/orgs/{service.org_id}/audit", headers=service.admin(), params={"limit": 50})
    assert ns["event_id"] in r.text
