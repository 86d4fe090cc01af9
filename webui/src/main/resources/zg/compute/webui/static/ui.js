// Small DOM helpers shared by the pages: no framework, no innerHTML with data.

/** el('button', {class: 'x', onclick: f}, 'text', child…) */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

/** A labelled field: the label wraps the control so screen readers name it. */
export function field(label, control, cls) {
  return el('label', { class: cls }, label, control);
}

export function say(text, kind) {
  const s = document.getElementById('status');
  s.textContent = text || '';
  s.className = 'status' + (kind ? ' ' + kind : '');
}

export const short = (hex) => (hex && hex.length > 14 ? hex.slice(0, 8) + '…' + hex.slice(-6) : hex || '');

export const og = (amount) => `${amount.og} 0G`;

/** A transaction hash for a status line: short, the whole hash in the title. */
export function txText(r) {
  return r.transaction ? `${r.message} (transaction ${short(r.transaction)})` : r.message;
}

export function table(headers, rows, caption) {
  // the wrapper scrolls sideways on a narrow screen: focusable and named so a keyboard can scroll it
  return el('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': caption || 'Table' }, el('table', {},
    caption ? el('caption', { class: 'sr-only' }, caption) : null,
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h || el('span', { class: 'sr-only' }, 'Actions'))))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c)))))));
}

/** The verification of one paid answer as a badge a screen reader reads in words. */
export function badge(verification) {
  const v = String(verification || '').toUpperCase();
  if (v === 'VERIFIED') return el('span', { class: 'badge ok', 'data-verification': v }, '✓ Verified');
  if (v === 'SKIPPED') return el('span', { class: 'badge warn', 'data-verification': v }, 'Not verifiable (no signature key)');
  return el('span', { class: 'badge bad', 'data-verification': v }, '✗ Signature does not match');
}

/** Runs an action for a form: buttons disabled meanwhile, outcome on the status line (never raw JSON). */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    say('Working…');
    try {
      const msg = await action(Object.fromEntries(new FormData(form)), form);
      say(msg || 'Done.', 'ok');
    } catch (err) {
      say(err.message, 'error');
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return form;
}

/** Asks in a modal dialog; resolves true only on Confirm. */
export function confirmAction(text, okLabel) {
  const d = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-ok').textContent = okLabel || 'Confirm';
  d.returnValue = '';
  d.showModal();
  return new Promise((resolve) => d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true }));
}

export function readFile(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(new Error('cannot read ' + file.name));
    r.readAsDataURL(file);
  });
}

export function providerSelect(providers, types, name, selected) {
  const list = providers.filter((p) => types.includes(p.serviceType));
  return el('select', { name: name || 'provider', required: true },
    list.length ? list.map((p) => el('option', { value: p.provider, selected: p.provider === selected },
      `${p.model} — ${short(p.provider)}`)) : el('option', { value: '' }, 'no provider of this type'));
}

export function feeLine(r) {
  return el('span', { class: 'muted' }, ` fee ${og(r.fee)} · request ${short(r.chatId)}`);
}

export function when(ms) {
  return ms ? new Date(ms).toLocaleString() : '—';
}
