// The dashboard in a real browser: Debian's chromium driven by playwright-core, against a real
// Ferry server that DashboardBrowserTest started (PostgreSQL, the Temporal dev server, the
// worker). Each scenario is what an operator does; a failed expectation exits 1 with its reason
// and a screenshot. Screenshots go to FERRY_SCREENSHOTS (api/target/screenshots).
//
// Environment: FERRY_URL (the dashboard, http://127.0.0.1:PORT/), FERRY_PLAYWRIGHT (the
// playwright-core folder), ADMIN_TOKEN, CLIENT_TOKEN, SLOW_JOB (a job of client A whose run takes
// seconds: a bandwidth limit), OTHER_JOB (client B's, already run), TRANSIT (client B's transit, ready,
// its account shop on the transit), CLIENT_A, CLIENT_B (names),
// SLOW_FILES (its number of files), SLOW_SRC (its source folder), TEMPORAL_UI (the Web UI's
// address), FERRY_DOWNLOADS (a folder for the CSV).

import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error('missing environment variable ' + name);
  return v;
};
const require = createRequire(path.join(env('FERRY_PLAYWRIGHT'), 'package.json'));
const { chromium } = require('playwright-core');

const URL = env('FERRY_URL');
const SHOTS = env('FERRY_SCREENSHOTS');
const WAIT = 60_000;
fs.mkdirSync(SHOTS, { recursive: true });

let page;
let step = 'start';
const t0 = Date.now();

function begin(name) {
  step = name;
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${name}`);
}

function expect(cond, message) {
  if (!cond) throw new Error(`${step}: ${message}`);
}

async function shot(name) {
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

/** Waits until fn() (run in node, polling the page) is truthy; returns its value. */
async function until(what, fn, timeout = WAIT) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() > end) throw new Error(`${step}: timed out waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const progressOf = async () => Number(await page.locator('#run-figures [role=progressbar]').getAttribute('aria-valuenow'));
const runState = async () => (await page.locator('#run-figures [data-figure=state] [data-state]').getAttribute('data-state')) || '';

async function signIn(token) {
  await page.goto(URL);
  await page.locator('#signin').waitFor({ state: 'visible' });
  await page.fill('#token', token);
  await page.click('#signin-form button[type=submit]');
  await page.locator('#nav').waitFor({ state: 'visible' });
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  page.on('dialog', (d) => d.accept());

  // ---- sign in ---------------------------------------------------------------------------
  begin('sign in');
  await page.goto(URL);
  await page.locator('#signin').waitFor({ state: 'visible' });
  await shot('01-sign-in');
  await page.fill('#token', 'fy_not-a-token');
  await page.click('#signin-form button[type=submit]');
  await until('the refusal of a wrong token', async () => (await page.textContent('#signin-error')).includes('not valid'));
  await page.fill('#token', env('ADMIN_TOKEN'));
  await page.click('#signin-form button[type=submit]');
  await page.locator(`tr[data-job-id="${env('SLOW_JOB')}"]`).waitFor();
  await page.locator(`tr[data-job-id="${env('OTHER_JOB')}"]`).waitFor();
  expect((await page.textContent('#who')).includes('operator'), 'the header names the operator');
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'ferry_session');
  expect(session, 'a session cookie is set');
  expect(session.httpOnly, 'the session cookie is HttpOnly');
  expect(session.sameSite === 'Strict', 'the session cookie is SameSite=Strict, not ' + session.sameSite);
  expect(!(await page.evaluate(() => document.cookie)).includes('ferry_session'), 'scripts cannot read the session cookie');
  expect(!(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).includes(env('ADMIN_TOKEN')), 'the token is not kept in storage');
  await shot('02-jobs');

  // ---- CSRF: a request signed in by the cookie but without the token is refused --------------
  begin('csrf');
  const refused = await page.evaluate(async (job) => {
    const r = await fetch(`/api/v1/jobs/${job}/runs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mode: 'DRY_RUN' }) });
    return { status: r.status, body: await r.text() };
  }, env('SLOW_JOB'));
  expect(refused.status === 403, 'a POST without the CSRF token is a 403, not ' + refused.status + ' ' + refused.body);
  expect(refused.body.includes('CSRF'), 'the refusal names the CSRF token: ' + refused.body);
  const wrong = await page.evaluate(async (job) => {
    const r = await fetch(`/api/v1/jobs/${job}/pause`, { method: 'POST', headers: { 'X-Ferry-CSRF': 'forged' } });
    return r.status;
  }, env('SLOW_JOB'));
  expect(wrong === 403, 'a POST with a wrong CSRF token is a 403, not ' + wrong);

  // ---- a running job's progress advances, pause and resume ----------------------------------
  begin('start a run');
  await page.click(`tr[data-job-id="${env('SLOW_JOB')}"] a.jobname`);
  await page.locator('#controls #start-run').waitFor();
  await page.selectOption('#run-mode', 'FULL');
  await page.click('#start-run');
  begin('watch progress');
  const first = await until('the run to copy its first bytes', async () => {
    const s = await runState();
    const p = await progressOf();
    return s === 'RUNNING' && p > 0 && p < 100 && p;
  });
  const later = await until('the progress bar to advance without a reload', async () => {
    const p = await progressOf();
    return p > first && p;
  });
  console.log(`progress ${first.toFixed(1)}% then ${later.toFixed(1)}%`);

  begin('pause');
  await page.click('#pause');
  await until('the run to show paused', async () => (await runState()) === 'PAUSED');
  expect(await page.isEnabled('#resume'), 'Resume is enabled while paused');
  expect(await page.isDisabled('#pause'), 'Pause is disabled while paused');
  const atPause = await progressOf();
  expect(atPause < 100, 'paused before the end');
  await shot('03-job-paused');

  begin('resume');
  await page.click('#resume');
  await until('the run to run again', async () => (await runState()) === 'RUNNING');
  await until('the progress to move on after the resume', async () => (await progressOf()) > atPause);
  await until('the throughput chart to hold samples', async () => Number(await page.locator('svg.throughput').getAttribute('data-samples')) >= 2);
  await shot('04-job-running');
  begin('the run ends');
  await until('the run to complete', async () => (await runState()) === 'COMPLETED', 90_000);
  expect((await progressOf()) === 100, 'a completed run is at 100%');
  const lights = await page.locator('#owners tbody tr[data-light=green]').count();
  expect(lights >= 1, 'the owners are green once completed');
  await shot('05-job-completed');

  // ---- cancel: a second full run, cancelled with its button ---------------------------------------
  begin('cancel');
  await page.selectOption('#run-mode', 'FULL');
  await page.click('#start-run');
  await until('the second run to copy', async () => (await page.locator('#run-pick option').count()) === 2 && (await runState()) === 'RUNNING' && (await progressOf()) > 0);
  await page.click('#cancel');
  await until('the run to be cancelled', async () => (await runState()) === 'CANCELLED');
  expect(await page.isEnabled('#start-run'), 'a new run can start once it is cancelled');
  await page.selectOption('#run-pick', { index: 1 });
  await until('the completed run picked again', async () => (await runState()) === 'COMPLETED');

  // ---- owners' and log filters ----------------------------------------------------------------
  begin('filters');
  await page.selectOption('#owner-light', 'red');
  await until('the red filter to empty the owners table', async () => (await page.locator('#owners tbody tr[data-owner-id]').count()) === 0);
  await page.selectOption('#owner-light', '');
  await until('every owner listed again', async () => (await page.locator('#owners tbody tr[data-owner-id]').count()) === 2);
  await page.selectOption('#log-outcome', 'transferred');
  await until('the log filtered to transferred files', async () => {
    const outcomes = await page.locator('#log tbody tr[data-outcome]').evaluateAll((rows) => rows.map((r) => r.dataset.outcome));
    return outcomes.length > 0 && outcomes.every((o) => o === 'transferred') && outcomes.length;
  });

  // ---- download the CSV report ----------------------------------------------------------------
  begin('csv');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-csv')]);
  const file = path.join(env('FERRY_DOWNLOADS'), download.suggestedFilename() || 'report.csv');
  await download.saveAs(file);
  const csv = fs.readFileSync(file, 'utf8');
  expect(csv.includes('owner,path,size,outcome'), 'the CSV has its header row');
  const transferred = csv.split('\n').filter((l) => l.includes(',transferred,')).length;
  expect(transferred === Number(env('SLOW_FILES')), `the CSV lists every file transferred (${transferred})`);
  console.log('csv ' + path.basename(file) + ': ' + transferred + ' files transferred');

  // ---- the Temporal UI links ------------------------------------------------------------------
  begin('temporal links');
  const hrefs = await page.locator('#job-links a').evaluateAll((as) => as.map((a) => a.href));
  expect(hrefs.some((u) => u.startsWith(env('TEMPORAL_UI')) && u.includes(encodeURIComponent('FerryJobId="' + env('SLOW_JOB') + '"'))), "a link to the job's workflows: " + hrefs.join(' '));
  expect(hrefs.some((u) => u.includes('/workflows/ferry-job-' + env('SLOW_JOB') + '-run-')), "a link to the run's workflow: " + hrefs.join(' '));
  const ownerLinks = await until('the owners\' links', async () => {
    const l = await page.locator('#owners a.temporal').evaluateAll((as) => as.map((a) => a.href));
    return l.length === 2 && l;
  });
  expect(ownerLinks.length === 2 && ownerLinks.every((u) => u.includes('-owner-')), "a link to each owner's workflow: " + ownerLinks.join(' '));

  // ---- a staged start: one chosen owner -------------------------------------------------------
  begin('staged start');
  await page.click('#staged summary');
  await page.locator('#owner-picker label', { hasText: 'Ann' }).locator('input').check();
  await until('the start button to name the choice', async () => (await page.textContent('#start-run')).includes('1 chosen owner'));
  await page.selectOption('#run-mode', 'INCREMENTAL');
  await page.click('#start-run');
  const latest = async () => (await page.locator('#run-pick option').count()) === 3 && (await page.locator('#run-pick option').first().getAttribute('value'));
  await until('the staged run to complete', async () => {
    const id = await latest();
    return id && (await page.getAttribute('#run-figures', 'data-run-id')) === id && (await runState()) === 'COMPLETED';
  });
  const staged = await page.locator('#owners tbody tr[data-owner-id]').allTextContents();
  expect(staged.length === 1 && staged[0].includes('Ann'), 'the staged run holds Ann only: ' + staged.join(' | '));
  expect(!(await page.textContent('#start-run')).includes('chosen'), 'the next run is of everyone again');

  // ---- a cutover: rounds, their deltas as a chart, steps ---------------------------------------
  begin('cutover');
  // users keep working while rounds run: four new files before the first round, one before the next
  const src = env('SLOW_SRC');
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, 'ann', `new-${i}.bin`), crypto.randomBytes(256 << 10));
  await page.click('#cutover-start');
  await until('the first round to end', async () => Number(await page.locator('svg.rounds').getAttribute('data-ended')) >= 1, 90_000);
  await until('the round button', async () => page.isVisible('#cutover-round'));
  fs.writeFileSync(path.join(src, 'ben', 'late.bin'), crypto.randomBytes(64 << 10));
  await page.click('#cutover-round');
  await until('the second round to end', async () => Number(await page.locator('svg.rounds').getAttribute('data-ended')) >= 2, 90_000);
  expect((await page.locator('#cutover-steps tbody tr').count()) >= 2, 'the steps are listed');
  const deltas = await page.locator('svg.rounds rect.bar').evaluateAll((bars) => bars.map((b) => Number(b.getAttribute('height'))));
  expect(deltas.length === 2 && deltas[0] > deltas[1] && deltas[1] > 0, "the rounds' deltas converge: " + deltas.join(', '));
  await page.locator('#cutover').screenshot({ path: path.join(SHOTS, '06-cutover.png') });
  await page.click('#cutover-abort');
  await until('the cutover to be aborted', async () => (await page.textContent('#cutover-state')).includes('abort'), 60_000);

  // ---- a run waiting for its agent ----------------------------------------------------------
  begin('waiting for an agent');
  await page.goto(URL + '#/jobs/' + env('WAIT_JOB'));
  await page.locator('#controls #start-run').waitFor();
  await page.selectOption('#run-mode', 'FULL');
  await page.click('#start-run');
  await until('the run to say it waits for its agent', async () => (await page.isVisible('#run-waiting')) && (await page.textContent('#run-waiting')).includes("waiting for agent 'a-site'"));
  expect(await page.isEnabled('#cancel'), 'a waiting run can be cancelled from the page');
  await shot('07-job-waiting');
  await page.goto(URL + '#/agents');
  await until('the agent listed offline', async () => (await page.locator('#agents tr[data-agent-id]', { hasText: 'a-site' }).first().getAttribute('data-status')) === 'Offline');

  // ---- a transit cutover ---------------------------------------------------------------------
  begin('transits');
  await page.goto(URL + '#/transits');
  const card = page.locator(`section.transit[data-transit-id="${env('TRANSIT')}"]`);
  await card.waitFor();
  expect((await card.getAttribute('data-state')) === 'ready', 'the transit is ready');
  expect((await card.locator('tr[data-account="shop"]').getAttribute('data-location')) === 'transit', 'shop is served from the transit');
  expect((await card.locator('tr[data-account="blog"]').getAttribute('data-location')) === 'server', 'blog is still on the server');
  expect((await card.locator('.free').textContent()).includes('14 days left'), 'the free window says the days left');
  expect((await card.locator('tr[data-account="shop"]').textContent()).includes('to the transit: done'), "shop's move is shown");
  expect((await card.textContent()).includes(env('CLIENT_B')), 'the transit names its client');
  await shot('11-transits');

  // ---- sign out -----------------------------------------------------------------------------
  begin('sign out');
  await page.click('#logout');
  await page.locator('#signin').waitFor({ state: 'visible' });
  expect(!(await context.cookies()).some((c) => c.name === 'ferry_session' && c.value), 'signing out removes the cookie');
  const after = await page.evaluate(async () => (await fetch('/api/v1/jobs')).status);
  expect(after === 401, 'signed out, the API answers 401, not ' + after);

  // ---- a client token sees its client only ------------------------------------------------------
  begin('client token');
  await signIn(env('CLIENT_TOKEN'));
  await page.locator(`tr[data-job-id="${env('SLOW_JOB')}"]`).waitFor();
  expect((await page.textContent('#who')).includes(env('CLIENT_A')), 'the header names the client');
  const clients = await page.locator('tr[data-job-id] td.client').allTextContents();
  expect(clients.length > 0 && clients.every((c) => c === env('CLIENT_A')), 'every job listed is client A\'s: ' + clients.join(', '));
  expect((await page.locator(`tr[data-job-id="${env('OTHER_JOB')}"]`).count()) === 0, 'client B\'s job is not listed');
  expect(!(await page.textContent('#page')).includes(env('CLIENT_B')), 'client B is not named anywhere');
  const green = await page.locator(`tr[data-job-id="${env('SLOW_JOB')}"] .lightcount[data-light=green]`).getAttribute('data-count');
  expect(green === '2', "the list shows the job's two owners green, not " + green);
  await shot('08-client-jobs');
  await page.goto(URL + '#/jobs/' + env('OTHER_JOB'));
  await page.locator('#job-missing').waitFor();
  expect((await page.textContent('#job-missing')).includes('not found'), 'client B\'s job is "not found" for client A');
  await shot('09-client-other-job');
  await page.goto(URL + '#/agents');
  await page.locator('#agents-summary').waitFor();
  await until('the agents page to load', async () => (await page.textContent('#agents-summary')).includes('online'));
  expect((await page.locator('#agents tr[data-agent-id]').count()) === 1, "client A's agent is listed");
  await shot('10-client-agents');
  await page.goto(URL + '#/transits');
  await until('the transits page to load', async () => (await page.textContent('#transits-summary')).includes('no transit'));
  expect((await page.locator('section.transit').count()) === 0, "client B's transit is not listed for client A");
  console.log('dashboard: every scenario passed');
} catch (e) {
  console.error('FAILED: ' + e.message);
  if (page) await page.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
