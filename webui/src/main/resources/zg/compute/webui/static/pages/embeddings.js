import * as api from '../api.js';
import { el, field, onSubmit, providerSelect, badge, feeLine, table } from '../ui.js';

// the last answer of this tab, shown again when the page is opened
let last = null;

export default async function embeddings(ctx) {
  const p = await ctx.providers();
  const out = el('div', { 'aria-live': 'polite' }, last);
  const form = onSubmit(el('form', { class: 'card' },
    field('Provider', providerSelect(p.inference, ['embedding'], 'provider', ctx.params().get('provider'))),
    field('Texts, one per line', el('textarea', { name: 'input', rows: 4, required: true })),
    el('button', { type: 'submit' }, 'Embed')),
  async (f) => {
    const texts = f.input.split('\n').map((t) => t.trim()).filter(Boolean);
    const r = await api.post('embeddings', { provider: f.provider, input: texts });
    out.replaceChildren(last = el('section', { class: 'card' }, el('p', {}, badge(r.verification), feeLine(r),
      el('span', { class: 'muted' }, ` · ${r.promptTokens} input tokens`)),
    table(['Text', 'Dimensions', 'First values'], r.vectors.map((v, i) =>
      [texts[i], String(v.dimensions), v.head.map((x) => x.toFixed(4)).join(', ') + ' …']), 'Embeddings')));
    ctx.refreshBalance().catch(() => {});
    return `${r.vectors.length} vector(s), ${r.verification === 'VERIFIED' ? 'verified' : 'NOT verified'}.`;
  });
  return [form, out];
}
