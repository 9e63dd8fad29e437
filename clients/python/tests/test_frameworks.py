"""The seed's decorators on Flask and FastAPI routes, with real tokens of the running service."""
from __future__ import annotations

import flask
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient

from liftos_security import Principal
from liftos_security import fastapi as lf
from liftos_security import flask as lfl


def _bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


@pytest.fixture(scope="module")
def tokens(service, liftos):
    return {"viewer": service.user_token("viewer"), "admin": service.user_token("admin"),
            "service": liftos.tokens.token()}


@pytest.fixture(scope="module")
def flask_client(liftos):
    app = flask.Flask(__name__)
    lfl.init_app(app, liftos)

    @app.route("/api/protected")
    @lfl.require_auth
    def protected():
        return {"message": f"Hello {flask.g.security_context.user_id}"}

    @app.route("/api/admin")
    @lfl.require_auth
    @lfl.require_roles("admin")
    def admin():
        return {"message": "Admin access granted"}

    @app.route("/api/sensitive")
    @lfl.require_auth
    @lfl.require_permissions("reveal:credentials")
    @lfl.require_low_risk(max_risk=0.3)
    def sensitive():
        return {"risk": flask.g.security_context.risk_score}

    @app.route("/api/audit")
    @lfl.require_permissions(["read:audit_logs"])
    def audit():
        return {"ok": True}

    return app.test_client()


def test_flask_require_auth(flask_client, tokens):
    assert flask_client.get("/api/protected").status_code == 401
    r = flask_client.get("/api/protected", headers=_bearer("garbage"))
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized" and "WWW-Authenticate" in r.headers
    r = flask_client.get("/api/protected", headers=_bearer(tokens["viewer"]))
    assert r.status_code == 200 and r.json["message"].startswith("Hello ")


def test_flask_roles_permissions_and_risk(flask_client, tokens):
    assert flask_client.get("/api/admin", headers=_bearer(tokens["viewer"])).status_code == 403
    assert flask_client.get("/api/admin", headers=_bearer(tokens["admin"])).status_code == 200
    assert flask_client.get("/api/audit", headers=_bearer(tokens["viewer"])).status_code == 200
    assert flask_client.get("/api/audit", headers=_bearer(tokens["service"])).status_code == 403
    assert flask_client.get("/api/sensitive", headers=_bearer(tokens["viewer"])).status_code == 403
    local = flask_client.get("/api/sensitive", headers=_bearer(tokens["service"]))
    assert local.status_code == 200 and local.json["risk"] == 0.0
    # from a public address on another network: +0.1 untrusted; a user session also +0.3 for the other network
    far = flask_client.get("/api/sensitive", headers=_bearer(tokens["service"]),
                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert far.status_code == 200 and far.json["risk"] == pytest.approx(0.1)


def test_flask_risk_too_high_for_a_session_from_another_network(liftos, tokens):
    app = flask.Flask(__name__)
    lfl.init_app(app, liftos)

    @app.route("/low")
    @lfl.require_auth
    @lfl.require_low_risk(max_risk=0.3)
    def low():
        return {"risk": flask.g.security_context.risk_score}

    c = app.test_client()
    assert c.get("/low", headers=_bearer(tokens["viewer"])).status_code == 200
    r = c.get("/low", headers=_bearer(tokens["viewer"]), environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert r.status_code == 403 and r.json["error"]["code"] == "risk_too_high"


@pytest.fixture(scope="module")
def fastapi_client(liftos):
    app = FastAPI()
    app.state.liftos = liftos

    @app.get("/api/protected")
    @lf.require_auth
    async def protected(request: Request):
        return {"message": f"Hello {request.state.security_context.user_id}"}

    @app.get("/api/admin")
    @lf.require_auth
    @lf.require_roles("admin")
    def admin():  # no Request parameter, and sync
        return {"message": "Admin access granted"}

    @app.get("/api/items/{item_id}")
    @lf.require_auth
    @lf.require_permissions("reveal:credentials")
    @lf.require_low_risk(max_risk=0.3)
    async def sensitive(item_id: int, q: str = "x"):
        return {"item": item_id, "q": q}

    @app.get("/api/me")
    def me(ctx: Principal = Depends(lf.security_context)):
        return {"org": ctx.org_id}

    return TestClient(app)


def test_fastapi_decorators(fastapi_client, tokens):
    c = fastapi_client
    assert c.get("/api/protected").status_code == 401
    r = c.get("/api/protected", headers=_bearer(tokens["viewer"]))
    assert r.status_code == 200 and r.json()["message"].startswith("Hello ")
    assert c.get("/api/admin", headers=_bearer(tokens["viewer"])).status_code == 403
    assert c.get("/api/admin", headers=_bearer(tokens["admin"])).json() == {"message": "Admin access granted"}
    r = c.get("/api/items/7?q=y", headers=_bearer(tokens["service"]))
    assert r.status_code == 200 and r.json() == {"item": 7, "q": "y"}
    r = c.get("/api/items/7", headers=_bearer(tokens["viewer"]))
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert c.get("/api/items/not-a-number", headers=_bearer(tokens["service"])).status_code == 422
    assert c.get("/api/me", headers=_bearer(tokens["viewer"])).json()["org"]
    r = c.get("/api/me")
    assert r.status_code == 401
    # the hidden parameter is not part of the API
    assert "liftos_request__" not in str(c.get("/openapi.json").json())
