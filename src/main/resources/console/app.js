// The console's shell: sign-in state, navigation by the URL's hash (#/page?filters), the pages' common parts.
import { api, can, me, refresh, signOut, signedIn, whenSignedOut, useOrg, viewedOrg, query, ApiError } from './api.js';
import { h, replace, clear } from './dom.js';
import { signIn } from './signin.js';
import { linkPage } from './links.js';

const PAGES = [
  { id: 'overview', title: 'Overview', load: () => import('./overview.js'), needs: [] },
  { id: 'users', title: 'Users', load: () => import('./users.js'), needs: ['manage:users'] },
  { id: 'credentials', title: 'Credentials', load: () => import('./credentials.js'), needs: ['read:connections'] },
  { id: 'audit', title: 'Audit log', load: () => import('./audit.js'), needs: ['view:audit_logs'] },
  { id: 'incidents', title: 'Incidents', load: () => import('./incidents.js'), needs: ['view:audit_logs'] },
  { id: 'compliance', title: 'Compliance', load: () => import('./compliance.js'), needs: ['view:audit_logs'] },
  { id: 'settings', title: 'Settings', load: () => import('./settings.js'), needs: ['manage:security'] },
  { id: 'account', title: 'My account', load: () => import('./account.js'), needs: [] },
];

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const menu = document.getElementById('menu');
const who = document.getElementById('who');
let timers = [];

/** The current hash as {page, params}. */
export function location() {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [page, q] = hash.split('?');
  return { page: page || 'overview', params: new URLSearchParams(q || '') };
}

/** Goes to a page with filters (kept in the hash, so a new sign-in comes back to them). */
export function go(page, params = {}) {
  if (viewedOrg() && !('org' in params)) params = { ...params, org: viewedOrg() };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  const target = '#/' + page + (s ? '?' + s : '');
  if (window.location.hash === target) render(); else window.location.hash = target;
}

/** A link to a page of the console, in the organization being viewed. */
export function href(page, params = {}) {
  const all = viewedOrg() ? { ...params, org: viewedOrg() } : params;
  const q = new URLSearchParams(all).toString();
  return '#/' + page + (q ? '?' + q : '');
}

/** A repeating timer that ends when the page changes. */
export function every(ms, fn) { timers.push(setInterval(fn, ms)); }

/** The server's error, shown where the action was. */
export function errorBox(e) {
  const text = e instanceof ApiError ? e.describe() : (e && e.message) || String(e);
  return h('p', { class: 'error', role: 'alert' }, text);
}

/** Shows a short message in the status region. */
let toastTimer = null;
export function toast(text) {
  const t = document.getElementById('toast');
  replace(t, h('p', {}, text));
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => clear(t), 6000);
}

/** Runs an action; shows the server's error in {@code slot} (replacing its content) or its success message. */
export async function act(slot, fn, done) {
  replace(slot);
  try {
    const r = await fn();
    if (done) toast(typeof done === 'function' ? done(r) : done);
    return r;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return undefined;
    replace(slot, errorBox(e));
    return undefined;
  }
}

/**
 * Previous/next buttons over cursor pages: the page's cursor is the hash's {@code key}, the cursors seen so far its
 * {@code key + '_trail'}, so a page can page several lists and a reload (or a new sign-in) comes back to the same page.
 */
export function pager(page, params, nextCursor, total, key = 'cursor') {
  const trailKey = key + '_trail';
  const trail = (params.get(trailKey) || '').split(',').filter(Boolean);
  const base = Object.fromEntries(params.entries());
  const prev = trail.length ? () => {
    const t = trail.slice(0, -1);
    go(page, { ...base, [key]: t.length ? t[t.length - 1] : '', [trailKey]: t.join(',') });
  } : null;
  const next = nextCursor ? () => go(page, { ...base, [key]: nextCursor, [trailKey]: [...trail, nextCursor].join(',') }) : null;
  return h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'secondary', disabled: !prev, onclick: prev }, '← Previous'),
    h('span', { class: 'muted' }, 'Page ' + (trail.length + 1) + (total !== undefined && total !== null ? ' · ' + total + ' in all' : '')),
    h('button', { type: 'button', class: 'secondary', disabled: !next, onclick: next }, 'Next →'));
}

/** Pages a list the API returns whole, 25 to a page, by the hash's `p`. */
export function slice(page, params, items, size = 25) {
  const p = Math.max(0, parseInt(params.get('p') || '0', 10) || 0);
  const base = Object.fromEntries(params.entries());
  const pages = Math.max(1, Math.ceil(items.length / size));
  return [items.slice(p * size, p * size + size), h('div', { class: 'pager' },
    h('button', { type: 'button', class: 'secondary', disabled: p === 0, onclick: () => go(page, { ...base, p: p - 1 }) }, '← Previous'),
    h('span', { class: 'muted' }, 'Page ' + (p + 1) + ' of ' + pages + ' · ' + items.length + ' in all'),
    h('button', { type: 'button', class: 'secondary', disabled: p + 1 >= pages, onclick: () => go(page, { ...base, p: p + 1 }) }, 'Next →'))];
}

export function forbidden(title, needs) {
  document.title = 'Not allowed · LiftOS Security';
  return h('section', { class: 'forbidden' },
    h('h1', {}, '403 — not allowed'),
    h('p', {}, 'Your roles do not let you see ' + title + '.' + (needs.length ? ' It needs the permission ' + needs.join(', ') + '.' : '')),
    h('p', {}, 'Ask an administrator of your organization if you need it.'),
    h('p', {}, h('a', { href: href('overview') }, 'Back to the overview')));
}

function drawNav(current) {
  nav.hidden = false;
  menu.hidden = false;
  replace(nav, h('ul', {}, PAGES.map(p => h('li', {}, h('a', {
    href: href(p.id), 'aria-current': p.id === current ? 'page' : null,
    onclick: () => { nav.classList.remove('open'); menu.setAttribute('aria-expanded', 'false'); },
  }, p.title)))));
  const m = me();
  replace(who, can('manage:system') ? orgSwitch(current) : null, h('span', { class: 'muted' }, m.email || m.id), ' ',
    h('button', { type: 'button', class: 'secondary small', id: 'signout', onclick: async () => {
      await signOut();
      showSignIn('You are signed out.');
    } }, 'Sign out'));
}

let orgList = null;
/** Super admins: which organization the pages show (the first 200 by name). */
function orgSwitch(current) {
  const select = h('select', { id: 'org-switch', onchange: () => go(current, { org: select.value === me().org_id ? '' : select.value }) });
  const label = h('label', { for: 'org-switch', class: 'org-label' }, 'Organization');
  const fill = list => {
    replace(select, list.map(o => h('option', { value: o.id, selected: o.id === (viewedOrg() || me().org_id) }, o.name)));
  };
  // the last list at once, then a fresh one (organizations come and go)
  fill(orgList || [{ id: viewedOrg() || me().org_id, name: '…' }]);
  api('GET', '/v1/orgs' + query({ limit: 200 })).then(r => { orgList = r.items; fill(orgList); }).catch(() => {});
  return h('span', { class: 'org' }, label, select);
}

async function render() {
  timers.forEach(clearInterval);
  timers = [];
  main.removeAttribute('data-ready');
  document.querySelectorAll('dialog').forEach(d => d.close()); // a dialog belongs to the page it was opened on
  if (!signedIn()) return;
  const { page, params } = location();
  useOrg(can('manage:system') ? params.get('org') : null);
  const def = PAGES.find(p => p.id === page) || PAGES[0];
  drawNav(def.id);
  document.title = def.title + ' · LiftOS Security';
  if (!def.needs.every(can)) {
    replace(main, forbidden(def.title, def.needs));
    main.setAttribute('data-ready', def.id);
    return;
  }
  replace(main, h('p', { class: 'muted' }, 'Loading…'));
  try {
    const module = await def.load();
    const view = await module.render(params);
    if (location().page === page || (!PAGES.find(p => p.id === location().page) && def === PAGES[0])) replace(main, view);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return;
    replace(main, e instanceof ApiError && e.status === 403 ? forbidden(def.title, def.needs) : errorBox(e));
  }
  main.setAttribute('data-ready', def.id);
  performance.mark('console-ready');
}

function showSignIn(message) {
  nav.hidden = true;
  menu.hidden = true;
  clear(who);
  document.title = 'Sign in · LiftOS Security';
  replace(main, signIn(message, () => render()));
  main.setAttribute('data-ready', 'signin');
  performance.mark('console-ready');
}

menu.addEventListener('click', () => {
  const open = nav.classList.toggle('open');
  menu.setAttribute('aria-expanded', open ? 'true' : 'false');
});
window.addEventListener('hashchange', () => { if (signedIn()) render(); });
whenSignedOut(message => showSignIn(message));

async function start() {
  const path = window.location.pathname;
  if (path !== '/console' && path !== '/console/') {
    nav.hidden = true;
    replace(main, linkPage(path));
    main.setAttribute('data-ready', 'link');
    return;
  }
  if (await refresh()) render(); else showSignIn();
}
start();

let chartLib = null;
/** Chart.js (from its webjar, served by this service), loaded on the first page that draws a chart. */
export function chartJs() {
  if (!chartLib) {
    chartLib = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/console/assets/chart.umd.min.js';
      s.onload = () => resolve(window.Chart);
      s.onerror = () => reject(new Error('Chart.js could not be loaded'));
      document.head.appendChild(s);
    });
  }
  return chartLib;
}

/** A bar chart in a canvas with a text alternative (the figures as a table for screen readers). */
export function barChart(label, labels, datasets) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  const wrap = h('div', { class: 'chart' }, canvas);
  chartJs().then(Chart => {
    new Chart(canvas, {
      type: 'bar',
      data: { labels, datasets: datasets.map((d, i) => ({ ...d, backgroundColor: ['#2457a6', '#c2410c', '#15803d'][i % 3] })) },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }).catch(e => wrap.appendChild(errorBox(e)));
  return wrap;
}
