// Building DOM without HTML strings: text goes in as text nodes (never parsed as markup), so stored data renders as text.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export function time(iso) {
  if (!iso) return '—';
  const d = typeof iso === 'number' ? new Date(iso * 1000) : new Date(iso);
  return isNaN(d) ? String(iso) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

let fieldSeq = 0;
/** A labelled input; returns [wrapper, input]. */
export function field(label, attrs = {}) {
  const id = attrs.id || 'f' + (++fieldSeq);
  const input = attrs.tag === 'select' ? h('select', { ...attrs, tag: null, id }, ...(attrs.options || []).map(o =>
      h('option', { value: Array.isArray(o) ? o[0] : o, selected: (Array.isArray(o) ? o[0] : o) === attrs.value }, Array.isArray(o) ? o[1] : o)))
    : attrs.tag === 'textarea' ? h('textarea', { ...attrs, tag: null, id })
    : h('input', { type: 'text', ...attrs, id });
  if (input.tagName === 'SELECT') input.removeAttribute('options');
  return [h('div', { class: 'field' }, h('label', { for: id }, label), input), input];
}

/** A table of rows; columns are [header, row => cell content]. */
export function table(caption, columns, rows, onRow) {
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c[0])))),
    h('tbody', {}, rows.length ? rows.map(r => h('tr', onRow ? { class: 'clickable' } : {},
        columns.map((c, i) => {
          const content = c[1](r);
          return h('td', { 'data-label': c[0] }, i === 0 && onRow
            ? h('button', { type: 'button', class: 'link', onclick: () => onRow(r) }, content) : content);
        })))
      : h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'Nothing to show')))));
}

/** A modal dialog; returns {dialog, close}. Its content is removed from the page when it closes. */
export function dialog(title, ...content) {
  const d = h('dialog', { 'aria-label': title },
    h('h2', {}, title), ...content,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => d.close() }, 'Close')));
  d.addEventListener('close', () => { clear(d); d.remove(); });
  document.body.appendChild(d);
  d.showModal();
  return { dialog: d, close: () => d.close() };
}

export function badge(text, kind) {
  return h('span', { class: 'badge ' + (kind || '') }, text);
}
