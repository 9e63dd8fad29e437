// The pages of mailed links: accept an invitation, reset a password, confirm an email change. The token is read from
// the URL once and removed from it (history.replaceState), so it stays out of the history and of any later request.
import { call } from './api.js';
import { h, replace, field } from './dom.js';
import { errorBox } from './app.js';

export function linkPage(path) {
  const token = new URLSearchParams(window.location.search).get('token') || '';
  window.history.replaceState(null, '', path);
  const box = h('section', { class: 'signin' });
  const out = h('div', { class: 'out' });
  const signInLink = h('p', {}, h('a', { href: '/console' }, 'Go to sign-in'));
  if (path.endsWith('/invite')) {
    document.title = 'Accept your invitation · LiftOS Security';
    const [nameField, name] = field('Your name', { id: 'display-name', autocomplete: 'name' });
    const [pwField, pw] = field('Choose a password', { type: 'password', id: 'new-password', autocomplete: 'new-password', required: true });
    replace(box, h('h1', {}, 'Accept your invitation'), h('form', { onsubmit: async ev => {
      ev.preventDefault();
      try {
        const body = { token, password: pw.value };
        if (name.value.trim()) body.display_name = name.value.trim();
        const r = await call('POST', '/v1/auth/invitations/accept', body);
        replace(box, h('h1', {}, 'Welcome'), h('p', { role: 'status', id: 'accepted' }, 'Your account ' + r.user.email + ' is ready.'), signInLink);
      } catch (e) { replace(out, errorBox(e)); }
    } }, nameField, pwField, h('button', { type: 'submit', id: 'accept' }, 'Create my account'), out));
  } else if (path.endsWith('/reset-password')) {
    document.title = 'Reset your password · LiftOS Security';
    const [pwField, pw] = field('New password', { type: 'password', id: 'new-password', autocomplete: 'new-password', required: true });
    replace(box, h('h1', {}, 'Reset your password'), h('form', { onsubmit: async ev => {
      ev.preventDefault();
      try {
        await call('POST', '/v1/auth/password/reset', { token, new_password: pw.value });
        replace(box, h('h1', {}, 'Password changed'), h('p', { role: 'status' }, 'Sign in with your new password.'), signInLink);
      } catch (e) { replace(out, errorBox(e)); }
    } }, pwField, h('button', { type: 'submit' }, 'Set password'), out));
  } else {
    document.title = 'Confirm your email · LiftOS Security';
    replace(box, h('h1', {}, 'Confirm your new email address'), h('form', { onsubmit: async ev => {
      ev.preventDefault();
      try {
        await call('POST', '/v1/auth/email/confirm', { token });
        replace(box, h('h1', {}, 'Email confirmed'), signInLink);
      } catch (e) { replace(out, errorBox(e)); }
    } }, h('button', { type: 'submit' }, 'Confirm'), out));
  }
  return box;
}
