// Clients' and projects' names for ids, asked once per page load.

import { api } from './api.js';

const cache = new Map();

function named(path) {
  if (!cache.has(path)) {
    cache.set(
      path,
      api.get(path).then(
        (r) => r.name,
        () => null,
      ),
    );
  }
  return cache.get(path);
}

export const clientName = (id) => (id ? named('/clients/' + id) : Promise.resolve(null));
export const projectName = (id) => (id ? named('/projects/' + id) : Promise.resolve(null));
