// The dashboard's shell: sign-in, the hash router (#/jobs, #/jobs/<id>, #/agents, #/transits) and
// the live refresh — the page on screen asks the API again every couple of seconds (short polling),
// so figures move without a reload.

import { login, logout, session, signedOutHandler } from './api.js';
import { replace, h } from './dom.js';
import { jobsPage } from './jobs.js';
import { jobPage } from './job.js';
import { agentsPage } from './agents.js';
import { transitsPage } from './transits.js';

const REFRESH_MS = 2000;
const el = (id) => document.getElementById(id);
let current = null;
let timer = null;
let me = null;

function showSignin(message) {
  stop();
  me = null;
  el('nav').hidden = true;
  el('logout').hidden = true;
  replace(el('who'));
  replace(el('page'));
  el('signin').hidden = false;
  el('signin-error').textContent = message || '';
  el('token').focus();
}

function stop() {
  clearTimeout(timer);
  timer = null;
  if (current && current.stop) current.stop();
  current = null;
}

async function tick() {
  if (!current) return;
  const page = current;
  try {
    await page.refresh();
    el('live').textContent = 'live · ' + new Date().toLocaleTimeString();
    el('live').className = 'live ok';
  } catch (e) {
    el('live').textContent = 'not refreshed: ' + e.message;
    el('live').className = 'live bad';
  }
  // a tab in the background asks nothing; it catches up when shown again
  if (current === page) timer = document.hidden ? null : setTimeout(tick, REFRESH_MS);
}

function route() {
  if (!me) return;
  stop();
  const hash = location.hash || '#/jobs';
  const parts = hash.replace(/^#\/?/, '').split('/');
  const root = replace(el('page'));
  let name = parts[0] || 'jobs';
  if (name === 'jobs' && parts[1]) {
    current = jobPage(root, me, decodeURIComponent(parts[1]));
  } else if (name === 'agents') {
    current = agentsPage(root, me);
  } else if (name === 'transits') {
    current = transitsPage(root, me);
  } else {
    name = 'jobs';
    current = jobsPage(root, me);
  }
  for (const a of el('nav').querySelectorAll('a')) {
    a.classList.toggle('active', a.dataset.page === name);
  }
  tick();
}

function signedIn(s) {
  me = s;
  el('signin').hidden = true;
  el('nav').hidden = false;
  el('logout').hidden = false;
  replace(
    el('who'),
    s.kind === 'client'
      ? h('span', { class: 'scope', title: 'this token sees only its client' }, 'client: ' + (s.clientName || s.clientId))
      : h('span', { class: 'scope' }, 'operator'),
    s.tokenName ? ' · ' + s.tokenName : '',
  );
  route();
}

el('signin-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const token = el('token').value.trim();
  el('signin-error').textContent = '';
  try {
    const s = await login(token);
    el('token').value = '';
    signedIn(s);
  } catch (e) {
    el('signin-error').textContent = e.message;
  }
});

el('logout').addEventListener('click', async () => {
  try {
    await logout();
  } finally {
    showSignin('Signed out.');
  }
});

signedOutHandler((message) => showSignin(message));
window.addEventListener('hashchange', route);
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && current && !timer) tick();
});

session().then(signedIn, () => showSignin(''));
