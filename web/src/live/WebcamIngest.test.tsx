import { act, screen, within } from '@testing-library/react';
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
  onclose: ((e: { code: number }) => void) | null = null;
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
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

function renderCamera(role: 'viewer' | 'supervisor' | 'admin', type = 'websocket', status = 'live') {
  signIn(role);
  const f = mockFetch((method, url) => {
    if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: role, role, camera_ids: [] } });
    if (url === '/api/v1/cameras/5/ingest-token' && method === 'POST') return ok({ token: 'tok-5', url: '/api/v1/ingest/ws/5?token=tok-5' });
    if (url.startsWith('/api/v1/cameras/5'))
      return ok({ camera: { id: 5, name: 'Browser', type, status, source: '', stats: { frames_captured: 12 } } });
    return undefined;
  });
  renderCameraView(liveSock);
  return f;
}

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

  it('reports a connection the server closes (bad token) as an error', async () => {
    renderCamera('supervisor');
    const panel = await screen.findByTestId('webcam-ingest');
    await userEvent.setup().click(within(panel).getByRole('button', { name: "Stream this browser's webcam" }));
    await vi.waitFor(() => expect(FakeIngestWS.all).toHaveLength(1));
    const ws = FakeIngestWS.all[0];
    act(() => {
      ws.open();
      ws.onmessage?.({ data: '{"type":"error","code":"UNAUTHORIZED","message":"invalid ingest token"}' });
      ws.readyState = 3;
      ws.onclose?.({ code: 1000 });
    });
    expect(within(panel).getByTestId('ingest-state')).toHaveTextContent('error');
    expect(within(panel).getByRole('alert')).toHaveTextContent('invalid ingest token (UNAUTHORIZED)');
    expect(track.stop).toHaveBeenCalled();
    expect(within(panel).getByRole('button', { name: "Stream this browser's webcam" })).toBeInTheDocument();
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
