import * as api from '../api.js';
import { el, short, table, og } from '../ui.js';

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  e.append(...children);
  return e;
}

/** Cumulative settled fees over time as an inline SVG line. */
function chart(points, total) {
  const w = 600; const h = 200; const pad = 30;
  if (!points.length) return el('p', { class: 'muted' }, 'No fees settled yet.');
  const xs = points.map((p) => p.time); const ys = points.map((p) => Number(BigInt(p.total.neuron) / 1000000n));
  const x0 = Math.min(...xs); const x1 = Math.max(...xs, x0 + 1); const y1 = Math.max(...ys, 1);
  const px = (x) => pad + ((x - x0) / (x1 - x0)) * (w - 2 * pad);
  const py = (y) => h - pad - (y / y1) * (h - 2 * pad);
  const d = points.map((p, i) => `${i ? 'L' : 'M'}${px(xs[i]).toFixed(1)},${py(ys[i]).toFixed(1)}`).join(' ');
  return el('figure', { class: 'chart' }, svg('svg', { viewBox: `0 0 ${w} ${h}`, role: 'img',
    'aria-label': `Spending over time, ${total.og} 0G in total` },
  svg('line', { class: 'axis', x1: pad, y1: h - pad, x2: w - pad, y2: h - pad }),
  svg('line', { class: 'axis', x1: pad, y1: pad, x2: pad, y2: h - pad }),
  svg('path', { class: 'line', d }),
  svg('text', { x: pad, y: h - 8 }, new Date(x0).toLocaleTimeString()),
  svg('text', { x: w - pad, y: h - 8, 'text-anchor': 'end' }, new Date(x1).toLocaleTimeString()),
  svg('text', { x: pad + 4, y: pad - 8 }, `${total.og} 0G`)),
  el('figcaption', { class: 'muted' }, 'Fees settled on chain, cumulative'));
}

export default async function history() {
  const h = await api.get('history');
  const rows = h.events.slice().reverse().map((e) => [new Date(e.time).toLocaleString(), e.kind, e.service,
    el('span', { class: 'addr', title: e.provider }, short(e.provider)), (e.sign < 0 ? '−' : e.sign > 0 ? '+' : '') + og(e.change),
    og(e.balance), el('span', { class: 'addr', title: e.transaction }, short(e.transaction))]);
  return [
    el('section', { class: 'card', 'aria-labelledby': 'sp-h' }, el('h2', { id: 'sp-h' }, `Spending: ${og(h.spent)}`), chart(h.spending, h.spent)),
    el('section', { class: 'card', 'aria-labelledby': 'ev-h' }, el('h2', { id: 'ev-h' }, 'Sub-account events on chain'),
      rows.length ? table(['Time', 'What', 'Service', 'Provider', 'Change', 'Balance after', 'Transaction'], rows, 'Events')
        : el('p', {}, 'No events yet.')),
  ];
}
