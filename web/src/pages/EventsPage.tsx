import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import type { Sighting, SightingResponse } from '../api/types';
import { cameraLabel, namesById, useAllCameras, useAllPersons } from '../components/lists';
import { AuthImage, ErrorBanner, Modal, Pager } from '../components/ui';
import { fmtTime, toDate, useAsync, useDebounced } from '../hooks';
import { useLiveSocket } from '../live/LiveContext';
import type { WsMessage } from '../live/socket';

export interface LiveEvent extends Sighting {
  live: true;
  kind: string;
}

/** Turn a recognition_event / track_update message into a sighting-like row (tolerant of shapes). */
export function eventToSighting(m: WsMessage, cams: Record<number, string>): LiveEvent | null {
  const d: any = m.data ?? m;
  if (!d) return null;
  const camId = Number(d.camera_id ?? d.cameraId);
  if (!isFinite(camId)) return null;
  const person = d.person ?? null;
  const ts = d.last_seen ?? d.timestamp ?? m.timestamp ?? Date.now();
  return {
    live: true,
    kind: m.type,
    id: Number(d.sighting_id ?? d.id ?? -1),
    camera_id: camId,
    camera_name: d.camera_name ?? cams[camId],
    track_id: d.track_id,
    person_id: d.person_id ?? person?.id ?? null,
    person_name: d.person_name ?? person?.name ?? null,
    first_seen: d.first_seen ?? ts,
    last_seen: ts,
    best_confidence: d.best_confidence ?? d.confidence,
    similarity: d.similarity ?? person?.similarity,
    snapshot_url: d.snapshot_url,
  };
}

/** The min_confidence query value: a number in (0, 1], or nothing for blank/0/invalid. */
export function confidenceParam(v: string): number | undefined {
  if (v.trim() === '') return undefined;
  const n = Number(v);
  if (!isFinite(n) || n <= 0) return undefined;
  return Math.min(1, n);
}

function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function EventsPage() {
  const [params] = useSearchParams();  // ?camera_id= from the dashboard's per-camera counts
  const [cameraId, setCameraId] = useState(params.get('camera_id') ?? '');
  const [personId, setPersonId] = useState('');
  const [unknown, setUnknown] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [minConf, setMinConf] = useState('');
  const minConfQ = useDebounced(minConf, 300);  // typing "0.75" asks once
  const [page, setPage] = useState(1);
  const [liveOn, setLiveOn] = useState(true);
  const [live, setLive] = useState<LiveEvent[]>([]);
  const [openId, setOpenId] = useState<number | null>(null);
  // every camera and person for the filters (the list routes page at 100)
  const cams = useAllCameras();
  const persons = useAllPersons();
  const { data, error, reload } = useAsync(
    (s) =>
      api.get<any>(
        '/detections',
        {
          camera_id: cameraId,
          person_id: unknown ? undefined : personId,
          unknown: unknown ? 'true' : undefined,
          start_time: toIso(from),
          end_time: toIso(to),
          min_confidence: confidenceParam(minConfQ),
          page,
          per_page: 25,
        },
        s,
      ),
    [cameraId, personId, unknown, from, to, minConfQ, page],
  );
  const rows: Sighting[] = Array.isArray(data?.data) ? data.data : data?.data?.detections ?? data?.data?.sightings ?? [];
  const camNames = namesById(cams.data);

  const sock = useLiveSocket();
  const camKey = (cameraId ? [Number(cameraId)] : cams.data?.map((c) => c.id) ?? []).join(',');
  useEffect(() => {
    if (!sock || !liveOn || !camKey) return;
    const unsubs = camKey.split(',').map((id) => sock.subscribe({ camera_id: Number(id) }));
    const off = sock.onMessage((m) => {
      if (m.type !== 'recognition_event' && m.type !== 'track_update') return;
      const ev = eventToSighting(m, camNames);
      if (!ev) return;
      if (cameraId && ev.camera_id !== Number(cameraId)) return;
      if (unknown && ev.person_id !== null) return;
      if (personId && !unknown && ev.person_id !== Number(personId)) return;
      const min = confidenceParam(minConf);
      if (min !== undefined && ev.best_confidence !== undefined && ev.best_confidence < min) return;
      setLive((l) => {
        // one row per (camera, track): a track_update refreshes the row
        const i = l.findIndex((x) => x.camera_id === ev.camera_id && x.track_id !== undefined && x.track_id === ev.track_id);
        if (i >= 0) {
          const next = l.slice();
          next[i] = { ...l[i], ...ev, person_name: ev.person_name ?? l[i].person_name, person_id: ev.person_id ?? l[i].person_id, first_seen: l[i].first_seen };
          return next;
        }
        return [ev, ...l].slice(0, 50);
      });
    });
    return () => {
      off();
      unsubs.forEach((u) => u());
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [sock, liveOn, camKey, cameraId, personId, unknown, minConf]);

  return (
    <section aria-labelledby="events-title">
      <div className="page-head">
        <h1 id="events-title">Events</h1>
        <label className="toggle">
          <input type="checkbox" checked={liveOn} onChange={(e) => setLiveOn(e.target.checked)} /> Live updates
        </label>
        <button type="button" onClick={() => { setLive([]); reload(); }}>Refresh</button>
      </div>
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="ev-camera">Camera</label>
          <select id="ev-camera" value={cameraId} onChange={(e) => { setCameraId(e.target.value); setPage(1); }}>
            <option value="">All cameras</option>
            {cams.data?.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="ev-person">Person</label>
          <select id="ev-person" value={personId} disabled={unknown} onChange={(e) => { setPersonId(e.target.value); setPage(1); }}>
            <option value="">Anyone</option>
            {persons.data?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </div>
        <label className="toggle">
          <input type="checkbox" checked={unknown} onChange={(e) => { setUnknown(e.target.checked); setPage(1); }} /> Unknown only
        </label>
        <div className="field">
          <label htmlFor="ev-min-conf">Min confidence</label>
          <input
            id="ev-min-conf"
            type="number"
            min={0}
            max={1}
            step={0.05}
            placeholder="0–1"
            value={minConf}
            onChange={(e) => { setMinConf(e.target.value); setPage(1); }}
          />
        </div>
        <div className="field">
          <label htmlFor="ev-from">From</label>
          <input id="ev-from" type="datetime-local" value={from} onChange={(e) => { setFrom(e.target.value); setPage(1); }} />
        </div>
        <div className="field">
          <label htmlFor="ev-to">To</label>
          <input id="ev-to" type="datetime-local" value={to} onChange={(e) => { setTo(e.target.value); setPage(1); }} />
        </div>
      </div>
      <ErrorBanner error={error} />
      {live.length > 0 && (
        <>
          <h2>Live</h2>
          <ol className="timeline live" aria-label="Live sightings">
            {live.map((s) => <SightingItem key={`live-${s.camera_id}-${s.track_id}-${s.id}-${s.first_seen}`} s={s} camNames={camNames} onOpen={setOpenId} />)}
          </ol>
        </>
      )}
      <h2>History</h2>
      <ol className="timeline" aria-label="Sightings">
        {rows.map((s) => <SightingItem key={s.id} s={s} camNames={camNames} onOpen={setOpenId} />)}
      </ol>
      {data && rows.length === 0 && <p className="empty">No sightings match these filters.</p>}
      <Pager pagination={data?.pagination} onPage={setPage} />
      {openId !== null && <SightingDetail id={openId} camNames={camNames} onClose={() => setOpenId(null)} />}
    </section>
  );
}

/** Sighting length (last_seen - first_seen) as "850 ms", "4.2 s", "3 min 05 s" or "1 h 02 min". */
export function fmtDuration(first: string | number | null | undefined, last: string | number | null | undefined): string {
  const a = toDate(first);
  const b = toDate(last);
  if (!a || !b) return '–';
  const ms = Math.max(0, b.getTime() - a.getTime());
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const pct = (v: number | null | undefined) => (v === null || v === undefined || isNaN(v) ? '–' : `${(v * 100).toFixed(1)}%`);

/** One sighting in full (GET /detections/{id}), in a dialog. */
export function SightingDetail({ id, camNames, onClose }: { id: number; camNames: Record<number, string>; onClose(): void }) {
  const { data, error, loading } = useAsync((s) => api.get<SightingResponse>(`/detections/${id}`, undefined, s).then((r) => r.data.detection), [id]);
  const d = data && data.id === id ? data : undefined;
  const known = d ? d.person_id !== null && d.person_id !== undefined : false;
  const who = d ? (known ? d.person_name ?? `Person ${d.person_id}` : 'Unknown') : '';
  // snapshot_url null: the sighting has no snapshot
  const snap = d ? (d.snapshot_url === null ? null : d.snapshot_url ?? `/api/v1/detections/${d.id}/snapshot`) : null;
  return (
    <Modal title={`Sighting #${id}`} onClose={onClose} wide>
      <ErrorBanner error={error} />
      {!d && loading && !error && <p className="muted">Loading…</p>}
      {d && (
        <div style={{ display: 'flex', gap: '1rem', flexWrap: 'wrap', alignItems: 'flex-start' }}>
          <AuthImage src={snap} alt={`Snapshot: ${known ? who : 'unknown person'}`} className="snap-large" empty="no snapshot" />
          <dl className="kv" aria-label="Sighting details" style={{ flex: 1, minWidth: 220 }}>
            <dt>Person</dt>
            <dd>{known ? <>{who} <span className="muted">(#{d.person_id})</span></> : 'Unknown'}</dd>
            <dt>Camera</dt>
            <dd>{d.camera_name || cameraLabel(camNames, d.camera_id)}</dd>
            <dt>First seen</dt>
            <dd><time>{fmtTime(d.first_seen)}</time></dd>
            <dt>Last seen</dt>
            <dd><time>{fmtTime(d.last_seen)}</time></dd>
            <dt>Duration</dt>
            <dd>{fmtDuration(d.first_seen, d.last_seen)}</dd>
            <dt>Frames</dt>
            <dd>{d.frame_count ?? '–'}</dd>
            <dt>Best confidence</dt>
            <dd>{pct(d.best_confidence)}</dd>
            <dt>Similarity</dt>
            <dd>{pct(d.similarity)}</dd>
            <dt>Track</dt>
            <dd>{d.track_id !== undefined && d.track_id !== null ? `#${d.track_id}` : '–'}</dd>
          </dl>
        </div>
      )}
    </Modal>
  );
}

function SightingItem({ s, camNames, onOpen }: { s: Sighting & { live?: boolean; kind?: string }; camNames: Record<number, string>; onOpen(id: number): void }) {
  const known = s.person_id !== null && s.person_id !== undefined;
  const snap = s.snapshot_url ?? (s.id > 0 ? `/api/v1/detections/${s.id}/snapshot` : null);
  const name = known ? s.person_name ?? `Person ${s.person_id}` : 'Unknown';
  const cam = s.camera_name ?? camNames[s.camera_id] ?? `Camera ${s.camera_id}`;
  // a stored sighting (id > 0) opens its details; the name is the keyboard target, the whole row the mouse one
  const openable = s.id > 0;
  return (
    <li
      className={`sighting ${known ? 'known' : 'unknown'}`}
      data-testid="sighting"
      onClick={openable ? () => onOpen(s.id) : undefined}
      style={openable ? { cursor: 'pointer' } : undefined}
    >
      <AuthImage src={snap} alt={`Snapshot: ${known ? s.person_name : 'unknown person'}`} className="snap" />
      <div>
        {openable ? (
          <button
            type="button"
            aria-haspopup="dialog"
            aria-label={`Details: ${name}, ${cam}, ${fmtTime(s.first_seen)}`}
            style={{ background: 'none', border: 0, padding: 0, font: 'inherit', fontWeight: 700, color: 'inherit', textDecoration: 'underline dotted' }}
          >
            {name}
          </button>
        ) : (
          <strong>{name}</strong>
        )}
        {s.live && <span className="badge live">{s.kind === 'track_update' ? 'tracking' : 'live'}</span>}
        <div className="muted">
          {cam}
          {s.track_id !== undefined && ` · track #${s.track_id}`}
        </div>
        <div>
          <time>{fmtTime(s.first_seen)}</time> → <time>{fmtTime(s.last_seen)}</time>
        </div>
        <small className="muted">
          {s.best_confidence !== undefined && `confidence ${(s.best_confidence * 100).toFixed(0)}%`}
          {s.similarity !== undefined && s.similarity !== null && ` · similarity ${(s.similarity * 100).toFixed(0)}%`}
          {s.frame_count !== undefined && ` · ${s.frame_count} frames`}
        </small>
      </div>
    </li>
  );
}
