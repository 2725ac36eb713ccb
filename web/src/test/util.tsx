import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import { AuthProvider } from '../auth/AuthContext';
import { LiveSocketContext } from '../live/LiveContext';
import type { LiveSocket } from '../live/socket';
import { CameraViewPage } from '../pages/CameraViewPage';

export type Handler = (method: string, url: string, init?: RequestInit) => unknown | Response | undefined;

export const ok = (data: unknown, extra: Record<string, unknown> = {}) => ({ success: true, data, ...extra });
export const fail = (status: number, code: string, message: string, details?: unknown) =>
  new Response(JSON.stringify({ success: false, error: { code, message, details } }), { status, headers: { 'Content-Type': 'application/json' } });

/** Replace global fetch with a router over (method, url) → envelope object or Response. */
export function mockFetch(handler: Handler) {
  const f = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const r = handler(method, url, init);
    if (r instanceof Response) return r;
    if (r === undefined) return new Response(JSON.stringify({ success: false, error: { code: 'NOT_FOUND', message: 'nf' } }), { status: 404 });
    return new Response(JSON.stringify(r), { status: 200, headers: { 'Content-Type': 'application/json' } });
  });
  vi.stubGlobal('fetch', f);
  return f;
}

export function signIn(role: 'viewer' | 'supervisor' | 'admin' = 'admin') {
  localStorage.setItem('argus.access_token', 'tok');
  localStorage.setItem('argus.refresh_token', 'ref');
  localStorage.setItem('argus.user', JSON.stringify({ id: 1, username: role, role, camera_ids: [] }));
}

export function renderAt(ui: ReactElement, path = '/') {
  return render(<MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>);
}

/** The camera page at `path` (/cameras/:id), signed in, with `socket` as the shared live socket. */
export function renderCameraView(socket: unknown, path = '/cameras/5') {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <AuthProvider>
        <LiveSocketContext.Provider value={socket as LiveSocket}>
          <Routes>
            <Route path="/cameras/:id" element={<CameraViewPage />} />
          </Routes>
        </LiveSocketContext.Provider>
      </AuthProvider>
    </MemoryRouter>,
  );
}
