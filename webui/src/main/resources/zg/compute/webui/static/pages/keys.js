import * as api from '../api.js';
import { el, field, onSubmit, providerSelect, table, txText, confirmAction, say, when } from '../ui.js';

const lifetimes = [['0', 'never'], ['3600', '1 hour'], ['86400', '24 hours'], ['604800', '7 days'], ['2592000', '30 days']];

export default async function keys(ctx) {
  const p = await ctx.providers();
  const types = [...new Set(p.inference.map((s) => s.serviceType))];
  const provider = providerSelect(p.inference, types, 'provider', ctx.params().get('provider'));
  const shown = el('div', { 'aria-live': 'polite' });
  const slots = el('div', {});

  const act = async (question, label, path, body) => {
    if (!await confirmAction(question, label)) { say('Nothing revoked.'); return; }
    say('Working…');
    try {
      say(txText(await api.post(path, body)), 'ok');
      await drawSlots();
    } catch (err) {
      say(err.message, 'error');
    }
  };

  async function drawSlots() {
    const r = await api.get('api-keys', { provider: provider.value });
    const rows = r.slots.map((s) => {
      const b = el('button', { type: 'button', class: 'ghost', disabled: s.revoked, 'aria-label': `Revoke key ${s.tokenId}` }, 'Revoke…');
      b.addEventListener('click', () => act(`Revoke API key ${s.tokenId}${s.label ? ' (' + s.label + ')' : ''}? ` +
        'Calls with it stop working; the slot stays used until all keys are revoked.', 'Revoke', 'api-keys/revoke',
      { provider: provider.value, tokenId: s.tokenId }));
      return [String(s.tokenId), s.label || '—', when(s.createdAt), s.expiresAt ? when(s.expiresAt) : 'never',
        s.revoked ? 'revoked' : 'active', b];
    });
    const all = el('button', { type: 'button', class: 'danger' }, 'Revoke all keys…');
    all.addEventListener('click', () => act('Revoke every API key and session for this provider? Keys handed out ' +
      'by the CLI stop working too.', 'Revoke all', 'api-keys/revoke-all', { provider: provider.value }));
    slots.replaceChildren(el('section', { class: 'card', 'aria-labelledby': 'slots-h' },
      el('h2', { id: 'slots-h' }, 'Slots handed out (this UI and the CLI)'),
      el('p', { class: 'muted' }, `Generation ${r.generation}: ${r.slots.length} handed out, ${r.revokedCount} revoked on chain, ${r.freeCount} free of 255.`),
      rows.length ? table(['Slot', 'Label', 'Created', 'Expires', 'State', ''], rows, 'API key slots') : el('p', {}, 'None yet.'),
      all));
  }
  provider.addEventListener('change', () => drawSlots().catch((err) => say(err.message, 'error')));

  const form = onSubmit(el('form', { class: 'card', 'aria-labelledby': 'new-h' },
    el('h2', { id: 'new-h' }, 'New API key'),
    el('div', { class: 'row' }, field('Provider', provider, 'wide'),
      field('Label', el('input', { name: 'label', maxlength: 60, placeholder: 'my script' })),
      field('Expires after', el('select', { name: 'expiresInSeconds' }, lifetimes.map(([v, l]) => el('option', { value: v }, l))))),
    el('button', { type: 'submit' }, 'Create key')),
  async (f) => {
    const r = await api.post('api-keys', f);
    const copy = el('button', { type: 'button', class: 'ghost' }, 'Copy');
    copy.addEventListener('click', () => navigator.clipboard.writeText(r.apiKey).then(() => say('Copied.', 'ok')));
    shown.replaceChildren(el('section', { class: 'card', 'aria-labelledby': 'key-h' },
      el('h2', { id: 'key-h' }, `Key for slot ${r.tokenId} — shown once`),
      el('pre', { id: 'new-key' }, r.apiKey), copy,
      el('p', { class: 'muted' }, 'Use it as "Authorization: Bearer …" at the provider\'s /v1/proxy. Keep it like a password.')));
    await drawSlots();
    return r.message;
  });
  await drawSlots();
  return [form, shown, slots];
}
