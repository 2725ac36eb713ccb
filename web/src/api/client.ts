// Argus API client: envelope parsing, bearer auth, silent refresh on TOKEN_EXPIRED.
import type { Pagination, User } from './types';

export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  status: number;
  code: string;
  details: FieldErrors;
  retryAfter?: number;
  /** the whole parsed error body, for endpoints with richer errors (image verdicts) */
  body?: any;
  constructor(status: number, code: string, message: string, details?: unknown, retryAfter?: number, body?: any) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = normalizeDetails(details);
    this.retryAfter = retryAfter;
    this.body = body;
  }
  /** First message for a field (dotted paths are matched too, e.g. "detection.fps_limit"). */
  field(name: string): string | undefined {
    const v = this.details[name];
    return v && v.length ? v.join(' ') : undefined;
  }
}

/** `error.details` may be {field: [msg]}, {field: "msg"}, or nested objects; flatten to dotted keys. */
export function normalizeDetails(details: unknown, prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  if (!details || typeof details !== 'object') return out;
  for (const [k, v] of Object.entries(details as Record<string, unknown>)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v)) {
      const strs = v.filter((x) => typeof x === 'string') as string[];
      if (strs.length) out[key] = strs;
      v.forEach((x, i) => {
        if (x && typeof x === 'object') Object.assign(out, normalizeDetails(x, `${key}.${i}`));
      });
    } else if (typeof v === 'string') {
      out[key] = [v];
    } else if (v && typeof v === 'object') {
      Object.assign(out, normalizeDetails(v, key));
    } else if (v !== undefined && v !== null) {
      out[key] = [String(v)];
    }
  }
  return out;
}

export interface ApiResult<T> {
  data: T;
  message?: string;
  pagination?: Pagination;
}

export interface TokenPair {
  token: string;
  refresh_token: string;
  expires_in?: number;
  user?: User;
}

export interface TokenStore {
  get(): { access: string | null; refresh: string | null };
  set(access: string, refresh: string): void;
  clear(): void;
}

const ACCESS_KEY = 'argus.access_token';
const REFRESH_KEY = 'argus.refresh_token';

export const localTokenStore: TokenStore = {
  get() {
    return { access: localStorage.getItem(ACCESS_KEY), refresh: localStorage.getItem(REFRESH_KEY) };
  },
  set(access, refresh) {
    localStorage.setItem(ACCESS_KEY, access);
    localStorage.setItem(REFRESH_KEY, refresh);
  },
  clear() {
    localStorage.removeItem(ACCESS_KEY);
    localStorage.removeItem(REFRESH_KEY);
  },
};

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  form?: FormData;
  /** Return the raw Response (for CSV, images) instead of parsing the envelope. */
  raw?: boolean;
  /** Do not try to refresh/redirect on 401 (used by login/refresh themselves). */
  noAuthRetry?: boolean;
  signal?: AbortSignal;
}

export function buildQuery(q?: Query): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Parse a fetch Response holding the Argus envelope; throws ApiError on failure. */
export async function parseEnvelope<T>(res: Response): Promise<ApiResult<T>> {
  let body: any = null;
  const text = await res.text();
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  const retryAfter = Number(res.headers.get('Retry-After')) || undefined;
  if (!res.ok || (body && body.success === false)) {
    const err = body?.error ?? {};
    throw new ApiError(
      res.status,
      err.code || statusCode(res.status),
      err.message || body?.message || res.statusText || `HTTP ${res.status}`,
      err.details,
      retryAfter,
      body,
    );
  }
  if (body && typeof body === 'object' && 'success' in body) {
    return { data: body.data as T, message: body.message, pagination: body.pagination };
  }
  return { data: body as T };
}

function statusCode(status: number): string {
  switch (status) {
    case 400: return 'VALIDATION_ERROR';
    case 401: return 'UNAUTHORIZED';
    case 403: return 'FORBIDDEN';
    case 404: return 'NOT_FOUND';
    case 409: return 'CONFLICT';
    case 413: return 'PAYLOAD_TOO_LARGE';
    case 429: return 'RATE_LIMITED';
    default: return status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'HTTP_ERROR';
  }
}

export class ApiClient {
  base: string;
  tokens: TokenStore;
  fetchImpl: typeof fetch;
  /** Called when the session is gone (any 401 other than a recoverable TOKEN_EXPIRED). */
  onAuthLost: (() => void) | null = null;
  /** Called when a refresh produced a new token pair. */
  onTokens: ((p: TokenPair) => void) | null = null;
  private refreshing: Promise<boolean> | null = null;

  constructor(base = '/api/v1', tokens: TokenStore = localTokenStore, fetchImpl?: typeof fetch) {
    this.base = base;
    this.tokens = tokens;
    this.fetchImpl = fetchImpl ?? ((...a) => fetch(...a));
  }

  get accessToken(): string | null {
    return this.tokens.get().access;
  }

  url(path: string, query?: Query): string {
    if (/^https?:\/\//.test(path) || path.startsWith('/api/') || path.startsWith('/health')) return path + buildQuery(query);
    return this.base + path + buildQuery(query);
  }

  private async send(method: string, path: string, opts: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const access = this.tokens.get().access;
    if (access) headers.Authorization = `Bearer ${access}`;
    let body: BodyInit | undefined;
    if (opts.form) body = opts.form;
    else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    return this.fetchImpl(this.url(path, opts.query), { method, headers, body, signal: opts.signal });
  }

  /** Issue a request; on 401 TOKEN_EXPIRED refresh once and retry; other 401s end the session. */
  async fetchAuthed(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    let res = await this.send(method, path, opts);
    if (res.status !== 401 || opts.noAuthRetry) return res;
    const code = await peekCode(res);
    if (code === 'TOKEN_EXPIRED' && (await this.refresh())) {
      res = await this.send(method, path, opts);
      if (res.status !== 401) return res;
    }
    this.tokens.clear();
    this.onAuthLost?.();
    return res;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResult<T>> {
    const res = await this.fetchAuthed(method, path, opts);
    return parseEnvelope<T>(res);
  }

  get<T>(path: string, query?: Query, signal?: AbortSignal) {
    return this.request<T>('GET', path, { query, signal });
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>('POST', path, { body });
  }
  put<T>(path: string, body?: unknown) {
    return this.request<T>('PUT', path, { body });
  }
  del<T>(path: string) {
    return this.request<T>('DELETE', path);
  }
  postForm<T>(path: string, form: FormData) {
    return this.request<T>('POST', path, { form });
  }

  /** GET a binary resource with the token (images, CSV) and return it as a Blob. */
  async blob(path: string, query?: Query): Promise<Blob> {
    const res = await this.fetchAuthed('GET', path, { query });
    if (!res.ok) await parseEnvelope(res);
    return res.blob();
  }

  /** Single-flight refresh: concurrent 401s share one POST /auth/refresh. */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    const refreshToken = this.tokens.get().refresh;
    if (!refreshToken) return Promise.resolve(false);
    this.refreshing = (async () => {
      try {
        const res = await this.fetchImpl(this.url('/auth/refresh'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ refresh_token: refreshToken }),
        });
        const { data } = await parseEnvelope<TokenPair>(res);
        if (!data?.token) return false;
        this.tokens.set(data.token, data.refresh_token || refreshToken);
        this.onTokens?.(data);
        return true;
      } catch {
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async login(username: string, password: string): Promise<TokenPair> {
    const { data } = await this.request<TokenPair>('POST', '/auth/login', {
      body: { username, password },
      noAuthRetry: true,
    });
    this.tokens.set(data.token, data.refresh_token);
    return data;
  }

  async logout(): Promise<void> {
    const refresh = this.tokens.get().refresh;
    try {
      await this.request('POST', '/auth/logout', { body: refresh ? { refresh_token: refresh } : {}, noAuthRetry: true });
    } catch {
      /* the session is being dropped anyway */
    }
    this.tokens.clear();
  }
}

async function peekCode(res: Response): Promise<string | undefined> {
  try {
    const body = await res.clone().json();
    return body?.error?.code;
  } catch {
    return undefined;
  }
}

export const api = new ApiClient();
