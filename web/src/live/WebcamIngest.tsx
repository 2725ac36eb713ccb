import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { CameraStatus } from '../api/types';
import {
  clamp, closeNeedsNewToken, describeClose, FramePump, frameSize, INGEST_FPS, INGEST_QUALITY, INGEST_RECONNECT, INGEST_WIDTH,
  ingestWsUrl, parseIngestReply, reconnectDelayMs, type PumpCounts,
} from './ingest';

export type IngestState = 'idle' | 'connecting' | 'streaming' | 'reconnecting' | 'error';

interface IngestToken {
  token: string;
  url: string;
}

interface Session {
  stopped: boolean;
  /** frames per second chosen at start */
  rate: number;
  stream?: MediaStream;
  ws?: WebSocket;
  pump?: FramePump;
  /** failed connections in a row (the backoff step) */
  attempt: number;
  /** when the current socket opened (for the backoff reset) */
  openedAt?: number;
  /** the next connection needs a fresh token (the server refused this one) */
  newToken: boolean;
  /** the pending reconnect */
  timer?: ReturnType<typeof setTimeout>;
}

/** The pending reconnect, as the panel shows it. */
interface Retry {
  attempt: number;
  why: string;
  /** Date.now() when the next attempt starts */
  at: number;
}

function errText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  if (e instanceof Error) return e.name === 'NotAllowedError' ? 'Webcam access was refused.' : e.message;
  return String(e);
}

/**
 * A websocket (push) camera fed by this browser: the webcam (getUserMedia) drawn into a canvas at
 * the chosen rate and width, each frame sent as a binary JPEG message to
 * /api/v1/ingest/ws/{id}?token=... A socket that closes unexpectedly is reopened with backoff
 * (reconnectDelayMs), the webcam kept on. Also shows that URL for an external device. Supervisor+.
 */
export function WebcamIngestPanel({ cameraId, cameraStatus, idleAlertS }: {
  cameraId: number;
  cameraStatus?: CameraStatus;
  /** the camera's settings.idle_alert_s: an alert when nothing is pushed for that long (0/absent: never) */
  idleAlertS?: number;
}) {
  const [fps, setFps] = useState(String(INGEST_FPS.default));
  const [width, setWidth] = useState(String(INGEST_WIDTH.default));
  const [state, setState] = useState<IngestState>('idle');
  const [counts, setCounts] = useState<PumpCounts>({ sent: 0, dropped: 0 });
  const [message, setMessage] = useState<string | null>(null);
  const [ingest, setIngest] = useState<IngestToken | null>(null);
  const [showUrl, setShowUrl] = useState(false);
  const [urlErr, setUrlErr] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  // Re-renders while a reconnect is pending, so its line counts down (backoffs reach 30 s).
  const [, setTick] = useState(0);
  useEffect(() => {
    if (state !== 'reconnecting') return;
    const tick = setInterval(() => setTick((n) => n + 1), 250);
    return () => clearInterval(tick);
  }, [state]);
  const video = useRef<HTMLVideoElement>(null);
  const session = useRef<Session | null>(null);
  const tokenRef = useRef<IngestToken | null>(null);
  const [retry, setRetry] = useState<Retry | null>(null);

  const stop = useCallback((next: IngestState = 'idle') => {
    const s = session.current;
    session.current = null;
    if (s) {
      s.stopped = true;
      if (s.timer) clearTimeout(s.timer);
      s.timer = undefined;
      s.pump?.stop();
      if (s.ws) {
        s.ws.onopen = null;
        s.ws.onclose = null;
        s.ws.onmessage = null;
        s.ws.close();
      }
      s.stream?.getTracks().forEach((t) => t.stop());
    }
    if (video.current) video.current.srcObject = null;
    setState(next);
    setRetry(null);
  }, []);

  // leaving the page (or another camera): release the webcam and the socket
  useEffect(() => () => stop(), [cameraId, stop]);
  useEffect(() => {
    tokenRef.current = null;
    setIngest(null);
    setShowUrl(false);
  }, [cameraId]);

  /** The ingest token (cached for the camera), or a fresh one from the server. */
  async function token(fresh = false): Promise<IngestToken> {
    if (!fresh && tokenRef.current) return tokenRef.current;
    const r = await api.post<IngestToken>(`/cameras/${cameraId}/ingest-token`);
    tokenRef.current = r.data;
    setIngest(r.data);
    return r.data;
  }

  /** The socket closed (or never opened) while the user still wants to stream: keep the webcam,
   * wait the backoff, then reopen (with a fresh token when the server refused this one). */
  function scheduleReconnect(s: Session, why: string, newToken: boolean) {
    if (s.stopped) return;
    s.pump?.stop();
    // a connection that held for a while was fine: start the backoff over
    if (s.openedAt !== undefined && Date.now() - s.openedAt >= INGEST_RECONNECT.stableMs) s.attempt = 0;
    s.openedAt = undefined;
    s.attempt += 1;
    s.newToken = s.newToken || newToken;
    const delay = reconnectDelayMs(s.attempt);
    setState('reconnecting');
    setRetry({ attempt: s.attempt, why, at: Date.now() + delay });
    s.timer = setTimeout(async () => {
      s.timer = undefined;
      if (s.stopped) return;
      let tok: IngestToken;
      try {
        tok = await token(s.newToken);
      } catch (e) {
        if (s.stopped) return;
        // the camera is gone or this user may not push to it: retrying will not help
        if (e instanceof ApiError && [401, 403, 404].includes(e.status)) {
          stop('error');
          setMessage(errText(e));
          return;
        }
        scheduleReconnect(s, `could not get an ingest token: ${errText(e)}`, true);
        return;
      }
      if (s.stopped) return;
      s.newToken = false;
      connect(s, tok);
    }, delay);
  }

  function connect(s: Session, tok: IngestToken) {
    let ws: WebSocket;
    try {
      ws = new WebSocket(ingestWsUrl(tok.url));
    } catch (e) {
      stop('error');  // a malformed URL: no point retrying
      setMessage(errText(e));
      return;
    }
    ws.binaryType = 'arraybuffer';
    s.ws = ws;
    let lastError: string | null = null;
    ws.onopen = () => {
      if (s.stopped || s.ws !== ws) return;
      s.openedAt = Date.now();
      setState('streaming');
      setRetry(null);
      setMessage(null);
      s.pump?.setSocket(ws);
      s.pump?.start(s.rate);
    };
    ws.onmessage = (ev: MessageEvent) => {
      const r = parseIngestReply(ev.data);
      if (r?.type !== 'error') return;
      lastError = r.code ?? null;
      setMessage(`${r.message || 'error'} (${r.code || 'ERROR'})`);
    };
    // an error event is always followed by a close event: the close handles both
    ws.onclose = (ev: CloseEvent) => {
      if (s.stopped || s.ws !== ws) return;
      ws.onopen = null;
      ws.onmessage = null;
      ws.onclose = null;
      s.ws = undefined;
      scheduleReconnect(s, describeClose(ev.code, ev.reason), closeNeedsNewToken(ev.code, lastError));
    };
  }

  async function start() {
    stop('connecting');
    const rate = clamp(Number(fps), INGEST_FPS.min, INGEST_FPS.max, INGEST_FPS.default);
    const maxW = clamp(Number(width), INGEST_WIDTH.min, INGEST_WIDTH.max, INGEST_WIDTH.default);
    const s: Session = { stopped: false, attempt: 0, rate, newToken: false };
    session.current = s;
    setCounts({ sent: 0, dropped: 0 });
    setMessage(null);
    setFps(String(rate));
    setWidth(String(maxW));
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('This browser cannot use a webcam here (it needs HTTPS or localhost).');
      const tok = await token();
      if (s.stopped) return;
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      if (s.stopped) {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      s.stream = stream;
      const v = video.current;
      if (!v) throw new Error('no video element');
      v.srcObject = stream;
      v.muted = true;
      await v.play().catch(() => undefined);
      if (s.stopped) return;
      const canvas = document.createElement('canvas');
      const grab = () =>
        new Promise<Blob | null>((resolve) => {
          const { w, h } = frameSize(v.videoWidth, v.videoHeight, maxW);
          const g = w ? canvas.getContext('2d') : null;
          if (!g) return resolve(null);
          if (canvas.width !== w || canvas.height !== h) {
            canvas.width = w;
            canvas.height = h;
          }
          g.drawImage(v, 0, 0, w, h);
          canvas.toBlob((b) => resolve(b), 'image/jpeg', INGEST_QUALITY);
        });
      // one pump for the session: it moves to each new socket, so the counts run on
      s.pump = new FramePump({ readyState: 3, bufferedAmount: 0, send: () => {} }, grab, setCounts);
      connect(s, tok);
    } catch (e) {
      if (s.stopped) return;
      stop('error');
      setMessage(errText(e));
    }
  }

  async function revealUrl() {
    setUrlErr(null);
    try {
      await token();
      setShowUrl(true);
    } catch (e) {
      setUrlErr(errText(e));
    }
  }

  const fullUrl = ingest ? ingestWsUrl(ingest.url) : '';
  async function copy() {
    try {
      await navigator.clipboard.writeText(fullUrl);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // no clipboard (insecure origin): select the text so Ctrl+C works
      (document.getElementById(`ingest-url-${cameraId}`) as HTMLInputElement | null)?.select();
    }
  }

  const active = state === 'connecting' || state === 'streaming' || state === 'reconnecting';
  // waiting: running with nobody pushing (the server's idle state for push cameras)
  const running = cameraStatus === 'live' || cameraStatus === 'connecting' || cameraStatus === 'waiting';
  return (
    <section className="ingest" aria-labelledby="ingest-title" data-testid="webcam-ingest" data-state={state} data-sent={counts.sent}>
      <h2 id="ingest-title">Push frames</h2>
      {!running && cameraStatus && (
        <p className="hint">The camera is {cameraStatus}: start it, or the server drops the frames it gets.</p>
      )}
      <div className="ingest-controls">
        <div className="field">
          <label htmlFor="ingest-fps">Frames per second</label>
          <input id="ingest-fps" type="number" min={INGEST_FPS.min} max={INGEST_FPS.max} step={1} value={fps} disabled={active} onChange={(e) => setFps(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="ingest-width">Width (px)</label>
          <input id="ingest-width" type="number" min={INGEST_WIDTH.min} max={INGEST_WIDTH.max} step={32} value={width} disabled={active} onChange={(e) => setWidth(e.target.value)} />
        </div>
      </div>
      <div className="actions">
        {active ? (
          <button type="button" className="danger" onClick={() => stop()}>Stop webcam</button>
        ) : (
          <button type="button" className="primary" onClick={start}>Stream this browser's webcam</button>
        )}
      </div>
      <video ref={video} className="ingest-preview" muted playsInline hidden={!active} aria-label="Webcam preview" />
      <dl className="kv">
        <dt>Webcam</dt>
        <dd data-testid="ingest-state">{state}</dd>
        <dt>Frames sent</dt>
        <dd data-testid="ingest-sent">{counts.sent}</dd>
        <dt>Frames dropped</dt>
        <dd>{counts.dropped}</dd>
      </dl>
      {state === 'reconnecting' && retry && (
        <p className="hint" role="status" data-testid="ingest-retry">
          Reconnecting (attempt {retry.attempt}) in {Math.max(0, Math.ceil((retry.at - Date.now()) / 1000))} s: {retry.why}. The webcam stays on; Stop cancels.
        </p>
      )}
      {message && (
        <div className="banner error" role="alert">
          {message}
        </div>
      )}
      <h3>External device</h3>
      <p className="hint" data-testid="ingest-idle-alert">
        {idleAlertS && idleAlertS > 0
          ? `An alert is raised when no frames arrive for ${idleAlertS} s.`
          : 'No alert is raised when a device stops sending: set "Idle alert after (s)" when editing the camera to be told.'}
      </p>
      {showUrl && ingest ? (
        <div className="ingest-url">
          <label htmlFor={`ingest-url-${cameraId}`}>Ingest URL (send binary JPEG WebSocket messages)</label>
          <div className="row">
            <input id={`ingest-url-${cameraId}`} readOnly value={fullUrl} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" onClick={copy}>{copied ? 'Copied' : 'Copy'}</button>
          </div>
          <small className="hint">The token in it lets anyone push frames to this camera; keep it private.</small>
        </div>
      ) : (
        <button type="button" onClick={revealUrl}>Show ingest URL</button>
      )}
      {urlErr && (
        <div className="banner error" role="alert">
          {urlErr}
        </div>
      )}
    </section>
  );
}
