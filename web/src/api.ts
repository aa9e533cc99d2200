// The JSON API client: the session is an HttpOnly cookie the page never sees; the CSRF token
// comes from /api/login or /api/me and goes with every state-changing request.
export interface Me {
  user: string;
  role: string;
  csrf: string;
  may_edit_registry: boolean;
  may_approve_plans: boolean;
  may_delete_records?: boolean;
}

export interface FieldMessage { field: string; message: string; rule?: string }

export class ApiError extends Error {
  // errors: every field the registry refused (400); warnings: what needs confirmation (409).
  public errors: FieldMessage[] = [];
  public warnings: FieldMessage[] = [];
  constructor(public status: number, message: string, public field?: string) {
    super(message);
  }
}

// When the session has ended (401), the page asks for the password again in place (main.ts sets
// this) and the request is sent again, so a form being filled in is not lost.
let reauthenticate: (() => Promise<void>) | null = null;
export function setReauthenticate(fn: () => Promise<void>) {
  reauthenticate = fn;
}

let csrf = '';
export function setCsrf(token: string) {
  csrf = token;
}

async function request<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({}));
  if (!retried && path !== '/api/login' && path !== '/api/me') {
    // A login in another tab replaced this tab's session (the cookie is shared): fetch the
    // current session's CSRF token and send again.
    if (res.status === 403 && /CSRF/.test(data.error ?? '')) {
      const me = await fetch('/api/me', { credentials: 'same-origin' });
      if (me.ok) {
        setCsrf((await me.json()).csrf);
        return request<T>(method, path, body, extra, true);
      }
    }
    if (res.status === 401 && reauthenticate && path !== '/api/logout') {
      await reauthenticate();
      return request<T>(method, path, body, extra, true);
    }
  }
  if (!res.ok) {
    const e = new ApiError(res.status, data.error ?? res.statusText, data.field);
    e.errors = data.errors ?? [];
    e.warnings = data.warnings ?? [];
    throw e;
  }
  return data as T;
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);
// Writes that must happen once: the same Idempotency-Key returns the first result again.
export const postOnce = <T>(path: string, body: unknown, key: string) => request<T>('POST', path, body, { 'Idempotency-Key': key });
export const putOnce = <T>(path: string, body: unknown, key: string) => request<T>('PUT', path, body, { 'Idempotency-Key': key });
export const del = <T>(path: string, body: unknown = {}) => request<T>('DELETE', path, body);
export const put = <T>(path: string, body: unknown = {}) => request<T>('PUT', path, body);
