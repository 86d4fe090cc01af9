// The only way the page talks to the server: same origin, the per-start token in a header.
const KEY = 'zgToken';

/** Takes a token from a #token=… fragment (at load or pasted later) into this tab's storage. */
export function takeTokenFromHash() {
  const m = /(?:^#|&)token=([0-9a-f]+)/.exec(location.hash);
  if (!m) return false;
  sessionStorage.setItem(KEY, m[1]);
  history.replaceState(null, '', location.pathname + '#/account');
  return true;
}

export const hasToken = () => !!sessionStorage.getItem(KEY);

function headers() {
  return { 'X-ZG-Token': sessionStorage.getItem(KEY) || '', 'Content-Type': 'application/json' };
}

async function failure(res) {
  let text = res.statusText || `HTTP ${res.status}`;
  try {
    const data = await res.json();
    if (data && typeof data.error === 'string') text = data.error;
  } catch { /* not JSON: keep the status text */ }
  const err = new Error(text);
  err.status = res.status;
  return err;
}

export async function get(path, params) {
  const q = params ? '?' + new URLSearchParams(params) : '';
  const res = await fetch('/api/' + path + q, { headers: headers() });
  if (!res.ok) throw await failure(res);
  return res.json();
}

export async function post(path, body) {
  const res = await fetch('/api/' + path, { method: 'POST', headers: headers(), body: JSON.stringify(body || {}) });
  if (!res.ok) throw await failure(res);
  return res.json();
}

/** A streamed chat: calls onDelta with each piece of text, resolves with the final {done:true,…} line. */
export async function chat(body, onDelta, signal) {
  const res = await fetch('/api/chat', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal });
  if (!res.ok) throw await failure(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let done = null;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line);
      if (msg.error) throw new Error(msg.error);
      if (msg.delta) onDelta(msg.delta);
      if (msg.done) done = msg;
    }
  }
  if (!done) throw new Error('the reply ended before it was complete: send again');
  return done;
}
