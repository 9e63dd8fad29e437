"""The vault client fetches a tenant's credential; log_security_event writes into the organization's hash chain,
which then verifies; a retry with the same idempotency key writes nothing twice; no secret in repr or logs."""
from __future__ import annotations

import logging
import secrets
import uuid

import pytest
import requests

import liftos_security
from liftos_security import SecurityEventType, ServiceError, security_event


@pytest.fixture(scope="module")
def meta_credential(service):
    values = {"access_token": "EAAB" + secrets.token_hex(16), "app_id": "1234567890",
              "app_secret": secrets.token_hex(16), "ad_account_id": "act_42"}
    key_name = "sync-" + uuid.uuid4().hex[:8]
    r = requests.put(f"{service.url}/v1/orgs/{service.org_id}/credentials/meta/{key_name}", json=values,
                     headers=service.admin())
    assert r.status_code == 201, r.text
    return key_name, values


def test_a_service_fetches_a_credential(liftos, meta_credential, caplog):
    key_name, values = meta_credential
    caplog.set_level(logging.DEBUG)
    cred = liftos.vault.get_meta_credentials(key_name=key_name)
    assert cred.provider == "meta" and cred.key_name == key_name and cred.version == 1
    assert cred["access_token"] == values["access_token"] and dict(cred.values) == values
    for text in (repr(cred), str(cred), repr(liftos.tokens), repr(liftos), caplog.text):
        assert values["access_token"] not in text and values["app_secret"] not in text
    assert liftos.tokens._ClientCredentials__secret not in repr(liftos.tokens)  # noqa: SLF001 - the canary itself


def test_an_unknown_credential_and_a_missing_permission_are_service_errors(liftos, service, meta_credential):
    with pytest.raises(ServiceError) as e:
        liftos.get_credentials("klaviyo", "nothing-here")
    assert e.value.status == 404
    plain = service.service_account("write:audit_events")
    other = liftos_security.LiftOS(service.url, plain["client_id"], plain["client_secret"], revocation_feed=False)
    with pytest.raises(ServiceError) as e:
        other.get_credentials("meta", meta_credential[0])
    assert e.value.status == 403
    assert plain["client_secret"] not in str(e.value)


def _verify_chain(service) -> dict:
    r = requests.post(f"{service.url}/v1/orgs/{service.org_id}/audit/verify", headers=service.admin())
    assert r.status_code == 200, r.text
    return r.json()


def test_events_are_written_into_the_chain_which_verifies(liftos, service):
    before = _verify_chain(service)["records_checked"]
    event_id = liftos.log_security_event(SecurityEventType.LOGIN_SUCCESS, user_id=str(uuid.uuid4()),
                                         ip_address="192.168.1.100", user_agent="Mozilla/5.0",
                                         details={"login_method": "password"})
    uuid.UUID(event_id)
    batch = [security_event(SecurityEventType.API_KEY_ACCESSED, resource="meta/default", details={"n": i})
             for i in range(50)]
    result = liftos.audit.log_security_events(batch)
    assert result.accepted == 50 and len(set(result.event_ids)) == 50 and not result.replayed
    after = _verify_chain(service)
    assert after["status"] == "intact"
    assert after["records_checked"] >= before + 51
    r = requests.get(f"{service.url}/v1/orgs/{service.org_id}/audit", headers=service.admin(),
                     params={"limit": 100})
    assert r.status_code == 200, r.text
    assert event_id in r.text


def test_a_retry_with_the_same_idempotency_key_writes_once(liftos, service):
    key = str(uuid.uuid4())
    events = [security_event("suspicious_activity", risk_level="high", details={"why": "test"})]
    first = liftos.audit.log_security_events(events, idempotency_key=key)
    count = _verify_chain(service)["records_checked"]
    again = liftos.audit.log_security_events(events, idempotency_key=key)
    assert again.replayed and again.event_ids == first.event_ids
    assert _verify_chain(service)["records_checked"] == count


def test_invalid_events_are_refused_by_the_client_or_the_service(liftos):
    with pytest.raises(ValueError):
        security_event("not_an_event_type")
    with pytest.raises(ValueError):
        liftos.audit.log_security_events([])
    with pytest.raises(ServiceError) as e:
        liftos.audit.log_security_events([{"event_type": "login_success", "risk_level": "apocalyptic"}])
    assert e.value.status == 400
