import * as api from '../api.js';
import { el, field, onSubmit, providerSelect, badge, feeLine, readFile } from '../ui.js';

function results(r, before) {
  return el('div', { class: 'card' },
    el('p', {}, badge(r.verification), feeLine(r)),
    el('div', { class: 'images' },
      before ? el('figure', {}, el('img', { src: before, alt: 'The picture before the edit' }), el('figcaption', {}, 'Before')) : null,
      r.images.map((src, i) => el('figure', {}, el('img', { src, alt: `Generated picture ${i + 1}` }),
        el('figcaption', {}, el('a', { href: src, download: `image-${i + 1}.png` }, 'Download'))))));
}

// the last answers of this tab (pictures stay in memory only), shown again when the page is opened
const last = { gen: null, edit: null };

export default async function images(ctx) {
  const p = await ctx.providers();
  const wanted = ctx.params().get('provider');
  const genOut = el('div', { 'aria-live': 'polite' }, last.gen);
  const editOut = el('div', { 'aria-live': 'polite' }, last.edit);
  const gen = onSubmit(el('form', { class: 'card', 'aria-labelledby': 'gen-h' },
    el('h2', { id: 'gen-h' }, 'Generate'),
    el('div', { class: 'row' },
      field('Provider', providerSelect(p.inference, ['text-to-image'], 'provider', wanted), 'wide'),
      field('Size', el('select', { name: 'size' }, ['256x256', '512x512', '1024x1024'].map((s) => el('option', { value: s }, s)))),
      field('Pictures', el('input', { name: 'n', type: 'number', min: 1, max: 4, value: 1 }))),
    field('Prompt', el('textarea', { name: 'prompt', rows: 2, required: true })),
    el('button', { type: 'submit' }, 'Generate')),
  async (f) => {
    const r = await api.post('images/generate', { ...f, n: Number(f.n) });
    last.gen = results(r);
    genOut.replaceChildren(last.gen);
    ctx.refreshBalance().catch(() => {});
    return `${r.images.length} picture(s), ${r.verification === 'VERIFIED' ? 'verified' : 'NOT verified'}.`;
  });
  const file = el('input', { name: 'image', type: 'file', accept: 'image/png,image/jpeg,image/webp', required: true });
  const edit = onSubmit(el('form', { class: 'card', 'aria-labelledby': 'edit-h' },
    el('h2', { id: 'edit-h' }, 'Edit'),
    el('div', { class: 'row' },
      field('Provider', providerSelect(p.inference, ['image-editing'], 'provider', wanted), 'wide'),
      field('Picture (PNG, JPG or WEBP, up to 10 MB)', file)),
    field('What to change', el('textarea', { name: 'prompt', rows: 2, required: true })),
    el('button', { type: 'submit' }, 'Edit')),
  async (f) => {
    const picked = file.files[0];
    if (picked.size > 10 * 1024 * 1024) throw new Error('The picture is larger than 10 MB.');
    const data = await readFile(picked);
    const r = await api.post('images/edit', { provider: f.provider, prompt: f.prompt, image: data, imageName: picked.name });
    last.edit = results(r, data);
    editOut.replaceChildren(last.edit);
    ctx.refreshBalance().catch(() => {});
    return `Edited, ${r.verification === 'VERIFIED' ? 'verified' : 'NOT verified'}.`;
  });
  return [gen, genOut, edit, editOut];
}
