// The npm `jose` library, configured only from the discovery document, verifies the service's access tokens (user
// and service account) and refuses edited ones. Needs LIFTOS_TEST_URL and the bootstrap admin (see ../python).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';

const url = process.env.LIFTOS_TEST_URL;
if (!url) throw new Error('LIFTOS_TEST_URL is not set: these tests need a running LiftOS Security');

async function json(path, init = {}) {
  const r = await fetch(url + path, init);
  const body = await r.json();
  assert.ok(r.ok, `${path}: ${r.status} ${JSON.stringify(body)}`);
  return body;
}

const login = await json('/v1/auth/login', {
  method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ email: process.env.LIFTOS_TEST_ADMIN_EMAIL, password: process.env.LIFTOS_TEST_ADMIN_PASSWORD }),
});
const userToken = login.access_token;
const me = await json('/v1/me', { headers: { Authorization: `Bearer ${userToken}` } });
const account = await json(`/v1/orgs/${me.org_id}/service-accounts`, {
  method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${userToken}` },
  body: JSON.stringify({ name: `jose-${Date.now()}`, permissions: ['write:audit_events'] }),
});
const metadata = await json('/.well-known/openid-configuration');
const granted = await json(new URL(metadata.token_endpoint).pathname, {
  method: 'POST',
  headers: {
    'Content-Type': 'application/x-www-form-urlencoded',
    Authorization: 'Basic ' + Buffer.from(`${encodeURIComponent(account.client_id)}:${encodeURIComponent(account.client_secret)}`).toString('base64'),
  },
  body: 'grant_type=client_credentials',
});
const serviceToken = granted.access_token;

const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
const options = {
  issuer: metadata.issuer,
  audience: 'liftos-api',
  typ: 'at+jwt',
  algorithms: metadata.access_token_signing_alg_values_supported,
};

test('the discovery document names this issuer and only asymmetric algorithms', () => {
  assert.equal(metadata.issuer, url);
  assert.ok(options.algorithms.length > 0);
  for (const alg of options.algorithms) assert.match(alg, /^(RS|ES|PS)\d{3}$|^EdDSA$/);
});

test('jose verifies a user token and a service token', async () => {
  const user = await jwtVerify(userToken, jwks, options);
  assert.equal(user.payload.org_id, me.org_id);
  assert.ok(user.payload.sid);
  const service = await jwtVerify(serviceToken, jwks, options);
  assert.equal(service.payload.sub, account.id);
  assert.equal(service.payload.client_id, account.client_id);
  assert.ok(options.algorithms.includes(decodeProtectedHeader(serviceToken).alg));
});

test('jose refuses an edited payload, a flipped signature, alg none and another issuer', async () => {
  const [h, p, s] = serviceToken.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  const edited = `${h}.${Buffer.from(JSON.stringify({ ...claims, permissions: ['*'] })).toString('base64url')}.${s}`;
  await assert.rejects(jwtVerify(edited, jwks, options));
  const flipped = `${h}.${p}.${s.slice(0, -4)}${s.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  await assert.rejects(jwtVerify(flipped, jwks, options));
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
  await assert.rejects(jwtVerify(none, jwks, options));
  await assert.rejects(jwtVerify(serviceToken, jwks, { ...options, issuer: 'https://elsewhere.example' }));
});
