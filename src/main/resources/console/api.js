// The one way the console talks to the service: its public JSON API. Tokens live in this module's memory only
// (never in web storage); in cookie mode (LIFTOS_REFRESH_COOKIE=true) the refresh token is an HttpOnly
// SameSite=Strict cookie the page cannot read, so a reload signs in again silently.
const session = { access: null, refresh: null, me: null };
let refreshing = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, code, message, requestId, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details || [];
  }
  /** The server's message, its details and request id, for the page. */
  describe() {
    const extra = this.details.length ? ' (' + this.details.join('; ') + ')' : '';
    return this.message + extra + (this.requestId ? ' [request ' + this.requestId + ']' : '');
  }
}

export function whenSignedOut(fn) { onSignedOut = fn; }
export function me() { return session.me; }
export function signedIn() { return session.access !== null; }

/** Whether the signed-in caller holds {@code permission} (wildcards as the service grants them). */
export function can(permission) {
  const held = (session.me && session.me.permissions) || [];
  const [action, resource] = permission.split(':');
  return held.some(p => p === '*' || p === '*:*' || p === permission || p === action + ':*' || p === '*:' + resource);
}

let activeOrg = null;
/** A platform super admin may look at another organization; everyone else has only their own. */
export function useOrg(id) { activeOrg = id && /^[0-9a-f-]{36}$/.test(id) ? id : null; }
export function viewedOrg() { return activeOrg; }
export function org(path) { return '/v1/orgs/' + (activeOrg || session.me.org_id) + path; }

/** Takes a token response (login, MFA step, refresh). */
export async function adopt(tokens) {
  session.access = tokens.access_token;
  session.refresh = tokens.refresh_token || null; // present only when cookie mode is off; then kept in memory only
  session.me = await api('GET', '/v1/me');
}

export function forget() {
  session.access = null;
  session.refresh = null;
  session.me = null;
}

/** Trades the refresh token (cookie, or memory) for new tokens; false when that fails. */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      try {
        const res = await fetch('/v1/auth/refresh', {
          method: 'POST', credentials: 'same-origin', cache: 'no-store',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(session.refresh ? { refresh_token: session.refresh } : {}),
        });
        if (!res.ok) return false;
        const tokens = await res.json();
        session.access = tokens.access_token;
        session.refresh = tokens.refresh_token || null;
        if (!session.me) session.me = await api('GET', '/v1/me');
        return true;
      } catch (e) {
        return false;
      } finally {
        refreshing = null;
      }
    })();
  }
  return refreshing;
}

async function errorOf(res) {
  let body = null;
  try { body = await res.json(); } catch (e) { /* not JSON */ }
  const e = body && body.error && typeof body.error === 'object' ? body.error : {};
  const message = e.message || (body && body.error_description) || ('HTTP ' + res.status);
  return new ApiError(res.status, e.code || (typeof (body && body.error) === 'string' ? body.error : 'http_' + res.status),
      message, e.request_id || res.headers.get('X-Request-ID'), Array.isArray(e.details) ? e.details : []);
}

/**
 * Calls the API. On 401 it refreshes once and retries; when the refresh fails too, the session is over: the page goes
 * back to sign-in (the URL's hash, with the page's filters, is kept) and the call fails.
 */
export async function api(method, path, body, options = {}) {
  const headers = { 'Accept': options.accept || 'application/json' };
  if (session.access) headers['Authorization'] = 'Bearer ' + session.access;
  if (body !== undefined && body !== null) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body !== undefined && body !== null ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401 && session.access && options.retry !== false) {
    if (await refresh()) return api(method, path, body, { ...options, retry: false });
    forget();
    onSignedOut('Your session has ended; sign in again.');
    throw await errorOf(res);
  }
  if (!res.ok) throw await errorOf(res);
  if (options.raw) return res;
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : res.text();
}

/** A public call (sign-in, links): no token, no refresh. */
export async function call(method, path, body) {
  const res = await fetch(path, {
    method, credentials: 'same-origin', cache: 'no-store',
    headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
    body: JSON.stringify(body || {}),
  });
  if (!res.ok) throw await errorOf(res);
  return res.status === 204 ? null : res.json();
}

export async function signOut() {
  try { if (session.access) await api('POST', '/v1/auth/logout', null, { retry: false }); } catch (e) { /* already over */ }
  forget();
}

/** Query string of the non-empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Step-up: a new sign-in's tokens replace the current session's, which is then ended. */
export async function replaceSession(tokens) {
  const old = session.access;
  await adopt(tokens);
  if (old) {
    fetch('/v1/auth/logout', { method: 'POST', headers: { 'Authorization': 'Bearer ' + old }, credentials: 'omit' }).catch(() => {});
  }
}

/** Whether the session's sign-in used a second factor within {@code seconds}. */
export function recentMfa(seconds) {
  const m = session.me;
  if (!m) return false;
  const mfa = (m.amr || []).some(a => ['otp', 'sms', 'mfa', 'hwk', 'swk'].includes(a));
  return mfa && Date.now() / 1000 - m.auth_time < seconds;
}
