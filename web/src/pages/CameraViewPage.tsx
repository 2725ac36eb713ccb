import { useCallback, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api } from '../api/client';
import type { Camera } from '../api/types';
import { hasRole, useAuth } from '../auth/AuthContext';
import { ErrorBanner, StatusBadge } from '../components/ui';
import { useAsync, useInterval } from '../hooks';
import { LiveView, type InView, type LiveStats, type VideoMode } from '../live/LiveView';
import { LAYER_LABELS, useOverlayLayers, type LayerKey } from '../overlay/layers';

export function OverlayToggles({ layers, toggle }: { layers: Record<LayerKey, boolean>; toggle(k: LayerKey): void }) {
  return (
    <fieldset className="toggles">
      <legend>Overlay layers</legend>
      {(Object.keys(LAYER_LABELS) as LayerKey[]).map((k) => (
        <label key={k} className="toggle">
          <input type="checkbox" checked={layers[k]} onChange={() => toggle(k)} name={`layer-${k}`} />
          {LAYER_LABELS[k]}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * The overlay's labels as text: who the camera sees now (recognised names, unknown faces).
 * A polite live region, so screen readers hear arrivals; the text only changes when the
 * people change, not on every frame.
 */
export function InViewList({ people }: { people: InView[] | null }) {
  return (
    <div className="in-view">
      <h2 id="in-view-title">In view</h2>
      <ul aria-labelledby="in-view-title" aria-live="polite" data-testid="in-view">
        {people === null ? (
          <li className="muted">–</li>
        ) : people.length === 0 ? (
          <li className="muted">Nobody</li>
        ) : (
          people.map((p) => (
            <li key={p.key} className={p.known ? 'known' : 'unknown'} data-person={p.known ? p.name : undefined}>
              {p.name}
              {p.trackId !== undefined && <span className="muted"> #{p.trackId}</span>}
            </li>
          ))
        )}
      </ul>
    </div>
  );
}

export function CameraViewPage() {
  const id = Number(useParams().id);
  const { user } = useAuth();
  const { data: camera, error, reload, setData } = useAsync((signal) => api.get<{ camera: Camera }>(`/cameras/${id}`, undefined, signal).then((r) => r.data.camera), [id]);
  const { layers, toggle } = useOverlayLayers(id);
  const [mode, setMode] = useState<VideoMode>(() => (localStorage.getItem('argus.videoMode') as VideoMode) || 'auto');
  const [stats, setStats] = useState<LiveStats | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  useInterval(reload, 5000);
  const onStats = useCallback((s: LiveStats) => setStats(s), []);

  async function action(what: 'start' | 'stop') {
    setActionError(null);
    try {
      const r = await api.post<{ camera?: Camera }>(`/cameras/${id}/${what}`);
      if (r.data?.camera) setData(r.data.camera);
      else reload();
    } catch (e) {
      setActionError(e);
    }
  }

  return (
    <section aria-labelledby="cv-title">
      <div className="page-head">
        <h1 id="cv-title">{camera?.name ?? `Camera ${id}`}</h1>
        <StatusBadge status={camera?.status} />
        <Link to="/">← All cameras</Link>
      </div>
      <ErrorBanner error={error ?? actionError} />
      <div className="camview">
        <LiveView cameraId={id} layers={layers} mode={mode} onStats={onStats} />
        <aside className="panel side">
          <OverlayToggles layers={layers} toggle={toggle} />
          <div className="field">
            <label htmlFor="video-mode">Video transport</label>
            <select
              id="video-mode"
              value={mode}
              onChange={(e) => {
                const m = e.target.value as VideoMode;
                localStorage.setItem('argus.videoMode', m);
                setMode(m);
              }}
            >
              <option value="auto">Auto (WebSocket, MJPEG fallback)</option>
              <option value="websocket">WebSocket frames</option>
              <option value="mjpeg">MJPEG</option>
            </select>
          </div>
          <dl className="kv">
            <dt>Status</dt><dd>{camera?.status ?? '–'}</dd>
            <dt>Type</dt><dd>{camera?.type ?? '–'}</dd>
            <dt>Server fps</dt><dd>{camera?.stats?.avg_fps?.toFixed(1) ?? camera?.fps ?? '–'}</dd>
            <dt>Display fps</dt><dd>{stats ? stats.fps.toFixed(1) : '–'}</dd>
            <dt>People in view</dt><dd data-testid="people-in-view">{stats?.people ?? '–'}</dd>
            <dt>Latency</dt><dd>{(camera?.stats?.avg_latency_ms ?? camera?.stats?.latency_ms) !== undefined ? `${(camera?.stats?.avg_latency_ms ?? camera?.stats?.latency_ms ?? 0).toFixed(0)} ms` : '–'}</dd>
          </dl>
          <InViewList people={stats?.inView ?? null} />
          {hasRole(user, 'supervisor') && (
            <div className="actions">
              <button type="button" onClick={() => action('start')}>Start</button>
              <button type="button" onClick={() => action('stop')}>Stop</button>
            </div>
          )}
        </aside>
      </div>
    </section>
  );
}
