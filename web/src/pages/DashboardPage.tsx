import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
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
