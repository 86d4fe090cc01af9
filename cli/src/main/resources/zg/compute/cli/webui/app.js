'use strict';
// The API token comes in the URL fragment (never sent to the server); kept for this tab only.
const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromHash) {
  sessionStorage.setItem('zgToken', fromHash);
  history.replaceState(null, '', location.pathname);
}
const token = sessionStorage.getItem('zgToken') || '';
const $ = (sel) => document.querySelector(sel);
const conversation = [];

async function api(method, path, body) {
  const res = await fetch('/api/' + path, {
    method,
    headers: { 'X-ZG-Token': token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

function say(text, isError) {
  $('#message').textContent = text;
  $('#message').className = isError ? 'error' : '';
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const c of cells) {
    const td = document.createElement('td');
    if (c instanceof Node) td.append(c); else td.textContent = c;
    tr.append(td);
  }
  return tr;
}

async function refreshAccount() {
  const a = await api('GET', 'account');
  $('#balances').textContent = `total ${a.total.og} 0G · available ${a.available.og} 0G · locked ${a.locked.og} 0G`;
  const rows = [];
  for (const [kind, list] of [['inference', a.inference], ['fine-tuning', a.fineTuning]]) {
    for (const s of list) rows.push(row([kind, s.provider, s.balance.og, s.pendingRefund.og]));
  }
  $('#subaccounts').replaceChildren(...rows);
}

async function refreshProviders() {
  const p = await api('GET', 'providers');
  $('#inference-providers').replaceChildren(...p.inference.map((s) => {
    const button = document.createElement('button');
    button.textContent = s.acknowledged ? 'Chat' : 'Acknowledge + chat';
    button.addEventListener('click', () => { $('#chat-provider').value = s.provider; show('chat'); });
    return row([s.provider, s.model, `${s.inputPrice.neuron} / ${s.outputPrice.neuron}`, s.verifiability,
      s.acknowledged ? 'yes' : 'no', button]);
  }));
  $('#ft-providers').replaceChildren(...p.fineTuning.map((s) =>
    row([s.provider, s.models.join(', '), s.pricePerToken.neuron, s.occupied ? 'yes' : 'no'])));
  $('#chat-provider').replaceChildren(...p.inference.map((s) => new Option(`${s.model} — ${s.provider}`, s.provider)));
}

function show(tab) {
  for (const b of document.querySelectorAll('nav button')) b.classList.toggle('active', b.dataset.tab === tab);
  for (const s of document.querySelectorAll('main section')) s.hidden = s.id !== tab;
}

function addTurn(cls, text, verified) {
  const div = document.createElement('div');
  div.className = 'turn ' + cls;
  div.textContent = text;
  if (verified !== undefined) {
    const badge = document.createElement('span');
    badge.className = 'badge ' + (verified ? 'ok' : 'bad');
    badge.textContent = verified ? '✓ Verified' : '✗ Not verified';
    div.append(badge);
  }
  $('#transcript').append(div);
}

// Runs a form's action, shows the outcome and refreshes the balances.
function onSubmit(form, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fields = Object.fromEntries(new FormData(form));
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    say('working…');
    try {
      say(await action(fields));
      await refreshAccount();
    } catch (err) {
      say(err.message, true);
    } finally {
      for (const b of form.querySelectorAll('button')) b.disabled = false;
    }
  });
}

for (const form of document.querySelectorAll('form[data-api]')) {
  onSubmit(form, async (f) => {
    const r = await api('POST', form.dataset.api, f);
    return `${form.dataset.api} sent: ${r.transaction || (r.transactions || []).join(', ') || 'nothing to do'}`;
  });
}

onSubmit($('#chat-form'), async (f) => {
  conversation.push({ role: 'user', content: f.text });
  addTurn('user', f.text);
  const r = await api('POST', 'chat', { provider: $('#chat-provider').value, messages: conversation });
  conversation.push({ role: 'assistant', content: r.reply });
  addTurn('assistant', r.reply, r.verified);
  $('#chat-form').reset();
  return `usage: ${JSON.stringify(r.usage)}`;
});

onSubmit($('#key-form'), async (f) => {
  const r = await api('POST', 'api-keys', f);
  $('#new-key').textContent = `token id ${r.tokenId}\n${r.apiKey}`;
  return 'API key created (shown once)';
});

onSubmit($('#revoke-form'), async (f) => {
  const r = await api('DELETE', `api-keys/${encodeURIComponent(f.provider)}/${encodeURIComponent(f.tokenId)}`);
  return `revoked: ${r.transaction}`;
});

for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.tab));

(async () => {
  try {
    const s = await api('GET', 'status');
    $('#who').textContent = `${s.address} · chain ${s.chainId}`;
    await Promise.all([refreshAccount(), refreshProviders()]);
    say('');
  } catch (err) {
    say(err.message, true);
  }
})();
