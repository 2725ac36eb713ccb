import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, buildQuery, normalizeDetails, parseEnvelope, type TokenStore } from './client';

function memStore(access: string | null = 'a1', refresh: string | null = 'r1'): TokenStore & { access: string | null; refresh: string | null } {
  const s = {
    access,
    refresh,
    get: () => ({ access: s.access, refresh: s.refresh }),
    set: (a: string, r: string) => {
      s.access = a;
      s.refresh = r;
    },
    clear: () => {
      s.access = null;
      s.refresh = null;
    },
  };
  return s;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('envelope parsing', () => {
  it('returns data, message and pagination on success', async () => {
    const r = await parseEnvelope<{ cameras: unknown[] }>(
      json(200, { success: true, data: { cameras: [1] }, message: 'ok', pagination: { page: 2, pages: 3, per_page: 20, total: 45, has_next: true, has_prev: true } }),
    );
    expect(r.data.cameras).toEqual([1]);
    expect(r.message).toBe('ok');
    expect(r.pagination?.page).toBe(2);
  });

  it('throws ApiError with code, message and details', async () => {
    const p = parseEnvelope(json(400, { success: false, error: { code: 'VALIDATION_ERROR', message: 'Invalid input data', details: { name: ['This field is required'] } } }));
    await expect(p).rejects.toBeInstanceOf(ApiError);
    const e = (await p.catch((x) => x)) as ApiError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('VALIDATION_ERROR');
    expect(e.field('name')).toBe('This field is required');
  });

  it('treats success:false with 200 as an error and reads Retry-After', async () => {
    const e = (await parseEnvelope(json(429, { success: false, error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'Retry-After': '30' })).catch((x) => x)) as ApiError;
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.retryAfter).toBe(30);
    const e2 = (await parseEnvelope(json(200, { success: false, error: { code: 'CONFLICT', message: 'dup' } })).catch((x) => x)) as ApiError;
    expect(e2.code).toBe('CONFLICT');
  });

  it('maps non-JSON failures to a code from the status', async () => {
    const e = (await parseEnvelope(new Response('<html>oops</html>', { status: 502, statusText: 'Bad Gateway' })).catch((x) => x)) as ApiError;
    expect(e.code).toBe('INTERNAL_SERVER_ERROR');
    expect(e.message).toBe('Bad Gateway');
  });
});

describe('error details mapping', () => {
  it('flattens nested objects, strings and arrays to dotted keys', () => {
    expect(
      normalizeDetails({
        name: ['required'],
        source: 'bad scheme',
        detection: { fps_limit: ['must be 1..30'], min_face_size: 'too small' },
        images: [{ reason: 'no_face' }],
      }),
    ).toEqual({
      name: ['required'],
      source: ['bad scheme'],
      'detection.fps_limit': ['must be 1..30'],
      'detection.min_face_size': ['too small'],
      'images.0.reason': ['no_face'],
    });
  });
  it('ignores missing details', () => {
    expect(normalizeDetails(undefined)).toEqual({});
    expect(normalizeDetails('x')).toEqual({});
  });
});

describe('buildQuery', () => {
  it('drops empty values', () => {
    expect(buildQuery({ page: 1, search: '', status: undefined, unknown: true })).toBe('?page=1&unknown=true');
    expect(buildQuery({})).toBe('');
  });
});

describe('ApiClient auth', () => {
  it('sends the bearer token', async () => {
    const f = vi.fn(async (_u: RequestInfo | URL, _i?: RequestInit) => json(200, { success: true, data: { ok: 1 } }));
    const c = new ApiClient('/api/v1', memStore('tok'), f as unknown as typeof fetch);
    await c.get('/cameras', { page: 2 });
    expect(f.mock.calls[0][0]).toBe('/api/v1/cameras?page=2');
    expect((f.mock.calls[0][1]!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('refreshes once on TOKEN_EXPIRED and retries with the new token', async () => {
    const store = memStore('old', 'r-old');
    const calls: string[] = [];
    const f = vi.fn(async (u: RequestInfo | URL, init?: RequestInit) => {
      const url = String(u);
      const auth = (init?.headers as Record<string, string>)?.Authorization;
      calls.push(`${init?.method} ${url} ${auth ?? ''}`);
      if (url.endsWith('/auth/refresh')) {
        expect(JSON.parse(String(init!.body))).toEqual({ refresh_token: 'r-old' });
        return json(200, { success: true, data: { token: 'new', refresh_token: 'r-new', expires_in: 900 } });
      }
      if (auth === 'Bearer old') return json(401, { success: false, error: { code: 'TOKEN_EXPIRED', message: 'expired' } });
      return json(200, { success: true, data: { cameras: [] } });
    });
    const c = new ApiClient('/api/v1', store, f as unknown as typeof fetch);
    const lost = vi.fn();
    c.onAuthLost = lost;
    // two concurrent requests share a single refresh
    const [a, b] = await Promise.all([c.get<{ cameras: unknown[] }>('/cameras'), c.get('/persons')]);
    expect(a.data.cameras).toEqual([]);
    expect(b).toBeTruthy();
    expect(calls.filter((x) => x.includes('/auth/refresh'))).toHaveLength(1);
    expect(store.access).toBe('new');
    expect(store.refresh).toBe('r-new');
    expect(lost).not.toHaveBeenCalled();
  });

  it('ends the session on other 401s (no refresh attempt)', async () => {
    const store = memStore('bad', 'r');
    const f = vi.fn(async () => json(401, { success: false, error: { code: 'TOKEN_INVALID', message: 'invalid' } }));
    const c = new ApiClient('/api/v1', store, f as unknown as typeof fetch);
    const lost = vi.fn();
    c.onAuthLost = lost;
    await expect(c.get('/cameras')).rejects.toMatchObject({ code: 'TOKEN_INVALID', status: 401 });
    expect(f).toHaveBeenCalledTimes(1);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(store.access).toBeNull();
  });

  it('ends the session when the refresh itself fails', async () => {
    const store = memStore('old', 'r-revoked');
    const f = vi.fn(async (u: RequestInfo | URL) =>
      String(u).endsWith('/auth/refresh')
        ? json(401, { success: false, error: { code: 'TOKEN_INVALID', message: 'revoked' } })
        : json(401, { success: false, error: { code: 'TOKEN_EXPIRED', message: 'expired' } }),
    );
    const c = new ApiClient('/api/v1', store, f as unknown as typeof fetch);
    const lost = vi.fn();
    c.onAuthLost = lost;
    await expect(c.get('/cameras')).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    expect(lost).toHaveBeenCalled();
    expect(store.refresh).toBeNull();
  });

  it('login stores both tokens; logout revokes and clears', async () => {
    const store = memStore(null, null);
    const f = vi.fn(async (u: RequestInfo | URL, init?: RequestInit) => {
      if (String(u).endsWith('/auth/login')) return json(200, { success: true, data: { token: 't', refresh_token: 'r', expires_in: 900, user: { id: 1, username: 'admin', role: 'admin', camera_ids: [] } } });
      expect(JSON.parse(String(init!.body))).toEqual({ refresh_token: 'r' });
      return json(200, { success: true, data: { message: 'bye' } });
    });
    const c = new ApiClient('/api/v1', store, f as unknown as typeof fetch);
    const p = await c.login('admin', 'pw');
    expect(p.user?.role).toBe('admin');
    expect(store.get()).toEqual({ access: 't', refresh: 'r' });
    await c.logout();
    expect(store.get()).toEqual({ access: null, refresh: null });
  });

  it('a wrong password on login does not trigger the session-lost handler', async () => {
    const f = vi.fn(async () => json(401, { success: false, error: { code: 'UNAUTHORIZED', message: 'bad credentials' } }));
    const c = new ApiClient('/api/v1', memStore(null, null), f as unknown as typeof fetch);
    const lost = vi.fn();
    c.onAuthLost = lost;
    await expect(c.login('a', 'b')).rejects.toMatchObject({ status: 401 });
    expect(lost).not.toHaveBeenCalled();
  });
});
