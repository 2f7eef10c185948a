// How a run's figures are shown, the same on the jobs list and a job's page.

import { h, light, progress } from './dom.js';
import { bytes, count, duration, percent, speed } from './format.js';

const LIVE = new Set(['CREATED', 'SCANNING', 'RUNNING', 'PAUSED']);

export function ended(run) {
  return !!run && !!run.finishedAt;
}

export function active(run) {
  return !!run && !run.finishedAt && LIVE.has(run.state);
}

/** How far a run is: by bytes while it copies, by files for a dry run or one with nothing to copy. */
export function done(run) {
  if (!run) return null;
  const f = run.files;
  if (run.mode !== 'DRY_RUN' && run.bytes.total > 0) return percent(run.bytes.completed, run.bytes.total);
  if (!f.total) return ended(run) ? 100 : null;
  return percent(f.completed + f.skipped + f.failed, f.total);
}

export function bar(run) {
  const label = run
    ? `${count(run.files.completed)} of ${count(run.files.total)} files, ${bytes(run.bytes.completed)} of ${bytes(run.bytes.total)}`
    : 'never run';
  return progress(done(run), label);
}

export function files(run) {
  return run ? `${count(run.files.completed)} / ${count(run.files.total)}` : '–';
}

export function sizes(run) {
  return run ? `${bytes(run.bytes.completed)} / ${bytes(run.bytes.total)}` : '–';
}

export function rate(run) {
  return run && run.speedBytesPerSecond !== null ? speed(run.speedBytesPerSecond) : '–';
}

export function eta(run) {
  if (!run) return '–';
  if (run.partialTotals) return h('span', { title: run.partialTotals.note }, 'scanning…');
  return run.etaSeconds !== null ? duration(run.etaSeconds) : '–';
}

/** The owners' lights as three counts: green, yellow, red. */
export function lights(totals) {
  if (!totals) return '–';
  const l = totals.lights || {};
  return h(
    'span',
    { class: 'lights', title: `${totals.total} owners` },
    ['green', 'yellow', 'red'].map((c) => h('span', { class: 'lightcount', dataset: { light: c, count: l[c] || 0 } }, light(c), String(l[c] || 0))),
  );
}
