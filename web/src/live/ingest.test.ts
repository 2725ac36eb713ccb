import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  canSend, clamp, closeNeedsNewToken, describeClose, FramePump, frameSize, ingestWsUrl, parseIngestReply, reconnectDelayMs, type IngestSocket,
} from './ingest';

class FakeIngestSocket implements IngestSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: unknown[] = [];
  send(d: Blob | ArrayBuffer) {
    this.sent.push(d);
  }
}

const jpeg = () => Promise.resolve(new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' }));

afterEach(() => vi.useRealTimers());

describe('ingest helpers', () => {
  it('turns the API path into a ws/wss URL of this host', () => {
    expect(ingestWsUrl('/api/v1/ingest/ws/5?token=a-b_c', { protocol: 'http:', host: 'h:8080' })).toBe('ws://h:8080/api/v1/ingest/ws/5?token=a-b_c');
    expect(ingestWsUrl('/api/v1/ingest/ws/5?token=t', { protocol: 'https:', host: 'argus.example' })).toBe('wss://argus.example/api/v1/ingest/ws/5?token=t');
    expect(ingestWsUrl('https://other:9/api/v1/ingest/ws/1?token=t', { protocol: 'http:', host: 'h' })).toBe('wss://other:9/api/v1/ingest/ws/1?token=t');
    expect(ingestWsUrl('ws://x/y', { protocol: 'https:', host: 'h' })).toBe('ws://x/y');
  });

  it('scales frames down to the chosen width, never up, keeping the aspect', () => {
    expect(frameSize(1280, 720, 640)).toEqual({ w: 640, h: 360 });
    expect(frameSize(320, 240, 640)).toEqual({ w: 320, h: 240 });
    expect(frameSize(0, 0, 640)).toEqual({ w: 0, h: 0 });
    expect(frameSize(1920, 1080, 1001).w % 2).toBe(0);
  });

  it('clamps rate and width, with a fallback for garbage', () => {
    expect(clamp(40, 1, 15, 5)).toBe(15);
    expect(clamp(0, 1, 15, 5)).toBe(1);
    expect(clamp(NaN, 1, 15, 5)).toBe(5);
  });

  it('reads the server text replies', () => {
    expect(parseIngestReply('{"type":"error","code":"CONFLICT","message":"the camera is not running"}')).toMatchObject({ type: 'error', code: 'CONFLICT' });
    expect(parseIngestReply('nope')).toBeNull();
    expect(parseIngestReply(new ArrayBuffer(2))).toBeNull();
  });

  it('sends only on an open socket with an empty buffer and no frame being encoded', () => {
    const ws = new FakeIngestSocket();
    expect(canSend(ws, false)).toBe('send');
    expect(canSend(ws, true)).toBe('busy');
    ws.bufferedAmount = 10;
    expect(canSend(ws, false)).toBe('busy');
    ws.readyState = 3;
    expect(canSend(ws, false)).toBe('closed');
  });
});

describe('reconnect policy', () => {
  it('backs off 1, 2, 4, 8, 16 s, then 30 s at most', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(reconnectDelayMs(0)).toBe(1000);
    expect(reconnectDelayMs(NaN)).toBe(1000);
    expect(reconnectDelayMs(Infinity)).toBe(1000);
    expect(reconnectDelayMs(1e9)).toBe(30000);
  });

  it('asks for a fresh token only when the server refused this one', () => {
    expect(closeNeedsNewToken(1008)).toBe(true);
    expect(closeNeedsNewToken(4401)).toBe(true);
    expect(closeNeedsNewToken(1000, 'UNAUTHORIZED')).toBe(true);
    expect(closeNeedsNewToken(1000, 'CONFLICT')).toBe(false);
    expect(closeNeedsNewToken(1006)).toBe(false);
    expect(closeNeedsNewToken(1012, null)).toBe(false);
  });

  it('describes a close by its reason, or a name for its code', () => {
    expect(describeClose(1001, 'shutting down')).toBe('shutting down (code 1001)');
    expect(describeClose(1006)).toBe('connection lost (code 1006)');
    expect(describeClose(1012, '  ')).toBe('server restarting (code 1012)');
    expect(describeClose(4000)).toBe('connection closed (code 4000)');
  });
});

describe('FramePump', () => {
  it('moves to a new socket (a reconnect) keeping its counts', async () => {
    vi.useFakeTimers();
    const a = new FakeIngestSocket();
    const pump = new FramePump(a, jpeg);
    pump.start(5);
    await vi.advanceTimersByTimeAsync(400);
    pump.stop();
    const b = new FakeIngestSocket();
    pump.setSocket(b);
    pump.start(5);
    await vi.advanceTimersByTimeAsync(400);
    pump.stop();
    expect(a.sent).toHaveLength(2);
    expect(b.sent).toHaveLength(2);
    expect(pump.counts.sent).toBe(4);
  });

  it('sends one binary frame per tick at the chosen rate', async () => {
    vi.useFakeTimers();
    const ws = new FakeIngestSocket();
    const counts: number[] = [];
    const pump = new FramePump(ws, jpeg, (c) => counts.push(c.sent));
    pump.start(5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toHaveLength(5);
    expect(ws.sent[0]).toBeInstanceOf(Blob);
    expect(counts.at(-1)).toBe(5);
    pump.stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toHaveLength(5);
  });

  it('caps the rate at 15 fps', async () => {
    vi.useFakeTimers();
    const ws = new FakeIngestSocket();
    const pump = new FramePump(ws, jpeg);
    pump.start(60);
    await vi.advanceTimersByTimeAsync(1000);
    pump.stop();
    expect(ws.sent.length).toBeLessThanOrEqual(15);
    expect(ws.sent.length).toBeGreaterThanOrEqual(14);
  });

  it('drops frames while the previous one is still buffered (slow link) instead of queueing', async () => {
    vi.useFakeTimers();
    const ws = new FakeIngestSocket();
    const pump = new FramePump(ws, jpeg);
    pump.start(10);
    await vi.advanceTimersByTimeAsync(100);
    expect(ws.sent).toHaveLength(1);
    ws.bufferedAmount = 50000;  // the link has not taken it yet
    await vi.advanceTimersByTimeAsync(500);
    expect(ws.sent).toHaveLength(1);
    expect(pump.counts.dropped).toBe(5);
    ws.bufferedAmount = 0;  // drained: sending resumes
    await vi.advanceTimersByTimeAsync(200);
    expect(ws.sent).toHaveLength(3);
    pump.stop();
  });

  it('drops ticks while a frame is still being encoded', async () => {
    vi.useFakeTimers();
    const ws = new FakeIngestSocket();
    let release: (b: Blob) => void = () => {};
    const grab = vi.fn(() => new Promise<Blob>((r) => (release = r)));
    const pump = new FramePump(ws, grab);
    pump.start(10);
    await vi.advanceTimersByTimeAsync(350);  // 3 ticks, one grab in flight
    expect(grab).toHaveBeenCalledTimes(1);
    expect(pump.counts.dropped).toBe(2);
    release(new Blob(['x']));
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.sent).toHaveLength(1);
    pump.stop();
  });

  it('does not send on a closed socket, nor a frame finished after stop()', async () => {
    vi.useFakeTimers();
    const ws = new FakeIngestSocket();
    ws.readyState = 0;  // still connecting
    const pump = new FramePump(ws, jpeg);
    pump.start(5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ws.sent).toHaveLength(0);
    pump.stop();
    ws.readyState = 1;
    let release: (b: Blob) => void = () => {};
    const slow = new FramePump(ws, () => new Promise<Blob>((r) => (release = r)));
    slow.start(5);
    await vi.advanceTimersByTimeAsync(200);
    slow.stop();
    release(new Blob(['x']));
    await vi.advanceTimersByTimeAsync(0);
    expect(ws.sent).toHaveLength(0);
  });
});
