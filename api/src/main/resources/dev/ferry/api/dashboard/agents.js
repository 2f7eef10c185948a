// Agents: each one's client, host, version, whether it is online and when it was last heard of.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { ago, when } from './format.js';
import { clientName } from './names.js';

export function agentsPage(root) {
  const body = h('tbody');
  const summary = h('p', { class: 'muted', id: 'agents-summary' });
  root.append(
    h(
      'section',
      { class: 'card' },
      h('h1', {}, 'Agents'),
      summary,
      h(
        'table',
        { id: 'agents' },
        h('thead', {}, h('tr', {}, ['', 'Agent', 'Client', 'Host', 'Version', 'Last seen', 'Task queue', 'Registered'].map((c) => h('th', {}, c)))),
        body,
      ),
    ),
  );
  return {
    async refresh() {
      const res = await api.get('/agents');
      const agents = res.agents || [];
      const names = await Promise.all(agents.map((a) => clientName(a.clientId)));
      const online = agents.filter((a) => a.status === 'Online').length;
      summary.textContent = `${agents.length} agent${agents.length === 1 ? '' : 's'}, ${online} online`;
      replace(
        body,
        agents.length
          ? agents.map((a, i) =>
              h(
                'tr',
                { dataset: { agentId: a.id, status: a.status } },
                h('td', {}, h('span', { class: 'light light-' + (a.status === 'Online' ? 'green' : a.status === 'Offline' ? 'red' : 'none'), title: a.status })),
                h('td', {}, a.name, h('div', { class: 'muted small' }, a.status)),
                h('td', {}, names[i] || a.clientId),
                h('td', {}, a.hostname || '–'),
                h('td', {}, a.version || '–'),
                h('td', { title: when(a.lastSeenAt) }, ago(a.lastSeenAt)),
                h('td', { class: 'small' }, a.taskQueue),
                h('td', { class: 'small' }, when(a.registeredAt)),
              ),
            )
          : h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'no agent registered')),
      );
    },
  };
}
