import * as api from '../api.js';
import { el, field, say, short, og, badge } from '../ui.js';

// Sessions live in this browser only (localStorage), per wallet.
const storeKey = (ctx) => `zgChatSessions_${ctx.status.address.toLowerCase()}`;
const load = (ctx) => { try { return JSON.parse(localStorage.getItem(storeKey(ctx))) || []; } catch { return []; } };
const save = (ctx, sessions) => localStorage.setItem(storeKey(ctx), JSON.stringify(sessions.slice(0, 50)));

function verification(m) {
  const details = el('details', {}, el('summary', {}, 'Details'),
    el('div', {}, `chat id ${m.chatId || '—'}`),
    el('div', {}, 'request sha256 ', el('code', {}, m.requestSha256 || '—')),
    el('div', {}, 'response sha256 ', el('code', {}, m.responseSha256 || '—')),
    el('div', { class: 'muted' }, 'Verified means the provider\'s TEE signer signed exactly sha256(request):sha256(response) of these bytes.'));
  return el('div', { class: 'meta' }, badge(m.verification), ' ', el('span', { class: 'muted' }, `fee ${og(m.fee)}`), details);
}

function turn(m) {
  return el('div', { class: 'turn ' + m.role, role: 'article', 'aria-label': m.role === 'user' ? 'You' : 'Assistant' },
    el('div', { class: 'text' }, m.content), m.role === 'assistant' && m.verification ? verification(m) : null);
}

export default async function chat(ctx) {
  const p = await ctx.providers();
  const chatProviders = p.inference.filter((s) => s.serviceType === 'chatbot');
  const sessions = load(ctx);
  const wanted = ctx.params().get('provider');
  let current = sessions[0] || null;

  const providerSel = el('select', { name: 'provider' }, chatProviders.map((s) =>
    el('option', { value: s.provider, selected: s.provider === wanted }, `${s.model} — ${short(s.provider)}`)));
  const modelSel = el('select', { name: 'model' });
  const fillModels = () => {
    const s = chatProviders.find((x) => x.provider === providerSel.value);
    const models = s && s.health.models && s.health.models.length ? s.health.models : s ? [s.model] : [];
    modelSel.replaceChildren(...models.map((m) => el('option', { value: m, selected: s && m === s.health.defaultModel }, m)));
  };
  providerSel.addEventListener('change', fillModels);
  fillModels();

  const transcript = el('div', { class: 'transcript', 'aria-live': 'polite' });
  const list = el('ul', {});
  const text = el('textarea', { name: 'text', rows: 3, required: true });
  const send = el('button', { type: 'submit' }, 'Send');
  const stop = el('button', { type: 'button', class: 'ghost', disabled: true }, 'Stop');
  let abort = null;

  const drawSessions = () => {
    list.replaceChildren(...sessions.map((s) => {
      const b = el('button', { type: 'button', class: 'ghost', 'aria-current': s === current ? 'true' : 'false' }, s.title || 'New chat');
      b.addEventListener('click', () => { current = s; if (s.provider) providerSel.value = s.provider; fillModels(); draw(); });
      return el('li', {}, b);
    }));
  };
  const draw = () => {
    transcript.replaceChildren(...(current ? current.messages.map(turn) : [el('p', { class: 'muted' }, 'Ask anything to start a session.')]));
    drawSessions();
  };
  const newSession = el('button', { type: 'button', class: 'ghost' }, 'New chat');
  newSession.addEventListener('click', () => { current = null; draw(); text.focus(); });
  const clear = el('button', { type: 'button', class: 'ghost' }, 'Delete chat');
  clear.addEventListener('click', () => {
    if (!current) return;
    sessions.splice(sessions.indexOf(current), 1);
    current = sessions[0] || null;
    save(ctx, sessions);
    draw();
  });
  stop.addEventListener('click', () => abort && abort.abort());

  const form = el('form', { class: 'card' },
    el('div', { class: 'row' }, field('Provider', providerSel, 'wide'), field('Model', modelSel)),
    field('Message', text),
    el('div', { class: 'row' }, send, stop));
  text.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const content = text.value.trim();
    if (!content) return;
    if (!current || current.provider !== providerSel.value) {
      current = { id: Date.now(), title: content.slice(0, 40), provider: providerSel.value, messages: [] };
      sessions.unshift(current);
    }
    const session = current;
    const user = { role: 'user', content };
    session.messages.push(user);
    const reply = { role: 'assistant', content: '' };
    const replyNode = turn(reply);
    transcript.append(turn(user), replyNode);
    text.value = '';
    send.disabled = true; stop.disabled = false;
    abort = new AbortController();
    say('Waiting for the provider…');
    try {
      const history = session.messages.map(({ role, content: c }) => ({ role, content: c }));
      const done = await api.chat({ provider: session.provider, model: modelSel.value, messages: history },
        (d) => { reply.content += d; replyNode.querySelector('.text').textContent = reply.content; }, abort.signal);
      Object.assign(reply, { content: done.text, verification: done.verification, fee: done.fee, chatId: done.chatId,
        requestSha256: done.requestSha256, responseSha256: done.responseSha256 });
      session.messages.push(reply);
      save(ctx, sessions);
      say(`Reply ${done.verification === 'VERIFIED' ? 'verified' : 'NOT verified'}; fee ${og(done.fee)}.`,
        done.verification === 'VERIFIED' ? 'ok' : 'error');
      ctx.refreshBalance().catch(() => {});
    } catch (err) {
      // a failed message is taken back: it goes back into the box, not into the conversation sent next time
      session.messages.pop();
      if (!session.messages.length) sessions.splice(sessions.indexOf(session), 1);
      if (current === session && !session.messages.length) current = sessions[0] || null;
      text.value = content;
      save(ctx, sessions);
      say(err.name === 'AbortError' ? 'Stopped: the message was not sent.' : err.message, 'error');
    } finally {
      send.disabled = false; stop.disabled = true; abort = null;
      draw();
    }
  });
  draw();
  if (!chatProviders.length) say('No chat provider on this network.', 'error');
  return el('div', { class: 'chat' },
    el('nav', { class: 'sessions card', 'aria-label': 'Chat sessions' }, el('div', { class: 'row' }, newSession, clear), list),
    el('div', {}, transcript, form));
}
