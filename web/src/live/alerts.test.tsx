import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { ApiError } from '../api/client';
import type { SystemAlert } from '../api/types';
import { AlertsIndicator, Toasts } from '../components/Alerts';
import { AlertStore, alertFromMessage, fetchAlerts, toastFor } from './alerts';
import { AlertsProvider } from './AlertsContext';
import { LiveSocketContext } from './LiveContext';
import type { LiveSocket, SocketState, WsMessage } from './socket';
import { fail, mockFetch, ok, signIn } from '../test/util';

const alert = (id: string, extra: Partial<SystemAlert> = {}): SystemAlert => ({
  id, alert: 'camera_offline', severity: 'warning', camera_id: 3, message: `${id} happened`, since: '2026-01-02T08:00:00.000Z', active: true, ...extra,
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('AlertStore', () => {
  it('loads the active list, adds on active:true and removes by id on active:false', () => {
    const s = new AlertStore();
    const seen: number[] = [];
    s.subscribe((l) => seen.push(l.length));
    s.load([alert('camera_offline:3'), alert('disk_low', { alert: 'disk_low', camera_id: null, severity: 'critical' }), alert('old', { active: false })]);
    expect(s.list().map((a) => a.id)).toEqual(['disk_low', 'camera_offline:3']);  // critical first, inactive ignored
    expect(s.apply(alert('analysis_overloaded:4', { since: '2026-01-02T09:00:00Z' }))).toBe('added');
    expect(s.apply(alert('analysis_overloaded:4', { message: 'again' }))).toBe('updated');
    expect(s.size).toBe(3);
    expect(s.apply(alert('camera_offline:3', { active: false }))).toBe('removed');
    expect(s.apply(alert('camera_offline:3', { active: false }))).toBeNull();  // already gone
    expect(s.list().map((a) => a.id)).toEqual(['disk_low', 'analysis_overloaded:4']);
    expect(seen).toEqual([2, 3, 3, 2]);
    s.load([]);
    expect(s.size).toBe(0);
  });

  it('reads system_alert messages and nothing else', () => {
    expect(alertFromMessage({ type: 'system_alert', data: { id: 'disk_low', alert: 'disk_low', severity: 'critical', camera_id: null, message: 'm', since: 's', active: false } }))
      .toEqual({ id: 'disk_low', alert: 'disk_low', severity: 'critical', camera_id: null, message: 'm', since: 's', active: false });
    expect(alertFromMessage({ type: 'system_alert', data: { alert: 'x' } })).toBeNull();
    expect(alertFromMessage({ type: 'detection_event', data: { id: 'x' } })).toBeNull();
  });
});

describe('fetchAlerts', () => {
  it('treats 404 (older server) as no alerts and other failures as unknown', async () => {
    expect(await fetchAlerts(async () => ({ data: { alerts: [alert('a')] } }))).toHaveLength(1);
    expect(await fetchAlerts(() => Promise.reject(new ApiError(404, 'NOT_FOUND', 'nf')))).toEqual([]);
    expect(await fetchAlerts(() => Promise.reject(new ApiError(500, 'INTERNAL_SERVER_ERROR', 'x')))).toBeNull();
    expect(await fetchAlerts(() => Promise.reject(new TypeError('network')))).toBeNull();
  });
});

describe('toastFor', () => {
  it('announces cameras going to error and new alerts only', () => {
    expect(toastFor({ type: 'camera_status_changed', data: { camera_id: 4, status: 'error', detail: 'connection refused' } }, null, null))
      .toEqual({ severity: 'critical', text: 'Camera #4 is in error: connection refused', link: '/cameras/4' });
    expect(toastFor({ type: 'camera_status_changed', data: { camera_id: 4, status: 'live' } }, null, null)).toBeNull();
    const a = alert('camera_offline:3');
    expect(toastFor({ type: 'system_alert', data: a }, 'added', a)).toMatchObject({ severity: 'warning', text: 'camera_offline:3 happened', link: '/cameras/3' });
    expect(toastFor({ type: 'system_alert', data: a }, 'updated', a)).toBeNull();
    expect(toastFor({ type: 'system_alert', data: a }, 'removed', a)).toBeNull();
  });
});

function fakeSocket() {
  const msgs = new Set<(m: WsMessage) => void>();
  const states = new Set<(s: SocketState) => void>();
  return {
    state: 'open',
    subscribe: () => () => {},
    onMessage: (l: (m: WsMessage) => void) => (msgs.add(l), () => msgs.delete(l)),
    onFrame: () => () => {},
    onState: (l: (s: SocketState) => void) => (states.add(l), () => states.delete(l)),
    emit: (m: WsMessage) => msgs.forEach((l) => l(m)),
    setState: (s: SocketState) => states.forEach((l) => l(s)),
  };
}

function renderAlerts(sock: ReturnType<typeof fakeSocket>) {
  return render(
    <MemoryRouter>
      <LiveSocketContext.Provider value={sock as unknown as LiveSocket}>
        <AlertsProvider>
          <AlertsIndicator />
          <Toasts />
        </AlertsProvider>
      </LiveSocketContext.Provider>
    </MemoryRouter>,
  );
}

describe('alerts in the header', () => {
  it('starts from GET /system/alerts, follows system_alert messages and shows notices', async () => {
    signIn('viewer');
    let served: SystemAlert[] = [alert('camera_offline:3', { message: 'Gate is offline' })];
    const f = mockFetch((_m, url) => (url === '/api/v1/system/alerts' ? ok({ alerts: served }) : undefined));
    const sock = fakeSocket();
    renderAlerts(sock);
    const button = await screen.findByRole('button', { name: 'Alerts: 1 active' });
    const user = userEvent.setup();
    await user.click(button);
    const panel = screen.getByRole('region', { name: 'Active alerts' });
    expect(within(panel).getByText('Gate is offline')).toBeInTheDocument();
    expect(within(panel).getByRole('link', { name: 'camera #3' })).toHaveAttribute('href', '/cameras/3');
    // the initial list makes no notice; a new alert does
    expect(screen.queryByText('Disk almost full')).toBeNull();
    act(() => sock.emit({ type: 'system_alert', data: alert('disk_low', { alert: 'disk_low', severity: 'critical', camera_id: null, message: 'Disk almost full' }) }));
    expect(screen.getByRole('button', { name: 'Alerts: 2 active' })).toHaveClass('sev-critical');
    expect(within(screen.getByTestId('toasts')).getByRole('alert')).toHaveTextContent('Disk almost full');
    expect(within(panel).getAllByRole('listitem').map((li) => li.getAttribute('data-alert-id'))).toEqual(['disk_low', 'camera_offline:3']);
    // cleared by id
    act(() => sock.emit({ type: 'system_alert', data: alert('camera_offline:3', { active: false }) }));
    expect(screen.getByRole('button', { name: 'Alerts: 1 active' })).toBeInTheDocument();
    expect(within(panel).queryByText('Gate is offline')).toBeNull();
    // a camera going to error: a notice with a link to it, dismissable
    act(() => sock.emit({ type: 'camera_status_changed', timestamp: 1, data: { camera_id: 7, status: 'error', detail: 'RTSP 401' } }));
    const toast = within(screen.getByTestId('toasts')).getByText('Camera #7 is in error: RTSP 401').closest('.toast') as HTMLElement;
    expect(within(toast).getByRole('link', { name: 'Open' })).toHaveAttribute('href', '/cameras/7');
    await user.click(within(toast).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText('Camera #7 is in error: RTSP 401')).toBeNull();
    // after a reconnect the list is fetched again (changes may have been missed)
    served = [];
    const before = f.mock.calls.length;
    act(() => sock.setState('closed'));
    act(() => sock.setState('open'));
    expect(await screen.findByRole('button', { name: 'Alerts: 0 active' })).toBeInTheDocument();
    expect(f.mock.calls.length).toBe(before + 1);
  });

  it('shows no alerts, and no error, when the server has no /system/alerts (404)', async () => {
    signIn('viewer');
    const f = mockFetch(() => fail(404, 'NOT_FOUND', 'no route'));
    const sock = fakeSocket();
    renderAlerts(sock);
    await vi.waitFor(() => expect(f).toHaveBeenCalledWith('/api/v1/system/alerts', expect.anything()));
    await userEvent.setup().click(screen.getByRole('button', { name: 'Alerts: 0 active' }));
    expect(screen.getByText('No active alerts.')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
    // messages still work without the endpoint
    act(() => sock.emit({ type: 'system_alert', data: alert('analysis_overloaded:2', { alert: 'analysis_overloaded' }) }));
    expect(screen.getByRole('button', { name: 'Alerts: 1 active' })).toBeInTheDocument();
  });

  it('notices go away by themselves', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    signIn('viewer');
    mockFetch(() => ok({ alerts: [] }));
    const sock = fakeSocket();
    renderAlerts(sock);
    act(() => sock.emit({ type: 'camera_status_changed', data: { camera_id: 1, status: 'error', detail: 'x' } }));
    expect(screen.getByText('Camera #1 is in error: x')).toBeInTheDocument();
    act(() => vi.advanceTimersByTime(8100));
    expect(screen.queryByText('Camera #1 is in error: x')).toBeNull();
  });
});
