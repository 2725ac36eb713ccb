import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthProvider } from '../auth/AuthContext';
import { fail, mockFetch, ok, renderAt, signIn } from '../test/util';
import { configDiff, humanizeKey, normalizeModels, SystemPage } from './SystemPage';

afterEach(() => vi.unstubAllGlobals());

describe('config helpers', () => {
  it('humanizes keys and diffs values', () => {
    expect(humanizeKey('detectionThreshold')).toBe('Detection threshold');
    expect(humanizeKey('snapshot_retention_days')).toBe('Snapshot retention days');
    expect(configDiff({ a: 1, b: 'x', c: [1] }, { a: 1, b: 'y', c: [1] })).toEqual({ b: 'y' });
  });
  it('normalizes both model registry shapes', () => {
    expect(normalizeModels({ models: [{ id: 'yunet', task: 'detection', active: true }, { id: 'scrfd', task: 'detection' }] })).toEqual([
      { task: 'detection', active: 'yunet', available: [{ id: 'yunet', label: 'yunet' }, { id: 'scrfd', label: 'scrfd' }] },
    ]);
    expect(normalizeModels({ tasks: { recognition: { active: 'arc', available: ['arc', { id: 'sface', name: 'SFace' }] } } })).toEqual([
      { task: 'recognition', active: 'arc', available: [{ id: 'arc', label: 'arc' }, { id: 'sface', label: 'SFace' }] },
    ]);
  });
});

function routes(role: 'admin' | 'viewer', onPut?: (body: unknown) => Response | object) {
  return mockFetch((method, url, init) => {
    if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: role, role, camera_ids: [] } });
    if (url === '/health') return ok({ status: 'degraded', components: { store: { status: 'healthy' }, gpu: { status: 'unhealthy' } } });
    if (url.startsWith('/api/v1/system/status')) return ok({ performance: { cpuUsage: 12, memoryUsage: 40, gpuUsage: null, diskUsage: 70 }, process: { rss_bytes: 1048576, threads: 4, uptime_s: 3700 } });
    if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [{ id: 1, name: 'Lobby', status: 'live', type: 'rtsp', source: 's', stats: { frames_captured: 100, frames_dropped: 2, avg_fps: 9.5, latency_ms: 41 } }] });
    if (url.startsWith('/api/v1/models')) return ok({ models: [{ id: 'yunet', task: 'detection', active: true }] });
    if (url === '/api/v1/system/config' && method === 'GET') return ok({
        config: { detectionThreshold: 0.6, performanceMode: 'balanced', livenessEnabled: false },
        descriptions: { detectionThreshold: 'the default of a new camera', livenessEnabled: 'Not used yet: no liveness check' },
      });
    if (url === '/api/v1/system/config' && method === 'PUT') return onPut?.(JSON.parse(String(init!.body)));
    if (url.startsWith('/api/v1/jobs/dead-letters'))
      return ok({ dead_letters: [{ job_id: 'job-7f3a', callback_url: 'https://crm.example/hook', attempts: 5, last_error: 'HTTP 503', failed_at: '2026-11-24T10:00:00.000Z' }] });
    return undefined;
  });
}

describe('SystemPage', () => {
  it('shows health, resources and per-camera stats; config errors land at the field', async () => {
    signIn('admin');
    let sent: unknown = null;
    routes('admin', (b) => {
      sent = b;
      return fail(400, 'VALIDATION_ERROR', 'Invalid configuration', { detectionThreshold: ['must be between 0.05 and 0.99'] });
    });
    renderAt(<AuthProvider><SystemPage /></AuthProvider>);
    expect(await screen.findByText('Lobby')).toBeInTheDocument();
    expect(await screen.findByText('9.5')).toBeInTheDocument();
    expect(await screen.findByText('degraded')).toBeInTheDocument();
    expect(screen.getByText('1 h 1 min')).toBeInTheDocument();
    const thr = await screen.findByLabelText('Detection threshold');
    const user = userEvent.setup();
    await user.clear(thr);
    await user.type(thr, '7');
    await user.click(screen.getByRole('button', { name: 'Save configuration' }));
    expect(await screen.findByText('must be between 0.05 and 0.99')).toBeInTheDocument();
    expect(thr).toHaveAttribute('aria-invalid', 'true');
    expect(sent).toEqual({ detectionThreshold: 7 });
    // Callbacks the server gave up on are listed for admins.
    const failed = await screen.findByRole('table', { name: 'Failed job callbacks' });
    expect(await within(failed).findByText('job-7f3a')).toBeInTheDocument();
    for (const t of ['https://crm.example/hook', '5', 'HTTP 503']) expect(within(failed).getByText(t)).toBeInTheDocument();
  });

  it('is read-only for viewers', async () => {
    signIn('viewer');
    routes('viewer');
    renderAt(<AuthProvider><SystemPage /></AuthProvider>);
    expect(await screen.findByLabelText('Detection threshold')).toHaveAttribute('readonly');
    // What each key does (or that nothing reads it yet) is shown under it.
    expect(screen.getByLabelText('Detection threshold')).toHaveAccessibleDescription('the default of a new camera');
    expect(screen.getByText('Not used yet: no liveness check')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save configuration' })).toBeNull();
    expect(screen.getByLabelText('detection')).toBeDisabled();
    expect(screen.queryByText('Failed job callbacks')).toBeNull(); // admin only (the API answers 403)
  });
});
