// Credentials: per provider, metadata and versions, rotation due, rotate, roll back, revoke, usage chart; reveal only
// after a recent second-factor sign-in (step-up), shown once in a dialog whose content is removed when it closes.
import { api, can, org, query, recentMfa } from './api.js';
import { h, replace, time, field, table, badge, dialog } from './dom.js';
import { go, slice, pager, act, barChart, errorBox } from './app.js';
import { STEP_UP_SECONDS, stepUp, withStepUp } from './stepup.js';

export async function render(params) {
  const provider = params.get('provider') || '';
  const due = params.get('due') === 'true';
  const r = await api('GET', org('/credentials') + query({ rotation_due: due ? 'true' : '' }));
  const providers = [...new Set(r.credentials.map(c => c.provider))].sort();
  const [pField, p] = field('Provider', { tag: 'select', value: provider, options: [['', 'all'], ...providers] });
  const [dField, d] = field('Only due for rotation', { type: 'checkbox', checked: due });
  const filters = h('form', { class: 'filters', onsubmit: ev => { ev.preventDefault(); go('credentials', { provider: p.value, due: d.checked ? 'true' : '' }); } },
    pField, dField, h('button', { type: 'submit' }, 'Filter'));
  const shown = r.credentials.filter(c => !provider || c.provider === provider);
  const [rows, pages] = slice('credentials', params, shown);
  const key = params.get('key');
  const list = table('Credentials', [
    ['Provider', c => c.provider],
    ['Key name', c => c.key_name],
    ['Version', c => String(c.version)],
    ['Status', c => badge(c.status, c.status === 'active' ? 'ok' : 'high')],
    ['Rotated', c => time(c.rotated_at || c.created_at)],
    ['Rotation due', c => c.rotation_due ? badge('due ' + time(c.rotation_due_at), 'high') : time(c.rotation_due_at)],
    ['Uses', c => String(c.access_count)],
  ], rows, c => go('credentials', { ...Object.fromEntries(params.entries()), key: c.provider + '/' + c.key_name, vcursor: '', vcursor_trail: '' }));
  const parts = [h('h1', {}, 'Credentials'), filters, list, pages];
  if (key) parts.push(await detail(key, params));
  return h('div', {}, parts);
}

async function detail(key, params) {
  const [provider, keyName] = key.split('/');
  const base = org('/credentials/' + encodeURIComponent(provider) + '/' + encodeURIComponent(keyName));
  const [c, versions, usage] = await Promise.all([api('GET', base), api('GET', base + '/versions' + query({ limit: 20, cursor: params.get('vcursor') })),
    api('GET', org('/credentials/analytics') + query({ provider, days: 30 })).catch(() => null)]);
  const out = h('div', { class: 'out' });
  const reload = () => go('credentials', Object.fromEntries(params.entries()));
  const write = can('write:connections');
  const used = usage && usage.credentials.find(u => u.key_name === keyName);
  return h('section', { class: 'panel', id: 'credential-detail', 'aria-label': 'Credential detail' },
    h('h2', {}, c.provider + ' / ' + c.key_name),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Version'), h('dd', {}, String(c.version)),
      h('dt', {}, 'Status'), h('dd', {}, c.status),
      h('dt', {}, 'Created'), h('dd', {}, time(c.created_at)),
      h('dt', {}, 'Rotated'), h('dd', {}, time(c.rotated_at)),
      h('dt', {}, 'Rotation due'), h('dd', {}, time(c.rotation_due_at) + (c.rotation_due ? ' (due now)' : '')),
      h('dt', {}, 'Last used'), h('dd', {}, time(c.last_used_at))),
    h('div', { class: 'actions' },
      can('reveal:credentials') ? h('button', { type: 'button', id: 'reveal', onclick: () => reveal(base, out) }, 'Reveal values…') : null,
      can('delete:connections') && c.status !== 'revoked' ? h('button', { type: 'button', class: 'danger', id: 'revoke', onclick: () => {
        const [rf, reason] = field('Reason (kept in the audit trail)', { required: true });
        const dlg = dialog('Revoke ' + c.provider + ' / ' + c.key_name, h('p', {}, 'Its values can no longer be revealed or used.'),
          h('form', { onsubmit: async ev => {
            ev.preventDefault();
            if (await act(slot, () => api('DELETE', base + query({ reason: reason.value })), 'Credential revoked') !== undefined) { dlg.close(); reload(); }
          } }, rf, h('button', { type: 'submit', class: 'danger' }, 'Revoke')));
        const slot = h('div', { class: 'out' });
        dlg.dialog.insertBefore(slot, dlg.dialog.lastChild);
      } }, 'Revoke…') : null),
    write && c.status !== 'revoked' ? rotateForm(base, out, reload) : null,
    out,
    table('Versions', [
      ['Version', v => String(v.version) + (v.current ? ' (current)' : '')],
      ['Created', v => time(v.created_at)],
      ['Restored from', v => v.restored_from ? String(v.restored_from) : ''],
      ['Reason', v => v.reason || ''],
      ['', v => write && !v.current ? h('button', { type: 'button', class: 'secondary small', 'data-version': v.version,
        onclick: () => rollback(base, v.version, out, reload) }, 'Roll back to this') : ''],
    ], versions.items),
    pager('credentials', params, versions.next_cursor, versions.total, 'vcursor'),
    used ? h('div', {}, h('h3', {}, 'Uses by hour of day (UTC), last 30 days'),
      barChart('Uses of ' + keyName + ' by hour of day', [...Array(24).keys()].map(i => i + 'h'),
        [{ label: 'Uses', data: used.accesses_by_hour }]),
      h('p', { class: 'muted' }, used.total + ' uses, ' + Math.round(used.error_rate * 100) + ' % errors, '
        + used.distinct_callers + ' callers from ' + used.distinct_client_networks + ' networks.'))
      : h('p', { class: 'muted' }, 'No use in the last 30 days.'));
}

function rotateForm(base, out, reload) {
  const rows = h('div', { class: 'rows' });
  const addRow = () => {
    const [nf] = field('Field', { class: 'fname', placeholder: 'e.g. secret_key' });
    const [vf] = field('New value', { type: 'password', class: 'fvalue', autocomplete: 'off' });
    rows.appendChild(h('div', { class: 'inline' }, nf, vf));
  };
  addRow();
  return h('details', { class: 'panel' }, h('summary', {}, 'Rotate: store new values'),
    h('form', { id: 'rotate-form', onsubmit: async ev => {
      ev.preventDefault();
      const fields = {};
      rows.querySelectorAll('.inline').forEach(r => {
        const n = r.querySelector('.fname').value.trim();
        if (n) fields[n] = r.querySelector('.fvalue').value;
      });
      const ok = await act(out, () => api('POST', base + '/rotate', fields), m => 'Rotated to version ' + m.version);
      rows.querySelectorAll('.fvalue').forEach(i => { i.value = ''; });
      if (ok !== undefined) reload();
    } }, rows, h('button', { type: 'button', class: 'secondary', onclick: addRow }, 'Add a field'), ' ',
    h('button', { type: 'submit', id: 'rotate' }, 'Rotate')));
}

function rollback(base, version, out, reload) {
  const [rf, reason] = field('Reason', { id: 'rollback-reason' });
  const slot = h('div', { class: 'out' });
  const dlg = dialog('Roll back to version ' + version,
    h('p', {}, 'The values of version ' + version + ' become a new current version.'),
    h('form', { onsubmit: async ev => {
      ev.preventDefault();
      const body = { version };
      if (reason.value.trim()) body.reason = reason.value.trim();
      const done = await withStepUp(slot, () => api('POST', base + '/rollback', body));
      if (done !== undefined) { dlg.close(); reload(); }
    } }, rf, h('button', { type: 'submit', id: 'rollback-confirm' }, 'Roll back'), slot));
}

async function reveal(base, out) {
  replace(out);
  if (!recentMfa(STEP_UP_SECONDS) && !(await stepUp('Revealing a credential needs a second-factor sign-in within the last 5 minutes.'))) return;
  const secret = await withStepUp(out, () => api('GET', base + '/secret'));
  if (secret === undefined) return;
  // Shown once: the values exist only in this dialog's nodes, which are removed when it closes.
  const dlg = dialog('Values of ' + secret.provider + ' / ' + secret.key_name + ' (version ' + secret.version + ')',
    h('p', { class: 'notice' }, 'Shown once. Closing this dialog removes them from the page.'),
    h('dl', { class: 'facts secret', id: 'revealed' }, Object.entries(secret.credentials).flatMap(([k, v]) =>
      [h('dt', {}, k), h('dd', {}, h('code', {}, typeof v === 'string' ? v : JSON.stringify(v)))])));
  dlg.dialog.id = 'reveal-dialog';
}
