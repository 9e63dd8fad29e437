// Audit: filtered search with paging, event detail, CSV/JSONL export, chain verification.
import { api, can, org, query } from './api.js';
import { h, replace, time, field, table, badge, dialog } from './dom.js';
import { go, pager, act, errorBox } from './app.js';

const FILTERS = ['type', 'actor', 'success', 'since', 'until', 'min_risk', 'provider'];

export async function render(params) {
  const f = Object.fromEntries(FILTERS.map(k => [k, params.get(k) || '']));
  const [tField, type] = field('Event types', { value: f.type, placeholder: 'login_failure,account_locked', id: 'audit-type' });
  const [aField, actor] = field('Actor id', { value: f.actor, placeholder: 'user id' });
  const [sField, success] = field('Outcome', { tag: 'select', value: f.success, options: [['', 'any'], ['true', 'success'], ['false', 'failure']] });
  const [fromField, since] = field('Since', { value: f.since || '', placeholder: '24h, 7d or an ISO instant' });
  const [toField, until] = field('Until', { value: f.until, placeholder: 'ISO instant' });
  const [rField, risk] = field('Lowest risk', { tag: 'select', value: f.min_risk, options: [['', 'any'], 'low', 'medium', 'high', 'critical'] });
  const filters = h('form', { class: 'filters', role: 'search', onsubmit: ev => {
    ev.preventDefault();
    go('audit', { type: type.value.trim(), actor: actor.value.trim(), success: success.value, since: since.value.trim(),
      until: until.value.trim(), min_risk: risk.value, provider: f.provider });
  } }, tField, aField, sField, fromField, toField, rField, h('button', { type: 'submit' }, 'Search'));
  const page = await api('GET', org('/audit') + query({ ...f, limit: 50, cursor: params.get('cursor') }));
  const out = h('div', { class: 'out' });
  const chain = h('div', { class: 'out', id: 'chain' });
  const exportButton = format => h('button', { type: 'button', class: 'secondary', id: 'export-' + format, onclick: () => act(out, async () => {
    const res = await api('GET', org('/audit/export') + query({ ...f, format }), null, { raw: true, accept: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
    const blob = await res.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: 'audit-' + new Date().toISOString().slice(0, 19).replace(/:/g, '') + '.' + format });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return blob.size;
  }, n => 'Exported ' + n + ' bytes') }, 'Export ' + format.toUpperCase());
  return h('div', {}, h('h1', {}, 'Audit log'), filters,
    h('div', { class: 'actions' },
      can('export:data') ? exportButton('csv') : null, can('export:data') ? exportButton('jsonl') : null,
      h('button', { type: 'button', class: 'secondary', id: 'verify', onclick: () => act(chain, async () => {
        const r = await api('POST', org('/audit/verify'));
        replace(chain, h('p', { role: 'status' }, 'Chain ', badge(r.status, r.status === 'intact' ? 'ok' : 'critical'),
          ' — ' + r.records_checked + ' records checked' + (r.first_problem ? '; first problem: ' + JSON.stringify(r.first_problem) : '')));
      }) }, 'Verify the chain')),
    out, chain,
    table('Audit events', [
      ['Time', e => time(e.timestamp)],
      ['Type', e => e.type],
      ['Action', e => e.action],
      ['Actor', e => e.actor_id || ''],
      ['Resource', e => e.resource || ''],
      ['Address', e => e.client_ip || ''],
      ['Outcome', e => e.success ? 'success' : badge('failure', 'high')],
      ['Risk', e => badge(e.risk_level, e.risk_level)],
    ], page.events, e => showEvent(e)),
    pager('audit', params, page.next_cursor));
}

function showEvent(e) {
  const rows = Object.entries(e).filter(([k]) => k !== 'details');
  dialog('Event ' + e.seq, h('dl', { class: 'facts', id: 'event-detail' }, rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null ? '—' : String(v))])),
    h('h3', {}, 'Details'), h('pre', { class: 'json' }, JSON.stringify(e.details, null, 2)));
}
