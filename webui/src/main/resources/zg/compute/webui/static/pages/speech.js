import * as api from '../api.js';
import { el, field, onSubmit, providerSelect, badge, feeLine, readFile } from '../ui.js';

// the last answer of this tab, shown again when the page is opened
let last = null;

export default async function speech(ctx) {
  const p = await ctx.providers();
  const out = el('div', { 'aria-live': 'polite' }, last);
  const file = el('input', { name: 'audio', type: 'file', accept: 'audio/*,.wav,.mp3,.ogg,.webm,.m4a,.flac', required: true });
  const form = onSubmit(el('form', { class: 'card' },
    el('div', { class: 'row' },
      field('Provider', providerSelect(p.inference, ['speech-to-text'], 'provider', ctx.params().get('provider')), 'wide'),
      field('Audio file', file),
      field('Language (optional)', el('input', { name: 'language', placeholder: 'en', size: 4 }))),
    el('button', { type: 'submit' }, 'Transcribe')),
  async (f) => {
    const picked = file.files[0];
    const r = await api.post('audio/transcribe', { provider: f.provider, language: f.language,
      audio: await readFile(picked), fileName: picked.name });
    out.replaceChildren(last = el('section', { class: 'card', 'aria-labelledby': 'tr-h' }, el('h2', { id: 'tr-h' }, 'Transcript'),
      el('p', { id: 'transcript' }, r.text || '(no speech recognised)'), el('p', {}, badge(r.verification), feeLine(r))));
    ctx.refreshBalance().catch(() => {});
    return `Transcribed, ${r.verification === 'VERIFIED' ? 'verified' : 'NOT verified'}.`;
  });
  return [el('p', { class: 'muted' }, 'Billed per second of audio. The file goes to the provider through this local server.'), form, out];
}
