import * as api from '../api.js';
import { el, field, onSubmit, short, table, say, readFile, when, txText } from '../ui.js';

export default async function fineTuning(ctx) {
  const [p, m] = await Promise.all([ctx.providers(), api.get('fine-tuning/models')]);
  if (!p.fineTuning.length) {
    return [el('p', { class: 'card' }, 'No fine-tuning provider on this network. Models this network knows: ' +
      (m.models.map((x) => x.name).join(', ') || 'none') + '.')];
  }
  const provider = el('select', { name: 'provider' }, p.fineTuning.map((s) =>
    el('option', { value: s.provider }, `${short(s.provider)} — ${s.models.join(', ')}`)));
  const tasks = el('div', { 'aria-live': 'polite' });
  const detail = el('div', {});

  async function drawTasks() {
    const r = await api.get('fine-tuning/tasks', { provider: provider.value });
    tasks.replaceChildren(r.tasks.length ? table(['Task', 'Created', 'Progress', 'Fee', ''], r.tasks.map((t) => {
      const show = el('button', { type: 'button', class: 'ghost', 'aria-label': `Show task ${t.id}` }, 'Log');
      show.addEventListener('click', async () => {
        try {
          const d = await api.get('fine-tuning/task', { provider: provider.value, taskId: t.id });
          const ack = el('button', { type: 'button' }, 'Acknowledge the delivered model');
          ack.addEventListener('click', async () => {
            try { say(txText(await api.post('fine-tuning/acknowledge', { provider: provider.value, taskId: t.id })), 'ok'); }
            catch (err) { say(err.message, 'error'); }
          });
          const acked = d.progress === 'UserAcknowledged' || d.progress === 'Finished';
          detail.replaceChildren(el('section', { class: 'card' }, el('h2', {}, `Task ${short(t.id)}: ${d.progress}`),
            el('pre', {}, d.log || '(empty log)'), d.progress === 'Delivered' ? ack : null,
            acked ? serve(t.id) : null));
        } catch (err) { say(err.message, 'error'); }
      });
      return [el('code', {}, short(t.id)), when(t.createdAt), t.progress, `${t.fee.og} 0G`, show];
    }), 'Tasks') : el('p', {}, 'No task with this provider yet.'));
  }
  // Deploy the acknowledged adapter on a chat provider that serves adapters, then chat with it (billed as its base
  // model, each answer's signature checked by the server side).
  function serve(taskId) {
    const chatProviders = p.inference.filter((s) => s.serviceType === 'chatbot');
    const target = el('select', { name: 'inference' }, chatProviders.map((s) =>
      el('option', { value: s.provider }, `${short(s.provider)} — ${s.model}`)));
    const base = el('input', { name: 'base', value: (p.fineTuning.find((s) => s.provider === provider.value) || { models: [''] }).models[0] || '' });
    const state = el('p', { 'aria-live': 'polite' }, '');
    const answer = el('pre', { 'aria-live': 'polite' }, '');
    const deploy = el('button', { type: 'button' }, 'Deploy the adapter');
    deploy.addEventListener('click', async () => {
      try {
        const r = await api.post('fine-tuning/deploy', { provider: target.value, model: base.value, taskId });
        state.textContent = `${r.adapterName}: ${r.state}`;
        for (let i = 0; i < 60 && r.state !== 'active'; i++) {
          await new Promise((ok) => setTimeout(ok, 2000));
          const s = await api.get('fine-tuning/adapter', { provider: target.value, adapterName: r.adapterName });
          state.textContent = `${r.adapterName}: ${s.state}${s.error ? ' — ' + s.error : ''}`;
          if (s.state === 'active' || s.state === 'failed') break;
        }
      } catch (err) { say(err.message, 'error'); }
    });
    const message = el('input', { name: 'message', placeholder: 'Message to the fine-tuned model' });
    const send = el('button', { type: 'button' }, 'Send');
    send.addEventListener('click', async () => {
      try {
        const c = await api.post('fine-tuning/chat', { provider: target.value, model: base.value, taskId,
          message: message.value });
        answer.textContent = `Assistant: ${c.content}\n${c.promptTokens} + ${c.completionTokens} tokens, ` +
          `${c.fee.og} 0G, signature ${c.verified ? 'verified' : 'NOT verified'}`;
      } catch (err) { say(err.message, 'error'); }
    });
    return el('div', {}, el('h3', {}, 'Serve the adapter'),
      el('div', { class: 'row' }, field('Inference provider', target), field('Base model', base), deploy), state,
      el('div', { class: 'row' }, field('Chat', message, 'wide'), send), answer);
  }
  provider.addEventListener('change', () => drawTasks().catch((err) => say(err.message, 'error')));
  const refresh = el('button', { type: 'button', class: 'ghost' }, 'Refresh');
  refresh.addEventListener('click', () => drawTasks().catch((err) => say(err.message, 'error')));

  const dataset = el('input', { name: 'dataset', type: 'file', accept: '.jsonl,.json,.txt', required: true });
  const model = el('select', { name: 'model' }, m.models.map((x) => el('option', { value: x.name }, x.name)));
  const params = el('textarea', { name: 'params', rows: 3 }, '{"num_train_epochs": 1}');
  // calculate-token: the provider counts with the same tokenizer, so the fee shown is the fee charged
  const calculate = el('button', { type: 'button', class: 'ghost' }, 'Calculate tokens and fee');
  calculate.addEventListener('click', async () => {
    if (!dataset.files.length) { say('Choose a dataset first.', 'error'); return; }
    try {
      say((await api.post('fine-tuning/calculate', { provider: provider.value, model: model.value,
        params: params.value, dataset: await readFile(dataset.files[0]) })).message, 'ok');
    } catch (err) { say(err.message, 'error'); }
  });
  const create = onSubmit(el('form', { class: 'card', 'aria-labelledby': 'ft-new' },
    el('h2', { id: 'ft-new' }, 'New task'),
    el('p', { class: 'muted' }, 'Move funds to the provider\'s fine-tuning sub-account first (Account page). ' +
      'The dataset goes to the provider\'s TEE directly.'),
    el('div', { class: 'row' },
      field('Model', model),
      field('Dataset (JSONL)', dataset)),
    field('Training parameters (JSON)', params),
    el('div', { class: 'row' }, calculate, el('button', { type: 'submit' }, 'Create task'))),
  async (f) => {
    const r = await api.post('fine-tuning/tasks', { provider: provider.value, model: f.model, params: f.params,
      dataset: await readFile(dataset.files[0]) });
    await drawTasks();
    return r.message;
  });
  await drawTasks();
  return [el('div', { class: 'card row' }, field('Provider', provider, 'wide'), refresh),
    el('h2', {}, 'Tasks'), tasks, detail, create];
}
