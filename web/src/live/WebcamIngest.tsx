import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { CameraStatus } from '../api/types';
import {
  clamp, FramePump, frameSize, INGEST_FPS, INGEST_QUALITY, INGEST_WIDTH, ingestWsUrl, parseIngestReply, type PumpCounts,
} from './ingest';

export type IngestState = 'idle' | 'connecting' | 'streaming' | 'error';

interface IngestToken {
  token: string;
  url: string;
}

interface Session {
  stopped: boolean;
  stream?: MediaStream;
  ws?: WebSocket;
  pump?: FramePump;
}

function errText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.code})`;
  if (e instanceof Error) return e.name === 'NotAllowedError' ? 'Webcam access was refused.' : e.message;
  return String(e);
}

/**
 * A websocket (push) camera fed by this browser: the webcam (getUserMedia) drawn into a canvas at
 * the chosen rate and width, each frame sent as a binary JPEG message to
 * /api/v1/ingest/ws/{id}?token=... Also shows that URL for an external device. Supervisor+.
 */
export function WebcamIngestPanel({ cameraId, cameraStatus }: { cameraId: number; cameraStatus?: CameraStatus }) {
  const [fps, setFps] = useState(String(INGEST_FPS.default));
  const [width, setWidth] = useState(String(INGEST_WIDTH.default));
  const [state, setState] = useState<IngestState>('idle');
  const [counts, setCounts] = useState<PumpCounts>({ sent: 0, dropped: 0 });
  const [message, setMessage] = useState<string | null>(null);
  const [ingest, setIngest] = useState<IngestToken | null>(null);
  const [showUrl, setShowUrl] = useState(false);
  const [urlErr, setUrlErr] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const video = useRef<HTMLVideoElement>(null);
  const session = useRef<Session | null>(null);

  const stop = useCallback((next: IngestState = 'idle') => {
    const s = session.current;
    session.current = null;
    if (s) {
      s.stopped = true;
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
  }, []);

  // leaving the page (or another camera): release the webcam and the socket
  useEffect(() => () => stop(), [cameraId, stop]);
  useEffect(() => {
    setIngest(null);
    setShowUrl(false);
  }, [cameraId]);

  async function token(): Promise<IngestToken> {
    if (ingest) return ingest;
    const r = await api.post<IngestToken>(`/cameras/${cameraId}/ingest-token`);
    setIngest(r.data);
    return r.data;
  }

  async function start() {
    stop('connecting');
    const s: Session = { stopped: false };
    session.current = s;
    setCounts({ sent: 0, dropped: 0 });
    setMessage(null);
    const rate = clamp(Number(fps), INGEST_FPS.min, INGEST_FPS.max, INGEST_FPS.default);
    const maxW = clamp(Number(width), INGEST_WIDTH.min, INGEST_WIDTH.max, INGEST_WIDTH.default);
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
      const ws = new WebSocket(ingestWsUrl(tok.url));
      ws.binaryType = 'arraybuffer';
      s.ws = ws;
      const pump = new FramePump(ws, grab, setCounts);
      s.pump = pump;
      ws.onopen = () => {
        if (s.stopped) return;
        setState('streaming');
        pump.start(rate);
      };
      ws.onmessage = (ev: MessageEvent) => {
        const r = parseIngestReply(ev.data);
        if (r?.type === 'error') setMessage(`${r.message || 'error'} (${r.code || 'ERROR'})`);
      };
      ws.onclose = (ev: CloseEvent) => {
        if (s.stopped) return;
        stop('error');
        setMessage((m) => m ?? `The ingest connection closed (code ${ev.code}).`);
      };
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

  const active = state === 'connecting' || state === 'streaming';
  const running = cameraStatus === 'live' || cameraStatus === 'connecting';
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
      {message && (
        <div className="banner error" role="alert">
          {message}
        </div>
      )}
      <h3>External device</h3>
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
