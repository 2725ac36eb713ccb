// Push ingest from the browser: frames of a local video (the webcam) sent as binary JPEG
// WebSocket messages to /api/v1/ingest/ws/{id}?token=... (docs/api.md "Cameras: push ingest").

export const INGEST_FPS = { min: 1, max: 15, default: 5 };
export const INGEST_WIDTH = { min: 160, max: 1280, default: 640 };
/** JPEG quality of the frames sent. */
export const INGEST_QUALITY = 0.8;

export function clamp(v: number, lo: number, hi: number, fallback: number): number {
  if (!isFinite(v)) return fallback;
  return Math.min(hi, Math.max(lo, v));
}

/** The ingest URL the API returns (a path) as an absolute ws:// or wss:// URL for this page's host. */
export function ingestWsUrl(path: string, loc: { protocol: string; host: string } = window.location): string {
  if (/^wss?:\/\//.test(path)) return path;
  const abs = /^https?:\/\//.test(path) ? new URL(path) : null;
  const secure = abs ? abs.protocol === 'https:' : loc.protocol === 'https:';
  const host = abs ? abs.host : loc.host;
  const rest = abs ? abs.pathname + abs.search : path.startsWith('/') ? path : `/${path}`;
  return `${secure ? 'wss:' : 'ws:'}//${host}${rest}`;
}

/** Size of the frame sent: the video scaled down (never up) to `maxWidth`, aspect kept, even sizes. */
export function frameSize(videoW: number, videoH: number, maxWidth: number): { w: number; h: number } {
  if (!videoW || !videoH) return { w: 0, h: 0 };
  const w = Math.min(videoW, maxWidth);
  const h = Math.round((videoH * w) / videoW);
  return { w: w - (w % 2), h: Math.max(2, h - (h % 2)) };
}

/** The part of a WebSocket the pump needs (a fake in tests). */
export interface IngestSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Blob | ArrayBuffer): void;
}

export interface PumpCounts {
  /** frames handed to the socket */
  sent: number;
  /** ticks skipped: the previous frame was still being encoded or still buffered (slow link) */
  dropped: number;
}

/** Whether a tick may send a frame now: the socket is open, nothing is being encoded and the
 * previous frame has left the socket's buffer. */
export function canSend(ws: IngestSocket, encoding: boolean): 'send' | 'busy' | 'closed' {
  if (ws.readyState !== 1) return 'closed';
  if (encoding || ws.bufferedAmount > 0) return 'busy';
  return 'send';
}

/**
 * Paces frames: one tick every 1000/fps ms grabs a frame (`grab`, e.g. canvas.toBlob) and sends it,
 * unless the previous one is still encoding or buffered, in which case that tick's frame is
 * dropped; a slow link gets fewer frames instead of a growing queue (and growing latency).
 */
export class FramePump {
  private timer: ReturnType<typeof setInterval> | null = null;
  private encoding = false;
  private stopped = true;
  counts: PumpCounts = { sent: 0, dropped: 0 };

  constructor(
    private ws: IngestSocket,
    private grab: () => Promise<Blob | ArrayBuffer | null>,
    private onCounts: (c: PumpCounts) => void = () => {},
  ) {}

  start(fps: number): void {
    this.stop();
    this.stopped = false;
    const f = clamp(fps, INGEST_FPS.min, INGEST_FPS.max, INGEST_FPS.default);
    this.timer = setInterval(() => void this.tick(), Math.round(1000 / f));
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Send to another socket from now on (a reconnect), keeping the counts. */
  setSocket(ws: IngestSocket): void {
    this.ws = ws;
  }

  /** One pacing slot (public for tests). */
  async tick(): Promise<void> {
    if (this.stopped) return;
    const d = canSend(this.ws, this.encoding);
    if (d === 'closed') return;
    if (d === 'busy') {
      this.counts = { ...this.counts, dropped: this.counts.dropped + 1 };
      this.onCounts(this.counts);
      return;
    }
    this.encoding = true;
    try {
      const frame = await this.grab();
      if (!frame || this.stopped || this.ws.readyState !== 1) return;
      this.ws.send(frame);
      this.counts = { ...this.counts, sent: this.counts.sent + 1 };
      this.onCounts(this.counts);
    } catch {
      /* a frame that failed to encode: the next tick tries again */
    } finally {
      this.encoding = false;
    }
  }
}

/** A text message of the ingest socket ({"type":"auth_ok"} or {"type":"error","code","message"}). */
export interface IngestReply {
  type: string;
  code?: string;
  message?: string;
  camera_id?: number;
}

export function parseIngestReply(data: unknown): IngestReply | null {
  if (typeof data !== 'string') return null;
  try {
    const j = JSON.parse(data);
    return j && typeof j === 'object' && typeof j.type === 'string' ? j : null;
  } catch {
    return null;
  }
}

/** Reconnect policy of the browser ingest (like a pulled camera's): exponential backoff. */
export const INGEST_RECONNECT = {
  /** delay before the first retry */
  baseMs: 1000,
  /** longest delay between retries */
  maxMs: 30000,
  /** a connection open at least this long resets the backoff */
  stableMs: 10000,
};

/** Delay before reconnect attempt `attempt` (1-based): 1, 2, 4, 8, 16, then 30 s (cap). */
export function reconnectDelayMs(attempt: number): number {
  const n = isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
  if (n > 16) return INGEST_RECONNECT.maxMs;  // no 2^huge
  return Math.min(INGEST_RECONNECT.maxMs, INGEST_RECONNECT.baseMs * 2 ** (n - 1));
}

/** Whether a close means the token was refused, so a reconnect must ask for a fresh one: close
 * code 1008 (policy violation) or 4401, or an UNAUTHORIZED error message just before the close. */
export function closeNeedsNewToken(code: number, lastErrorCode?: string | null): boolean {
  return code === 1008 || code === 4401 || lastErrorCode === 'UNAUTHORIZED';
}

const CLOSE_NAMES: Record<number, string> = {
  1000: 'closed by the server',
  1001: 'server going away',
  1006: 'connection lost',
  1008: 'policy violation',
  1011: 'server error',
  1012: 'server restarting',
  1013: 'server busy, try again later',
  4401: 'unauthorized',
};

/** A close event as text for the panel: its reason (or a name for the code) and the code. */
export function describeClose(code: number, reason?: string): string {
  const why = reason?.trim() || CLOSE_NAMES[code] || 'connection closed';
  return `${why} (code ${code})`;
}
