// A few helpers to build the pages' DOM. Text always goes in as text (never as HTML), so names and
// paths from the API cannot inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function light(name) {
  const l = name || 'none';
  return h('span', { class: 'light light-' + l, title: name || 'not ended', dataset: { light: l } });
}

export function state(s) {
  const v = (s || 'unknown').toLowerCase();
  return h('span', { class: 'state state-' + v, dataset: { state: s || '' } }, v.replace(/_/g, ' '));
}

export function progress(pct, label) {
  const bar = h('span', { class: 'bar' });
  bar.style.width = (pct === null ? 0 : pct).toFixed(1) + '%';
  const track = h('span', { class: 'track' }, bar);
  return h(
    'span',
    {
      class: 'progress' + (pct === null ? ' unknown' : ''),
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': pct === null ? null : pct.toFixed(1),
      title: label || '',
    },
    track,
    h('span', { class: 'pct' }, pct === null ? '–' : pct.toFixed(pct < 10 ? 1 : 0) + '%'),
  );
}

/** A link to the Temporal Web UI's list of workflows matching a visibility query, or null. */
export function temporalLink(temporal, query, text) {
  if (!temporal || !temporal.uiUrl) return null;
  const url =
    temporal.uiUrl +
    '/namespaces/' +
    encodeURIComponent(temporal.namespace || 'default') +
    '/workflows?query=' +
    encodeURIComponent(query);
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'temporal' }, text);
}

/** A link to one workflow's page in the Temporal Web UI (its latest run), or null. */
export function workflowLink(temporal, workflowId, text) {
  if (!temporal || !temporal.uiUrl || !workflowId) return null;
  const url =
    temporal.uiUrl +
    '/namespaces/' +
    encodeURIComponent(temporal.namespace || 'default') +
    '/workflows/' +
    encodeURIComponent(workflowId);
  return h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'temporal' }, text || 'Temporal');
}

export function toast(message, bad) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.className = 'toast' + (bad ? ' bad' : '');
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.hidden = true), bad ? 8000 : 3000);
}
