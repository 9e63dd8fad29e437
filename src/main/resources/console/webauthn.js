// Passkeys in the browser: the API's WebAuthn options (JSON, base64url) to what navigator.credentials takes, and the
// credential back to PublicKeyCredential.toJSON()'s shape (base64url), which the API verifies. No key material here:
// the authenticator keeps the private key; the console only passes the ceremony's bytes through.

/** base64url (no padding) of the bytes of an ArrayBuffer or view. */
export function toBase64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of a base64url string (padding optional), as an ArrayBuffer. */
export function fromBase64url(text) {
  const b64 = String(text).replace(/-/g, '+').replace(/_/g, '/');
  const s = atob(b64 + '==='.slice((b64.length + 3) % 4));
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes.buffer;
}

/** Whether this browser can do WebAuthn at all (a secure context with PublicKeyCredential). */
export function supported() {
  return window.isSecureContext && typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;
}

const descriptors = list => (list || []).map(c => ({ ...c, id: fromBase64url(c.id) }));

/** A PublicKeyCredential in the JSON shape the API reads (its toJSON()), with the response's own members. */
function asJson(c, response) {
  return {
    id: c.id, rawId: toBase64url(c.rawId), type: c.type,
    authenticatorAttachment: c.authenticatorAttachment || undefined,
    clientExtensionResults: c.getClientExtensionResults(),
    response: { clientDataJSON: toBase64url(c.response.clientDataJSON), ...response },
  };
}

/** navigator.credentials.create with the API's PublicKeyCredentialCreationOptionsJSON; the new credential as JSON. */
export async function create(options) {
  const publicKey = { ...options, challenge: fromBase64url(options.challenge),
    user: { ...options.user, id: fromBase64url(options.user.id) }, excludeCredentials: descriptors(options.excludeCredentials) };
  const c = await navigator.credentials.create({ publicKey });
  const r = c.response;
  return asJson(c, {
    attestationObject: toBase64url(r.attestationObject),
    transports: typeof r.getTransports === 'function' ? r.getTransports() : [],
  });
}

/** navigator.credentials.get with the API's PublicKeyCredentialRequestOptionsJSON; the assertion as JSON. */
export async function get(options) {
  const publicKey = { ...options, challenge: fromBase64url(options.challenge), allowCredentials: descriptors(options.allowCredentials) };
  const c = await navigator.credentials.get({ publicKey });
  const r = c.response;
  return asJson(c, {
    authenticatorData: toBase64url(r.authenticatorData),
    signature: toBase64url(r.signature),
    userHandle: r.userHandle ? toBase64url(r.userHandle) : undefined,
  });
}

/** A browser's refusal (cancelled, timed out, no matching passkey) in words; an API error passes through. */
export function describe(e) {
  if (e && e.name === 'NotAllowedError') return new Error('The passkey request was cancelled or timed out, or no passkey of this site was chosen.');
  if (e && e.name === 'InvalidStateError') return new Error('This authenticator already holds a passkey for your account.');
  if (e && e.name === 'SecurityError') return new Error('Passkeys need the console at its configured address (the relying party): ' + e.message);
  return e;
}
