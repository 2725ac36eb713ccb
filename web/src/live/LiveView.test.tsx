import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WsMessage } from './socket';
import { filterResult, inViewOf, liveSubscription } from './LiveView';
import { mockFetch, ok, renderCameraView, signIn } from '../test/util';

/** Minimal stand-in for LiveSocket: records subscriptions, lets the test push messages. */
function fakeSocket() {
  const msgs = new Set<(m: WsMessage) => void>();
  const subs: unknown[] = [];
  const s = {
    state: 'open',
    subscribe: vi.fn((sub: unknown) => {
      subs.push(sub);
      return () => {};
    }),
    onMessage: (l: (m: WsMessage) => void) => {
      msgs.add(l);
      return () => msgs.delete(l);
    },
    onFrame: () => () => {},
    onState: () => () => {},
    emit: (m: WsMessage) => msgs.forEach((l) => l(m)),
    subs,
  };
  return s;
}

let strokeRects: number[][] = [];
let texts: string[] = [];

beforeEach(() => {
  strokeRects = [];
  texts = [];
  const ctx: any = new Proxy(
    {
      canvas: { width: 0, height: 0 },
      measureText: (t: string) => ({ width: t.length * 6 }),
      strokeRect: (...a: number[]) => strokeRects.push(a),
      fillText: (t: string) => texts.push(t),
    },
    { get: (t: any, k) => (k in t ? t[k] : () => {}), set: (t: any, k, v) => ((t[k] = v), true) },
  );
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (this: HTMLCanvasElement) {
    ctx.canvas = this;
    return ctx;
  } as any);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(640);
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(360);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('inViewOf', () => {
  it('lists recognised people first, then unknown faces, and nothing without a result', () => {
    expect(inViewOf(null)).toEqual([]);
    const r = {
      camera_id: 1, width: 10, height: 10,
      detections: [
        { bbox: { x: 0, y: 0, width: 1, height: 1 } },
        { track_id: 0, bbox: { x: 0, y: 0, width: 1, height: 1 } },
        { track_id: 2, bbox: { x: 0, y: 0, width: 1, height: 1 }, person: { id: 9, name: 'Bo' } },
        { track_id: 1, bbox: { x: 0, y: 0, width: 1, height: 1 }, person: { id: 8, name: 'Al' } },
      ],
    };
    expect(inViewOf(r).map((p) => [p.name, p.known, p.trackId])).toEqual([['Al', true, 1], ['Bo', true, 2], ['Unknown', false, undefined], ['Unknown', false, undefined]]);
    expect(new Set(inViewOf(r).map((p) => p.key)).size).toBe(4);  // tentative faces (track 0) get their own keys
  });
});

describe('CameraViewPage overlay', () => {
  it('draws scaled boxes from detection events and re-draws on layer toggles (persisted)', async () => {
    signIn('viewer');
    mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'v', role: 'viewer', camera_ids: [] } });
      if (url.startsWith('/api/v1/cameras/5')) return ok({ camera: { id: 5, name: 'Gate', type: 'rtsp', status: 'live', source: 'x' } });
      return undefined;
    });
    const sock = fakeSocket();
    renderCameraView(sock);
    expect(await screen.findByRole('heading', { name: 'Gate' })).toBeInTheDocument();
    expect(sock.subs).toContainEqual({ camera_id: 5, video: { fps: 10, width: 960 } });
    act(() =>
      sock.emit({
        type: 'detection_event',
        data: { camera_id: 5, width: 1280, height: 720, model: 'm1', detections: [{ track_id: 3, bbox: { x: 640, y: 360, width: 128, height: 72 }, confidence: 0.9, person: { id: 1, name: 'Ada', similarity: 0.77 } }] },
      }),
    );
    // 1280x720 result in a 640x360 element: everything halves
    expect(strokeRects.at(-1)).toEqual([320, 180, 64, 36]);
    expect(texts).toContain('Ada 77%  #3');
    // the same labels as text, in the "In view" live region
    const inView = screen.getByRole('list', { name: 'In view' });
    expect(inView).toHaveAttribute('aria-live', 'polite');
    expect(inView).toHaveTextContent('Ada #3');
    act(() =>
      sock.emit({
        type: 'detection_event',
        data: {
          camera_id: 5, width: 1280, height: 720, model: 'm1',
          detections: [
            { track_id: 4, bbox: { x: 0, y: 0, width: 10, height: 10 }, confidence: 0.8, person: null },
            { track_id: 3, bbox: { x: 640, y: 360, width: 128, height: 72 }, confidence: 0.9, person: { id: 1, name: 'Ada', similarity: 0.8 } },
          ],
        },
      }),
    );
    expect(screen.getAllByRole('listitem').filter((li) => inView.contains(li)).map((li) => li.textContent)).toEqual(['Ada #3', 'Unknown #4']);
    // A provisional event (boxes right after detection): drawn at once, but the "In view" list
    // waits for the complete result of that frame instead of flickering to "Unknown".
    strokeRects = [];
    act(() =>
      sock.emit({
        type: 'detection_event',
        data: { camera_id: 5, frame_seq: 7, width: 1280, height: 720, provisional: true, detections: [{ track_id: 0, bbox: { x: 100, y: 100, width: 40, height: 40 }, confidence: 0.9, person: null }] },
      }),
    );
    expect(strokeRects).toContainEqual([50, 50, 20, 20]);
    expect(screen.getAllByRole('listitem').filter((li) => inView.contains(li)).map((li) => li.textContent)).toEqual(['Ada #3', 'Unknown #4']);
    act(() =>
      sock.emit({
        type: 'detection_event',
        data: { camera_id: 5, frame_seq: 7, width: 1280, height: 720, model: 'm1', provisional: false, detections: [{ track_id: 3, bbox: { x: 100, y: 100, width: 40, height: 40 }, confidence: 0.9, person: { id: 1, name: 'Ada', similarity: 0.8 } }] },
      }),
    );
    expect(screen.getAllByRole('listitem').filter((li) => inView.contains(li)).map((li) => li.textContent)).toEqual(['Ada #3']);
    strokeRects = [];
    texts = [];
    const user = userEvent.setup();
    await user.click(screen.getByRole('checkbox', { name: 'Boxes' }));
    await user.click(screen.getByRole('checkbox', { name: 'Debug' }));
    expect(strokeRects).toHaveLength(0);
    expect(texts).toContain('model m1');
    expect(JSON.parse(localStorage.getItem('argus.overlay.5')!)).toMatchObject({ boxes: false, debug: true });
    // events for other cameras are ignored
    strokeRects = [];
    await user.click(screen.getByRole('checkbox', { name: 'Boxes' }));
    const before = strokeRects.length;
    act(() => sock.emit({ type: 'detection_event', data: { camera_id: 9, width: 10, height: 10, detections: [{ bbox: { x: 1, y: 1, width: 1, height: 1 } }] } }));
    expect(strokeRects.length).toBe(before);
    // viewers get no start/stop buttons
    expect(screen.queryByRole('button', { name: 'Start' })).toBeNull();
  });
});

describe('live filters', () => {
  it('builds the subscribe message with filters only when set', () => {
    expect(liveSubscription(3)).toEqual({ camera_id: 3 });
    expect(liveSubscription(3, { min_confidence: 0, person_ids: [] }, { fps: 5, width: 640 })).toEqual({ camera_id: 3, video: { fps: 5, width: 640 } });
    expect(liveSubscription(3, { min_confidence: 0.7, person_ids: [4, 9] }, { fps: 5 })).toEqual({ camera_id: 3, filters: { min_confidence: 0.7, person_ids: [4, 9] }, video: { fps: 5 } });
  });

  it('applies the same filters to results on the client (the polled fallback is unfiltered)', () => {
    const r = {
      camera_id: 1, width: 10, height: 10,
      detections: [
        { bbox: { x: 0, y: 0, width: 1, height: 1 }, confidence: 0.9, person: { id: 4, name: 'Al' } },
        { bbox: { x: 0, y: 0, width: 1, height: 1 }, confidence: 0.5, person: { id: 4, name: 'Al' } },
        { bbox: { x: 0, y: 0, width: 1, height: 1 }, confidence: 0.95, person: null },
      ],
    };
    expect(filterResult(r, undefined)).toBe(r);
    expect(filterResult(r, { min_confidence: 0.6 }).detections.map((d) => d.confidence)).toEqual([0.9, 0.95]);
    expect(filterResult(r, { min_confidence: 0.6, person_ids: [4] }).detections.map((d) => d.confidence)).toEqual([0.9]);
  });

  it('resubscribes with the chosen minimum confidence and people, and shows the camera statistics', async () => {
    signIn('viewer');
    mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'v', role: 'viewer', camera_ids: [] } });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [{ id: 4, name: 'Ada' }, { id: 9, name: 'Bo' }] });
      if (url.startsWith('/api/v1/cameras/5'))
        return ok({
          camera: {
            id: 5, name: 'Gate', type: 'rtsp', status: 'live', source: 'x',
            stats: { frames_captured: 12345, frames_processed: 2400, frames_dropped: 7, detections_missed: 3, reconnections: 2, downtime_s: 125.4, bandwidth_kbps: 1830.6, last_error: 'RTSP timeout', avg_fps: 24.9, width: 1920, height: 1080, faces_detected: 4321 },
          },
        });
      return undefined;
    });
    const sock = fakeSocket();
    renderCameraView(sock);
    expect(await screen.findByRole('heading', { name: 'Gate' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '← All cameras' })).toHaveAttribute('href', '/cameras');
    const stats = screen.getByTestId('camera-stats');
    expect(await within(stats).findByText((12345).toLocaleString())).toBeInTheDocument();
    for (const t of [(2400).toLocaleString(), '7', '3', '2', '2 min 05 s', '1831 kbit/s', 'RTSP timeout', '1920 × 1080', (4321).toLocaleString()]) expect(within(stats).getByText(t)).toBeInTheDocument();
    expect(sock.subs.at(-1)).toEqual({ camera_id: 5, video: { fps: 10, width: 960 } });
    const { fireEvent } = await import('@testing-library/react');
    fireEvent.change(screen.getByLabelText('Minimum confidence'), { target: { value: '0.6' } });
    expect(sock.subs.at(-1)).toEqual({ camera_id: 5, filters: { min_confidence: 0.6 }, video: { fps: 10, width: 960 } });
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Only these people'), ['4', '9']);
    expect(sock.subs.at(-1)).toEqual({ camera_id: 5, filters: { min_confidence: 0.6, person_ids: [4, 9] }, video: { fps: 10, width: 960 } });
    // an event with a face below the threshold (e.g. from a server that ignores filters) is not listed
    act(() =>
      sock.emit({
        type: 'detection_event',
        data: { camera_id: 5, width: 100, height: 100, detections: [
          { track_id: 1, bbox: { x: 0, y: 0, width: 9, height: 9 }, confidence: 0.9, person: { id: 4, name: 'Ada' } },
          { track_id: 2, bbox: { x: 0, y: 0, width: 9, height: 9 }, confidence: 0.4, person: { id: 9, name: 'Bo' } },
        ] },
      }),
    );
    expect(screen.getByRole('list', { name: 'In view' })).toHaveTextContent('Ada #1');
    expect(screen.getByRole('list', { name: 'In view' })).not.toHaveTextContent('Bo');
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(sock.subs.at(-1)).toEqual({ camera_id: 5, video: { fps: 10, width: 960 } });
  });

  it('restores the filters of the camera after a reload, and stores changes', async () => {
    localStorage.setItem('argus.liveFilters.5', JSON.stringify({ minConfidence: 0.65, personIds: [9, -1] }));
    localStorage.setItem('argus.liveFilters.6', '{broken');
    signIn('viewer');
    mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'v', role: 'viewer', camera_ids: [] } });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [{ id: 4, name: 'Ada' }, { id: 9, name: 'Bo' }] });
      if (url.startsWith('/api/v1/cameras/')) return ok({ camera: { id: 5, name: 'Gate', type: 'rtsp', status: 'live', source: 'x' } });
      return undefined;
    });
    const sock = fakeSocket();
    renderCameraView(sock);
    expect(await screen.findByRole('heading', { name: 'Gate' })).toBeInTheDocument();
    expect(screen.getByLabelText('Minimum confidence')).toHaveValue('0.65');
    expect(sock.subs.at(-1)).toEqual({ camera_id: 5, filters: { min_confidence: 0.65, person_ids: [9] }, video: { fps: 10, width: 960 } });
    const people = (await screen.findByLabelText('Only these people')) as HTMLSelectElement;
    expect(Array.from(people.selectedOptions, (o) => o.value)).toEqual(['9']);
    const user = userEvent.setup();
    await user.selectOptions(people, ['4']);
    expect(JSON.parse(localStorage.getItem('argus.liveFilters.5')!)).toEqual({ minConfidence: 0.65, personIds: [4, 9] });
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(localStorage.getItem('argus.liveFilters.5')).toBeNull();
    // another camera with unreadable stored filters: none
    const { cleanup } = await import('@testing-library/react');
    cleanup();
    const sock6 = fakeSocket();
    renderCameraView(sock6, '/cameras/6');
    await screen.findByRole('heading', { name: 'Gate' });
    expect(screen.getByLabelText('Minimum confidence')).toHaveValue('0');
    expect(sock6.subs.at(-1)).toEqual({ camera_id: 6, video: { fps: 10, width: 960 } });
  });
});
