import { act, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CameraForm, cameraPayload, DEFAULT_DETECTION, discoveryAction, formFromCamera, newCameraDetection, ONVIF_RTSP_NOTE, patchCameras } from './CamerasPage';
import { fail, mockFetch, ok, renderAt, signIn } from '../test/util';
import { LiveSocketContext } from '../live/LiveContext';
import type { LiveSocket, WsMessage } from '../live/socket';
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
    const post = f.mock.calls.find((c) => c[1]?.method === 'POST')!;
    const body = JSON.parse(String(post[1]!.body));
    expect(body).toMatchObject({ camera_type: 'rtsp', source: 'http://nope', detection: { enabled: true } });
  });

  it("starts a new camera from the system configuration's detection defaults", async () => {
    const f = mockFetch((method, url) => {
      if (url.startsWith('/api/v1/system/config'))
        return ok({
          config: { samplingRate: 8, detectionThreshold: 0.75, minFaceSize: 48, maxFacesPerFrame: 6, performanceMode: 'fast' },
          camera_defaults: { detection: { enabled: true, fps_limit: 8, confidence_threshold: 0.75, min_face_size: 48, max_faces_per_frame: 6 } },
        });
      if (method === 'POST') return ok({ camera: { id: 3, name: 'Gate' } });
      return undefined;
    });
    const onSaved = vi.fn();
    renderAt(<CameraForm onSaved={onSaved} onCancel={() => {}} />);
    expect(await screen.findByDisplayValue('48')).toBe(screen.getByLabelText('Minimum face size (px)'));
    expect(screen.getByLabelText('FPS limit')).toHaveValue(8);
    expect(screen.getByLabelText('Confidence threshold')).toHaveValue(0.75);
    expect(screen.getByLabelText('Max faces per frame')).toHaveValue(6);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Name'), 'Gate');
    await user.type(screen.getByLabelText('Source'), 'rtsp://h/s');
    await user.click(screen.getByRole('button', { name: 'Add camera' }));
    const post = f.mock.calls.find((c) => c[1]?.method === 'POST')!;
    expect(JSON.parse(String(post[1]!.body)).detection).toEqual({ enabled: true, fps_limit: 8, confidence_threshold: 0.75, min_face_size: 48, max_faces_per_frame: 6 });
  });

  it("keeps the built-in detection defaults where the server's answer is missing or mistyped", () => {
    expect(newCameraDetection(null)).toEqual(DEFAULT_DETECTION);
    expect(newCameraDetection({})).toEqual(DEFAULT_DETECTION);
    const odd = { camera_defaults: { detection: { fps_limit: 'x', min_face_size: 30, extra: 1 } } } as unknown as Parameters<typeof newCameraDetection>[0];
    expect(newCameraDetection(odd)).toEqual({ ...DEFAULT_DETECTION, min_face_size: 30 });
  });

  it('asks for a capture format only for USB cameras, blank meaning the device default', async () => {
    mockFetch(() => undefined);
    renderAt(<CameraForm onSaved={() => {}} onCancel={() => {}} />);
    expect(screen.queryByLabelText('Capture width (px)')).toBeNull();
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Type'), 'usb');
    expect(screen.getByLabelText('Capture width (px)')).toHaveAccessibleDescription(/nearest size and rate it supports/);
    expect(screen.getByLabelText('Capture height (px)')).toBeInTheDocument();
    expect(screen.getByLabelText('Capture fps')).toBeInTheDocument();

    const usb = { ...formFromCamera(), camera_type: 'usb' as const, source: '/dev/video0' };
    expect(cameraPayload(usb)).toMatchObject({ resolution_width: 0, resolution_height: 0, fps: 0 });
    expect(cameraPayload({ ...usb, resolution_width: '1280', resolution_height: '720', fps: '30' })).toMatchObject({
      resolution_width: 1280,
      resolution_height: 720,
      fps: 30,
    });
  });

  it("offers each type's own settings and sends them with the stored ones kept", async () => {
    mockFetch(() => undefined);
    renderAt(<CameraForm onSaved={() => {}} onCancel={() => {}} />);
    const user = userEvent.setup();
    expect(screen.getByLabelText('RTSP transport')).toHaveValue('tcp');
    expect(screen.queryByLabelText('Idle alert after (s)')).toBeNull();
    await user.selectOptions(screen.getByLabelText('Type'), 'websocket');
    expect(screen.queryByLabelText('RTSP transport')).toBeNull();
    expect(screen.getByLabelText('Idle alert after (s)')).toHaveAccessibleDescription(/no frames have been pushed/);
    await user.selectOptions(screen.getByLabelText('Type'), 'file');
    expect(screen.getByLabelText('Loop the file')).toBeChecked();

    const stored = formFromCamera({ id: 4, name: 'Tablet', type: 'websocket', source: '', status: 'waiting', settings: { idle_alert_s: 300, note: 'lobby' } });
    expect(stored.idle_alert_s).toBe('300');
    expect(cameraPayload(stored).settings).toEqual({ idle_alert_s: 300, note: 'lobby' });
    expect(cameraPayload({ ...stored, idle_alert_s: '' }).settings).toEqual({ idle_alert_s: 0, note: 'lobby' });  // blank: never
    const rtsp = formFromCamera({ id: 5, name: 'Gate', type: 'rtsp', source: 'rtsp://h/s', status: 'live', settings: { rtsp_transport: 'udp' } });
    expect(rtsp.rtsp_transport).toBe('udp');
    expect(cameraPayload({ ...rtsp, rtsp_transport: 'tcp' }).settings).toEqual({ rtsp_transport: 'tcp' });
    const file = formFromCamera({ id: 6, name: 'Clip', type: 'file', source: 'a.mp4', status: 'live', settings: { loop: false } });
    expect(file.loop).toBe(false);
    expect(cameraPayload(file).settings).toEqual({ loop: false });
    // Types without such settings leave the stored object alone.
    expect(cameraPayload({ ...file, camera_type: 'usb' })).not.toHaveProperty('settings');
  });

  it('shows the server\'s message at a setting it refused', async () => {
    const f = mockFetch((method) => (method === 'POST' ? fail(400, 'VALIDATION_ERROR', 'Invalid input data', { 'settings.idle_alert_s': ['must be an integer'] }) : undefined));
    renderAt(<CameraForm initial={{ camera_type: 'websocket', name: 'Tablet', idle_alert_s: '1.5' }} onSaved={() => {}} onCancel={() => {}} />);
    await userEvent.setup().click(screen.getByRole('button', { name: 'Add camera' }));
    expect(await screen.findByText('must be an integer')).toBeInTheDocument();
    expect(screen.getByLabelText('Idle alert after (s)')).toHaveAttribute('aria-invalid', 'true');
    const post = f.mock.calls.find((c) => c[1]?.method === 'POST')!;
    expect(JSON.parse(String(post[1]!.body)).settings).toEqual({ idle_alert_s: 2 });  // sent as typed (rounded), for the server to judge
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
    expect(p).toMatchObject({ name: 'Gate' });
    expect(p).not.toHaveProperty('password');
    // an RTSP camera sends its own format: nothing to ask for
    expect(p).not.toHaveProperty('resolution_width');
    expect(p).not.toHaveProperty('fps');
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

describe('camera type hints', () => {
  it('explains socket framing and push (websocket) cameras', async () => {
    mockFetch(() => undefined);
    renderAt(<CameraForm onSaved={() => {}} onCancel={() => {}} />);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Type'), 'socket');
    expect(screen.getByText(/tcp:\/\/host:port\?framing=length/)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Type'), 'websocket');
    expect(screen.getByText(/pushed to the server at \/api\/v1\/ingest\/ws\/\{id\}: leave the source empty/)).toBeInTheDocument();
    expect(screen.queryByLabelText('Camera password')).toBeNull();  // the URL is not used: no credentials
  });
});

describe('discovery', () => {
  it('maps ONVIF results to an RTSP form to complete and adds USB devices as they are', () => {
    const onvif = discoveryAction({ type: 'onvif', name: 'Hall PTZ', source: 'http://192.168.1.64:8000/onvif/device_service' });
    expect(onvif).toEqual({ kind: 'form', initial: { name: 'Hall PTZ', camera_type: 'rtsp', source: 'rtsp://192.168.1.64:554/' }, note: ONVIF_RTSP_NOTE });
    expect(discoveryAction({ type: 'onvif', name: '', source: 'http://10.0.0.9/onvif/device_service' })).toMatchObject({ initial: { name: '10.0.0.9', source: 'rtsp://10.0.0.9:554/' } });
    expect(discoveryAction({ type: 'onvif', name: 'v6', source: 'http://[fe80::1]:80/onvif/device_service' })).toMatchObject({ initial: { source: 'rtsp://[fe80::1]:554/' } });
    expect(discoveryAction({ type: 'usb', name: 'HD Webcam', source: '/dev/video0' })).toEqual({
      kind: 'add', body: { name: 'HD Webcam', source: '/dev/video0', camera_type: 'usb' },
    });
  });

  it('"Add" on an ONVIF result opens the camera form pre-filled (nothing is posted until saved)', async () => {
    signIn('admin');
    const f = mockFetch((method, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'a', role: 'admin', camera_ids: [] } });
      if (url.startsWith('/api/v1/cameras/discover'))
        return ok({ discovered_cameras: [{ type: 'onvif', name: 'Hall PTZ', source: 'http://192.168.1.64/onvif/device_service', capabilities: [] }, { type: 'usb', name: 'Cam', source: '/dev/video2' }] });
      if (url === '/api/v1/cameras' && method === 'POST') return ok({ camera: { id: 9, name: 'Cam', type: 'usb', status: 'inactive', source: '/dev/video2' } });
      if (url.startsWith('/api/v1/cameras?')) return ok({ cameras: [] }, { pagination: { page: 1, pages: 0, per_page: 25, total: 0 } });
      return undefined;
    });
    renderAt(<AuthProvider><CamerasPage /></AuthProvider>);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Discover' }));
    await user.click(await screen.findByRole('button', { name: 'Add Hall PTZ' }));
    const dialog = screen.getByRole('dialog', { name: 'Add camera' });
    expect(within(dialog).getByLabelText('Name')).toHaveValue('Hall PTZ');
    expect(within(dialog).getByLabelText('Type')).toHaveValue('rtsp');
    expect(within(dialog).getByLabelText('Source')).toHaveValue('rtsp://192.168.1.64:554/');
    expect(within(dialog).getByText(/stream path depends on the camera model/)).toBeInTheDocument();
    expect(f.mock.calls.some((c) => c[1]?.method === 'POST')).toBe(false);
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    // USB: added directly, with its own type
    await user.click(screen.getByRole('button', { name: 'Add Cam' }));
    await vi.waitFor(() => expect(f.mock.calls.some((c) => c[1]?.method === 'POST')).toBe(true));
    const post = f.mock.calls.find((c) => c[1]?.method === 'POST')!;
    expect(JSON.parse(String(post[1]!.body))).toMatchObject({ camera_type: 'usb', source: '/dev/video2' });
    expect(await screen.findByText('Added Cam.')).toBeInTheDocument();
  });
});

describe('camera list updates', () => {
  const cams = [
    { id: 1, name: 'Gate', source: 's', type: 'rtsp' as const, status: 'live' as const, stats: { avg_fps: 10 } },
    { id: 2, name: 'Dock', source: 's', type: 'rtsp' as const, status: 'live' as const },
  ];
  it('patches status and fps from live messages', () => {
    const a = patchCameras(cams, { type: 'camera_status_changed', data: { camera_id: 2, status: 'error', detail: 'timeout' } });
    expect(a[1]).toMatchObject({ status: 'error', stats: { last_error: 'timeout' } });
    expect(a[0]).toBe(cams[0]);
    const b = patchCameras(cams, { type: 'performance_metrics', data: { cameras: [{ camera_id: 1, fps: 24.5, state: 'live' }] } });
    expect(b[0].stats?.avg_fps).toBe(24.5);
    expect(patchCameras(cams, { type: 'camera_status_changed', data: { camera_id: 99, status: 'error' } })).toBe(cams);
    expect(patchCameras(cams, { type: 'detection_event', data: {} })).toBe(cams);
  });

  it('polls the list every 5 s and applies camera_status_changed between polls', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      signIn('viewer');
      let status = 'live';
      const f = mockFetch((_m, url) => {
        if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'v', role: 'viewer', camera_ids: [] } });
        if (url.startsWith('/api/v1/cameras?')) return ok({ cameras: [{ ...cams[0], status }] }, { pagination: { page: 1, pages: 1, per_page: 25, total: 1 } });
        return undefined;
      });
      const listeners = new Set<(m: WsMessage) => void>();
      const sock = { state: 'open', subscribe: () => () => {}, onMessage: (l: (m: WsMessage) => void) => (listeners.add(l), () => listeners.delete(l)), onFrame: () => () => {}, onState: () => () => {} };
      render(
        <MemoryRouter>
          <AuthProvider>
            <LiveSocketContext.Provider value={sock as unknown as LiveSocket}>
              <CamerasPage />
            </LiveSocketContext.Provider>
          </AuthProvider>
        </MemoryRouter>,
      );
      const row = (await screen.findByRole('link', { name: 'Gate' })).closest('tr')!;
      expect(within(row).getByText('live')).toBeInTheDocument();
      act(() => listeners.forEach((l) => l({ type: 'camera_status_changed', data: { camera_id: 1, status: 'error', detail: 'RTSP 404' } })));
      expect(within(row).getByText('error')).toBeInTheDocument();
      expect(within(row).getByText('RTSP 404')).toBeInTheDocument();
      act(() => listeners.forEach((l) => l({ type: 'performance_metrics', data: { cameras: [{ camera_id: 1, fps: 7.25 }] } })));
      expect(within(row).getByText('7.3')).toBeInTheDocument();
      const lists = () => f.mock.calls.filter((c) => String(c[0]).startsWith('/api/v1/cameras?')).length;
      const n = lists();
      status = 'stopped';
      await act(async () => {
        vi.advanceTimersByTime(5000);
      });
      await vi.waitFor(() => expect(lists()).toBe(n + 1));
      expect(await within(row).findByText('stopped')).toBeInTheDocument();
    } finally {
      vi.useRealTimers();
    }
  });
});
