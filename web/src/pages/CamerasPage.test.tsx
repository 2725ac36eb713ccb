import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CameraForm, cameraPayload, formFromCamera } from './CamerasPage';
import { fail, mockFetch, ok, renderAt } from '../test/util';
import { CamerasPage } from './CamerasPage';
import { AuthProvider } from '../auth/AuthContext';

afterEach(() => vi.unstubAllGlobals());

describe('CameraForm', () => {
  it('shows the API validation messages at their fields', async () => {
    const f = mockFetch(() =>
      fail(400, 'VALIDATION_ERROR', 'Invalid input data', { name: ['This field is required'], source: ['rtsp sources must start with rtsp://'], detection: { fps_limit: ['must be between 1 and 30'] } }),
    );
    const onSaved = vi.fn();
    renderAt(<CameraForm onSaved={onSaved} onCancel={() => {}} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Source'), 'http://nope');
    await user.click(screen.getByRole('button', { name: 'Add camera' }));
    expect(await screen.findByText('This field is required')).toBeInTheDocument();
    expect(screen.getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Source')).toHaveAccessibleDescription('rtsp sources must start with rtsp://');
    expect(screen.getByLabelText('FPS limit')).toHaveAccessibleDescription('must be between 1 and 30');
    expect(onSaved).not.toHaveBeenCalled();
    const body = JSON.parse(String(f.mock.calls[0][1]!.body));
    expect(body).toMatchObject({ camera_type: 'rtsp', source: 'http://nope', detection: { enabled: true } });
  });

  it('shows credential fields only for types that use them', async () => {
    mockFetch(() => undefined);
    renderAt(<CameraForm onSaved={() => {}} onCancel={() => {}} />);
    expect(screen.getByLabelText('Camera password')).toBeInTheDocument();
    await userEvent.setup().selectOptions(screen.getByLabelText('Type'), 'usb');
    expect(screen.queryByLabelText('Camera password')).toBeNull();
  });

  it('omits empty credentials and numbers from the payload', () => {
    const v = { ...formFromCamera(), name: ' Gate ', source: 'rtsp://h/s', fps: '12' };
    const p = cameraPayload(v);
    expect(p).toMatchObject({ name: 'Gate', fps: 12 });
    expect(p).not.toHaveProperty('password');
    expect(p).not.toHaveProperty('resolution_width');
  });
});

describe('CamerasPage', () => {
  it('uses server paging and search', async () => {
    localStorage.setItem('argus.access_token', 't');
    localStorage.setItem('argus.user', JSON.stringify({ id: 1, username: 'a', role: 'admin', camera_ids: [] }));
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'a', role: 'admin', camera_ids: [] } });
      const u = new URL(url, 'http://x');
      const page = Number(u.searchParams.get('page'));
      return ok(
        { cameras: [{ id: page, name: `cam-${page}-${u.searchParams.get('search') ?? ''}`, source: 's', type: 'rtsp', status: 'live' }] },
        { pagination: { page, pages: 21, per_page: 25, total: 520, has_next: page < 21, has_prev: page > 1 } },
      );
    });
    renderAt(<AuthProvider><CamerasPage /></AuthProvider>);
    expect(await screen.findByText('cam-1-')).toBeInTheDocument();
    expect(screen.getByText(/Page 1 of 21 · 520 total/)).toBeInTheDocument();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: /Next/ }));
    expect(await screen.findByText('cam-2-')).toBeInTheDocument();
    await user.type(screen.getByLabelText('Search cameras'), 'gate');
    expect(await screen.findByText('cam-1-gate', {}, { timeout: 2000 })).toBeInTheDocument();
    const urls = f.mock.calls.map((c) => String(c[0]));
    expect(urls.some((u) => u.includes('search=gate') && u.includes('page=1'))).toBe(true);
    const row = screen.getByText('cam-1-gate').closest('tr')!;
    expect(within(row).getByRole('button', { name: /Stop cam-1-gate/ })).toBeInTheDocument();
  });
});

describe('CameraForm editing', () => {
  it('does not send the masked source back unless it was changed', async () => {
    const f = mockFetch((_m, url) => (url.includes('/cameras/3') ? ok({ camera: { id: 3, name: 'Gate', source: 'rtsp://***@10.0.0.3/s', type: 'rtsp', status: 'live' } }) : undefined));
    const onSaved = vi.fn();
    const cam = { id: 3, name: 'Gate', source: 'rtsp://***@10.0.0.3/s', type: 'rtsp' as const, status: 'live' as const, hasCredentials: true };
    renderAt(<CameraForm camera={cam} onSaved={onSaved} onCancel={() => {}} />);
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Name'), 'Gate 2');
    await user.click(screen.getByRole('button', { name: 'Save camera' }));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalled());
    const put = JSON.parse(String(f.mock.calls[0][1]!.body));
    expect(put.name).toBe('Gate 2');
    expect(put).not.toHaveProperty('source');
    expect(String(f.mock.calls[1][0])).toBe('/api/v1/cameras/3/settings');
  });
});
