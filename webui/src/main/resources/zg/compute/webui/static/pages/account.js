import * as api from '../api.js';
import { el, field, onSubmit, og, short, table, txText, confirmAction, say } from '../ui.js';

function stat(label, amount, id) {
  return el('div', { class: 'stat', id }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, og(amount)));
}

function countdown(seconds) {
  if (seconds <= 0) return 'unlocked: retrieve again to move it to your account';
  const h = Math.floor(seconds / 3600); const m = Math.floor((seconds % 3600) / 60); const s = seconds % 60;
  return `unlocks in ${h ? h + ' h ' : ''}${m} min ${s} s`;
}

export default async function account(ctx) {
  const [a, providers] = await Promise.all([ctx.refreshBalance(), ctx.providers()]);
  const body = [];
  body.push(el('div', { class: 'grid', role: 'group', 'aria-label': 'Balances' },
    stat('Total', a.total, 'bal-total'), stat('Available', a.available, 'bal-available'),
    stat('Locked in provider sub-accounts', a.locked, 'bal-locked'), stat('Unsettled fees', a.unsettled, 'bal-unsettled')));
  if (a.total.neuron === '0') {
    body.push(el('p', { class: 'card' }, 'Start here: deposit 0G, move some to a provider, then chat.'));
  }

  const rerender = async (msg) => { body.length = 0; const page = document.getElementById('page');
    page.replaceChildren(el('h1', {}, 'Account'), ...(await account(ctx))); return msg; };

  body.push(onSubmit(el('form', { class: 'card', 'aria-labelledby': 'dep-h' },
    el('h2', { id: 'dep-h' }, 'Deposit'),
    el('div', { class: 'row' }, field('Amount (0G)', el('input', { name: 'amount', inputmode: 'decimal', required: true, placeholder: '1.5' })),
      el('button', { type: 'submit' }, 'Deposit'))),
  async (f) => rerender(txText(await api.post('deposit', f)))));

  const all = [...providers.inference.map((p) => ({ ...p, service: 'inference' })),
    ...providers.fineTuning.map((p) => ({ ...p, model: p.models.join(', '), serviceType: 'fine-tuning', service: 'fine-tuning' }))];
  body.push(onSubmit(el('form', { class: 'card', 'aria-labelledby': 'tr-h' },
    el('h2', { id: 'tr-h' }, 'Move funds to a provider'),
    el('div', { class: 'row' },
      field('Provider', el('select', { name: 'key', required: true }, all.map((p, i) =>
        el('option', { value: i }, `${p.serviceType} · ${p.model} — ${short(p.provider)}`))), 'wide'),
      field('Amount (0G)', el('input', { name: 'amount', inputmode: 'decimal', required: true, placeholder: '1' })),
      el('button', { type: 'submit' }, 'Transfer'))),
  async (f) => {
    const p = all[Number(f.key)];
    return rerender(txText(await api.post('transfer', { provider: p.provider, service: p.service, amount: f.amount })));
  }));

  const subRows = [];
  for (const [service, list] of [['inference', a.inference], ['fine-tuning', a.fineTuning]]) {
    for (const s of list) {
      const lock = el('span', {}, s.refunds.length ? '' : '—');
      const tick = () => {
        lock.replaceChildren(...s.refunds.map((r) => el('div', {}, `${og(r.amount)}: ${countdown(r.remainSeconds)}`)));
      };
      if (s.refunds.length) {
        tick();
        const timer = setInterval(() => {
          if (!lock.isConnected) { clearInterval(timer); return; }
          s.refunds.forEach((r) => { r.remainSeconds = Math.max(0, r.remainSeconds - 1); });
          tick();
        }, 1000);
      }
      const retrieve = el('button', { type: 'button', class: 'ghost', 'aria-label': `Retrieve from ${s.provider}` }, 'Retrieve…');
      retrieve.addEventListener('click', async () => {
        const free = BigInt(s.balance.neuron) - BigInt(s.pendingRefund.neuron);
        const ok = await confirmAction(`Retrieve the ${service} funds at provider ${s.provider}? ` +
          `Balance ${og(s.balance)}, of which ${og(s.pendingRefund)} is already on its way back. ` +
          `The rest ${free > 0n ? '' : '(nothing) '}is locked for the contract's lock time before it returns to your account.`, 'Retrieve');
        if (!ok) { say('Nothing retrieved.'); return; }
        retrieve.disabled = true;
        say('Working…');
        try {
          say(await rerender(txText(await api.post('retrieve', { provider: s.provider, service }))), 'ok');
        } catch (err) {
          say(err.message, 'error');
          retrieve.disabled = false;
        }
      });
      subRows.push([service, el('span', { class: 'addr', title: s.provider }, short(s.provider)), og(s.balance), og(s.pendingRefund),
        s.unsettled ? og(s.unsettled) : '—', lock, retrieve]);
    }
  }
  body.push(el('section', { class: 'card', 'aria-labelledby': 'sub-h' }, el('h2', { id: 'sub-h' }, 'Provider sub-accounts'),
    subRows.length ? table(['Service', 'Provider', 'Balance', 'Being returned', 'Unsettled', 'Lock', ''], subRows, 'Sub-accounts')
      : el('p', {}, 'No sub-accounts yet.')));

  body.push(onSubmit(el('form', { class: 'card', 'aria-labelledby': 'ref-h' },
    el('h2', { id: 'ref-h' }, 'Withdraw to the wallet'),
    el('p', { class: 'muted' }, `Available in your account: ${og(a.available)}.`),
    el('div', { class: 'row' }, field('Amount (0G)', el('input', { name: 'amount', inputmode: 'decimal', required: true, placeholder: '0.5' })),
      el('button', { type: 'submit' }, 'Withdraw'))),
  async (f) => rerender(txText(await api.post('refund', f)))));
  return body;
}
