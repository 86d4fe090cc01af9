import * as api from './api.js';
import { el, say, short, og } from './ui.js';
import account from './pages/account.js';
import market from './pages/market.js';
import chat from './pages/chat.js';
import images from './pages/images.js';
import speech from './pages/speech.js';
import embeddings from './pages/embeddings.js';
import keys from './pages/keys.js';
import history from './pages/history.js';
import fineTuning from './pages/fine-tuning.js';

const pages = { account, market, chat, images, speech, embeddings, keys, history, 'fine-tuning': fineTuning };
const titles = { account: 'Account', market: 'Marketplace', chat: 'Chat', images: 'Images', speech: 'Speech to text',
  embeddings: 'Embeddings', keys: 'API keys', history: 'History', 'fine-tuning': 'Fine-tuning' };

// What the pages share: who we are, the provider list (read once), the balance in the header.
const ctx = {
  status: null,
  providersCache: null,
  async providers(fresh) {
    if (fresh || !this.providersCache) this.providersCache = await api.get('providers');
    return this.providersCache;
  },
  async refreshBalance() {
    const a = await api.get('account');
    document.getElementById('balance').textContent =
      `Total ${og(a.total)} · available ${og(a.available)} · locked ${og(a.locked)}`;
    return a;
  },
  params() {
    return new URLSearchParams(location.hash.split('?')[1] || '');
  },
};

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
  const b = document.getElementById('theme');
  b.setAttribute('aria-label', theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme');
}

function route() {
  const name = (location.hash.replace(/^#\/?/, '').split('?')[0]) || 'account';
  return pages[name] ? name : 'account';
}

let shown = 0;
async function render() {
  const name = route();
  const n = ++shown;
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.getAttribute('href') === '#/' + name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${titles[name]} — 0G Compute`;
  const main = document.getElementById('page');
  main.replaceChildren(el('h1', {}, titles[name]), el('p', { class: 'muted' }, 'Loading…'));
  say('');
  try {
    const body = await pages[name](ctx);
    if (n !== shown) return; // another page was opened meanwhile
    main.replaceChildren(el('h1', {}, titles[name]), ...[].concat(body));
  } catch (err) {
    if (n === shown) {
      main.replaceChildren(el('h1', {}, titles[name]));
      say(err.message, 'error');
    }
  }
}

function askForToken() {
  document.getElementById('who').textContent = 'not connected';
  const input = el('input', { name: 'url', class: 'wide', autocomplete: 'off' });
  const form = el('form', { class: 'card' },
    el('p', {}, 'This page needs the address that "0g-compute-cli web-ui start-web" printed (it ends in #token=…). ' +
      'Open it, or paste it here.'),
    el('div', { class: 'row' }, el('label', { class: 'wide' }, 'Address printed by start-web', input),
      el('button', { type: 'submit' }, 'Connect')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const m = /#token=([0-9a-f]+)/.exec(input.value);
    if (!m) { say('That address has no #token=… part.', 'error'); return; }
    location.hash = 'token=' + m[1];
  });
  document.getElementById('page').replaceChildren(el('h1', {}, 'Connect'), form);
}

async function start() {
  if (!api.hasToken()) { askForToken(); return; }
  try {
    ctx.status = await api.get('status');
  } catch (err) {
    if (err.status === 403) { sessionStorage.removeItem('zgToken'); askForToken(); say(err.message, 'error'); return; }
    say(err.message, 'error');
    return;
  }
  document.getElementById('who').textContent = `${short(ctx.status.address)} · chain ${ctx.status.chainId}`;
  document.getElementById('who').title = ctx.status.address;
  ctx.refreshBalance().catch((err) => say(err.message, 'error'));
  await render();
}

applyTheme(localStorage.getItem('zgTheme') ||
  (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
document.getElementById('theme').addEventListener('click', () => {
  const t = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('zgTheme', t);
  applyTheme(t);
});

takeAndStart();
// a token URL pasted into the address bar later only changes the fragment: pick it up without a reload
window.addEventListener('hashchange', () => {
  if (/(?:^#|&)token=/.test(location.hash)) takeAndStart();
  else if (api.hasToken() && ctx.status) render().then(() => document.getElementById('page').focus());
});

function takeAndStart() {
  api.takeTokenFromHash();
  start();
}
