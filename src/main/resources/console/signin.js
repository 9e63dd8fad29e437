// Sign-in: password, then a second factor (TOTP, email or SMS code, recovery code, passkey), or the forced password
// change; or a passkey alone (passwordless, discoverable credentials).
import { adopt, call, api } from './api.js';
import { h, replace, field } from './dom.js';
import { errorBox, toast } from './app.js';
import * as webauthn from './webauthn.js';

export const METHOD_NAMES = { totp: 'Authenticator app (TOTP)', email: 'Code by email', sms: 'Code by SMS', recovery: 'Recovery code' };

export function signIn(message, done) {
  const box = h('section', { class: 'signin' });
  passwordStep(box, message, done);
  return box;
}

function passwordStep(box, message, done) {
  const [emailField, email] = field('Email', { type: 'email', name: 'email', autocomplete: 'username', required: true, id: 'email' });
  const [passwordField, password] = field('Password', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, id: 'password' });
  const out = h('div', { class: 'out' });
  const form = h('form', { onsubmit: async ev => {
    ev.preventDefault();
    replace(out);
    try {
      const r = await call('POST', '/v1/auth/login', { email: email.value, password: password.value });
      await afterLogin(box, r, { email: email.value, password: password.value }, done);
    } catch (e) {
      replace(out, errorBox(e));
    }
  } }, emailField, passwordField, h('button', { type: 'submit', id: 'signin' }, 'Sign in'), out);
  const passkeyOut = h('div', { class: 'out' });
  const passkey = webauthn.supported() ? h('div', { class: 'alt' },
    h('p', { class: 'muted' }, 'or'),
    h('button', { type: 'button', class: 'secondary wide', id: 'signin-passkey', onclick: async () => {
      replace(passkeyOut);
      try {
        const options = await call('POST', '/v1/auth/passkey/options');
        const credential = await webauthn.get(options.public_key);
        const r = await call('POST', '/v1/auth/passkey/verify', { credential });
        await afterLogin(box, r, null, done);
      } catch (e) { replace(passkeyOut, errorBox(webauthn.describe(e))); }
    } }, 'Sign in with a passkey'), passkeyOut) : null;
  replace(box, h('h1', {}, 'Sign in'), message ? h('p', { class: 'notice', role: 'status' }, message) : null, form, passkey,
    h('details', {}, h('summary', {}, 'Forgot your password?'), forgotForm()));
  email.focus();
}

function forgotForm() {
  const [f, email] = field('Your email', { type: 'email', autocomplete: 'username', required: true });
  const out = h('div', { class: 'out' });
  return h('form', { onsubmit: async ev => {
    ev.preventDefault();
    try {
      const r = await call('POST', '/v1/auth/password/forgot', { email: email.value });
      replace(out, h('p', { role: 'status' }, r.message));
    } catch (e) { replace(out, errorBox(e)); }
  } }, f, h('button', { type: 'submit', class: 'secondary' }, 'Mail me a reset link'), out);
}

/** What a login answered: tokens, a second factor to give, or a password to change. */
export async function afterLogin(box, r, creds, done) {
  if (r.status === 'mfa_required') return mfaStep(box, r, creds, done);
  if (r.status === 'password_change_required') return passwordChangeStep(box, r, creds, done);
  await adopt(r);
  if (r.status === 'mfa_enrollment_required') return enrolStep(box, done);
  done();
}

/** The login's second step by passkey: options for this login's user, the assertion to /v1/auth/mfa/verify. */
export async function passkeyFactor(mfaToken) {
  const options = await call('POST', '/v1/auth/mfa/passkey/options', { mfa_token: mfaToken });
  const credential = await webauthn.get(options.public_key);
  return call('POST', '/v1/auth/mfa/verify', { mfa_token: mfaToken, method: 'passkey', credential });
}

/** A "Use a passkey" button when the login offers one; {@code then} gets the tokens. */
export function passkeyButton(challenge, id, out, then) {
  if (!(challenge.methods || []).includes('passkey') || !webauthn.supported()) return null;
  return h('button', { type: 'button', class: 'secondary', id, onclick: async () => {
    replace(out);
    try {
      await then(await passkeyFactor(challenge.mfa_token));
    } catch (e) { replace(out, errorBox(webauthn.describe(e))); }
  } }, 'Use a passkey');
}

function mfaStep(box, challenge, creds, done) {
  const out = h('div', { class: 'out' });
  const usePasskey = passkeyButton(challenge, 'mfa-passkey', out, r => afterLogin(box, r, creds, done));
  const methods = challenge.methods.filter(m => METHOD_NAMES[m]);
  const [methodField, method] = field('Second factor', { tag: 'select', id: 'mfa-method', options: methods.map(m => [m, METHOD_NAMES[m]]) });
  const [codeField, code] = field('Code', { id: 'mfa-code', inputmode: 'text', autocomplete: 'one-time-code', required: true });
  const send = h('button', { type: 'button', class: 'secondary', id: 'mfa-send', onclick: async () => {
    replace(out);
    try {
      const s = await call('POST', '/v1/auth/mfa/send', { mfa_token: challenge.mfa_token, method: method.value });
      replace(out, h('p', { role: 'status' }, 'A code was sent to ' + s.sent_to + '.'));
    } catch (e) { replace(out, errorBox(e)); }
  } }, 'Send me a code');
  const syncSend = () => { send.hidden = !(method.value === 'email' || method.value === 'sms'); };
  method.addEventListener('change', syncSend);
  syncSend();
  replace(box, h('h1', {}, 'Second factor'),
    usePasskey ? h('div', { class: 'alt' }, usePasskey, h('p', { class: 'muted' }, 'or')) : null,
    h('p', {}, 'Enter a code from one of your second factors.'),
    h('form', { onsubmit: async ev => {
      ev.preventDefault();
      replace(out);
      try {
        const r = await call('POST', '/v1/auth/mfa/verify', { mfa_token: challenge.mfa_token, method: method.value, code: code.value.trim() });
        await afterLogin(box, r, creds, done);
      } catch (e) { replace(out, errorBox(e)); }
    } }, methodField, send, codeField, h('button', { type: 'submit', id: 'mfa-verify' }, 'Verify')), out);
  (usePasskey || code).focus();
}

function passwordChangeStep(box, challenge, creds, done) {
  const [newField, next] = field('New password', { type: 'password', id: 'new-password', autocomplete: 'new-password', required: true });
  const [againField, again] = field('New password again', { type: 'password', id: 'new-password-again', autocomplete: 'new-password', required: true });
  const out = h('div', { class: 'out' });
  replace(box, h('h1', {}, 'Change your password'),
    h('p', {}, 'Your organization requires a new password before you continue.'),
    h('form', { onsubmit: async ev => {
      ev.preventDefault();
      if (next.value !== again.value) { replace(out, h('p', { class: 'error', role: 'alert' }, 'The two passwords differ.')); return; }
      try {
        await call('POST', '/v1/auth/password', { current_password: creds.password, new_password: next.value,
          password_change_token: challenge.password_change_token });
        const r = await call('POST', '/v1/auth/login', { email: creds.email, password: next.value });
        await afterLogin(box, r, { email: creds.email, password: next.value }, done);
      } catch (e) { replace(out, errorBox(e)); }
    } }, newField, againField, h('button', { type: 'submit' }, 'Change password'), out));
}

async function enrolStep(box, done) {
  const out = h('div', { class: 'out' });
  replace(box, h('h1', {}, 'Set up a second factor'),
    h('p', {}, 'Your organization requires multi-factor sign-in. Scan this code with an authenticator app, then enter a code.'), out);
  try {
    const e = await api('POST', '/v1/mfa/totp/enroll');
    const [codeField, code] = field('Code from the app', { autocomplete: 'one-time-code', required: true });
    const result = h('div', { class: 'out' });
    box.appendChild(h('div', {},
      h('img', { src: e.qr_code_data_url, alt: 'QR code of the authenticator secret', width: 200, height: 200 }),
      h('form', { onsubmit: async ev => {
        ev.preventDefault();
        try {
          const c = await api('POST', '/v1/mfa/totp/confirm', { code: code.value.trim() });
          replace(box, h('h1', {}, 'Second factor ready'),
            h('p', {}, 'Keep these recovery codes somewhere safe; they are shown once.'),
            h('ul', { class: 'codes' }, (c.recovery_codes || []).map(x => h('li', {}, x))),
            h('p', {}, 'Sign in again to continue.'),
            h('button', { type: 'button', onclick: () => window.location.reload() }, 'Sign in'));
        } catch (err) { replace(result, errorBox(err)); }
      } }, codeField, h('button', { type: 'submit' }, 'Confirm'), result)));
  } catch (err) {
    replace(out, errorBox(err));
  }
  toast('Multi-factor sign-in is required by your organization.');
}
