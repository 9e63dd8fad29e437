"""Offline verification of genuine tokens, and every forged token of the attack list refused."""
from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from liftos_security import InvalidToken, JwksCache, Verifier


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _parts(token: str):
    h, p, s = token.split(".")
    pad = lambda x: x + "=" * (-len(x) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(h))), json.loads(base64.urlsafe_b64decode(pad(p))), s


def _refused(liftos, token: str) -> str:
    with pytest.raises(InvalidToken) as e:
        liftos.verify(token)
    return e.value.reason


@pytest.fixture(scope="module")
def genuine(liftos) -> str:
    return liftos.tokens.token()


@pytest.fixture(scope="module")
def public_pem(service, genuine) -> bytes:
    header, _, _ = _parts(genuine)
    jwk = next(k for k in requests.get(service.url + "/.well-known/jwks.json").json()["keys"] if k["kid"] == header["kid"])
    key = jwt.PyJWK(jwk).key
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def test_a_service_token_and_a_user_token_verify(liftos, service, genuine):
    p = liftos.verify(genuine)
    assert p.org_id == service.org_id and p.is_service_account
    assert p.has_permission("reveal:credentials") and not p.has_permission("manage:users")
    user = liftos.verify(service.user_token("viewer"))
    assert user.session_id and user.email and "viewer" in user.roles
    assert user.has_permission("read:audit_logs")  # viewer holds read:*


def test_alg_none_is_refused(liftos, genuine):
    header, payload, _ = _parts(genuine)
    header["alg"] = "none"
    forged = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode()) + "."
    assert _refused(liftos, forged) == "algorithm_not_allowed"
    assert _refused(liftos, forged.replace('"none"', '"None"')) in ("algorithm_not_allowed", "malformed")


def test_hs256_signed_with_the_public_key_is_refused(liftos, genuine, public_pem):
    header, payload, _ = _parts(genuine)
    signing = (_b64(json.dumps({**header, "alg": "HS256"}).encode()) + "." + _b64(json.dumps(payload).encode()))
    import hashlib
    import hmac
    forged = signing + "." + _b64(hmac.new(public_pem, signing.encode(), hashlib.sha256).digest())
    assert _refused(liftos, forged) == "algorithm_not_allowed"
    # even a verifier told to allow everything asymmetric never lets an HMAC through
    with pytest.raises(ValueError):
        Verifier(liftos.issuer, liftos.jwks, algorithms=["HS256", "RS256"])


def test_wrong_issuer_and_audience_are_refused(liftos, genuine):
    other = Verifier("https://elsewhere.example", liftos.jwks)
    with pytest.raises(InvalidToken) as e:
        other.verify(genuine)
    assert e.value.reason == "wrong_issuer"
    with pytest.raises(InvalidToken) as e:
        Verifier(liftos.issuer, liftos.jwks, audience="another-api").verify(genuine)
    assert e.value.reason == "wrong_audience"


def test_an_expired_token_is_refused(liftos, genuine):
    _, payload, _ = _parts(genuine)
    after_expiry = Verifier(liftos.issuer, liftos.jwks, clock=lambda: payload["exp"] + 31)
    with pytest.raises(InvalidToken) as e:
        after_expiry.verify(genuine)
    assert e.value.reason == "expired"
    before_issue = Verifier(liftos.issuer, liftos.jwks, clock=lambda: payload["iat"] - 120)
    with pytest.raises(InvalidToken) as e:
        before_issue.verify(genuine)
    assert e.value.reason == "not_yet_valid"


def test_an_unknown_kid_is_refused_and_refetches_at_most_once_per_interval(liftos, service, genuine):
    header, payload, sig = _parts(genuine)
    jwks = JwksCache(service.url + "/.well-known/jwks.json", requests.Session(), min_refetch_seconds=60)
    v = Verifier(liftos.issuer, jwks)
    assert v.verify(genuine)
    fetches = jwks.fetches
    for i in range(20):
        forged = _b64(json.dumps({**header, "kid": f"invented-{i}"}).encode()) + "." + genuine.split(".")[1] + "." + sig
        with pytest.raises(InvalidToken) as e:
            v.verify(forged)
        assert e.value.reason == "unknown_key"
    assert jwks.fetches - fetches <= 1


def test_a_tampered_payload_is_refused(liftos, genuine):
    header, payload, sig = _parts(genuine)
    for change in ({"permissions": ["*"]}, {"org_id": "00000000-0000-0000-0000-000000000000"},
                   {"exp": payload["exp"] + 86400}, {"roles": ["super_admin"]}):
        forged = genuine.split(".")[0] + "." + _b64(json.dumps({**payload, **change}).encode()) + "." + sig
        assert _refused(liftos, forged) == "bad_signature"
    flipped = genuine[:-4] + ("AAAA" if genuine[-4:] != "AAAA" else "BBBB")
    assert _refused(liftos, flipped) in ("bad_signature", "invalid_claims")


def test_another_key_is_refused(liftos, genuine):
    header, payload, _ = _parts(genuine)
    mine = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # the service's kid on a token signed by the attacker's key
    forged = jwt.encode(payload, mine, algorithm="RS256", headers={"kid": header["kid"], "typ": "at+jwt"})
    assert _refused(liftos, forged) == "bad_signature"
    # a key carried in the header is never used
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(mine.public_key()))
    forged = jwt.encode(payload, mine, algorithm="RS256", headers={"kid": header["kid"], "typ": "at+jwt", "jwk": jwk})
    assert _refused(liftos, forged) == "key_not_named"
    # an ES256 token naming the service's RSA key: the algorithm is not the key's
    ec_key = ec.generate_private_key(ec.SECP256R1())
    forged = jwt.encode(payload, ec_key, algorithm="ES256", headers={"kid": header["kid"], "typ": "at+jwt"})
    assert _refused(liftos, forged) == "algorithm_mismatch"


def test_a_token_of_another_type_or_malformed_is_refused(liftos, genuine):
    header, payload, sig = _parts(genuine)
    as_jwt = _b64(json.dumps({**header, "typ": "JWT"}).encode()) + "." + genuine.split(".")[1] + "." + sig
    assert _refused(liftos, as_jwt) == "not_an_access_token"
    for junk in ("", "abc", "a.b", "a.b.c", genuine + ".x", "x" * 20_000):
        with pytest.raises(InvalidToken):
            liftos.verify(junk)


def test_a_revoked_access_token_is_refused_within_a_second(liftos, service):
    user = service.user_token()
    assert liftos.verify(user)
    started = time.monotonic()
    r = requests.post(service.url + "/oauth2/revoke", data={"token": user})
    assert r.status_code == 200
    while True:
        try:
            liftos.verify(user)
        except InvalidToken as e:
            assert e.reason == "revoked"
            break
        assert time.monotonic() - started < 1.0, "still accepted a second after the revocation"
        time.sleep(0.005)
