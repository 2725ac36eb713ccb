import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useAllPersons } from '../components/lists';
import { api } from '../api/client';
import type { Camera, CameraStats, Person } from '../api/types';
import { hasRole, useAuth } from '../auth/AuthContext';
import { ErrorBanner, StatusBadge } from '../components/ui';
import { useAsync, useInterval } from '../hooks';
import { LiveView, type InView, type LiveStats, type VideoMode } from '../live/LiveView';
import { LAYER_LABELS, useOverlayLayers, type LayerKey } from '../overlay/layers';
import type { Subscription } from '../live/socket';
import { WebcamIngestPanel } from '../live/WebcamIngest';
import { loadLiveFilters, saveLiveFilters } from '../live/filters';

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

/** Seconds as "45 s", "3 min 05 s", "2 h 04 min". */
export function fmtDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !isFinite(s)) return '–';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

const count = (n: number | undefined) => (n === undefined || n === null ? '–' : n.toLocaleString());

/** The session statistics of GET /cameras/{id} (CameraSession::stats on the server). */
export function CameraStatsList({ stats }: { stats?: CameraStats }) {
  const s = stats ?? {};
  const downtime = s.downtime_s ?? (s.downtime_ms !== undefined ? s.downtime_ms / 1000 : undefined);
  return (
    <dl className="kv" aria-label="Camera statistics" data-testid="camera-stats">
      <dt>Stream resolution</dt><dd data-testid="stream-resolution">{s.width && s.height ? `${s.width} × ${s.height}` : '–'}</dd>
      <dt>Frames captured</dt><dd data-testid="frames-captured">{count(s.frames_captured)}</dd>
      <dt>Frames processed</dt><dd>{count(s.frames_processed)}</dd>
      <dt>Frames dropped</dt><dd>{count(s.frames_dropped)}</dd>
      <dt>Detections missed</dt><dd>{count(s.detections_missed)}</dd>
      <dt>Faces detected</dt><dd>{count(s.faces_detected)}</dd>
      <dt>Reconnections</dt><dd>{count(s.reconnections)}</dd>
      <dt>Downtime</dt><dd>{fmtDuration(downtime)}</dd>
      <dt>Bandwidth</dt><dd>{s.bandwidth_kbps !== undefined ? `${s.bandwidth_kbps.toFixed(0)} kbit/s` : '–'}</dd>
      <dt>Last error</dt><dd className={s.last_error ? 'field-error' : undefined}>{s.last_error || '–'}</dd>
    </dl>
  );
}

/** Server-side filters of the live detection events: minimum confidence and chosen people. */
export function LiveFilters({ minConfidence, personIds, persons, onChange }: {
  minConfidence: number;
  personIds: number[];
  persons: Person[] | undefined;
  onChange(minConfidence: number, personIds: number[]): void;
}) {
  return (
    <fieldset className="live-filters">
      <legend>Live filters</legend>
      <div className="field">
        <label htmlFor="lv-min-conf">Minimum confidence</label>
        <div className="row-inline">
          <input
            id="lv-min-conf"
            type="range"
            min={0}
            max={1}
            step={0.05}
            value={minConfidence}
            onChange={(e) => onChange(Number(e.target.value), personIds)}
          />
          <output htmlFor="lv-min-conf">{Math.round(minConfidence * 100)}%</output>
        </div>
      </div>
      {persons && persons.length > 0 && (
        <div className="field">
          <label htmlFor="lv-persons">Only these people</label>
          <select
            id="lv-persons"
            multiple
            size={Math.max(3, Math.min(5, persons.length))}
            value={personIds.map(String)}
            onChange={(e) => onChange(minConfidence, Array.from(e.target.selectedOptions, (o) => Number(o.value)))}
          >
            {persons.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </div>
      )}
      {(minConfidence > 0 || personIds.length > 0) && (
        <button type="button" onClick={() => onChange(0, [])}>Clear filters</button>
      )}
    </fieldset>
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
  // live filters, kept per camera (localStorage) across reloads
  const [minConf, setMinConf] = useState(() => loadLiveFilters(id).minConfidence);
  const [personIds, setPersonIds] = useState<number[]>(() => loadLiveFilters(id).personIds);
  useEffect(() => {
    const f = loadLiveFilters(id);
    setMinConf(f.minConfidence);
    setPersonIds(f.personIds);
  }, [id]);
  const persons = useAllPersons();  // every page: the filter must offer anyone enrolled
  const filters = useMemo<Subscription['filters']>(() => ({ min_confidence: minConf, person_ids: personIds }), [minConf, personIds]);

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
        <Link to="/cameras">← All cameras</Link>
      </div>
      <ErrorBanner error={error ?? actionError} />
      <div className="camview">
        <div className="camview-main">
          <LiveView cameraId={id} layers={layers} mode={mode} filters={filters} onStats={onStats} />
          <div className="camview-panels">
            <section className="panel" aria-labelledby="cv-stats-title">
              <h2 id="cv-stats-title">Statistics</h2>
              <CameraStatsList stats={camera?.stats} />
            </section>
            {camera?.type === 'websocket' && hasRole(user, 'supervisor') && (
              <div className="panel">
                <WebcamIngestPanel
                  cameraId={id}
                  cameraStatus={camera.status}
                  idleAlertS={typeof camera.settings?.idle_alert_s === 'number' ? camera.settings.idle_alert_s : undefined}
                />
              </div>
            )}
          </div>
        </div>
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
          <LiveFilters
            minConfidence={minConf}
            personIds={personIds}
            persons={persons.data}
            onChange={(m, p) => {
              setMinConf(m);
              setPersonIds(p);
              saveLiveFilters(id, { minConfidence: m, personIds: p });
            }}
          />
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
