// One job: its latest (or a chosen) run with progress, speed and ETA, a throughput chart, the
// controls (pause, resume, cancel, a dry / full / incremental run of everyone or of chosen
// owners), the owners with their lights (filterable, paged), the run log (by outcome, paged), the
// reports, links to the workflows in the Temporal UI, and the job's cutover.

import { api } from './api.js';
import * as C from './charts.js';
import { h, light, replace, state, temporalLink, toast, workflowLink } from './dom.js';
import { bytes, count, duration, speed, when, words } from './format.js';
import { clientName, projectName } from './names.js';
import * as R from './run.js';

const OWNER_STATES = ['queued', 'scanning', 'running', 'paused', 'completed', 'completed_with_errors', 'failed', 'cancelled'];
const OUTCOMES = ['transferred', 'unchanged', 'altered', 'skipped', 'failed', 'retry', 'deleted', 'kept', 'worker'];
const OWNERS_PAGE = 20;
const LOG_PAGE = 50;
const STEPS = ['round', 'freeze', 'verify', 'switch', 'abort', 'decommission'];

// speed samples per run, kept while the page is open (the API gives the speed now, not a history)
const samples = new Map();

function sample(run) {
  if (!run) return [];
  let list = samples.get(run.id);
  if (!list) samples.set(run.id, (list = []));
  if (R.active(run) && run.speedBytesPerSecond !== null) {
    list.push({ t: Date.now(), v: run.speedBytesPerSecond });
    if (list.length > 600) list.shift();
  } else if (R.active(run) && list.length) {
    list.push({ t: Date.now(), v: 0 });
  }
  return list;
}

function select(id, label, values, first) {
  return h(
    'select',
    { id, 'aria-label': label },
    first ? h('option', { value: '' }, first) : null,
    values.map((v) => h('option', { value: v }, words(v))),
  );
}

export function jobPage(root, me, jobId) {
  const t = me.temporal;
  const ui = {
    title: h('h1', {}, 'Job'),
    meta: h('p', { class: 'muted', id: 'job-meta' }),
    links: h('p', { class: 'links', id: 'job-links' }),
    runPick: h('select', { id: 'run-pick', 'aria-label': 'run' }),
    figures: h('div', { class: 'figures', id: 'run-figures' }),
    chart: h('div', { id: 'throughput' }),
    controls: h('div', { class: 'controls', id: 'controls' }),
    staged: h('div', { id: 'staged' }),
    lights: h('div', { id: 'owner-lights' }),
    owners: h('tbody'),
    ownersPager: h('div', { class: 'pager', id: 'owners-pager' }),
    log: h('tbody'),
    logPager: h('div', { class: 'pager', id: 'log-pager' }),
    reports: h('p', { class: 'links', id: 'reports' }),
    cutover: h('div', { id: 'cutover' }),
  };
  const st = { mode: 'INCREMENTAL', runId: null, follow: true, ownerState: '', ownerLight: '', ownerOffset: 0, outcome: '', logOffset: 0, chosen: new Set(), ownerFilter: '' };
  let job = null;
  let run = null;

  const ownerState = select('owner-state', 'owner state', OWNER_STATES, 'every state');
  const ownerLight = select('owner-light', 'owner light', ['green', 'yellow', 'red'], 'every light');
  const outcome = select('log-outcome', 'outcome', OUTCOMES, 'every outcome');
  ownerState.addEventListener('change', () => ((st.ownerState = ownerState.value), (st.ownerOffset = 0), page.refresh()));
  ownerLight.addEventListener('change', () => ((st.ownerLight = ownerLight.value), (st.ownerOffset = 0), page.refresh()));
  outcome.addEventListener('change', () => ((st.outcome = outcome.value), (st.logOffset = 0), page.refresh()));
  ui.runPick.addEventListener('change', () => {
    st.runId = Number(ui.runPick.value);
    st.follow = ui.runPick.selectedIndex === 0;
    st.ownerOffset = 0;
    st.logOffset = 0;
    page.refresh();
  });

  root.append(
    h('p', {}, h('a', { href: '#/jobs' }, '← all jobs')),
    h('section', { class: 'card' }, h('div', { class: 'titlebar' }, ui.title, h('label', {}, 'Run ', ui.runPick)), ui.meta, ui.links, ui.figures, ui.controls, ui.staged),
    h('section', { class: 'card' }, h('h2', {}, 'Throughput'), ui.chart),
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'titlebar' }, h('h2', {}, 'Owners'), h('span', {}, ownerState, ' ', ownerLight)),
      ui.lights,
      h(
        'table',
        { id: 'owners' },
        h('thead', {}, h('tr', {}, ['', 'Owner', 'State', 'Files', 'Bytes', 'Failed', 'Skipped', 'Message', ''].map((c) => h('th', {}, c)))),
        ui.owners,
      ),
      ui.ownersPager,
    ),
    h(
      'section',
      { class: 'card' },
      h('div', { class: 'titlebar' }, h('h2', {}, 'Run log'), outcome),
      h('table', { id: 'log' }, h('thead', {}, h('tr', {}, ['At', 'Owner', 'Path', 'Outcome', 'Detail', 'Size', 'Attempts'].map((c) => h('th', {}, c)))), ui.log),
      ui.logPager,
      h('h3', {}, 'Reports'),
      ui.reports,
    ),
    h('section', { class: 'card' }, h('h2', {}, 'Cutover'), ui.cutover),
  );

  async function act(label, fn) {
    try {
      await fn();
      toast(label);
    } catch (e) {
      toast(e.message, true);
    }
    await page.refresh().catch(() => {});
  }

  function controls() {
    const live = R.active(job.lastRun);
    const paused = live && job.lastRun.state === 'PAUSED';
    // redrawn at every refresh: the mode chosen is kept in the page's state, not in the element
    const mode = h('select', { id: 'run-mode', 'aria-label': 'mode' }, ['INCREMENTAL', 'FULL', 'DRY_RUN'].map((m) => h('option', { value: m, selected: m === st.mode }, words(m))));
    mode.addEventListener('change', () => (st.mode = mode.value));
    const chosen = [...st.chosen];
    const start = h(
      'button',
      {
        id: 'start-run',
        type: 'button',
        disabled: live,
        title: live ? 'a job has one run at a time' : '',
        onclick: () =>
          act('run started', () =>
            api.post(`/jobs/${jobId}/runs`, chosen.length ? { mode: mode.value, owners: chosen } : { mode: mode.value }).then(() => {
              // the choice was for this run: the next one starts with everyone again
              st.follow = true;
              st.chosen.clear();
              replace(ui.staged);
            }),
          ),
      },
      chosen.length ? `Start run of ${chosen.length} chosen owner${chosen.length > 1 ? 's' : ''}` : 'Start run',
    );
    replace(
      ui.controls,
      h('button', { id: 'pause', type: 'button', disabled: !live || paused, onclick: () => act('pause sent', () => api.post(`/jobs/${jobId}/pause`)) }, 'Pause'),
      h('button', { id: 'resume', type: 'button', disabled: !paused, onclick: () => act('resume sent', () => api.post(`/jobs/${jobId}/resume`)) }, 'Resume'),
      h(
        'button',
        {
          id: 'cancel',
          type: 'button',
          class: 'danger',
          disabled: !live,
          onclick: () => confirm('Cancel the running run? What was copied stays.') && act('cancel sent', () => api.post(`/jobs/${jobId}/cancel`)),
        },
        'Cancel',
      ),
      h('span', { class: 'sep' }),
      mode,
      start,
    );
  }

  function staged() {
    const owners = job.owners || [];
    if (!owners.length) {
      replace(ui.staged);
      return;
    }
    if (ui.staged.querySelector('details')) {
      // keep the open picker as it is (a refresh must not undo a half-made choice)
      return;
    }
    const list = h('div', { class: 'picker', id: 'owner-picker' });
    const filter = h('input', { type: 'search', placeholder: 'filter owners', 'aria-label': 'filter owners' });
    const draw = () => {
      const f = filter.value.toLowerCase();
      const shown = owners.filter((o) => !f || (o.name || '').toLowerCase().includes(f) || o.sourcePath.toLowerCase().includes(f)).slice(0, 200);
      replace(
        list,
        shown.map((o) => {
          const box = h('input', { type: 'checkbox', value: o.id, checked: st.chosen.has(o.id) });
          box.addEventListener('change', () => {
            box.checked ? st.chosen.add(o.id) : st.chosen.delete(o.id);
            controls();
          });
          return h('label', { class: 'pick' }, box, ' ', o.name || o.sourcePath, h('span', { class: 'muted' }, ' ' + o.sourcePath));
        }),
      );
    };
    filter.addEventListener('input', draw);
    draw();
    replace(
      ui.staged,
      h(
        'details',
        {},
        h('summary', {}, `Staged start: choose owners (${owners.length})`),
        h('p', { class: 'muted' }, 'The next run takes only the owners ticked here; none ticked: every owner.'),
        filter,
        list,
      ),
    );
  }

  function figures(r) {
    if (!r) {
      replace(ui.figures, h('p', { class: 'muted' }, 'This job has not run yet.'));
      return;
    }
    const f = r.files;
    const items = [
      ['Run', `#${r.id} ${words(r.mode)}`],
      ['State', state(r.state)],
      ['Files', `${count(f.completed)} of ${count(f.total)}`],
      ['Bytes', `${bytes(r.bytes.completed)} of ${bytes(r.bytes.total)}`],
      ['Speed', R.rate(r)],
      ['ETA', R.eta(r)],
      ['Failed', count(f.failed)],
      ['Skipped', count(f.skipped)],
      ['Started', when(r.startedAt)],
      ['Duration', duration(r.durationSeconds)],
    ];
    replace(
      ui.figures,
      h('div', { class: 'bigbar' }, R.bar(r)),
      h(
        'dl',
        { class: 'kv' },
        items.map(([k, v]) => [h('dt', {}, k), h('dd', { dataset: { figure: k.toLowerCase() } }, v)]),
      ),
      r.partialTotals ? h('p', { class: 'muted' }, r.partialTotals.note) : null,
      r.waiting ? h('p', { class: 'warn', id: 'run-waiting' }, r.waiting.message) : null,
    );
  }

  function owners(r) {
    replace(ui.lights, C.lights(r.ownerTotals));
    const list = r.owners || [];
    replace(
      ui.owners,
      list.length
        ? list.map((o) =>
            h(
              'tr',
              { dataset: { ownerId: o.ownerId, light: o.light || '', state: o.state } },
              h('td', {}, light(o.light)),
              h('td', {}, o.name || o.sourcePath, h('div', { class: 'muted small' }, o.sourcePath + ' → ' + o.destinationPath)),
              h('td', {}, words(o.state)),
              h('td', { class: 'num' }, `${count(o.files.completed)} / ${count(o.files.total)}`),
              h('td', { class: 'num' }, `${bytes(o.bytes.completed)} / ${bytes(o.bytes.total)}`),
              h('td', { class: 'num' + (o.files.failed ? ' bad' : '') }, count(o.files.failed)),
              h('td', { class: 'num' }, count(o.files.skipped)),
              h('td', { class: 'message' }, o.message || ''),
              h('td', {}, workflowLink(t, o.workflowId)),
            ),
          )
        : h('tr', {}, h('td', { colspan: 9, class: 'muted' }, 'no owner matches')),
    );
    const p = r.ownersPage;
    pager(ui.ownersPager, p.offset, OWNERS_PAGE, p.nextOffset, list.length, (o) => ((st.ownerOffset = o), page.refresh()));
  }

  function pager(el, offset, size, next, shown, go) {
    replace(
      el,
      h('button', { type: 'button', class: 'prev', disabled: offset === 0, onclick: () => go(Math.max(0, offset - size)) }, '‹ previous'),
      h('span', { class: 'muted' }, shown ? ` ${offset + 1}–${offset + shown} ` : ' – '),
      h('button', { type: 'button', class: 'next', disabled: next === null || next === undefined, onclick: () => go(next) }, 'next ›'),
    );
  }

  function log(l) {
    replace(
      ui.log,
      l.entries.length
        ? l.entries.map((e) =>
            h(
              'tr',
              { dataset: { outcome: e.outcome } },
              h('td', { class: 'small' }, when(e.at)),
              h('td', {}, e.owner || ''),
              h('td', { class: 'path' }, e.path || ''),
              h('td', { class: 'outcome-' + e.outcome }, e.outcome),
              h('td', { class: 'message' }, e.detail || ''),
              h('td', { class: 'num' }, e.size === null || e.size === undefined ? '' : bytes(e.size)),
              h('td', { class: 'num' }, e.attempts ?? ''),
            ),
          )
        : h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'nothing in the log' + (st.outcome ? ' with this outcome' : ''))),
    );
    pager(ui.logPager, l.offset, LOG_PAGE, l.nextOffset, l.entries.length, (o) => ((st.logOffset = o), page.refresh()));
  }

  async function cutover() {
    let c;
    try {
      c = await api.get(`/jobs/${jobId}/cutover`);
    } catch (e) {
      if (e.status !== 404) throw e;
      const live = R.active(job.lastRun);
      replace(
        ui.cutover,
        h('p', { class: 'muted', id: 'no-cutover' }, 'No cutover for this job yet. It starts incremental rounds until the delta converges, then freeze, verify, switch (runbook: docs/runbooks/cutover.md).'),
        h(
              'button',
              {
                type: 'button',
                id: 'cutover-start',
                disabled: live,
                title: live ? 'wait until the run has ended' : 'rounds on demand; see the API for intervals and hooks',
                onclick: () => act('cutover started', () => api.post(`/jobs/${jobId}/cutover`, {})),
              },
              'Start a cutover',
            ),
      );
      return;
    }
    const k = c.lastCheck;
    replace(
      ui.cutover,
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'State'),
        h('dd', { id: 'cutover-state' }, words(c.state)),
        h('dt', {}, 'Ready'),
        h('dd', {}, c.ready ? 'yes: the delta is small enough to freeze' : 'not yet'),
        c.estimatedFinalSyncSeconds !== undefined ? [h('dt', {}, 'Final sync'), h('dd', {}, '≈ ' + duration(c.estimatedFinalSyncSeconds))] : null,
        c.frozenAt ? [h('dt', {}, 'Frozen at'), h('dd', {}, when(c.frozenAt))] : null,
        c.fallbackEndsAt ? [h('dt', {}, 'Fallback ends'), h('dd', {}, when(c.fallbackEndsAt))] : null,
      ),
      c.message ? h('p', { class: 'note' }, c.message) : null,
      h('h3', {}, "Rounds' deltas"),
      C.rounds(c.rounds || []),
      h('h3', {}, 'Verification'),
      k
        ? h(
            'p',
            { id: 'cutover-check', class: k.passed ? 'good' : 'bad' },
            `#${k.number} at ${when(k.at)}: ${k.passed ? 'passed' : 'failed'}, ${count(k.filesCompared)} files (${bytes(k.bytesCompared)}) compared, ${count(k.differences)} differences`,
            Object.keys(k.byKind || {}).length ? ' (' + Object.entries(k.byKind).map(([n, v]) => `${v} ${n}`).join(', ') + ')' : '',
            k.differences ? [' · ', h('a', { href: `/api/v1/jobs/${jobId}/cutover/differences.csv`, download: '' }, 'differences (CSV)')] : null,
          )
        : h('p', { class: 'muted' }, 'not verified yet'),
      h('h3', {}, 'Steps'),
      h(
        'table',
        { id: 'cutover-steps' },
        h('thead', {}, h('tr', {}, ['Step', 'By', 'At', 'Outcome'].map((x) => h('th', {}, x)))),
        h('tbody', {}, (c.steps || []).map((s) => h('tr', {}, h('td', {}, s.name), h('td', {}, s.by), h('td', {}, when(s.at)), h('td', {}, s.outcome || '')))),
      ),
      h(
        'div',
        { class: 'controls' },
        STEPS.map((s) =>
          h(
            'button',
            {
              type: 'button',
              id: 'cutover-' + s,
              class: s === 'switch' || s === 'abort' || s === 'decommission' ? 'danger' : '',
              onclick: () => (s === 'round' || s === 'verify' || confirm(`${s}: are you sure?`)) && act(s + ' sent', () => api.post(`/jobs/${jobId}/cutover/${s}`, {})),
            },
            s,
          ),
        ),
      ),
    );
  }

  const page = {
    async refresh() {
      try {
        job = await api.get('/jobs/' + jobId);
      } catch (e) {
        if (e.status !== 404 && e.status !== 400) throw e;
        // a client token sees another client's job as missing, exactly as the API answers it
        replace(root, h('p', {}, h('a', { href: '#/jobs' }, '← all jobs')), h('section', { class: 'card', id: 'job-missing' }, h('h1', {}, 'No such job'), h('p', { class: 'muted' }, e.message)));
        page.refresh = async () => {};
        return;
      }
      const runs = (await api.get(`/jobs/${jobId}/runs?limit=50`)).runs;
      if (st.follow || st.runId === null) st.runId = runs.length ? runs[0].id : null;
      const [client, project] = await Promise.all([clientName(job.clientId), projectName(job.projectId)]);
      ui.title.textContent = job.name;
      replace(ui.meta, `${client || job.clientId} · ${project || job.projectId} · `, state(job.state), ` · ${job.ownerCount || 1} owner${job.ownerCount > 1 ? 's' : ''}`);
      // the picker, the figures and the tables change together, once the run's answer is in
      const pick = () =>
        replace(
          ui.runPick,
          runs.map((r, i) => h('option', { value: r.id, selected: r.id === st.runId }, `#${r.id} ${words(r.mode)} · ${words(r.state)}${i === 0 ? ' (latest)' : ''}`)),
        );
      controls();
      staged();
      if (st.runId === null) {
        pick();
        run = null;
        figures(null);
        replace(ui.chart, h('p', { class: 'muted' }, 'no run yet'));
        replace(ui.links, temporalLink(t, `FerryJobId="${jobId}"`, "the job's workflows in Temporal"));
        await cutover();
        return;
      }
      const q = new URLSearchParams({ limit: String(OWNERS_PAGE), offset: String(st.ownerOffset) });
      if (st.ownerState) q.set('state', st.ownerState);
      if (st.ownerLight) q.set('light', st.ownerLight);
      const lq = new URLSearchParams({ limit: String(LOG_PAGE), offset: String(st.logOffset) });
      if (st.outcome) lq.set('outcome', st.outcome);
      const [r, l] = await Promise.all([api.get(`/jobs/${jobId}/runs/${st.runId}?${q}`), api.get(`/jobs/${jobId}/runs/${st.runId}/log?${lq}`)]);
      run = r;
      pick();
      ui.figures.dataset.runId = r.id;
      figures(r);
      const points = sample(r);
      replace(
        ui.chart,
        R.active(r) || points.length > 1
          ? C.throughput(points)
          : h(
              'p',
              { class: 'muted', id: 'throughput-ended' },
              r.finishedAt && r.bytes.completed > 0 && r.durationSeconds > 0
                ? `The run has ended: ${bytes(r.bytes.completed)} in ${duration(r.durationSeconds)}, ${speed(r.bytes.completed / r.durationSeconds)} on average. The speed is drawn while a run transfers, from the moment this page is open.`
                : 'The speed is drawn while a run transfers, from the moment this page is open.',
            ),
      );
      replace(
        ui.links,
        temporalLink(t, `FerryJobId="${jobId}"`, "the job's workflows in Temporal"),
        t && t.uiUrl ? ' · ' : '',
        workflowLink(t, r.workflowId, `run #${r.id}'s workflow`),
        t && t.uiUrl ? null : h('span', { class: 'muted' }, 'No Temporal Web UI is known to this server (set FERRY_TEMPORAL_UI_URL).'),
      );
      owners(r);
      log(l);
      const base = `/api/v1/jobs/${jobId}/runs/${r.id}`;
      replace(
        ui.reports,
        h('a', { href: base + '/report', download: `ferry-job-${jobId}-run-${r.id}.json`, id: 'report-json' }, 'report (JSON)'),
        ' · ',
        h('a', { href: base + '/report.csv', download: '', id: 'report-csv' }, 'report (CSV)'),
      );
      await cutover();
    },
  };
  return page;
}
