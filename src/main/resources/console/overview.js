// Overview: open and overdue incidents, failed sign-ins and rate-limit refusals per hour, today's risk, rotation due,
// MFA coverage, audit chain. Each part asks its own route and shows only what the caller may see.
import { api, can, org, query } from './api.js';
import { h, replace, time, badge } from './dom.js';
import { barChart, errorBox, href } from './app.js';

function card(title, body) {
  const slot = h('div', { class: 'card-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const c = h('section', { class: 'card', 'aria-label': title }, h('h2', {}, title), slot);
  Promise.resolve().then(body).then(content => replace(slot, content)).catch(e => replace(slot, errorBox(e)));
  return c;
}

export async function render() {
  const cards = [];
  if (can('view:audit_logs')) {
    cards.push(card('Incidents', async () => {
      const r = await api('GET', org('/incidents') + query({ status: 'open' }));
      const overdue = r.incidents.filter(i => i.overdue);
      return h('div', {},
        h('p', { class: 'figure' }, h('strong', {}, String(r.incidents.length)), ' open · ',
          h('strong', { class: overdue.length ? 'bad' : '' }, String(overdue.length)), ' overdue'),
        h('ul', {}, r.incidents.slice(0, 5).map(i => h('li', {},
          h('a', { href: href('incidents', { id: i.id }) }, i.type + ' — ' + (i.title || i.subject)), ' ',
          badge(i.severity, i.severity), i.overdue ? badge('overdue', 'critical') : null))));
    }));
    cards.push(card('Failed sign-ins and rate-limit refusals, last 24 h', async () => {
      const r = await api('GET', org('/audit') + query({ type: 'login_failure,rate_limit_exceeded', since: '24h', limit: 1000 }));
      const now = new Date();
      now.setUTCMinutes(0, 0, 0);
      const hours = [...Array(24).keys()].map(i => new Date(now.getTime() - (23 - i) * 3600_000));
      const failed = Array(24).fill(0);
      const limited = Array(24).fill(0);
      for (const e of r.events) {
        const i = 23 - Math.floor((now.getTime() - new Date(e.timestamp).setUTCMinutes(0, 0, 0)) / 3600_000);
        if (i >= 0 && i < 24) (e.type === 'login_failure' ? failed : limited)[i]++;
      }
      return h('div', {}, barChart('Failed sign-ins and rate-limit refusals per hour',
        hours.map(d => d.toISOString().slice(11, 13) + 'h'),
        [{ label: 'Failed sign-ins', data: failed }, { label: 'Rate-limit refusals', data: limited }]),
        h('p', { class: 'muted' }, failed.reduce((a, b) => a + b, 0) + ' failed sign-ins, '
          + limited.reduce((a, b) => a + b, 0) + ' refusals' + (r.next_cursor ? ' (the latest 1000 events shown)' : '') + '.'));
    }));
    cards.push(card("Risk of today's events", async () => {
      const r = await api('GET', org('/audit/summary') + query({ group_by: 'risk_level', since: '24h' }));
      return h('ul', { class: 'plain' }, r.groups.map(g => h('li', {}, badge(g.key || 'none', g.key), ' ', String(g.count))));
    }));
    // On demand: a verification reads the whole chain (about 3 s per million events), so the overview does not
    // spend it on every visit.
    cards.push(card('Audit chain', async () => {
      const out = h('div', { class: 'out', id: 'overview-chain' }, h('p', { class: 'muted' }, 'Not verified in this visit.'));
      const button = h('button', { type: 'button', class: 'secondary', id: 'overview-verify', onclick: async () => {
        button.disabled = true;
        replace(out, h('p', { class: 'muted' }, 'Verifying…'));
        try {
          const r = await api('POST', org('/audit/verify'));
          replace(out, h('p', { class: 'figure', role: 'status' }, badge(r.status, r.status === 'intact' ? 'ok' : 'critical'), ' ',
            r.records_checked + ' records checked'));
        } catch (e) {
          replace(out, errorBox(e));
        } finally {
          button.disabled = false;
        }
      } }, 'Verify the chain now');
      return h('div', {}, out, button);
    }));
  }
  if (can('read:connections')) {
    cards.push(card('Credentials due for rotation', async () => {
      const r = await api('GET', org('/credentials') + query({ rotation_due: 'true' }));
      return h('div', {}, h('p', { class: 'figure' }, h('strong', {}, String(r.count)), ' due'),
        h('ul', {}, r.credentials.slice(0, 5).map(c => h('li', {},
          h('a', { href: href('credentials', { provider: c.provider, key: c.provider + '/' + c.key_name }) }, c.provider + ' / ' + c.key_name),
          ' due ' + time(c.rotation_due_at)))));
    }));
  }
  if (can('manage:users')) {
    cards.push(card('MFA coverage', async () => {
      const all = await api('GET', org('/users') + query({ status: 'active', limit: 1 }));
      // the API leaves `total` out of pages filtered on mfa: count them, a few pages at most
      let with2fa = 0;
      let cursor = null;
      let pages = 0;
      do {
        const p = await api('GET', org('/users') + query({ status: 'active', mfa: 'true', limit: 200, cursor }));
        with2fa += p.items.length;
        cursor = p.next_cursor;
      } while (cursor && ++pages < 25);
      const total = all.total || 0;
      const pct = total ? Math.round(100 * with2fa / total) : 0;
      return h('div', {}, h('p', { class: 'figure' }, h('strong', {}, pct + ' %'), ' of active users'),
        h('meter', { min: 0, max: 100, value: pct, 'aria-label': 'MFA coverage' }),
        h('p', { class: 'muted' }, (cursor ? 'At least ' : '') + with2fa + ' of ' + total + ' have a second factor. ',
          h('a', { href: href('users', { mfa: 'false', status: 'active' }) }, 'Who has none')));
    }));
  }
  return h('div', {}, h('h1', {}, 'Overview'), h('div', { class: 'cards' }, cards));
}
