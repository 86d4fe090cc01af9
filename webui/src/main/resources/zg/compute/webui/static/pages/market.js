import * as api from '../api.js';
import { el, field, short, table, say } from '../ui.js';

const pageFor = { chatbot: 'chat', 'text-to-image': 'images', 'image-editing': 'images', 'speech-to-text': 'speech',
  embedding: 'embeddings' };

function health(h) {
  if (h.status === 'up') return el('span', { class: 'badge ok' }, `up · ${h.latencyMs} ms`);
  return el('span', { class: 'badge bad', title: h.error }, 'down');
}

export default async function market(ctx) {
  const p = await ctx.providers(true);
  const types = [...new Set(p.inference.map((s) => s.serviceType))].sort();
  const type = el('select', { name: 'type' }, el('option', { value: '' }, 'all types'), types.map((t) => el('option', { value: t }, t)));
  const tee = el('select', { name: 'tee' }, el('option', { value: '' }, 'any'), el('option', { value: 'yes' }, 'TEE signer acknowledged'),
    el('option', { value: 'no' }, 'not acknowledged'));
  const search = el('input', { name: 'q', type: 'search', placeholder: 'model or address' });
  const sort = el('select', { name: 'sort' }, el('option', { value: 'type' }, 'type'), el('option', { value: 'price' }, 'price'),
    el('option', { value: 'model' }, 'model'));
  const list = el('div', {});
  const log = el('div', { 'aria-live': 'polite' });

  const verify = async (s, button) => {
    button.disabled = true;
    say(`Verifying ${short(s.provider)}…`);
    try {
      const r = await api.post('verify-provider', { provider: s.provider });
      log.replaceChildren(el('section', { class: 'card', 'aria-labelledby': 'v-h' },
        el('h2', { id: 'v-h' }, `TEE verification of ${short(s.provider)}: `, r.verified
          ? el('span', { class: 'badge ok' }, 'passed') : el('span', { class: 'badge bad' }, 'not passed')),
        el('p', {}, 'Reports saved in ', el('code', {}, r.reportDir), r.reports.length ? ': ' + r.reports.join(', ') : ''),
        el('ol', {}, r.steps.map((st) => el('li', {}, `${st.type}: ${st.message}`)))));
      say(r.verified ? 'TEE verification passed.' : 'TEE verification did not pass: see the log below.', r.verified ? 'ok' : 'error');
    } catch (err) {
      say(err.message, 'error');
    } finally {
      button.disabled = false;
    }
  };

  const draw = () => {
    const q = search.value.trim().toLowerCase();
    let rows = p.inference.filter((s) => (!type.value || s.serviceType === type.value)
      && (!tee.value || (tee.value === 'yes') === s.teeSignerAcknowledged)
      && (!q || s.model.toLowerCase().includes(q) || s.provider.toLowerCase().includes(q)));
    const price = (s) => BigInt(s.prices[0].neuron);
    rows = rows.sort((a, b) => sort.value === 'price' ? (price(a) < price(b) ? -1 : price(a) > price(b) ? 1 : 0)
      : sort.value === 'model' ? a.model.localeCompare(b.model) : a.serviceType.localeCompare(b.serviceType));
    list.replaceChildren(table(['Type', 'Model', 'Provider', 'Price', 'Health', 'TEE', ''], rows.map((s) => {
      const vb = el('button', { type: 'button', class: 'ghost', 'aria-label': `Verify the TEE of ${s.provider}` }, 'Verify');
      vb.addEventListener('click', () => verify(s, vb));
      const models = s.health.models && s.health.models.length > 1 ? el('div', { class: 'muted' }, 'also: ' +
        s.health.models.filter((m) => m !== s.model).join(', ')) : null;
      const use = pageFor[s.serviceType]
        ? el('a', { href: `#/${pageFor[s.serviceType]}?provider=${s.provider}` }, 'Use') : null;
      return [s.serviceType, el('div', {}, s.model, models), el('span', { class: 'addr', title: s.url }, short(s.provider)),
        el('div', {}, s.prices.map((x) => el('div', {}, `${x.og} 0G ${x.unit}`))), health(s.health),
        s.teeSignerAcknowledged ? el('span', { class: 'badge ok' }, 'acknowledged') : el('span', { class: 'badge warn' }, 'unverified'),
        el('div', { class: 'row' }, vb, use)];
    }), 'Inference services'), el('p', { class: 'muted' }, `${rows.length} of ${p.inference.length} services`));
  };
  for (const c of [type, tee, sort]) c.addEventListener('change', draw);
  search.addEventListener('input', draw);
  draw();

  const ft = p.fineTuning.length ? table(['Provider', 'Models', 'Price per token', 'Busy'], p.fineTuning.map((s) =>
    [el('span', { class: 'addr' }, short(s.provider)), s.models.join(', '), `${s.pricePerToken.og} 0G`, s.occupied ? 'yes' : 'no']),
  'Fine-tuning services') : el('p', {}, 'No fine-tuning provider on this network.');
  return [
    el('form', { class: 'card row', role: 'search', onsubmit: (e) => e.preventDefault() },
      field('Service type', type), field('TEE', tee), field('Search', search, 'wide'), field('Sort by', sort)),
    list, log,
    el('h2', {}, 'Fine-tuning providers'), ft,
  ];
}
