"""The revocation feed: a logout reaches the local verifier within a second; resume from the last position; a
disabled service account's tokens refused; the verifier fails closed without the feed."""
from __future__ import annotations

import base64
import json
import time

import pytest
import requests

import liftos_security
from liftos_security import InvalidToken, RevocationFeed


def _refused_within(liftos, token: str, seconds: float) -> float:
    started = time.monotonic()
    while True:
        try:
            liftos.verify(token)
        except InvalidToken as e:
            assert e.reason == "revoked"
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, f"still accepted {seconds} s after the revocation"
        time.sleep(0.005)


def test_a_logout_is_refused_within_a_second(liftos, service):
    user = service.user_token()
    assert liftos.verify(user).session_id
    started = time.monotonic()
    service.logout(user)
    _refused_within(liftos, user, 1.0 - (time.monotonic() - started))


def test_a_disabled_service_accounts_token_is_refused_within_a_second(liftos, service):
    doomed = service.service_account("write:audit_events")
    tokens = liftos_security.ClientCredentials(liftos.metadata["token_endpoint"], doomed["client_id"],
                                               doomed["client_secret"])
    token = tokens.token()
    assert liftos.verify(token).user_id == doomed["id"]
    r = requests.delete(f"{service.url}/v1/orgs/{service.org_id}/service-accounts/{doomed['id']}", headers=service.admin())
    assert r.status_code in (200, 204), r.text
    _refused_within(liftos, token, 1.0)


def test_a_subscriber_resumes_from_its_position(service, kit_account):
    tokens = liftos_security.ClientCredentials(service.url + "/oauth2/token", kit_account["client_id"],
                                               kit_account["client_secret"])
    first = service.user_token()
    feed = RevocationFeed(service.url + "/v1/revocations/stream", tokens).start()
    try:
        assert feed.wait_ready(10)
        service.logout(first)
        deadline = time.monotonic() + 2
        while feed.events == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        position = feed.position
        assert position and feed.snapshots == 1
    finally:
        feed.close()
    away = service.user_token()
    sid = json.loads(base64.urlsafe_b64decode(away.split(".")[1] + "=="))["sid"]
    service.logout(away)  # while no subscriber is connected
    resumed = RevocationFeed(service.url + "/v1/revocations/stream", tokens, resume_from=position).start()
    try:
        deadline = time.monotonic() + 3
        while not resumed.is_revoked("-", sid, "-") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert resumed.is_revoked("-", sid, "-"), "the logout made while away was replayed"
        assert resumed.snapshots == 0, "resumed without a snapshot"
    finally:
        resumed.close()


def test_without_the_feed_the_verifier_fails_closed(service, kit_account):
    client = liftos_security.LiftOS(service.url, kit_account["client_id"], kit_account["client_secret"],
                                    max_feed_staleness=0.5)
    try:
        token = client.tokens.token()
        assert client.verify(token)
        client.revocations.close()  # the feed is lost
        time.sleep(0.7)
        with pytest.raises(InvalidToken) as e:
            client.verify(token)
        assert e.value.reason == "revocation_feed_unavailable"
    finally:
        client.close()


def test_an_account_without_the_permission_gets_no_feed(service):
    plain = service.service_account("write:audit_events")
    tokens = liftos_security.ClientCredentials(service.url + "/oauth2/token", plain["client_id"], plain["client_secret"])
    r = requests.get(service.url + "/v1/revocations/stream", headers={"Authorization": "Bearer " + tokens.token()},
                     stream=True, timeout=5)
    assert r.status_code == 403
    r.close()
