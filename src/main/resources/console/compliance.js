// Compliance: the SOC 2 evidence report, printable (the print style sheet leaves out the console's chrome).
import { api, org } from './api.js';
import { h, time, badge } from './dom.js';

export async function render() {
  const r = await api('GET', org('/compliance/report'));
  return h('article', { class: 'report' },
    h('div', { class: 'actions no-print' }, h('button', { type: 'button', id: 'print', onclick: () => window.print() }, 'Print')),
    h('h1', {}, 'SOC 2 evidence report'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Organization'), h('dd', {}, r.org_id),
      h('dt', {}, 'Framework'), h('dd', {}, r.framework),
      h('dt', {}, 'Generated'), h('dd', {}, time(r.generated_at)),
      h('dt', {}, 'Period'), h('dd', {}, time(r.period.from) + ' to ' + time(r.period.to))),
    r.controls.map(c => h('section', { class: 'control' },
      h('h2', {}, c.id + ' — ' + c.title + ' ', badge(c.status, c.status === 'pass' ? 'ok' : 'high')),
      h('p', {}, c.implementation),
      c.findings && c.findings.length ? h('ul', {}, c.findings.map(f => h('li', {}, f))) : null,
      c.evidence ? h('pre', { class: 'json' }, JSON.stringify(c.evidence, null, 2)) : null)));
}
