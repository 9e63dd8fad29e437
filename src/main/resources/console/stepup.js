// Step-up: signing in again with the password and a second factor (a code or a passkey) when an action needs a recent
// one; the new session replaces the current one.
import { call, me, replaceSession, ApiError } from './api.js';
import { h, replace, field, dialog } from './dom.js';
import { act, errorBox } from './app.js';
import { METHOD_NAMES, passkeyButton } from './signin.js';

/** The console's own limit for a reveal: a second factor within 5 minutes. */
export const STEP_UP_SECONDS = 300;

/** Runs {@code fn}; when the server asks for a recent second factor, asks for one and runs it again. */
export async function withStepUp(slot, fn) {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'mfa_required') {
      if (await stepUp('The service asks for a recent second factor for this.')) return withStepUp(slot, fn);
      return undefined;
    }
    replace(slot, errorBox(e));
    return undefined;
  }
}

/** Signs in again with password and a second factor; resolves true once the session carries a fresh factor. */
export function stepUp(why) {
  return new Promise(resolve => {
    const [pf, password] = field('Password', { type: 'password', id: 'stepup-password', autocomplete: 'current-password', required: true });
    const out = h('div', { class: 'out' });
    let settled = false;
    const finish = v => { if (!settled) { settled = true; resolve(v); } };
    const dlg = dialog('Confirm it is you', h('p', {}, why), h('form', { onsubmit: async ev => {
      ev.preventDefault();
      try {
        const r = await call('POST', '/v1/auth/login', { email: me().email, password: password.value });
        password.value = '';
        if (r.status !== 'mfa_required') {
          replace(out, h('p', { class: 'error', role: 'alert' }, 'Your account has no second factor: set one up to reveal credentials.'));
          return;
        }
        const verified = async t => {
          await replaceSession(t);
          finish(true);
          dlg.close();
        };
        const usePasskey = passkeyButton(r, 'stepup-passkey', out, verified);
        const methods = r.methods.filter(m => ['totp', 'email', 'sms', 'recovery'].includes(m));
        const [mf, method] = field('Second factor', { tag: 'select', id: 'stepup-method', options: methods.map(m => [m, METHOD_NAMES[m]]) });
        const [cf, code] = field('Code', { id: 'stepup-code', autocomplete: 'one-time-code', required: true });
        const send = h('button', { type: 'button', class: 'secondary', onclick: () => act(out, () =>
          call('POST', '/v1/auth/mfa/send', { mfa_token: r.mfa_token, method: method.value }), 'Code sent') }, 'Send me a code');
        const syncSend = () => { send.hidden = !(method.value === 'email' || method.value === 'sms'); };
        method.addEventListener('change', syncSend);
        syncSend();
        replace(ev.target, usePasskey, usePasskey ? h('p', { class: 'muted' }, 'or a code:') : null, mf, send, cf,
          h('button', { type: 'button', id: 'stepup-verify', onclick: async () => {
            try {
              await verified(await call('POST', '/v1/auth/mfa/verify', { mfa_token: r.mfa_token, method: method.value, code: code.value.trim() }));
            } catch (err) { replace(out, errorBox(err)); }
          } }, 'Verify'), out);
        (usePasskey || code).focus();
      } catch (err) { replace(out, errorBox(err)); }
    } }, pf, h('button', { type: 'submit', id: 'stepup-continue' }, 'Continue'), out));
    dlg.dialog.addEventListener('close', () => finish(false));
    password.focus();
  });
}

