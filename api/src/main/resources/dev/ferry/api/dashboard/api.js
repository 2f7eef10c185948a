// The one way the pages talk to Ferry: the JSON API under /api/v1, signed in by the session cookie
// (HttpOnly: this code never sees it). Requests that change something carry the session's CSRF
// token, which the server hands out with the session (GET /ui/session).

let csrf = null;
let onSignedOut = () => {};

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export function signedOutHandler(fn) {
  onSignedOut = fn;
}

async function call(method, url, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') {
    if (csrf) headers['X-Ferry-CSRF'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    let message = (json && json.error) || `${res.status} ${res.statusText}`;
    if (json && json.fields) {
      message += ': ' + Object.entries(json.fields).map(([k, v]) => `${k} ${v}`).join('; ');
    }
    if (res.status === 401 && !url.startsWith('/ui/login')) onSignedOut(message);
    throw new ApiError(res.status, message, json);
  }
  return json;
}

export const api = {
  get: (path) => call('GET', '/api/v1' + path),
  post: (path, body) => call('POST', '/api/v1' + path, body),
};

export async function session() {
  const s = await call('GET', '/ui/session');
  csrf = s.csrfToken;
  return s;
}

export async function login(token) {
  const s = await call('POST', '/ui/login', { token });
  csrf = s.csrfToken;
  return s;
}

export async function logout() {
  try {
    await call('POST', '/ui/logout');
  } finally {
    csrf = null;
  }
}
