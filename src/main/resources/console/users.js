// Users: search and page, invite, disable/enable, roles, unlock (through a reset link), sessions (end one or all),
// MFA state, reset by email; open invitations.
import { api, call, can, org, query } from './api.js';
import { h, replace, time, field, table, badge } from './dom.js';
import { go, pager, act, toast } from './app.js';

export async function render(params) {
  const filters = { q: params.get('q') || '', status: params.get('status') || '', role: params.get('role') || '', mfa: params.get('mfa') || '' };
  const [qField, q] = field('Search (email or name)', { type: 'search', value: filters.q, id: 'user-q' });
  const [sField, status] = field('Status', { tag: 'select', value: filters.status, options: [['', 'any'], 'active', 'disabled'] });
  const [rField, role] = field('Role', { value: filters.role, placeholder: 'e.g. admin' });
  const [mField, mfa] = field('Second factor', { tag: 'select', value: filters.mfa, options: [['', 'any'], ['true', 'with'], ['false', 'without']] });
  const search = h('form', { class: 'filters', role: 'search', onsubmit: ev => {
    ev.preventDefault();
    go('users', { q: q.value.trim(), status: status.value, role: role.value.trim(), mfa: mfa.value });
  } }, qField, sField, rField, mField, h('button', { type: 'submit' }, 'Search'));

  const page = await api('GET', org('/users') + query({ ...filters, limit: 25, cursor: params.get('cursor') }));
  const list = table('Users', [
    ['Email', u => u.email],
    ['Name', u => u.display_name || ''],
    ['Roles', u => u.roles.join(', ')],
    ['Status', u => badge(u.status, u.status === 'active' ? 'ok' : 'high')],
    ['MFA', u => u.mfa_enabled ? 'yes' : 'no'],
    ['Last sign-in', u => time(u.last_login_at)],
    ['Locked until', u => u.locked_until ? time(u.locked_until) : ''],
  ], page.items, u => go('users', { ...Object.fromEntries(params.entries()), id: u.id, scursor: '', scursor_trail: '' }));

  const detail = params.get('id') ? await userDetail(params.get('id'), params) : null;
  const parts = [h('h1', {}, 'Users'), search, list, pager('users', params, page.next_cursor, page.total)];
  if (detail) parts.push(detail);
  if (can('manage:users')) parts.push(await invitations(params));
  return h('div', {}, parts);
}

async function userDetail(id, params) {
  const u = await api('GET', org('/users/' + encodeURIComponent(id)));
  const out = h('div', { class: 'out' });
  const reload = () => go('users', Object.fromEntries(params.entries()));
  const manage = can('manage:users');
  const [rolesField, roles] = field('Roles (comma-separated)', { value: u.roles.join(', '), id: 'roles' });
  const sessions = await api('GET', org('/users/' + id + '/sessions') + query({ limit: 20, cursor: params.get('scursor') }));
  return h('section', { class: 'panel', 'aria-label': 'User detail', id: 'user-detail' },
    h('h2', {}, u.display_name ? u.display_name + ' <' + u.email + '>' : u.email),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Status'), h('dd', {}, u.status),
      h('dt', {}, 'Roles'), h('dd', {}, u.roles.join(', ')),
      h('dt', {}, 'Second factors'), h('dd', {}, (u.mfa ? u.mfa.methods.map(m => m.method + ' (' + m.status + ')').join(', ') : '') || 'none'),
      h('dt', {}, 'Lock'), h('dd', {}, lockText(u.lock)),
      h('dt', {}, 'Created'), h('dd', {}, time(u.created_at)),
      h('dt', {}, 'Last sign-in'), h('dd', {}, time(u.last_login_at)),
      h('dt', {}, 'Known devices'), h('dd', {}, String((u.devices || []).length))),
    manage ? h('div', { class: 'actions' },
      u.status === 'active'
        ? h('button', { type: 'button', class: 'danger', onclick: async () => { if (await act(out, () => api('POST', org('/users/' + id + '/disable')), 'User disabled') !== undefined) reload(); } }, 'Disable')
        : h('button', { type: 'button', onclick: async () => { if (await act(out, () => api('POST', org('/users/' + id + '/enable')), 'User enabled') !== undefined) reload(); } }, 'Enable'),
      h('button', { type: 'button', class: 'secondary', title: 'Mails a reset link; using it also lifts a sign-in lock',
        onclick: () => act(out, () => call('POST', '/v1/auth/password/forgot', { email: u.email }), 'Reset link requested (mailed if the account is active)') },
        u.lock && u.lock.unknown_devices_locked ? 'Unlock by email (reset link)' : 'Reset password by email'),
      h('button', { type: 'button', class: 'danger', onclick: async () => {
        if (await act(out, () => api('DELETE', org('/users/' + id + '/sessions')), r => r.sessions_ended + ' sessions ended') !== undefined) reload();
      } }, 'End all sessions')) : null,
    manage ? h('form', { class: 'inline', onsubmit: async ev => {
      ev.preventDefault();
      const list = roles.value.split(',').map(s => s.trim()).filter(Boolean);
      if (await act(out, () => api('PUT', org('/users/' + id + '/roles'), { roles: list }), 'Roles saved') !== undefined) reload();
    } }, rolesField, h('button', { type: 'submit' }, 'Save roles')) : null,
    out,
    table('Sessions', [
      ['Started', s => time(s.created_at)],
      ['Last seen', s => time(s.last_seen_at)],
      ['Address', s => s.client_ip],
      ['Browser', s => s.user_agent || ''],
      ['Factors', s => (s.amr || []).join(', ')],
      ['Risk', s => String(s.risk_score)],
      ['', s => manage ? h('button', { type: 'button', class: 'secondary small', onclick: async () => {
        if (await act(out, () => api('DELETE', org('/users/' + id + '/sessions/' + s.id)), 'Session ended') !== undefined) reload();
      } }, 'End') : ''],
    ], sessions.items),
    pager('users', params, sessions.next_cursor, sessions.total, 'scursor'),
    table('Known devices', [
      ['Device', d => d.fingerprint],
      ['Browser', d => d.user_agent || ''],
      ['Last address', d => d.last_ip || ''],
      ['First seen', d => time(d.first_seen_at)],
      ['Last seen', d => time(d.last_seen_at)],
    ], u.devices || []));
}

function lockText(lock) {
  if (!lock) return 'not locked';
  if (lock.account_locked) return 'locked by an incident until ' + time(lock.account_locked_until) + ' (unlock from the incident)';
  if (lock.unknown_devices_locked) return 'new devices refused until ' + time(lock.unknown_devices_locked_until) + ' (too many failed passwords)';
  return 'not locked';
}

async function invitations(params) {
  const out = h('div', { class: 'out' });
  const [eField, email] = field('Email', { type: 'email', required: true, id: 'invite-email' });
  const [nField, name] = field('Name', { id: 'invite-name' });
  const [rField, roles] = field('Roles (comma-separated)', { value: 'viewer', id: 'invite-roles' });
  const reload = () => go('users', Object.fromEntries(params.entries()));
  const form = h('form', { class: 'filters', onsubmit: async ev => {
    ev.preventDefault();
    const body = { email: email.value.trim(), roles: roles.value.split(',').map(s => s.trim()).filter(Boolean) };
    if (name.value.trim()) body.display_name = name.value.trim();
    if (await act(out, () => api('POST', org('/invitations'), body), 'Invitation sent to ' + body.email) !== undefined) reload();
  } }, eField, nField, rField, h('button', { type: 'submit', id: 'invite' }, 'Invite'));
  const page = await api('GET', org('/invitations') + query({ limit: 20, cursor: params.get('icursor') }));
  return h('section', { class: 'panel', 'aria-label': 'Invitations' }, h('h2', {}, 'Invite someone'), form, out,
    table('Open invitations', [
      ['Email', i => i.email],
      ['Roles', i => i.roles.join(', ')],
      ['Sent', i => time(i.sent_at)],
      ['Expires', i => i.expired ? badge('expired', 'high') : time(i.expires_at)],
      ['', i => h('span', {},
        h('button', { type: 'button', class: 'secondary small', onclick: () => act(out, () => api('POST', org('/invitations/' + i.id + '/resend')), 'Sent again') }, 'Resend'), ' ',
        h('button', { type: 'button', class: 'danger small', onclick: async () => { if (await act(out, () => api('DELETE', org('/invitations/' + i.id)), 'Revoked') !== undefined) reload(); } }, 'Revoke'))],
    ], page.items),
    pager('users', params, page.next_cursor, page.total, 'icursor'));
}
