import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockFetch, ok, renderCameraView, signIn } from '../test/util';

class FakeIngestWS {
  static all: FakeIngestWS[] = [];
  binaryType = '';
  readyState = 0;
  bufferedAmount = 0;
  sent: unknown[] = [];
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason?: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeIngestWS.all.push(this);
  }
  send(d: unknown) {
    this.sent.push(d);
  }
  close() {
    this.closed = true;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
}

const liveSock = {
  state: 'open',
  subscribe: () => () => {},
  onMessage: () => () => {},
  onFrame: () => () => {},
  onState: () => () => {},
};

let track: { stop: ReturnType<typeof vi.fn> };
let encoded: { w: number; h: number; type?: string; quality?: number }[];
let getUserMedia: ReturnType<typeof vi.fn>;

beforeEach(() => {
  FakeIngestWS.all = [];
  vi.stubGlobal('WebSocket', FakeIngestWS);
  track = { stop: vi.fn() };
  getUserMedia = vi.fn(async () => ({ getTracks: () => [track] }));
  Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia }, configurable: true });
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined);
  vi.spyOn(HTMLVideoElement.prototype, 'videoWidth', 'get').mockReturnValue(1280);
  vi.spyOn(HTMLVideoElement.prototype, 'videoHeight', 'get').mockReturnValue(720);
  const ctx: any = new Proxy({}, { get: () => () => {} });
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(ctx);
  encoded = [];
  vi.spyOn(HTMLCanvasElement.prototype, 'toBlob').mockImplementation(function (this: HTMLCanvasElement, cb: BlobCallback, type?: string, quality?: number) {
    encoded.push({ w: this.width, h: this.height, type, quality });
    cb(new Blob(['jpeg'], { type }));
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function renderCamera(role: 'viewer' | 'supervisor' | 'admin', type = 'websocket', status = 'live', settings: Record<string, unknown> = {}) {
  signIn(role);
  let tokens = 0;
  const f = mockFetch((method, url) => {
    if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: role, role, camera_ids: [] } });
    if (url === '/api/v1/cameras/5/ingest-token' && method === 'POST') {
      const t = ++tokens === 1 ? 'tok-5' : `tok-5-${tokens}`;  // each call a new token
      return ok({ token: t, url: `/api/v1/ingest/ws/5?token=${t}` });
    }
    if (url.startsWith('/api/v1/cameras/5'))
      return ok({ camera: { id: 5, name: 'Browser', type, status, source: '', settings, stats: { frames_captured: 12 } } });
    return undefined;
  });
  renderCameraView(liveSock);
  return f;
}

/** Fake timers from here on (the page is rendered and the first socket made with real ones);
 * only the clock and timers, so fetch bodies and React's scheduler keep working. */
function useFakeClock() {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
  // let a reconnect's token request (a real fetch mock) settle
  for (let i = 0; i < 5; i++) await act(async () => {});
}

function closeWs(ws: FakeIngestWS, code: number) {
  act(() => {
    ws.readyState = 3;
    ws.onclose?.({ code });
  });
}

const tokenPosts = (f: ReturnType<typeof mockFetch>) =>
  f.mock.calls.filter((c) => c[0] === '/api/v1/cameras/5/ingest-token' && c[1]?.method === 'POST').length;
const sentCount = (panel: HTMLElement) => Number(within(panel).getByTestId('ingest-sent').textContent);

describe('webcam push ingest panel', () => {
  it('streams the webcam as binary JPEG frames to the ingest URL, shows server errors, stops cleanly', async () => {
    const f = renderCamera('supervisor');
    const panel = await screen.findByTestId('webcam-ingest');
    const user = userEvent.setup();
    await user.clear(within(panel).getByLabelText('Width (px)'));
    await user.type(within(panel).getByLabelText('Width (px)'), '320');
    await user.clear(within(panel).getByLabelText('Frames per second'));
    await user.type(within(panel).getByLabelText('Frames per second'), '50');  // capped at 15
    await user.click(within(panel).getByRole('button', { name: "Stream this browser's webcam" }));
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(1));
    expect(f.mock.calls.some((c) => c[0] === '/api/v1/cameras/5/ingest-token' && c[1]?.method === 'POST')).toBe(true);
    expect(getUserMedia).toHaveBeenCalledWith({ video: true, audio: false });
    const ws = FakeIngestWS.all[0];
    expect(ws.url).toBe(`ws://${window.location.host}/api/v1/ingest/ws/5?token=tok-5`);
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('connecting');
    expect(within(panel).getByLabelText('Frames per second')).toHaveValue(15);
    act(() => ws.open());
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('streaming');
    await vi.waitFor(() => expect(ws.sent.length).toBeGreaterThanOrEqual(2));
    const first = ws.sent[0] as Blob;
    expect(first).toBeInstanceOf(Blob);
    expect(first.type).toBe('image/jpeg');
    expect(encoded[0]).toEqual({ w: 320, h: 180, type: 'image/jpeg', quality: 0.8 });  // scaled to the chosen width
    await vi.waitFor(() => expect(Number(within(panel).getByTestId('ingest-sent').textContent)).toBeGreaterThanOrEqual(2));
    // server replies are shown
    act(() => ws.onmessage?.({ data: '{"type":"error","code":"CONFLICT","message":"the camera is not running (start it first)"}' }));
    expect(within(panel).getByRole('alert')).toHaveTextContent('the camera is not running (start it first) (CONFLICT)');
    await user.click(within(panel).getByRole('button', { name: 'Stop webcam' }));
    expect(ws.closed).toBe(true);
    expect(track.stop).toHaveBeenCalled();
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('idle');
    const n = ws.sent.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(ws.sent.length).toBe(n);
  });

  it('reconnects after an auth error with a fresh token, showing the refusal meanwhile', async () => {
    const f = renderCamera('supervisor');
    const panel = await screen.findByTestId('webcam-ingest');
    await userEvent.setup().click(within(panel).getByRole('button', { name: "Stream this browser's webcam" }));
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(1));
    useFakeClock();
    const ws = FakeIngestWS.all[0];
    act(() => {
      ws.open();
      ws.onmessage?.({ data: '{"type":"error","code":"UNAUTHORIZED","message":"invalid ingest token"}' });
    });
    closeWs(ws, 1000);
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('reconnecting');
    expect(within(panel).getByRole('alert')).toHaveTextContent('invalid ingest token (UNAUTHORIZED)');
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('attempt 1');
    expect(track.stop).not.toHaveBeenCalled();  // the webcam stays on
    expect(tokenPosts(f)).toBe(1);
    await advance(1000);
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(2));
    expect(tokenPosts(f)).toBe(2);  // a fresh token, not the refused one
    expect(FakeIngestWS.all[1].url).toBe(`ws://${window.location.host}/api/v1/ingest/ws/5?token=tok-5-2`);
    act(() => FakeIngestWS.all[1].open());
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('streaming');
    expect(within(panel).queryByRole('alert')).toBeNull();
    // policy-violation / 4401 closes also ask for a new token; a plain drop reuses it (the
    // connection that opened was up < 10 s, so the backoff goes on: 2 s, then 4 s)
    closeWs(FakeIngestWS.all[1], 4401);
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('unauthorized (code 4401)');
    await advance(2000);
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(3));
    expect(tokenPosts(f)).toBe(3);
    closeWs(FakeIngestWS.all[2], 1006);
    await advance(4000);
    expect(FakeIngestWS.all).toHaveLength(4);
    expect(tokenPosts(f)).toBe(3);
    expect(FakeIngestWS.all[3].url).toContain('token=tok-5-3');
  });

  it('reconnects by itself with backoff (1 s, 2 s, reset after 10 s up) and frames flow again', async () => {
    renderCamera('supervisor');
    const panel = await screen.findByTestId('webcam-ingest');
    await userEvent.setup().click(within(panel).getByRole('button', { name: "Stream this browser's webcam" }));
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(1));
    useFakeClock();
    const ws1 = FakeIngestWS.all[0];
    act(() => ws1.open());
    await advance(1000);  // 5 fps
    const sentBefore = sentCount(panel);
    expect(sentBefore).toBeGreaterThanOrEqual(4);
    // the server goes away (restart)
    closeWs(ws1, 1001);
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('reconnecting');
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('attempt 1');
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('code 1001');
    expect(within(panel).getByRole('button', { name: 'Stop webcam' })).toBeInTheDocument();
    expect(track.stop).not.toHaveBeenCalled();
    await advance(999);
    expect(FakeIngestWS.all).toHaveLength(1);
    await advance(1);
    expect(FakeIngestWS.all).toHaveLength(2);
    expect(FakeIngestWS.all[1].url).toBe(ws1.url);  // the same token
    // still down: the next try waits 2 s, and the line counts down to it
    closeWs(FakeIngestWS.all[1], 1006);
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('attempt 2');
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('connection lost (code 1006)');
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('in 2 s');
    await advance(1250);
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('in 1 s');
    await advance(749);
    expect(FakeIngestWS.all).toHaveLength(2);
    await advance(1);
    expect(FakeIngestWS.all).toHaveLength(3);
    // back up: frames flow again on the new socket and the counter goes on
    const ws3 = FakeIngestWS.all[2];
    act(() => ws3.open());
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('streaming');
    expect(within(panel).queryByTestId('ingest-retry')).toBeNull();
    await advance(1000);
    expect(ws3.sent.length).toBeGreaterThanOrEqual(4);
    expect(sentCount(panel)).toBe(sentBefore + ws3.sent.length);
    expect(ws1.sent.length).toBe(sentBefore);
    // a connection that stayed up 10 s starts the backoff over
    await advance(10000);
    closeWs(ws3, 1006);
    expect(within(panel).getByTestId('ingest-retry')).toHaveTextContent('attempt 1');
    await advance(1000);
    expect(FakeIngestWS.all).toHaveLength(4);
  });

  it('Stop (or leaving the page) during the backoff cancels the reconnect and releases the webcam', async () => {
    renderCamera('supervisor');
    const panel = await screen.findByTestId('webcam-ingest');
    await userEvent.setup().click(within(panel).getByRole('button', { name: "Stream this browser's webcam" }));
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(1));
    useFakeClock();
    act(() => FakeIngestWS.all[0].open());
    closeWs(FakeIngestWS.all[0], 1006);
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('reconnecting');
    act(() => fireEvent.click(within(panel).getByRole('button', { name: 'Stop webcam' })));
    expect(track.stop).toHaveBeenCalled();
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('idle');
    await advance(60000);
    expect(FakeIngestWS.all).toHaveLength(1);
    // the same when the page goes away during the backoff
    vi.useRealTimers();
    track.stop.mockClear();
    await userEvent.setup().click(within(panel).getByRole('button', { name: "Stream this browser's webcam" }));
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(2));
    useFakeClock();
    closeWs(FakeIngestWS.all[1], 1006);  // never opened
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('reconnecting');
    cleanup();
    expect(track.stop).toHaveBeenCalled();
    await advance(60000);
    expect(FakeIngestWS.all).toHaveLength(2);
  });

  it('releases the webcam and the socket when the page goes away', async () => {
    renderCamera('supervisor');
    const panel = await screen.findByTestId('webcam-ingest');
    await userEvent.setup().click(within(panel).getByRole('button', { name: "Stream this browser's webcam" }));
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(1));
    act(() => FakeIngestWS.all[0].open());
    const { cleanup } = await import('@testing-library/react');
    cleanup();
    expect(FakeIngestWS.all[0].closed).toBe(true);
    expect(track.stop).toHaveBeenCalled();
  });

  it('shows the ingest URL with its token for an external device', async () => {
    renderCamera('supervisor', 'websocket', 'stopped');
    const panel = await screen.findByTestId('webcam-ingest');
    expect(within(panel).getByText(/The camera is stopped: start it/)).toBeInTheDocument();
    await userEvent.setup().click(within(panel).getByRole('button', { name: 'Show ingest URL' }));
    expect(await within(panel).findByLabelText(/Ingest URL/)).toHaveValue(`ws://${window.location.host}/api/v1/ingest/ws/5?token=tok-5`);
    expect(within(panel).getByRole('button', { name: 'Copy' })).toBeInTheDocument();
  });

  it("says whether a device that stops sending raises an alert (the camera's idle alert)", async () => {
    renderCamera('supervisor', 'websocket', 'waiting');
    expect(await screen.findByTestId('ingest-idle-alert')).toHaveTextContent(/No alert is raised .* "Idle alert after \(s\)"/);
    cleanup();
    localStorage.clear();
    renderCamera('supervisor', 'websocket', 'waiting', { idle_alert_s: 300 });
    expect(await screen.findByTestId('ingest-idle-alert')).toHaveTextContent('An alert is raised when no frames arrive for 300 s.');
  });

  it('does not ask to start a push camera that is waiting for frames', async () => {
    renderCamera('supervisor', 'websocket', 'waiting');
    const panel = await screen.findByTestId('webcam-ingest');
    expect(within(panel).queryByText(/start it/)).toBeNull();
    expect(within(panel).getByRole('button', { name: "Stream this browser's webcam" })).toBeInTheDocument();
  });

  it('is not offered to viewers, nor for other camera types', async () => {
    renderCamera('viewer');
    expect(await screen.findByRole('heading', { name: 'Browser' })).toBeInTheDocument();
    expect(screen.queryByTestId('webcam-ingest')).toBeNull();
    const { cleanup } = await import('@testing-library/react');
    cleanup();
    localStorage.clear();
    renderCamera('admin', 'rtsp');
    expect(await screen.findByRole('heading', { name: 'Browser' })).toBeInTheDocument();
    await screen.findByRole('button', { name: 'Start' });  // the profile said admin
    expect(screen.queryByTestId('webcam-ingest')).toBeNull();
  });
});
