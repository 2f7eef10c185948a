// Transit cutovers (GET /api/v1/transits): each transit's state and what to do now, the time left in
// its free window and its finalization, the overage so far, the precopies, and every account with
// where it is served and its state, the move running and those queued. Steps are taken with
// `ferry transit` or the API (docs/runbooks/transit-cutover.md).

import { api } from './api.js';
import { h, replace, state } from './dom.js';
import { count, when } from './format.js';
import { clientName } from './names.js';

function windows(t) {
  const w = t.windows || {};
  const out = [];
  if (w.freeUntil) {
    out.push(
      h(
        'div',
        { class: 'free' },
        `free until ${when(w.freeUntil)}` + (w.freeDaysLeft !== undefined ? ` (${w.freeDaysLeft} days left)` : ''),
      ),
    );
  } else if (t.kind === 'shared') {
    out.push(h('div', { class: 'muted' }, 'shared: no free window, no deadline'));
  }
  if (w.overageDays > 0) {
    out.push(
      h(
        'div',
        { class: 'overage bad' },
        `overage: ${w.overageDays} day${w.overageDays === 1 ? '' : 's'}` +
          (w.overageCents !== undefined ? `, ${(w.overageCents / 100).toFixed(2)}` : ''),
      ),
    );
  }
  if (w.finalizer) {
    out.push(
      h(
        'div',
        { class: 'finalize' + (w.overrun ? ' bad' : '') },
        `finalized by ${w.finalizer}` +
          (w.finalizeBy ? `, due ${when(w.finalizeBy)}` : '') +
          (w.finalizeDaysLeft !== undefined ? ` (${w.finalizeDaysLeft} days left)` : '') +
          (w.overrun ? ' — overrun' : ''),
      ),
    );
  }
  return out;
}

function copy(label, c) {
  if (!c) return null;
  return h(
    'div',
    { class: 'small muted' },
    `${label} (run ${c.runId}): ${c.state || 'running'}, ${count(c.filesCopied)} copied` +
      (c.filesTotal ? ` of ${count(c.filesTotal)} found` : '') +
      (c.filesFailed ? `, ${count(c.filesFailed)} failed` : ''),
  );
}

function transitCard(t, client) {
  const last = new Map();
  for (const m of t.moves || []) last.set(m.account, m);
  return h(
    'section',
    { class: 'card transit', dataset: { transitId: t.id, state: t.state } },
    h('h2', {}, t.name, ' ', state(t.state), h('span', { class: 'muted small' }, ` ${t.kind} · ${client || t.clientId}`)),
    t.message ? h('p', { class: 'message' }, t.message) : null,
    ...windows(t),
    copy('precopy', t.precopy),
    copy('precopy back', t.precopyBack),
    h(
      'table',
      { class: 'accounts' },
      h('thead', {}, h('tr', {}, ['Account', 'Location', 'State', 'Databases', 'Last move'].map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        (t.accounts || []).map((a) => {
          const m = last.get(a.name);
          return h(
            'tr',
            { dataset: { account: a.name, location: a.location, state: a.state } },
            h('td', {}, a.name),
            h('td', { class: 'location' }, a.location),
            h('td', {}, state(a.state)),
            h('td', { class: 'small' }, (a.databases || []).join(', ') || '–'),
            h(
              'td',
              { class: 'small' + (m && !m.ok ? ' bad' : '') },
              m
                ? `to the ${m.to}: ${m.ok ? 'done' : 'gave up'}, ${m.measuredUnavailabilitySeconds} s unavailable` +
                    ` (expected ${m.expectedUnavailabilitySeconds} s)` +
                    (m.ok || !a.lastProblem ? '' : ' — ' + a.lastProblem)
                : '–',
            ),
          );
        }),
      ),
    ),
  );
}

export function transitsPage(root) {
  const list = h('div', { id: 'transits' });
  const summary = h('p', { class: 'muted', id: 'transits-summary' });
  root.append(h('section', { class: 'card' }, h('h1', {}, 'Transits'), summary), list);
  return {
    async refresh() {
      const res = await api.get('/transits');
      const transits = res.transits || [];
      const names = await Promise.all(transits.map((t) => clientName(t.clientId)));
      const open = transits.filter((t) => t.state !== 'finished').length;
      summary.textContent = transits.length
        ? `${transits.length} transit${transits.length === 1 ? '' : 's'}, ${open} in progress`
        : 'no transit cutover yet: create one with ferry transit create (docs/runbooks/transit-cutover.md)';
      replace(list, ...transits.map((t, i) => transitCard(t, names[i])));
    },
  };
}
