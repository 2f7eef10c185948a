// Jobs: the active ones first, then the recent ones, each with its client, project, state, a
// progress bar, files and bytes done of total, speed, ETA, its owners' lights and failures.

import { api } from './api.js';
import { h, replace, state } from './dom.js';
import { count } from './format.js';
import { clientName, projectName } from './names.js';
import * as R from './run.js';

const STATES = ['CREATED', 'SCANNING', 'READY', 'RUNNING', 'PAUSED', 'COMPLETED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

const PAGE = 100;

export function jobsPage(root, me) {
  let filter = '';
  let limit = PAGE;
  const more = h('button', { type: 'button', id: 'jobs-more', hidden: true, onclick: () => ((limit += PAGE), page.refresh()) }, 'show older jobs');
  const select = h(
    'select',
    { id: 'state-filter', 'aria-label': 'state' },
    h('option', { value: '' }, 'every state'),
    STATES.map((s) => h('option', { value: s }, s.toLowerCase().replace(/_/g, ' '))),
  );
  select.addEventListener('change', () => {
    filter = select.value;
    page.refresh();
  });
  const activeBody = h('tbody');
  const recentBody = h('tbody');
  const summary = h('p', { class: 'muted', id: 'jobs-summary' });
  root.append(
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'titlebar' }, h('h1', {}, 'Jobs'), h('label', {}, 'Show ', select)),
      me.kind === 'client' ? h('p', { class: 'muted' }, 'Only the jobs of ' + (me.clientName || 'your client') + ' are shown.') : null,
      summary,
      h('h2', {}, 'Active'),
      table(activeBody, 'jobs-active'),
      h('h2', {}, 'Recent'),
      table(recentBody, 'jobs-recent'),
      more,
    ),
  );

  const page = {
    async refresh() {
      const q = new URLSearchParams({ limit: String(Math.min(limit, 500)) });
      if (filter) q.set('state', filter);
      const res = await api.get('/jobs?' + q);
      const rows = await Promise.all(res.jobs.map(row));
      const act = [];
      const rec = [];
      res.jobs.forEach((j, i) => (R.active(j.lastRun) ? act : rec).push(rows[i]));
      replace(activeBody, act.length ? act : empty('no job is running'));
      replace(recentBody, rec.length ? rec : empty('no job'));
      const older = res.nextOffset !== null && limit < 500;
      summary.textContent = `${res.jobs.length} job${res.jobs.length === 1 ? '' : 's'}${res.nextOffset !== null ? ' (the newest)' : ''}, ${act.length} active`;
      more.hidden = !older;
    },
  };
  return page;
}

function table(body, id) {
  return h(
    'table',
    { class: 'jobs', id },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Job', 'Client', 'Project', 'State', 'Progress', 'Files', 'Bytes', 'Speed', 'ETA', 'Owners', 'Failed'].map((c) => h('th', {}, c)),
      ),
    ),
    body,
  );
}

function empty(text) {
  return h('tr', {}, h('td', { colspan: 11, class: 'muted' }, text));
}

async function row(j) {
  const [client, project] = await Promise.all([clientName(j.clientId), projectName(j.projectId)]);
  const r = j.lastRun;
  const failed = r ? r.files.failed : 0;
  return h(
    'tr',
    { dataset: { jobId: j.id, state: j.state } },
    h('td', {}, h('a', { href: '#/jobs/' + j.id, class: 'jobname' }, j.name)),
    h('td', { class: 'client' }, client || j.clientId),
    h('td', {}, project || j.projectId),
    h(
      'td',
      {},
      state(j.state),
      r && r.mode === 'DRY_RUN' ? h('span', { class: 'muted' }, ' dry run') : null,
      r && r.waiting ? h('div', { class: 'warn small', title: r.waiting.message }, 'waiting for agent ' + r.waiting.agentName) : null,
    ),
    h('td', { class: 'progresscell' }, R.bar(r)),
    h('td', { class: 'num files' }, R.files(r)),
    h('td', { class: 'num bytes' }, R.sizes(r)),
    h('td', { class: 'num speed' }, R.rate(r)),
    h('td', { class: 'num eta' }, R.eta(r)),
    h('td', {}, R.lights(r && r.ownerTotals)),
    h('td', { class: 'num' + (failed ? ' bad' : '') }, count(failed)),
  );
}
