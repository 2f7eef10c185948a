// Small SVG charts drawn by hand: a line over time (throughput), bars that should shrink (a
// cutover's rounds' deltas) and one stacked bar (owners by light). No library: each is a few dozen
// lines, and the pages stay free of anything fetched from elsewhere.

import { bytes } from './format.js';

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

/**
 * Throughput over time: points [{t: ms, v: bytes per second}], the last `windowMs` shown. Its
 * dataset holds the number of samples and the last value, which the browser tests read.
 */
export function throughput(points, windowMs = 10 * 60 * 1000) {
  const W = 640;
  const H = 160;
  const L = 70;
  const B = 20;
  const now = points.length ? points[points.length - 1].t : Date.now();
  const from = Math.max(points.length ? points[0].t : now, now - windowMs);
  const shown = points.filter((p) => p.t >= from);
  const max = niceMax(Math.max(0, ...shown.map((p) => p.v)));
  const span = Math.max(1000, now - from);
  const x = (t) => L + ((t - from) / span) * (W - L - 10);
  const y = (v) => 10 + (1 - v / max) * (H - 10 - B);
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'chart throughput',
    role: 'img',
    'aria-label': 'throughput over time',
    'data-samples': shown.length,
    'data-last': shown.length ? Math.round(shown[shown.length - 1].v) : '',
  });
  for (const f of [0, 0.5, 1]) {
    svg.append(s('line', { x1: L, x2: W - 10, y1: y(max * f), y2: y(max * f), class: 'grid' }));
    svg.append(s('text', { x: L - 6, y: y(max * f) + 4, class: 'axis', 'text-anchor': 'end' }, bytes(max * f) + '/s'));
  }
  svg.append(s('text', { x: L, y: H - 4, class: 'axis' }, new Date(from).toLocaleTimeString()));
  svg.append(s('text', { x: W - 10, y: H - 4, class: 'axis', 'text-anchor': 'end' }, new Date(now).toLocaleTimeString()));
  if (shown.length > 1) {
    const d = shown.map((p, i) => (i ? 'L' : 'M') + x(p.t).toFixed(1) + ' ' + y(p.v).toFixed(1)).join(' ');
    const area = d + ` L${x(shown[shown.length - 1].t).toFixed(1)} ${y(0)} L${x(shown[0].t).toFixed(1)} ${y(0)} Z`;
    svg.append(s('path', { d: area, class: 'area' }));
    svg.append(s('path', { d, class: 'line' }));
  } else {
    svg.append(s('text', { x: W / 2, y: H / 2, class: 'empty', 'text-anchor': 'middle' }, 'sampling… the speed is drawn as the run transfers'));
  }
  return svg;
}

/** A cutover's rounds: bars of bytes copied per round (files in the label), converging to zero. */
export function rounds(list) {
  const W = 640;
  const H = 170;
  const L = 70;
  const B = 34;
  const max = niceMax(Math.max(0, ...list.map((r) => r.bytesCopied)));
  const n = Math.max(1, list.length);
  const slot = (W - L - 10) / n;
  const bw = Math.min(60, slot * 0.7);
  const y = (v) => 10 + (1 - v / max) * (H - 10 - B);
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`,
    class: 'chart rounds',
    role: 'img',
    'aria-label': "each round's delta",
    'data-rounds': list.length,
    'data-ended': list.filter((r) => r.endedAt).length,
  });
  for (const f of [0, 0.5, 1]) {
    svg.append(s('line', { x1: L, x2: W - 10, y1: y(max * f), y2: y(max * f), class: 'grid' }));
    svg.append(s('text', { x: L - 6, y: y(max * f) + 4, class: 'axis', 'text-anchor': 'end' }, bytes(max * f)));
  }
  list.forEach((r, i) => {
    const cx = L + slot * i + slot / 2;
    const top = y(r.bytesCopied);
    const bar = s('rect', {
      x: cx - bw / 2,
      y: top,
      width: bw,
      height: Math.max(0, y(0) - top),
      class: 'bar' + (r.finalRound ? ' final' : '') + (r.endedAt ? '' : ' open'),
    });
    bar.append(s('title', {}, `round ${r.number}: ${r.filesCopied} file${r.filesCopied === 1 ? '' : 's'}, ${bytes(r.bytesCopied)}`));
    svg.append(bar);
    svg.append(s('text', { x: cx, y: H - 18, class: 'axis', 'text-anchor': 'middle' }, (r.finalRound ? 'final ' : '#') + r.number));
    svg.append(s('text', { x: cx, y: H - 4, class: 'axis', 'text-anchor': 'middle' }, r.filesCopied + (r.filesCopied === 1 ? ' file' : ' files')));
  });
  if (!list.length) {
    svg.append(s('text', { x: W / 2, y: H / 2, class: 'empty', 'text-anchor': 'middle' }, 'no round yet'));
  }
  return svg;
}

/** Owners by light: one stacked bar (green, yellow, red, then those still going). */
export function lights(totals) {
  const W = 640;
  const H = 46;
  const l = (totals && totals.lights) || {};
  const total = (totals && totals.total) || 0;
  const parts = [
    ['green', l.green || 0],
    ['yellow', l.yellow || 0],
    ['red', l.red || 0],
  ];
  const lit = parts.reduce((a, [, v]) => a + v, 0);
  parts.push(['none', Math.max(0, total - lit)]);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart lights', role: 'img', 'aria-label': 'owners by light' });
  let x = 0;
  for (const [name, v] of parts) {
    if (!v) continue;
    const w = (v / Math.max(1, total)) * W;
    const r = s('rect', { x, y: 0, width: w, height: 24, class: 'seg seg-' + name, 'data-light': name, 'data-count': v });
    r.append(s('title', {}, `${v} ${name === 'none' ? 'not ended' : name}`));
    svg.append(r);
    if (w > 40) svg.append(s('text', { x: x + w / 2, y: 17, class: 'seglabel', 'text-anchor': 'middle' }, String(v)));
    x += w;
  }
  const legend = parts.map(([n, v]) => `${v} ${n === 'none' ? 'not ended' : n}`).join(' · ');
  svg.append(s('text', { x: 0, y: 42, class: 'axis' }, `${total} owners: ${legend}`));
  return svg;
}
