// The signed-in user's own sign-in: passkeys (register, rename, remove). Registration is
// navigator.credentials.create with the API's options; removal needs a recent second factor (step-up).
import { api, me } from './api.js';
import { h, replace, time, field, table, badge, dialog } from './dom.js';
import { go, act, errorBox, toast } from './app.js';
import { withStepUp } from './stepup.js';
import * as webauthn from './webauthn.js';

export async function render() {
  const list = await api('GET', '/v1/mfa/passkeys');
  const out = h('div', { class: 'out', id: 'passkey-out' });
  const [nameField, name] = field('Name of the new passkey', { id: 'passkey-name', maxlength: 64, required: true,
    placeholder: 'e.g. Work laptop', autocomplete: 'off' });
  const register = webauthn.supported()
    ? h('form', { class: 'inline', id: 'passkey-register', onsubmit: async ev => {
      ev.preventDefault();
      replace(out);
      try {
        const options = await api('POST', '/v1/mfa/passkeys/options');
        const credential = await webauthn.create(options.public_key);
        const r = await api('POST', '/v1/mfa/passkeys', { name: name.value.trim(), credential });
        if (r.recovery_codes && r.recovery_codes.length) {
          const d = dialog('Recovery codes', h('p', {}, 'Your first second factor: keep these recovery codes somewhere safe. They are shown once.'),
            h('ul', { class: 'codes', id: 'recovery-codes' }, r.recovery_codes.map(c => h('li', {}, c))));
          d.dialog.addEventListener('close', () => go('account'));
        } else {
          go('account');
        }
        toast('Passkey "' + r.passkey.name + '" registered');
      } catch (e) { replace(out, errorBox(webauthn.describe(e))); }
    } }, nameField, h('button', { type: 'submit', id: 'passkey-add' }, 'Register a passkey'))
    : h('p', { class: 'notice' }, 'This browser cannot create passkeys here (it needs WebAuthn in a secure context).');
  const rows = list.passkeys;
  return h('section', {},
    h('h1', {}, 'My account'),
    h('p', { class: 'muted' }, 'Signed in as ' + (me().email || me().id) + '.'),
    h('section', { class: 'panel', id: 'passkeys', 'aria-labelledby': 'passkeys-title' },
      h('h2', { id: 'passkeys-title' }, 'Passkeys'),
      h('p', {}, 'A passkey signs you in without a password, or serves as the second factor after it. It stays on your '
        + 'device or in your password manager; the service keeps only its public key.'),
      table('Your passkeys', [
        ['Name', k => k.name],
        ['Kind', k => k.synced ? badge('synced') : badge('this device only')],
        ['Registered', k => time(k.created_at)],
        ['Last used', k => time(k.last_used_at)],
        ['Actions', k => h('span', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary small', 'data-rename': k.id, 'aria-label': 'Rename ' + k.name,
            onclick: () => rename(k) }, 'Rename'),
          h('button', { type: 'button', class: 'danger small', 'data-remove': k.id, 'aria-label': 'Remove ' + k.name,
            onclick: () => remove(k, out) }, 'Remove'))],
      ], rows),
      register, out));
}

function rename(k) {
  const slot = h('div', { class: 'out' });
  const [f, name] = field('New name', { id: 'passkey-new-name', maxlength: 64, required: true, value: k.name });
  const d = dialog('Rename passkey', h('form', { onsubmit: async ev => {
    ev.preventDefault();
    if (await act(slot, () => api('PATCH', '/v1/mfa/passkeys/' + k.id, { name: name.value.trim() }), 'Passkey renamed') !== undefined) {
      d.close();
      go('account');
    }
  } }, f, h('button', { type: 'submit', id: 'passkey-rename-confirm' }, 'Rename'), slot));
}

function remove(k, out) {
  const slot = h('div', { class: 'out' });
  const d = dialog('Remove passkey',
    h('p', {}, 'Remove "' + k.name + '"? It can no longer sign you in. Delete it from the device or password manager too.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', id: 'passkey-remove-confirm', onclick: async () => {
      const r = await withStepUp(slot, () => api('DELETE', '/v1/mfa/passkeys/' + k.id).then(() => true));
      if (r !== undefined) {
        d.close();
        toast('Passkey "' + k.name + '" removed');
        go('account');
      }
    } }, 'Remove')), slot);
  replace(out);
}
