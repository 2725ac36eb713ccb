import { describe, expect, it, vi } from 'vitest';
import { LiveSocket, parseBinaryFrame, wsUrl } from './socket';
import { pickLiveResult } from './LiveView';

class FakeWS {
  static last: FakeWS | null = null;
  binaryType = '';
  readyState = 0;
  sent: any[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeWS.last = this;
  }
  send(s: string) {
    this.sent.push(JSON.parse(s));
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
}

describe('parseBinaryFrame', () => {
  it('reads the 16-byte little-endian header', () => {
    const buf = new ArrayBuffer(16 + 3);
    const dv = new DataView(buf);
    dv.setUint32(0, 7, true);
    dv.setUint32(4, 123456, true);
    dv.setFloat64(8, 1700000000123.5, true);
    new Uint8Array(buf, 16).set([0xff, 0xd8, 0xff]);
    const f = parseBinaryFrame(buf)!;
    expect(f.cameraId).toBe(7);
    expect(f.seq).toBe(123456);
    expect(f.timestampMs).toBe(1700000000123.5);
    expect(Array.from(f.jpeg)).toEqual([0xff, 0xd8, 0xff]);
  });
  it('rejects short buffers', () => {
    expect(parseBinaryFrame(new ArrayBuffer(8))).toBeNull();
  });
});

describe('LiveSocket', () => {
  it('authenticates first, then replays subscriptions; unsubscribes on last release', () => {
    const s = new LiveSocket(() => 'tok', 'ws://x/api/v1/ws', FakeWS as unknown as typeof WebSocket);
    const un1 = s.subscribe({ camera_id: 3, video: { fps: 5, width: 640 } });
    const un2 = s.subscribe({ camera_id: 3 });
    s.start();
    const ws = FakeWS.last!;
    ws.open();
    expect(ws.sent[0]).toEqual({ type: 'auth', token: 'tok' });
    expect(ws.sent[1]).toEqual({ type: 'subscribe', camera_id: 3, video: { fps: 5, width: 640 } });
    un1(); // the video holder leaves: the bare subscription remains, without video
    expect(ws.sent[2]).toEqual({ type: 'subscribe', camera_id: 3 });
    un2();
    expect(ws.sent[3]).toEqual({ type: 'unsubscribe', camera_id: 3 });
    un2(); // releasing twice is harmless
    expect(ws.sent).toHaveLength(4);
    s.stop();
  });

  it('dispatches JSON messages and binary frames', () => {
    const s = new LiveSocket(() => null, 'ws://x', FakeWS as unknown as typeof WebSocket);
    const msgs: string[] = [];
    const frames: number[] = [];
    s.onMessage((m) => msgs.push(m.type));
    s.onFrame((f) => frames.push(f.cameraId));
    s.start();
    const ws = FakeWS.last!;
    ws.open();
    expect(ws.sent).toHaveLength(0); // no token, no auth message
    ws.onmessage!({ data: JSON.stringify({ type: 'detection_event', data: {} }) });
    ws.onmessage!({ data: 'not json' });
    const buf = new ArrayBuffer(20);
    new DataView(buf).setUint32(0, 9, true);
    ws.onmessage!({ data: buf });
    expect(msgs).toEqual(['detection_event']);
    expect(frames).toEqual([9]);
    s.stop();
  });

  it('builds ws/wss URLs from the page location', () => {
    expect(wsUrl({ protocol: 'https:', host: 'a:1' })).toBe('wss://a:1/api/v1/ws');
    expect(wsUrl({ protocol: 'http:', host: 'b' })).toBe('ws://b/api/v1/ws');
  });
});

describe('pickLiveResult', () => {
  const r = { camera_id: 2, width: 10, height: 10, detections: [] };
  it('accepts several response shapes', () => {
    expect(pickLiveResult(r, 2)).toMatchObject({ camera_id: 2 });
    expect(pickLiveResult({ results: [{ ...r, camera_id: 1 }, r] }, 2)).toMatchObject({ camera_id: 2 });
    expect(pickLiveResult([r], 2)).toMatchObject({ camera_id: 2 });
    expect(pickLiveResult({ result: r }, 2)).toMatchObject({ camera_id: 2 });
    expect(pickLiveResult(null, 2)).toBeNull();
    expect(pickLiveResult({ results: [{ camera_id: 1, detections: [] }] }, 2)).toBeNull();
  });
});

describe('LiveSocket auth rejection', () => {
  it('refreshes the token before reconnecting when the server closes with 4001', async () => {
    vi.useFakeTimers();
    let token = 'old';
    const s = new LiveSocket(() => token, 'ws://x', FakeWS as unknown as typeof WebSocket);
    const refresh = vi.fn(async () => {
      token = 'new';
    });
    s.onAuthRejected = refresh;
    s.start();
    const first = FakeWS.last!;
    first.open();
    expect(first.sent[0]).toEqual({ type: 'auth', token: 'old' });
    (first.onclose as any)({ code: 4001 });
    await vi.advanceTimersByTimeAsync(600);
    expect(refresh).toHaveBeenCalledTimes(1);
    const second = FakeWS.last!;
    expect(second).not.toBe(first);
    second.open();
    expect(second.sent[0]).toEqual({ type: 'auth', token: 'new' });
    s.stop();
    vi.useRealTimers();
  });
});

describe('LiveSocket restart', () => {
  it('ignores late events from a socket it already replaced (stop + start)', async () => {
    vi.useFakeTimers();
    const s = new LiveSocket(() => 't', 'ws://x', FakeWS as unknown as typeof WebSocket);
    const got: string[] = [];
    s.onMessage((m) => got.push(m.type));
    s.start();
    const first = FakeWS.last!;
    s.stop();
    s.start();
    const second = FakeWS.last!;
    second.open();
    first.onmessage!({ data: JSON.stringify({ type: 'stale' }) });
    (first.onclose as any)({ code: 1000 });
    await vi.advanceTimersByTimeAsync(15000);
    expect(FakeWS.last).toBe(second); // no reconnect triggered by the stale close
    second.onmessage!({ data: JSON.stringify({ type: 'fresh' }) });
    expect(got).toEqual(['fresh']);
    s.stop();
    vi.useRealTimers();
  });
});

describe('LiveSocket subscriptions', () => {
  it('sends video only while a holder wants it', () => {
    const s = new LiveSocket(() => null, 'ws://x', FakeWS as unknown as typeof WebSocket);
    s.start();
    const ws = FakeWS.last!;
    ws.open();
    const bare = s.subscribe({ camera_id: 1 });
    const video = s.subscribe({ camera_id: 1, video: { fps: 5, width: 640 } });
    video();
    bare();
    expect(ws.sent).toEqual([
      { type: 'subscribe', camera_id: 1 },
      { type: 'subscribe', camera_id: 1, video: { fps: 5, width: 640 } },
      { type: 'subscribe', camera_id: 1 },
      { type: 'unsubscribe', camera_id: 1 },
    ]);
    s.stop();
  });
});

describe('LiveSocket filters', () => {
  it('carries the filters in the subscribe message, on subscribe and after a reconnect', () => {
    const s = new LiveSocket(() => 't', 'ws://x', FakeWS as unknown as typeof WebSocket);
    s.start();
    const ws = FakeWS.last!;
    ws.open();
    const un = s.subscribe({ camera_id: 2, filters: { min_confidence: 0.75, person_ids: [3, 8] }, video: { fps: 10, width: 960 } });
    expect(ws.sent.at(-1)).toEqual({ type: 'subscribe', camera_id: 2, filters: { min_confidence: 0.75, person_ids: [3, 8] }, video: { fps: 10, width: 960 } });
    s.stop();
    s.start();
    const again = FakeWS.last!;
    again.open();
    expect(again.sent).toContainEqual({ type: 'subscribe', camera_id: 2, filters: { min_confidence: 0.75, person_ids: [3, 8] }, video: { fps: 10, width: 960 } });
    un();
    s.stop();
  });
});
