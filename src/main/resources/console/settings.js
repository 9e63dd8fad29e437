// Settings: the organization's security configuration; the server's validation messages are shown as they come.
import { api, org } from './api.js';
import { h, replace, field } from './dom.js';
import { act, toast } from './app.js';

const LABELS = {
  max_concurrent_sessions: 'Most concurrent sessions per user', session_timeout_minutes: 'Session timeout (minutes)',
  require_mfa: 'Require a second factor', audit_retention_days: 'Audit retention (days)',
  allowed_ip_ranges: 'Allowed address ranges (JSON list of CIDRs; empty: any)', api_rate_limits: 'Rate limits (JSON)',
  password_policy: 'Password policy (JSON)', compliance_settings: 'Compliance settings (JSON)',
  incident_thresholds: 'Incident thresholds (JSON)', security_contacts: 'Security contacts (JSON list)',
  phishing_resistant_mfa_roles: 'Roles that must use passkeys (JSON list)', passkey_aaguids: 'Allowed passkey models (JSON)',
};

export async function render() {
  const cfg = await api('GET', org('/security-config'));
  const out = h('div', { class: 'out', id: 'settings-out' });
  const inputs = {};
  const fields = Object.entries(cfg).map(([k, v]) => {
    const label = LABELS[k] || k;
    let f;
    if (typeof v === 'boolean') [f, inputs[k]] = field(label, { type: 'checkbox', checked: v, id: 'cfg-' + k });
    else if (typeof v === 'number') [f, inputs[k]] = field(label, { type: 'number', value: String(v), id: 'cfg-' + k });
    else if (typeof v === 'string') [f, inputs[k]] = field(label, { value: v, id: 'cfg-' + k });
    else [f, inputs[k]] = field(label, { tag: 'textarea', rows: 4, class: 'json', id: 'cfg-' + k, value: JSON.stringify(v, null, 2) });
    inputs[k].dataset.kind = typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'json';
    return f;
  });
  const form = h('form', { id: 'settings', onsubmit: async ev => {
    ev.preventDefault();
    const body = {};
    for (const [k, input] of Object.entries(inputs)) {
      const kind = input.dataset.kind;
      if (kind === 'bool') body[k] = input.checked;
      else if (kind === 'number') body[k] = input.value === '' ? null : Number(input.value);
      else if (kind === 'string') body[k] = input.value;
      else {
        try { body[k] = JSON.parse(input.value); } catch (e) {
          replace(out, h('p', { class: 'error', role: 'alert' }, label(k) + ': not valid JSON (' + e.message + ')'));
          return;
        }
      }
    }
    const saved = await act(out, () => api('PUT', org('/security-config'), body), 'Settings saved');
    if (saved !== undefined) replace(out, h('p', { role: 'status' }, 'Saved.'));
  } }, fields, h('button', { type: 'submit', id: 'save-settings' }, 'Save'), out);
  return h('div', {}, h('h1', {}, 'Security settings'), h('p', { class: 'muted' }, 'Changes apply to your whole organization and are audited.'), form);
}

function label(k) { return LABELS[k] || k; }
