// Transit cutovers (accounts moved to a transit server and back, within their windows) are not in
// this version of Ferry: the API has nothing to show yet. This page is their place: once
// /api/v1/transits exists it lists the accounts and their states, the time left in each window and
// any overage.

import { h } from './dom.js';

export function transitsPage(root) {
  root.append(
    h(
      'section',
      { class: 'card' },
      h('h1', {}, 'Transits'),
      h(
        'p',
        { class: 'muted', id: 'transits-none' },
        'Transit cutovers are not part of this version of Ferry. When they are, this page shows each ' +
          'transit: its accounts and their states, the time left in each window and any overage.',
      ),
    ),
  );
  return { refresh: async () => {} };
}
