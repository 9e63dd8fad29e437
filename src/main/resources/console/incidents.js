// Incidents: list by status and severity with the SLA clock, one incident's timeline, containment actions, notes.
import { api, can, org, query } from './api.js';
import { h, replace, time, field, table, badge } from './dom.js';
import { go, slice, act, every } from './app.js';

const ACTIONS = [['note', 'Add a note'], ['contain', 'Mark contained'], ['resolve', 'Resolve'], ['set_severity', 'Change severity'],
  ['lock_user', 'Lock a user'], ['unlock_user', 'Unlock a user'], ['end_sessions', "End a user's sessions"], ['revoke_credentials', 'Revoke credentials'],
  ['block_ip', 'Block an address'], ['unblock_ip', 'Unblock an address'], ['emergency_mode_on', 'Emergency mode on'], ['emergency_mode_off', 'Emergency mode off']];

/** What is left of the response target, or how late it is. */
function clock(i) {
  if (i.status !== 'open') return i.status + (i.contained_at ? ' ' + time(i.contained_at) : '');
  const left = Math.round((new Date(i.respond_by).getTime() - Date.now()) / 1000);
  const abs = Math.abs(left);
  const text = (abs >= 3600 ? Math.floor(abs / 3600) + ' h ' : '') + Math.floor(abs % 3600 / 60) + ' min ' + (abs % 60) + ' s';
  return left >= 0 ? text + ' left' : text + ' overdue';
}

function clockCell(i) {
  const span = h('span', { class: 'sla' + (i.overdue || new Date(i.respond_by) < new Date() ? ' bad' : ''), 'data-respond-by': i.respond_by }, clock(i));
  span.dataset.status = i.status;
  return span;
}

export async function render(params) {
  const status = params.get('status') ?? 'open';
  const severity = params.get('severity') || '';
  const [stField, st] = field('Status', { tag: 'select', value: status, options: [['', 'any'], 'open', 'contained', 'resolved'] });
  const [svField, sv] = field('Severity', { tag: 'select', value: severity, options: [['', 'any'], 'critical', 'high', 'medium', 'low'] });
  const filters = h('form', { class: 'filters', onsubmit: ev => { ev.preventDefault(); go('incidents', { status: st.value, severity: sv.value }); } },
    stField, svField, h('button', { type: 'submit' }, 'Filter'));
  const r = await api('GET', org('/incidents') + query({ status }));
  const shown = r.incidents.filter(i => !severity || i.severity === severity);
  const [rows, pages] = slice('incidents', params, shown);
  const list = table('Incidents', [
    ['Opened', i => time(i.opened_at)],
    ['Type', i => i.type],
    ['Subject', i => i.title || i.subject],
    ['Severity', i => badge(i.severity, i.severity)],
    ['Status', i => i.status],
    ['SLA clock', i => clockCell(i)],
  ], rows, i => go('incidents', { ...Object.fromEntries(params.entries()), id: i.id }));
  every(1000, () => document.querySelectorAll('.sla[data-respond-by]').forEach(el => {
    el.textContent = clock({ status: el.dataset.status, respond_by: el.dataset.respondBy });
  }));
  const parts = [h('h1', {}, 'Incidents'), filters, list, pages];
  if (params.get('id')) parts.push(await detail(params.get('id'), params));
  if (can('write:incidents')) parts.push(declareForm(params));
  return h('div', {}, parts);
}

async function detail(id, params) {
  const i = await api('GET', org('/incidents/' + encodeURIComponent(id)));
  const out = h('div', { class: 'out' });
  const reload = () => go('incidents', Object.fromEntries(params.entries()));
  const [aField, action] = field('Action', { tag: 'select', id: 'incident-action', options: ACTIONS });
  const [nField, note] = field('Note', { tag: 'textarea', id: 'incident-note', rows: 3, maxlength: 4000 });
  const [uField, user] = field('User id', { id: 'incident-user', value: i.affected_users[0] || '' });
  const [ipField, ip] = field('Address', { id: 'incident-ip' });
  const [sField, sev] = field('Severity', { tag: 'select', options: ['critical', 'high', 'medium', 'low'], value: i.severity });
  const [mField, minutes] = field('Minutes', { type: 'number', min: 1 });
  const sync = () => {
    const a = action.value;
    uField.hidden = !['lock_user', 'unlock_user', 'end_sessions'].includes(a);
    ipField.hidden = !['block_ip', 'unblock_ip'].includes(a);
    sField.hidden = a !== 'set_severity';
    mField.hidden = !['lock_user', 'block_ip'].includes(a);
  };
  action.addEventListener('change', sync);
  sync();
  const form = can('manage:users') ? h('form', { class: 'panel', id: 'incident-act', onsubmit: async ev => {
    ev.preventDefault();
    const a = action.value;
    const body = { action: a };
    if (note.value.trim()) body.note = note.value;
    if (!uField.hidden && user.value.trim()) body.user_id = user.value.trim();
    if (!ipField.hidden && ip.value.trim()) body.ip = ip.value.trim();
    if (!sField.hidden) body.severity = sev.value;
    if (!mField.hidden && minutes.value) body.minutes = parseInt(minutes.value, 10);
    if (await act(out, () => api('POST', org('/incidents/' + id + '/actions'), body), 'Done: ' + a) !== undefined) reload();
  } }, h('h3', {}, 'Act'), aField, uField, ipField, sField, mField, nField, h('button', { type: 'submit', id: 'incident-submit' }, 'Apply'), out) : null;
  return h('section', { class: 'panel', id: 'incident-detail', 'aria-label': 'Incident detail' },
    h('h2', {}, i.type + ' — ' + (i.title || i.subject)),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Severity'), h('dd', {}, badge(i.severity, i.severity)),
      h('dt', {}, 'Status'), h('dd', {}, i.status),
      h('dt', {}, 'Opened'), h('dd', {}, time(i.opened_at)),
      h('dt', {}, 'Respond by'), h('dd', {}, time(i.respond_by), ' (', clockCell(i), ')'),
      h('dt', {}, 'Hits'), h('dd', {}, String(i.hits)),
      h('dt', {}, 'Affected users'), h('dd', {}, i.affected_users.join(', ') || '—'),
      h('dt', {}, 'Affected keys'), h('dd', {}, i.affected_keys.join(', ') || '—'),
      i.description ? [h('dt', {}, 'Description'), h('dd', {}, i.description)] : null),
    h('h3', {}, 'Timeline'),
    h('ol', { class: 'timeline', id: 'timeline' }, (i.timeline || []).map(t => h('li', {},
      h('time', { datetime: t.at }, time(t.at)), ' ', h('strong', {}, t.action), ' ',
      t.detail && t.detail.note !== undefined ? h('span', { class: 'note' }, String(t.detail.note)) : h('span', { class: 'muted' }, JSON.stringify(t.detail))))),
    form);
}

function declareForm(params) {
  const out = h('div', { class: 'out' });
  const [tField, type] = field('Type', { tag: 'select', options: [['data_breach', 'Data breach'], ['system_compromise', 'System compromise']] });
  const [tiField, title] = field('Title', { required: true, maxlength: 200, id: 'declare-title' });
  const [dField, description] = field('Description', { tag: 'textarea', rows: 3 });
  return h('details', { class: 'panel' }, h('summary', {}, 'Declare an incident'),
    h('form', { onsubmit: async ev => {
      ev.preventDefault();
      const body = { type: type.value, title: title.value };
      if (description.value.trim()) body.description = description.value;
      const r = await act(out, () => api('POST', org('/incidents'), body), 'Incident declared');
      if (r) go('incidents', { status: 'open', id: r.id });
    } }, tField, tiField, dField, h('button', { type: 'submit' }, 'Declare'), out));
}
