import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api/client';
import type { Camera, Pagination } from '../api/types';
import { ErrorBanner, Pager, StatusBadge } from '../components/ui';
import { useAsync, useInterval } from '../hooks';
import { useLiveSocket } from '../live/LiveContext';

const PER_PAGE = 12;

function Thumb({ camera }: { camera: Camera }) {
  const token = api.accessToken ?? '';
  const [failedFor, setFailedFor] = useState<string | null>(null);
  const ok = failedFor !== token; // a new token (after a refresh) retries the stream
  if (camera.status !== 'live' || !ok)
    return <div className="thumb placeholder">{camera.status === 'live' ? 'no video' : camera.status}</div>;
  return (
    <img
      className="thumb"
      alt={`Live frame from ${camera.name}`}
      src={`/api/v1/cameras/${camera.id}/mjpeg?fps=2&width=320&token=${encodeURIComponent(token)}`}
      onError={() => setFailedFor(token)}
      loading="lazy"
    />
  );
}

export function DashboardPage() {
  const [page, setPage] = useState(1);
  const { data, error, reload } = useAsync(
    (signal) => api.get<{ cameras: Camera[] }>('/cameras', { page, per_page: PER_PAGE }, signal),
    [page],
  );
  useInterval(reload, 5000);
  const cams = data?.data.cameras ?? [];
  const people = usePeopleInView(cams.map((c) => c.id));
  return (
    <section aria-labelledby="dash-title">
      <div className="page-head">
        <h1 id="dash-title">Dashboard</h1>
        {data?.pagination && (
          <span className="muted" data-testid="dash-summary">
            {data.pagination.total} camera(s) · {cams.filter((c) => c.status === 'live').length} live on this page ·{' '}
            {cams.reduce((n, c) => n + (people[c.id] ?? c.people_in_view ?? 0), 0)} people in view
          </span>
        )}
      </div>
      <ErrorBanner error={error} />
      {data && cams.length === 0 && (
        <p className="empty">
          No cameras yet. <Link to="/cameras">Add a camera</Link>.
        </p>
      )}
      <ul className="grid" aria-label="Cameras">
        {cams.map((c) => (
          <li key={c.id} className="card cam-card">
            <Link to={`/cameras/${c.id}`} className="cam-link" aria-label={`Open live view of ${c.name}`}>
              <Thumb camera={c} />
            </Link>
            <div className="cam-meta">
              <Link to={`/cameras/${c.id}`}>
                <strong>{c.name}</strong>
              </Link>
              <StatusBadge status={c.status} />
            </div>
            <div className="cam-meta muted">
              <span>{c.stats?.avg_fps !== undefined ? `${c.stats.avg_fps.toFixed(1)} fps` : c.fps ? `${c.fps} fps` : '– fps'}</span>
              <span>{(people[c.id] ?? c.people_in_view ?? 0) + ' in view'}</span>
            </div>
          </li>
        ))}
      </ul>
      <Pager pagination={data?.pagination as Pagination | undefined} onPage={setPage} />
      <SightingStats />
    </section>
  );
}

/** People currently in view per camera, from detection_event messages. */
function usePeopleInView(ids: number[]): Record<number, number> {
  const sock = useLiveSocket();
  const [counts, setCounts] = useState<Record<number, number>>({});
  const key = ids.join(',');
  useEffect(() => {
    if (!sock || !key) return;
    const camIds = key.split(',').map(Number);
    const unsubs = camIds.map((id) => sock.subscribe({ camera_id: id }));
    const off = sock.onMessage((m) => {
      if (m.type !== 'detection_event' || !m.data) return;
      const id = Number(m.data.camera_id);
      const n = Array.isArray(m.data.detections) ? m.data.detections.length : 0;
      setCounts((c) => (c[id] === n ? c : { ...c, [id]: n }));
    });
    return () => {
      off();
      unsubs.forEach((u) => u());
    };
  }, [sock, key]);
  return counts;
}

export type StatsPeriod = '1h' | '24h' | '7d';

/** GET /detections/statistics: sightings (one per track) that started in the period. */
export interface SightingStatistics {
  period: StatsPeriod;
  total: number;
  identified: number;
  unknown: number;
  unique_persons: number;
  per_camera: { camera_id: number; camera_name: string; count: number }[];
  per_hour: { start: string; count: number; identified: number; unknown: number }[];
  truncated?: boolean;
}

const PERIODS: { value: StatsPeriod; label: string }[] = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
];

/** Hour buckets as chart rows, labelled in local time (with the day for a week). */
export function hourRows(stats: SightingStatistics) {
  return stats.per_hour.map((h) => {
    const d = new Date(h.start);
    const hh = `${String(d.getHours()).padStart(2, '0')}:00`;
    const label = stats.period === '7d' ? `${d.getMonth() + 1}/${d.getDate()} ${hh}` : hh;
    return { hour: label, identified: h.identified, unknown: h.unknown };
  });
}

/** Who was seen lately: counts for a period, per hour (identified vs unknown) and per camera. */
export function SightingStats() {
  const [period, setPeriod] = useState<StatsPeriod>('24h');
  const { data, error, reload } = useAsync(
    (signal) => api.get<SightingStatistics>('/detections/statistics', { period }, signal),
    [period],
  );
  useInterval(reload, 30000);
  const stats = data?.data;
  const cams = [...(stats?.per_camera ?? [])].sort((a, b) => b.count - a.count).slice(0, 8);
  return (
    <div className="panel" aria-labelledby="stats-title">
      <div className="page-head">
        <h2 id="stats-title">Sightings</h2>
        <div className="field inline">
          <label htmlFor="stats-period">Period</label>
          <select id="stats-period" value={period} onChange={(e) => setPeriod(e.target.value as StatsPeriod)}>
            {PERIODS.map((p) => (
              <option key={p.value} value={p.value}>{p.label}</option>
            ))}
          </select>
        </div>
      </div>
      <ErrorBanner error={error} />
      {stats && (
        <>
          <dl className="stat-row" data-testid="sighting-stats">
            <div><dt>Sightings</dt><dd>{stats.total}</dd></div>
            <div><dt>Identified</dt><dd>{stats.identified}</dd></div>
            <div><dt>Unknown</dt><dd>{stats.unknown}</dd></div>
            <div><dt>People</dt><dd>{stats.unique_persons}</dd></div>
          </dl>
          {stats.truncated && <p className="muted">Counted over the first 50,000 sightings of the period only.</p>}
          {stats.total === 0 ? (
            <p className="empty">No sightings in this period.</p>
          ) : (
            <div className="cols">
              <div className="chart" role="figure" aria-label="Sightings per hour chart">
                <ResponsiveContainer width="100%" height={220}>
                  <BarChart data={hourRows(stats)} margin={{ top: 8, right: 8, bottom: 0, left: -20 }}>
                    <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
                    <XAxis dataKey="hour" tick={{ fill: 'var(--muted)', fontSize: 11 }} minTickGap={16} />
                    <YAxis allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 11 }} />
                    <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' }} />
                    <Legend />
                    <Bar dataKey="identified" name="Identified" stackId="s" fill="var(--accent)" isAnimationActive={false} />
                    <Bar dataKey="unknown" name="Unknown" stackId="s" fill="var(--warn)" isAnimationActive={false} />
                  </BarChart>
                </ResponsiveContainer>
              </div>
              <table aria-label="Sightings per camera" className="stats-cameras">
                <thead>
                  <tr><th>Camera</th><th>Sightings</th></tr>
                </thead>
                <tbody>
                  {cams.map((c) => (
                    <tr key={c.camera_id}>
                      <td><Link to={`/events?camera_id=${c.camera_id}`}>{c.camera_name || `Camera ${c.camera_id}`}</Link></td>
                      <td>{c.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </div>
  );
}
