// WebSocket client for /api/v1/ws: auth message, subscriptions, JSON events and binary frames.

export interface BinaryFrame {
  cameraId: number;
  seq: number;
  timestampMs: number;
  jpeg: Uint8Array;
}

/** 16-byte little-endian header: u32 camera_id, u32 seq, f64 timestamp ms; then the JPEG. */
export function parseBinaryFrame(buf: ArrayBuffer): BinaryFrame | null {
  if (buf.byteLength < 16) return null;
  const dv = new DataView(buf);
  return {
    cameraId: dv.getUint32(0, true),
    seq: dv.getUint32(4, true),
    timestampMs: dv.getFloat64(8, true),
    jpeg: new Uint8Array(buf, 16),
  };
}

export interface WsMessage {
  type: string;
  timestamp?: number | string;
  data?: any;
  [k: string]: unknown;
}

export interface Subscription {
  camera_id: number;
  filters?: { min_confidence?: number; person_ids?: number[] };
  video?: { fps?: number; width?: number };
}

type MsgListener = (m: WsMessage) => void;
type FrameListener = (f: BinaryFrame) => void;
type StateListener = (s: SocketState) => void;
export type SocketState = 'idle' | 'connecting' | 'open' | 'closed';

export function wsUrl(loc: { protocol: string; host: string } = window.location, path = '/api/v1/ws'): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}

/**
 * One shared socket per page. Subscriptions are reference-counted by camera and replayed
 * after every (re)connect; reconnects back off up to 10 s.
 */
export class LiveSocket {
  private ws: WebSocket | null = null;
  private msgListeners = new Set<MsgListener>();
  private frameListeners = new Set<FrameListener>();
  private stateListeners = new Set<StateListener>();
  private subs = new Map<number, Subscription[]>();
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = true;
  state: SocketState = 'idle';

  /** Called before reconnecting after the server refused the token (close code 4001/4401/1008). */
  onAuthRejected: (() => Promise<unknown>) | null = null;
  private authRejected = false;

  constructor(
    private getToken: () => string | null,
    private url: string = wsUrl(),
    private WS: typeof WebSocket = WebSocket,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ws?.close();
    this.ws = null;
    this.setState('closed');
  }

  private setState(s: SocketState) {
    this.state = s;
    this.stateListeners.forEach((l) => l(s));
  }

  private connect(): void {
    this.setState('connecting');
    let ws: WebSocket;
    try {
      ws = new this.WS(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      const token = this.getToken();
      if (token) ws.send(JSON.stringify({ type: 'auth', token }));
      for (const camId of this.subs.keys()) ws.send(JSON.stringify({ type: 'subscribe', ...this.effective(camId) }));
      this.setState('open');
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (this.ws !== ws) return;
      if (typeof ev.data === 'string') {
        let m: WsMessage;
        try {
          m = JSON.parse(ev.data);
        } catch {
          return;
        }
        if (m.type === 'error' && /TOKEN_EXPIRED|TOKEN_INVALID|UNAUTHORIZED/.test(String((m as any).code ?? (m as any).error?.code ?? ''))) {
          this.authRejected = true;
        }
        this.msgListeners.forEach((l) => l(m));
      } else if (ev.data instanceof ArrayBuffer) {
        const f = parseBinaryFrame(ev.data);
        if (f) this.frameListeners.forEach((l) => l(f));
      }
    };
    ws.onclose = (ev?: CloseEvent) => {
      if (this.ws !== ws) return; // a socket we already replaced or stopped
      this.ws = null;
      const code = ev?.code ?? 0;
      if (code === 4001 || code === 4401 || code === 1008) this.authRejected = true;
      if (!this.stopped) {
        this.setState('closed');
        this.scheduleReconnect();
      }
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = Math.min(10000, 500 * 2 ** this.retry++);
    this.timer = setTimeout(async () => {
      if (this.authRejected && this.onAuthRejected) {
        this.authRejected = false;
        await this.onAuthRejected().catch(() => undefined);
      }
      if (!this.stopped) this.connect();
    }, delay);
  }

  private sendJson(m: unknown): void {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify(m));
  }

  /** The subscription sent for a camera: the first holder that wants video wins, else the first. */
  private effective(camId: number): Subscription | null {
    const list = this.subs.get(camId);
    if (!list || !list.length) return null;
    return list.find((x) => x.video) ?? list[0];
  }

  subscribe(sub: Subscription): () => void {
    const before = this.effective(sub.camera_id);
    const list = this.subs.get(sub.camera_id) ?? [];
    const mine = { ...sub };
    list.push(mine);
    this.subs.set(sub.camera_id, list);
    const after = this.effective(sub.camera_id)!;
    if (JSON.stringify(before) !== JSON.stringify(after)) this.sendJson({ type: 'subscribe', ...after });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const l = this.subs.get(sub.camera_id);
      if (!l) return;
      const prev = this.effective(sub.camera_id);
      const i = l.indexOf(mine);
      if (i >= 0) l.splice(i, 1);
      if (!l.length) {
        this.subs.delete(sub.camera_id);
        this.sendJson({ type: 'unsubscribe', camera_id: sub.camera_id });
        return;
      }
      const next = this.effective(sub.camera_id)!;
      // e.g. the live view closed while the dashboard still counts faces: drop the video
      if (JSON.stringify(prev) !== JSON.stringify(next)) this.sendJson({ type: 'subscribe', ...next });
    };
  }

  onMessage(l: MsgListener): () => void {
    this.msgListeners.add(l);
    return () => this.msgListeners.delete(l);
  }
  onFrame(l: FrameListener): () => void {
    this.frameListeners.add(l);
    return () => this.frameListeners.delete(l);
  }
  onState(l: StateListener): () => void {
    this.stateListeners.add(l);
    return () => this.stateListeners.delete(l);
  }
}
