import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { mockFetch, ok, renderAt, signIn, fail } from './util';

afterEach(() => vi.unstubAllGlobals());

const cameras = [
  { id: 1, name: 'Lobby', source: 'rtsp://***@cam/1', type: 'rtsp', status: 'live', fps: 15, stats: { avg_fps: 14.8 } },
  { id: 2, name: 'Dock', source: '/dev/video0', type: 'usb', status: 'stopped' },
];
const pag = { page: 1, pages: 1, per_page: 12, total: 2, has_next: false, has_prev: false };

function api(role: 'viewer' | 'admin') {
  return mockFetch((method, url) => {
    if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: role, role, camera_ids: [] } });
    if (url.startsWith('/api/v1/cameras?')) return ok({ cameras }, { pagination: pag });
    if (url.startsWith('/api/v1/auth/login') && method === 'POST') return ok({ token: 't', refresh_token: 'r', expires_in: 900, user: { id: 1, username: role, role, camera_ids: [] } });
    return undefined;
  });
}

describe('app shell', () => {
  it('shows the login form with labelled fields and logs in', async () => {
    api('admin');
    renderAt(<App />, '/');
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Username'), 'admin');
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    for (const name of ['Cameras', 'Video analysis', 'Persons', 'Events', 'Attendance', 'System']) {
      expect(within(nav).getByRole('link', { name })).toBeInTheDocument();
    }
    expect(localStorage.getItem('argus.access_token')).toBe('t');
    expect(await screen.findByText('Lobby')).toBeInTheDocument();
    expect(screen.getByText('14.8 fps')).toBeInTheDocument();
  });

  it('reports a wrong password', async () => {
    mockFetch(() => fail(401, 'UNAUTHORIZED', 'bad credentials'));
    renderAt(<App />, '/login');
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Username'), 'x');
    await user.type(screen.getByLabelText('Password'), 'y');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password');
  });

  it('a viewer gets "Not allowed" on admin pages and sees no admin links', async () => {
    signIn('viewer');
    api('viewer');
    renderAt(<App />, '/system/users');
    expect(await screen.findByRole('heading', { name: 'Not allowed' })).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).queryByRole('link', { name: 'Users' })).toBeNull();
    expect(within(nav).queryByRole('link', { name: 'Audit' })).toBeNull();
  });

  it('an admin sees the admin links', async () => {
    signIn('admin');
    api('admin');
    renderAt(<App />, '/');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Users' })).toBeInTheDocument();
  });

  it.each([
    ['/cameras/videos', 'Video analysis', 'Cameras'],  // its pages are under /cameras but it has its own entry
    ['/cameras/1', 'Cameras', 'Video analysis'],
  ])('marks one menu entry as the current page at %s', async (path, current, other) => {
    signIn('admin');
    api('admin');
    renderAt(<App />, path);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: current })).toHaveAttribute('aria-current', 'page');
    expect(within(nav).getByRole('link', { name: other })).not.toHaveAttribute('aria-current');
  });

  it('returns to login when the session is invalid', async () => {
    signIn('admin');
    mockFetch(() => fail(401, 'TOKEN_INVALID', 'invalid'));
    renderAt(<App />, '/cameras');
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(localStorage.getItem('argus.access_token')).toBeNull();
  });

  it('remembers the theme', async () => {
    signIn('admin');
    api('admin');
    localStorage.setItem('argus.theme', 'dark');
    renderAt(<App />, '/');
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: /switch to light theme/i }));
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem('argus.theme')).toBe('light');
  });
});
