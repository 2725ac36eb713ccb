import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError } from '../api/client';
import type { Camera, CameraType, DetectionSettings, DiscoveredCamera } from '../api/types';
import { hasRole, useAuth } from '../auth/AuthContext';
import { ConfirmDialog, ErrorBanner, Field, Modal, Notice, Pager, StatusBadge } from '../components/ui';
import { useAsync, useDebounced, useInterval } from '../hooks';
import { useLiveSocket } from '../live/LiveContext';
import type { WsMessage } from '../live/socket';

export const CAMERA_TYPES: { value: CameraType; label: string; placeholder: string; credentials: boolean; hint?: string }[] = [
  { value: 'rtsp', label: 'RTSP', placeholder: 'rtsp://192.168.1.10:554/stream1', credentials: true },
  { value: 'http_mjpeg', label: 'HTTP MJPEG', placeholder: 'http://192.168.1.11/video.mjpg', credentials: true },
  { value: 'usb', label: 'USB (V4L2)', placeholder: '/dev/video0', credentials: false },
  {
    value: 'websocket',
    label: 'WebSocket (push)',
    placeholder: 'leave empty',
    credentials: false,
    hint: 'Frames are pushed to the server at /api/v1/ingest/ws/{id}: leave the source empty (a ws:// or wss:// URL is accepted but not used). After saving, the camera page streams this browser\'s webcam or shows the ingest URL for a device.',
  },
  {
    value: 'socket',
    label: 'TCP socket',
    placeholder: 'tcp://host:port',
    credentials: false,
    hint: 'The server connects to tcp://host:port and cuts the stream at JPEG markers; add ?framing=length (tcp://host:port?framing=length) for frames sent with a 4-byte big-endian length prefix.',
  },
  { value: 'file', label: 'File', placeholder: 'clip.mp4 (under storage.media_dir)', credentials: false },
];

/** The server's defaults for a camera's detection (CameraService::detection_defaults). */
export const DEFAULT_DETECTION: DetectionSettings = {
  enabled: true,
  fps_limit: 5,
  min_face_size: 24,
  confidence_threshold: 0.6,
  max_faces_per_frame: 20,
};

/** A new camera's detection settings: the server's answer in GET /system/config `camera_defaults` (CameraService::detection_defaults), over the built-in ones. */
export function newCameraDetection(answer: { camera_defaults?: { detection?: Partial<DetectionSettings> } } | null | undefined): DetectionSettings {
  const d: DetectionSettings = { ...DEFAULT_DETECTION };
  const given = answer?.camera_defaults?.detection ?? {};
  for (const k of Object.keys(d) as (keyof DetectionSettings)[]) {
    if (typeof given[k] === typeof d[k]) (d as unknown as Record<string, unknown>)[k] = given[k];
  }
  return d;
}

export interface CameraFormValues {
  name: string;
  camera_type: CameraType;
  source: string;
  username: string;
  password: string;
  resolution_width: string;
  resolution_height: string;
  fps: string;
  site: string;
  floor: string;
  zone: string;
  detection: DetectionSettings;
  /** settings the server acts on, per type (CameraService validates them) */
  rtsp_transport: 'tcp' | 'udp';
  loop: boolean;
  idle_alert_s: string;
  /** the stored settings object: keys of other integrations are sent back unchanged */
  settings: Record<string, unknown>;
}

export function formFromCamera(c?: Partial<Camera> & { source?: string }): CameraFormValues {
  return {
    name: c?.name ?? '',
    camera_type: (c?.type as CameraType) ?? 'rtsp',
    source: c?.source ?? '',
    username: '',
    password: '',
    resolution_width: c?.resolution?.width ? String(c.resolution.width) : '',
    resolution_height: c?.resolution?.height ? String(c.resolution.height) : '',
    fps: c?.fps ? String(c.fps) : '',
    site: c?.location?.site ?? '',
    floor: c?.location?.floor ?? '',
    zone: c?.location?.zone ?? '',
    detection: { ...DEFAULT_DETECTION, ...(c?.detection ?? {}) },
    rtsp_transport: c?.settings?.rtsp_transport === 'udp' ? 'udp' : 'tcp',
    loop: c?.settings?.loop !== false,
    idle_alert_s: typeof c?.settings?.idle_alert_s === 'number' && c.settings.idle_alert_s > 0 ? String(c.settings.idle_alert_s) : '',
    settings: { ...(c?.settings ?? {}) },
  };
}

/** Integer fields: blank = not sent; anything else is sent as typed (rounded when numeric) so the API validates it. */
const num = (s: string) => {
  if (s.trim() === '') return undefined;
  const n = Number(s);
  return isFinite(n) ? Math.round(n) : s.trim();
};

/** JSON body for POST /cameras or PUT /cameras/{id}. Blank credentials are left out (unchanged). */
export function cameraPayload(v: CameraFormValues) {
  const body: Record<string, unknown> = {
    name: v.name.trim(),
    source: v.source.trim(),
    camera_type: v.camera_type,
    detection: v.detection,
  };
  if (v.username) body.username = v.username;
  if (v.password) body.password = v.password;
  // The capture format is asked of USB devices only (network streams and files send their own);
  // blank there means the device's default (0).
  if (v.camera_type === 'usb') {
    body.resolution_width = num(v.resolution_width) ?? 0;
    body.resolution_height = num(v.resolution_height) ?? 0;
    body.fps = num(v.fps) ?? 0;
  }
  if (v.site || v.floor || v.zone) body.location = { site: v.site, floor: v.floor, zone: v.zone };
  // The settings the server acts on for this type; the other types' keys are left as stored.
  if (v.camera_type === 'rtsp') body.settings = { ...v.settings, rtsp_transport: v.rtsp_transport };
  if (v.camera_type === 'file') body.settings = { ...v.settings, loop: v.loop };
  if (v.camera_type === 'websocket') body.settings = { ...v.settings, idle_alert_s: num(v.idle_alert_s) ?? 0 };
  return body;
}

/** The API's error message for a form field (tries the dotted name, then the bare key, then aliases). */
export function fieldError(err: unknown, ...names: string[]): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  for (const n of names) {
    const m = err.field(n);
    if (m) return m;
  }
  return undefined;
}

export function CameraForm({ camera, initial, note, onSaved, onCancel }: {
  camera?: Camera;
  initial?: Partial<CameraFormValues>;
  /** shown above the fields (e.g. what to complete for a discovered camera) */
  note?: string;
  onSaved(c: Camera): void;
  onCancel(): void;
}) {
  const [v, setV] = useState<CameraFormValues>(() => ({ ...formFromCamera(camera), ...(initial ?? {}) }));
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const type = CAMERA_TYPES.find((t) => t.value === v.camera_type) ?? CAMERA_TYPES[0];
  const set = <K extends keyof CameraFormValues>(k: K, val: CameraFormValues[K]) => setV((p) => ({ ...p, [k]: val }));
  const detTouched = useRef(false); // the user's own values win over the defaults arriving late
  const setDet = <K extends keyof DetectionSettings>(k: K, val: DetectionSettings[K]) => {
    detTouched.current = true;
    setV((p) => ({ ...p, detection: { ...p.detection, [k]: val } }));
  };
  // A new camera starts from the system configuration's detection defaults (System page).
  useEffect(() => {
    if (camera || initial?.detection) return;
    const ctl = new AbortController();
    api
      .get<{ camera_defaults?: { detection?: Partial<DetectionSettings> } }>('/system/config', undefined, ctl.signal)
      .then((r) => {
        if (!detTouched.current) setV((p) => ({ ...p, detection: newCameraDetection(r.data) }));
      })
      .catch(() => {}); // the built-in defaults stay
    return () => ctl.abort();
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const body = cameraPayload(v);
      // The API masks credentials in `source`; sending the masked text back would overwrite the real one.
      if (camera && body.source === camera.source) delete body.source;
      if (camera) {
        const r = await api.put<{ camera: Camera }>(`/cameras/${camera.id}`, body);
        // Detection/resolution changes go through the settings endpoint as well.
        const s = await api.put<{ camera: Camera }>(`/cameras/${camera.id}/settings`, {
          resolution_width: body.resolution_width,
          resolution_height: body.resolution_height,
          fps: body.fps,
          detection: body.detection,
        });
        onSaved(s.data?.camera ?? r.data.camera);
      } else {
        const r = await api.post<{ camera: Camera }>('/cameras', body);
        onSaved(r.data.camera);
      }
    } catch (e2) {
      setErr(e2);
    } finally {
      setBusy(false);
    }
  }

  const fe = (...n: string[]) => fieldError(err, ...n);
  const generic = err instanceof ApiError && Object.keys(err.details).length ? null : err;

  return (
    <form onSubmit={submit} className="form" noValidate aria-label={camera ? 'Edit camera' : 'Add camera'}>
      {err instanceof ApiError && Object.keys(err.details).length > 0 && (
        <div className="banner error" role="alert">{err.message}: please correct the marked fields.</div>
      )}
      <ErrorBanner error={generic} />
      {note && <p className="hint form-note">{note}</p>}
      <div className="form-grid">
        <Field label="Name" name="name" error={fe('name')}>
          {(p) => <input {...p} value={v.name} required onChange={(e) => set('name', e.target.value)} />}
        </Field>
        <Field label="Type" name="camera_type" error={fe('camera_type', 'type')}>
          {(p) => (
            <select {...p} value={v.camera_type} onChange={(e) => set('camera_type', e.target.value as CameraType)}>
              {CAMERA_TYPES.map((t) => (
                <option key={t.value} value={t.value}>{t.label}</option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Source"
          name="source"
          error={fe('source')}
          hint={[type.hint, camera?.hasCredentials ? 'Credentials are stored; the source is shown masked.' : ''].filter(Boolean).join(' ') || undefined}
        >
          {(p) => <input {...p} value={v.source} placeholder={type.placeholder} onChange={(e) => set('source', e.target.value)} />}
        </Field>
        {type.credentials && (
          <>
            <Field label="Camera username" name="username" error={fe('username')}>
              {(p) => <input {...p} autoComplete="off" value={v.username} onChange={(e) => set('username', e.target.value)} />}
            </Field>
            <Field label="Camera password" name="password" error={fe('password')} hint={camera?.hasCredentials ? 'Leave empty to keep the stored password.' : undefined}>
              {(p) => <input {...p} type="password" autoComplete="new-password" value={v.password} onChange={(e) => set('password', e.target.value)} />}
            </Field>
          </>
        )}
        {v.camera_type === 'usb' && (
          <>
            <Field
              label="Capture width (px)"
              name="resolution_width"
              error={fe('resolution_width', 'resolution.width')}
              hint="Asked of the device, whose driver picks the nearest size and rate it supports. Leave the three empty for the device's default."
            >
              {(p) => <input {...p} inputMode="numeric" value={v.resolution_width} onChange={(e) => set('resolution_width', e.target.value)} />}
            </Field>
            <Field label="Capture height (px)" name="resolution_height" error={fe('resolution_height', 'resolution.height')}>
              {(p) => <input {...p} inputMode="numeric" value={v.resolution_height} onChange={(e) => set('resolution_height', e.target.value)} />}
            </Field>
            <Field label="Capture fps" name="fps" error={fe('fps')}>
              {(p) => <input {...p} inputMode="numeric" value={v.fps} onChange={(e) => set('fps', e.target.value)} />}
            </Field>
          </>
        )}
        {v.camera_type === 'rtsp' && (
          <Field label="RTSP transport" name="rtsp_transport" error={fe('settings.rtsp_transport')}
            hint="TCP passes firewalls and loses no packets; UDP has less delay on a clean local network.">
            {(p) => (
              <select {...p} value={v.rtsp_transport} onChange={(e) => set('rtsp_transport', e.target.value as 'tcp' | 'udp')}>
                <option value="tcp">TCP</option>
                <option value="udp">UDP</option>
              </select>
            )}
          </Field>
        )}
        {v.camera_type === 'file' && (
          <label className="toggle">
            <input type="checkbox" checked={v.loop} onChange={(e) => set('loop', e.target.checked)} /> Loop the file
          </label>
        )}
        {v.camera_type === 'websocket' && (
          <Field label="Idle alert after (s)" name="idle_alert_s" error={fe('settings.idle_alert_s')}
            hint="Raise an alert when no frames have been pushed for this long (for a device that should always send). Leave empty for a browser webcam that is often closed.">
            {(p) => <input {...p} inputMode="numeric" value={v.idle_alert_s} onChange={(e) => set('idle_alert_s', e.target.value)} />}
          </Field>
        )}
        <Field label="Site" name="site" error={fe('location.site')}>
          {(p) => <input {...p} value={v.site} onChange={(e) => set('site', e.target.value)} />}
        </Field>
        <Field label="Floor" name="floor" error={fe('location.floor')}>
          {(p) => <input {...p} value={v.floor} onChange={(e) => set('floor', e.target.value)} />}
        </Field>
        <Field label="Zone" name="zone" error={fe('location.zone')}>
          {(p) => <input {...p} value={v.zone} onChange={(e) => set('zone', e.target.value)} />}
        </Field>
      </div>
      <fieldset className="form-grid">
        <legend>Detection</legend>
        <label className="toggle">
          <input type="checkbox" checked={v.detection.enabled} onChange={(e) => setDet('enabled', e.target.checked)} /> Detection enabled
        </label>
        <Field label="FPS limit" name="fps_limit" error={fe('detection.fps_limit', 'fps_limit')}>
          {(p) => <input {...p} type="number" step="1" value={v.detection.fps_limit} onChange={(e) => setDet('fps_limit', Number(e.target.value))} />}
        </Field>
        <Field label="Minimum face size (px)" name="min_face_size" error={fe('detection.min_face_size', 'min_face_size')}
          hint="Faces smaller than this are not looked for; a larger value makes detection cheaper.">
          {(p) => <input {...p} type="number" step="1" value={v.detection.min_face_size} onChange={(e) => setDet('min_face_size', Number(e.target.value))} />}
        </Field>
        <Field label="Confidence threshold" name="confidence_threshold" error={fe('detection.confidence_threshold', 'confidence_threshold')}
          hint="Detector score a face needs. Detection changes apply to a running camera without reconnecting it.">
          {(p) => <input {...p} type="number" step="0.05" value={v.detection.confidence_threshold} onChange={(e) => setDet('confidence_threshold', Number(e.target.value))} />}
        </Field>
        <Field label="Max faces per frame" name="max_faces_per_frame" error={fe('detection.max_faces_per_frame', 'max_faces_per_frame')}>
          {(p) => <input {...p} type="number" step="1" value={v.detection.max_faces_per_frame} onChange={(e) => setDet('max_faces_per_frame', Number(e.target.value))} />}
        </Field>
      </fieldset>
      <div className="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="submit" className="primary" disabled={busy}>{camera ? 'Save camera' : 'Add camera'}</button>
      </div>
    </form>
  );
}

export const ONVIF_RTSP_NOTE =
  'ONVIF camera: the RTSP stream path depends on the camera model (e.g. /stream1, /Streaming/Channels/101, /cam/realmonitor?channel=1&subtype=0); complete the source from its manual, and add its credentials.';

/**
 * What "Add" does for a discovery result. The API takes no "onvif" type: an ONVIF device
 * (source = its device service URL) becomes an RTSP camera form pre-filled with the device's
 * host on port 554, to complete; a USB device is added as it is.
 */
export function discoveryAction(d: DiscoveredCamera):
  | { kind: 'add'; body: Record<string, unknown> }
  | { kind: 'form'; initial: Partial<CameraFormValues>; note: string } {
  if (d.type === 'onvif') {
    let host = '';
    try {
      host = new URL(d.source).hostname;
    } catch {
      host = d.source.replace(/^[a-z]+:\/\//i, '').split(/[/:?#]/)[0];
    }
    return {
      kind: 'form',
      initial: { name: d.name || host, camera_type: 'rtsp', source: host ? `rtsp://${host}:554/` : 'rtsp://' },
      note: ONVIF_RTSP_NOTE,
    };
  }
  // No detection settings: the server gives the camera the system configuration's defaults.
  return { kind: 'add', body: { name: d.name || d.source, source: d.source, camera_type: d.type } };
}

function Discovery({ onAdded, onConfigure }: { onAdded(c: Camera): void; onConfigure(initial: Partial<CameraFormValues>, note: string): void }) {
  const { data, error, loading, reload } = useAsync(
    (signal) => api.get<{ discovered_cameras: DiscoveredCamera[] }>('/cameras/discover', undefined, signal).then((r) => r.data.discovered_cameras ?? []),
    [],
  );
  const [added, setAdded] = useState<Record<string, string>>({});
  const [err, setErr] = useState<unknown>(null);
  async function add(d: DiscoveredCamera) {
    setErr(null);
    const a = discoveryAction(d);
    if (a.kind === 'form') {
      onConfigure(a.initial, a.note);
      return;
    }
    try {
      const r = await api.post<{ camera: Camera }>('/cameras', a.body);
      setAdded((x) => ({ ...x, [d.source]: 'added' }));
      onAdded(r.data.camera);
    } catch (e) {
      setErr(e);
    }
  }
  return (
    <section className="panel" aria-labelledby="disc-title">
      <div className="page-head">
        <h2 id="disc-title">Discovered cameras</h2>
        <button type="button" onClick={reload} disabled={loading}>{loading ? 'Scanning…' : 'Scan again'}</button>
      </div>
      <ErrorBanner error={error ?? err} />
      {data && data.length === 0 && <p className="muted">Nothing found on this host.</p>}
      <ul className="plain">
        {data?.map((d) => (
          <li key={d.source} className="row">
            <span><strong>{d.name}</strong> <code>{d.source}</code> <small className="muted">{d.type === 'onvif' ? 'ONVIF (added as RTSP)' : d.type}</small></span>
            <button type="button" disabled={!!added[d.source]} onClick={() => add(d)} aria-label={`Add ${d.name || d.source}`}>
              {added[d.source] ? 'Added' : d.type === 'onvif' ? 'Add…' : 'Add'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The camera list after a live message: camera_status_changed sets a row's status (and its
 * error detail), performance_metrics its fps. Unknown cameras and other messages change nothing. */
export function patchCameras(cams: Camera[], m: WsMessage): Camera[] {
  if (m.type === 'camera_status_changed' && m.data) {
    const id = Number(m.data.camera_id);
    const status = m.data.status as Camera['status'];
    if (!status || !cams.some((c) => c.id === id)) return cams;
    return cams.map((c) =>
      c.id === id ? { ...c, status, stats: { ...c.stats, last_error: status === 'error' ? m.data.detail || c.stats?.last_error : c.stats?.last_error } } : c,
    );
  }
  if (m.type === 'performance_metrics' && Array.isArray(m.data?.cameras)) {
    const fps = new Map<number, number>();
    for (const x of m.data.cameras) if (x && typeof x.fps === 'number') fps.set(Number(x.camera_id), x.fps);
    if (!cams.some((c) => fps.has(c.id))) return cams;
    return cams.map((c) => (fps.has(c.id) ? { ...c, stats: { ...c.stats, avg_fps: fps.get(c.id) } } : c));
  }
  return cams;
}

export function CamerasPage() {
  const { user } = useAuth();
  const canEdit = hasRole(user, 'supervisor');
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [type, setType] = useState('');
  const [page, setPage] = useState(1);
  const [perPage, setPerPage] = useState(25);
  const q = useDebounced(search, 300);
  const { data, error, reload, setData } = useAsync(
    (signal) => api.get<{ cameras: Camera[] }>('/cameras', { page, per_page: perPage, search: q, status, type }, signal),
    [page, perPage, q, status, type],
  );
  // statuses and figures change on their own: poll, and apply the live socket's messages between polls
  useInterval(reload, 5000);
  const sock = useLiveSocket();
  useEffect(() => {
    if (!sock) return;
    return sock.onMessage((m) => {
      if (m.type !== 'camera_status_changed' && m.type !== 'performance_metrics') return;
      setData((d) => {
        if (!d?.data?.cameras) return d;
        const next = patchCameras(d.data.cameras, m);
        return next === d.data.cameras ? d : { ...d, data: { ...d.data, cameras: next } };
      });
    });
  }, [sock, setData]);
  const [editing, setEditing] = useState<Camera | 'new' | null>(null);
  const [prefill, setPrefill] = useState<{ initial: Partial<CameraFormValues>; note: string } | null>(null);
  const [deleting, setDeleting] = useState<Camera | null>(null);
  const [showDiscovery, setShowDiscovery] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionErr, setActionErr] = useState<unknown>(null);

  async function startStop(c: Camera, what: 'start' | 'stop') {
    setActionErr(null);
    try {
      await api.post(`/cameras/${c.id}/${what}`);
      setNotice(`${c.name}: ${what === 'start' ? 'started' : 'stopped'}.`);
      reload();
    } catch (e) {
      setActionErr(e);
    }
  }

  const cams = data?.data.cameras ?? [];
  return (
    <section aria-labelledby="cams-title">
      <div className="page-head">
        <h1 id="cams-title">Cameras</h1>
        <Link className="button" to="/cameras/videos">Video analysis</Link>
        {canEdit && (
          <>
            <button type="button" className="primary" onClick={() => { setPrefill(null); setEditing('new'); }}>Add camera</button>
            <button type="button" onClick={() => setShowDiscovery((s) => !s)} aria-expanded={showDiscovery}>Discover</button>
          </>
        )}
      </div>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBanner error={error ?? actionErr} />
      {showDiscovery && canEdit && (
        <Discovery
          onAdded={(c) => { setNotice(`Added ${c.name}.`); reload(); }}
          onConfigure={(initial, note) => { setPrefill({ initial, note }); setEditing('new'); }}
        />
      )}
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="cam-search">Search cameras</label>
          <input id="cam-search" type="search" value={search} onChange={(e) => { setSearch(e.target.value); setPage(1); }} placeholder="name or source" />
        </div>
        <div className="field">
          <label htmlFor="cam-status">Status</label>
          <select id="cam-status" value={status} onChange={(e) => { setStatus(e.target.value); setPage(1); }}>
            <option value="">Any</option>
            {['live', 'connecting', 'waiting', 'inactive', 'stopped', 'error'].map((s) => <option key={s}>{s}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="cam-type">Type</label>
          <select id="cam-type" value={type} onChange={(e) => { setType(e.target.value); setPage(1); }}>
            <option value="">Any</option>
            {CAMERA_TYPES.map((t) => <option key={t.value} value={t.value}>{t.label}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="cam-per-page">Per page</label>
          <select id="cam-per-page" value={perPage} onChange={(e) => { setPerPage(Number(e.target.value)); setPage(1); }}>
            {[10, 25, 50, 100].map((n) => <option key={n}>{n}</option>)}
          </select>
        </div>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Cameras</caption>
          <thead>
            <tr><th>Name</th><th>Type</th><th>Source</th><th>Status</th><th>FPS</th><th>Location</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {cams.map((c) => (
              <tr key={c.id}>
                <td><Link to={`/cameras/${c.id}`}>{c.name}</Link></td>
                <td>{c.type}</td>
                <td><code className="ellipsis" title={c.source}>{c.source}</code></td>
                <td><StatusBadge status={c.status} />{c.stats?.last_error && <small className="muted block">{c.stats.last_error}</small>}</td>
                <td>{c.stats?.avg_fps?.toFixed(1) ?? c.fps ?? '–'}</td>
                <td>{[c.location?.site, c.location?.floor, c.location?.zone].filter(Boolean).join(' / ') || '–'}</td>
                <td className="row-actions">
                  {canEdit && (
                    <>
                      {c.status === 'live' || c.status === 'connecting' ? (
                        <button type="button" onClick={() => startStop(c, 'stop')} aria-label={`Stop ${c.name}`}>Stop</button>
                      ) : (
                        <button type="button" onClick={() => startStop(c, 'start')} aria-label={`Start ${c.name}`}>Start</button>
                      )}
                      <button type="button" onClick={() => setEditing(c)} aria-label={`Edit ${c.name}`}>Edit</button>
                      <button type="button" className="danger" onClick={() => setDeleting(c)} aria-label={`Delete ${c.name}`}>Delete</button>
                    </>
                  )}
                </td>
              </tr>
            ))}
            {data && cams.length === 0 && (
              <tr><td colSpan={7} className="empty">No cameras match.</td></tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager pagination={data?.pagination} onPage={setPage} />
      {editing && (
        <Modal title={editing === 'new' ? 'Add camera' : `Edit ${editing.name}`} onClose={() => setEditing(null)} wide>
          <CameraForm
            camera={editing === 'new' ? undefined : editing}
            initial={editing === 'new' ? prefill?.initial : undefined}
            note={editing === 'new' ? prefill?.note : undefined}
            onCancel={() => setEditing(null)}
            onSaved={(c) => {
              setEditing(null);
              setNotice(`Saved ${c?.name ?? 'camera'}.`);
              reload();
            }}
          />
        </Modal>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete camera"
          body={<>Delete <strong>{deleting.name}</strong>? Its live view stops; stored sightings stay.</>}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            try {
              await api.del(`/cameras/${deleting.id}`);
              setNotice(`Deleted ${deleting.name}.`);
            } catch (e) {
              setActionErr(e);
            }
            setDeleting(null);
            reload();
          }}
        />
      )}
    </section>
  );
}
