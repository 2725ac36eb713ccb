import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import type { FrameResult } from '../api/types';
import { carryMarks } from '../overlay/carry';
import { drawOverlay, TrailStore, type DebugInfo } from '../overlay/draw';
import { resultView } from '../overlay/geometry';
import type { Layers } from '../overlay/layers';
import { useLiveSocket } from './LiveContext';
import type { Subscription } from './socket';

export type VideoMode = 'auto' | 'websocket' | 'mjpeg';

/** Pick a detection result for a camera out of the many shapes /detections/live may answer with. */
export function pickLiveResult(data: any, cameraId: number): FrameResult | null {
  if (!data) return null;
  const cands: any[] = [];
  if (Array.isArray(data)) cands.push(...data);
  else if (Array.isArray(data.results)) cands.push(...data.results);
  else if (Array.isArray(data.live)) cands.push(...data.live);
  else if (data.result) cands.push(data.result);
  else if (data.detections) cands.push(data);
  else if (data[cameraId]) cands.push(data[cameraId]);
  const r = cands.find((c) => c && (c.camera_id === undefined || Number(c.camera_id) === cameraId));
  if (!r || !Array.isArray(r.detections)) return null;
  return { ...r, camera_id: cameraId };
}

/** One face in the latest result, as text (the overlay draws the same on the canvas). */
export interface InView {
  key: string;
  name: string;
  known: boolean;
  trackId?: number;
}

/** Who is in view in a result: recognised people first (by name), then unknown faces. */
export function inViewOf(r: FrameResult | null): InView[] {
  if (!r) return [];
  // track id 0: a tentative face, not yet a track (several may be in one result)
  const out = r.detections.map((d, i) => ({
    key: d.track_id ? `t${d.track_id}` : `d${i}`,
    name: d.person?.name || 'Unknown',
    known: !!d.person,
    trackId: d.track_id || undefined,
  }));
  return out.sort((a, b) => Number(b.known) - Number(a.known) || a.name.localeCompare(b.name) || (a.trackId ?? 0) - (b.trackId ?? 0));
}

export interface LiveStats {
  fps: number;
  people: number;
  mode: 'websocket' | 'mjpeg' | 'none';
  inView: InView[];
}

interface Props {
  cameraId: number;
  layers: Layers;
  mode?: VideoMode;
  /** requested stream width (server downscales) */
  width?: number;
  fps?: number;
  /** server-side filters of the detection events (min_confidence, person_ids); the video is not filtered */
  filters?: Subscription['filters'];
  onStats?(s: LiveStats): void;
}

/** The subscribe message of a live view: filters only when some are set. */
export function liveSubscription(cameraId: number, filters?: Subscription['filters'], video?: Subscription['video']): Subscription {
  const sub: Subscription = { camera_id: cameraId };
  const f: NonNullable<Subscription['filters']> = {};
  if (filters?.min_confidence !== undefined && filters.min_confidence > 0) f.min_confidence = filters.min_confidence;
  if (filters?.person_ids?.length) f.person_ids = [...filters.person_ids];
  if (Object.keys(f).length) sub.filters = f;
  if (video) sub.video = video;
  return sub;
}

/**
 * Live video (binary WebSocket frames drawn into a canvas, or MJPEG in an <img>) under a canvas
 * overlay. Overlay coordinates are scaled by the frame's natural size, so resizing is exact.
 */
/** The same filters applied to a result on the client (the /detections/live fallback is unfiltered). */
export function filterResult(r: FrameResult, filters?: Subscription['filters']): FrameResult {
  const min = filters?.min_confidence ?? 0;
  const ids = filters?.person_ids ?? [];
  if (min <= 0 && !ids.length) return r;
  return {
    ...r,
    detections: r.detections.filter((d) => (d.confidence ?? 1) >= min && (!ids.length || (!!d.person && ids.includes(Number(d.person.id))))),
  };
}

export function LiveView({ cameraId, layers, mode = 'auto', width = 960, fps = 10, filters, onStats }: Props) {
  // a stable dependency for the subscription effects (a new object every render must not resubscribe)
  const filterKey = JSON.stringify(liveSubscription(cameraId, filters).filters ?? null);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const sock = useLiveSocket();
  const boxRef = useRef<HTMLDivElement>(null);
  const videoCanvas = useRef<HTMLCanvasElement>(null);
  const imgRef = useRef<HTMLImageElement>(null);
  const overlay = useRef<HTMLCanvasElement>(null);
  const result = useRef<FrameResult | null>(null);
  const lastComplete = useRef<FrameResult | undefined>(undefined);
  const trails = useRef(new TrailStore());
  const natural = useRef<{ w: number; h: number }>({ w: 0, h: 0 });
  const frameTimes = useRef<number[]>([]);
  const debug = useRef<DebugInfo>({});
  const layersRef = useRef(layers);
  layersRef.current = layers;
  const [active, setActive] = useState<'websocket' | 'mjpeg'>(mode === 'mjpeg' ? 'mjpeg' : 'websocket');
  const [frames, setFrames] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const gotFrame = useRef(false);
  // for the polling effect, which must not restart on every render
  const onStatsRef = useRef(onStats);
  onStatsRef.current = onStats;
  const activeRef = useRef(active);
  activeRef.current = active;

  useEffect(() => {
    setActive(mode === 'mjpeg' ? 'mjpeg' : 'websocket');
    gotFrame.current = false;
    trails.current.clear();
    result.current = null;
    lastComplete.current = undefined;
  }, [mode, cameraId]);

  const redraw = useCallback(() => {
    const c = overlay.current;
    const box = boxRef.current;
    if (!c || !box) return;
    const w = box.clientWidth;
    const h = box.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, c.width, c.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const r = result.current;
    const nw = natural.current.w || r?.width || 0;
    const nh = natural.current.h || r?.height || 0;
    const view = resultView(r?.width || nw, r?.height || nh, nw, nh, w, h);
    drawOverlay(ctx, r, layersRef.current, view, trails.current, debug.current);
  }, []);

  // redraw on toggles
  useEffect(() => redraw(), [layers, redraw]);

  // redraw on resize
  useEffect(() => {
    const box = boxRef.current;
    if (!box || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => redraw());
    ro.observe(box);
    return () => ro.disconnect();
  }, [redraw]);

  const noteFrame = useCallback(() => {
    const now = performance.now();
    const ft = frameTimes.current;
    ft.push(now);
    while (ft.length && now - ft[0] > 2000) ft.shift();
    debug.current.fps = ft.length > 1 ? ((ft.length - 1) * 1000) / (ft[ft.length - 1] - ft[0]) : undefined;
    gotFrame.current = true;
    setFrames((n) => n + 1);
  }, []);

  // detection results over the socket
  useEffect(() => {
    if (!sock) return;
    const off = sock.onMessage((m) => {
      if (m.type !== 'detection_event' || !m.data) return;
      if (Number(m.data.camera_id) !== cameraId || !Array.isArray(m.data.detections)) return;
      const d = filterResult(m.data as FrameResult, filtersRef.current);
      // A preview (boxes right after detection) is drawn at once, with the landmarks and pose
      // of the last complete result carried over; the counts and the "In view" list wait for
      // the complete result of the same frame, a few ms later, so names do not flicker to
      // "Unknown" and back.
      if (d.provisional) {
        result.current = carryMarks(d, lastComplete.current);
        redraw();
        return;
      }
      result.current = d;
      lastComplete.current = d;
      trails.current.update(d);
      debug.current.model = d.model;
      const t = d.timings as Record<string, number> | undefined;
      const total = t?.total_ms ?? t?.total ?? (d.frame_ts ? Date.now() - d.frame_ts : undefined);
      if (total !== undefined && isFinite(total) && total >= 0 && total < 60000) debug.current.latencyMs = total;
      onStats?.({ fps: debug.current.fps ?? 0, people: d.detections.length, mode: gotFrame.current ? active : 'none', inView: inViewOf(d) });
      redraw();
    });
    return () => {
      off();
    };
  }, [sock, cameraId, redraw, onStats, active]);

  // video: websocket frames
  useEffect(() => {
    if (!sock || active !== 'websocket') return;
    const unsub = sock.subscribe(liveSubscription(cameraId, JSON.parse(filterKey) ?? undefined, { fps, width }));
    let decoding = false;
    const off = sock.onFrame(async (f) => {
      if (f.cameraId !== cameraId || decoding) return;
      decoding = true;
      try {
        const blob = new Blob([f.jpeg as BlobPart], { type: 'image/jpeg' });
        const bmp = await createImageBitmap(blob);
        const c = videoCanvas.current;
        if (c) {
          if (c.width !== bmp.width || c.height !== bmp.height) {
            c.width = bmp.width;
            c.height = bmp.height;
          }
          c.getContext('2d')?.drawImage(bmp, 0, 0);
          natural.current = { w: bmp.width, h: bmp.height };
        }
        bmp.close?.();
        noteFrame();
        redraw();
      } catch {
        /* corrupt frame: skip */
      } finally {
        decoding = false;
      }
    });
    // auto mode: fall back to MJPEG when the socket delivers no frames
    const fallback =
      mode === 'auto'
        ? setTimeout(() => {
            if (!gotFrame.current) setActive('mjpeg');
          }, 5000)
        : null;
    return () => {
      off();
      unsub();
      if (fallback) clearTimeout(fallback);
    };
  }, [sock, active, cameraId, fps, width, mode, noteFrame, redraw, filterKey]);

  // detection results without video when streaming MJPEG (subscription still needed for events)
  useEffect(() => {
    if (!sock || active !== 'mjpeg') return;
    return sock.subscribe(liveSubscription(cameraId, JSON.parse(filterKey) ?? undefined));
  }, [sock, active, cameraId, filterKey]);

  // poll /detections/live when the socket is not giving results
  useEffect(() => {
    let stop = false;
    let last = Date.now();
    let pauseUntil = 0;
    const offMsg = sock?.onMessage((m) => {
      if (m.type === 'detection_event' && Number(m.data?.camera_id) === cameraId) last = Date.now();
    });
    const id = setInterval(async () => {
      if (stop || Date.now() - last < 3000 || Date.now() < pauseUntil) return;
      try {
        const { data } = await api.get<any>('/detections/live', { camera_id: cameraId });
        const p = pickLiveResult(data, cameraId);
        const r = p && filterResult(p, filtersRef.current);
        if (r && !stop) {
          result.current = r;
          trails.current.update(r);
          onStatsRef.current?.({ fps: debug.current.fps ?? 0, people: r.detections.length, mode: gotFrame.current ? activeRef.current : 'none', inView: inViewOf(r) });
          redraw();
        }
      } catch (e) {
        // endpoint missing (404/405) or failing: ask again much later
        pauseUntil = Date.now() + ((e as { status?: number })?.status === 404 || (e as { status?: number })?.status === 405 ? 60000 : 10000);
      }
    }, 1500);
    return () => {
      stop = true;
      offMsg?.();
      clearInterval(id);
    };
  }, [sock, cameraId, redraw]);

  // MJPEG: an <img> cannot refresh its token; on error check the session (refreshing an expired
  // token through the API client) and retry with a fresh URL every 5 s.
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!error || active !== 'mjpeg') return;
    const id = setTimeout(() => {
      api.get('/auth/profile').catch(() => undefined).finally(() => setAttempt((a) => a + 1));
    }, 5000);
    return () => clearTimeout(id);
  }, [error, active]);
  const token = api.accessToken ?? '';
  const mjpegSrc = `/api/v1/cameras/${cameraId}/mjpeg?fps=${fps}&width=${width}&token=${encodeURIComponent(token)}${attempt ? `&retry=${attempt}` : ''}`;

  return (
    <div
      className="liveview"
      ref={boxRef}
      data-testid="liveview"
      data-mode={active}
      data-frames={frames}
      data-natural={`${natural.current.w}x${natural.current.h}`}
    >
      {active === 'websocket' ? (
        <canvas ref={videoCanvas} className="video" aria-label={`Live video of camera ${cameraId}`} role="img" />
      ) : (
        <img
          ref={imgRef}
          className="video"
          src={mjpegSrc}
          alt={`Live video of camera ${cameraId}`}
          onLoad={(e) => {
            const im = e.currentTarget;
            natural.current = { w: im.naturalWidth, h: im.naturalHeight };
            setError(null);
            noteFrame();
            redraw();
          }}
          onError={() => setError('The video stream is not available (camera stopped or unreachable).')}
        />
      )}
      <canvas ref={overlay} className="overlay" aria-hidden="true" data-testid="overlay" />
      {frames === 0 && !error && <div className="live-msg">Waiting for video…</div>}
      {error && <div className="live-msg error">{error}</div>}
    </div>
  );
}
