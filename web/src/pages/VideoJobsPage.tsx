// Video analysis: upload a clip (or name one in the media folder), follow the job's progress,
// cancel it, and read who was seen when (POST/GET/DELETE /api/v1/jobs).
import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../api/client';
import type { Pagination, VideoJob, VideoJobStatus } from '../api/types';
import { hasRole, useAuth } from '../auth/AuthContext';
import { ErrorBanner, Notice, Pager, StatusBadge } from '../components/ui';
import { fmtBytes, fmtTime, useInterval } from '../hooks';

const ACTIVE = new Set(['queued', 'running']);
/** The values GET /jobs?status= accepts (routes_jobs.cpp). */
export const JOB_STATUSES: VideoJobStatus[] = ['queued', 'running', 'completed', 'failed', 'cancelled'];
const isActive = (j: VideoJob) => ACTIVE.has(j.status);

/** Video time as m:ss.s (h:mm:ss past an hour). */
export function fmtVideoTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || isNaN(ms)) return '–';
  const tenths = Math.floor(ms / 100);
  const s = Math.floor(tenths / 10);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = `${String(s % 60).padStart(2, '0')}.${tenths % 10}`;
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function progressText(j: VideoJob): string {
  const p = j.progress;
  if (j.status === 'queued') return j.position ? `waiting (#${j.position})` : 'waiting';
  const times = p.duration_ms ? `${fmtVideoTime(p.video_ms)} / ${fmtVideoTime(p.duration_ms)}` : fmtVideoTime(p.video_ms);
  const frames = p.frames_total ? ` · frame ${p.frames_decoded} of ~${p.frames_total}` : '';
  return `${p.percent.toFixed(0)}% · ${times}${frames}`;
}

/** Pick a file by dropping it or with the picker; submit it (or a media-folder path) as a job. */
export function VideoJobForm({ onSubmitted }: { onSubmitted(job: { job_id: string; position?: number }): void }) {
  const [file, setFile] = useState<File | null>(null);
  const [path, setPath] = useState('');
  const [fps, setFps] = useState('5');
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<unknown>(null);

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    const f = e.dataTransfer?.files?.[0];
    if (f) setFile(f);
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file && !path.trim()) return;
    setBusy(true);
    setErr(null);
    try {
      let r;
      if (file) {
        const form = new FormData();
        if (fps) form.append('sample_fps', fps);
        form.append('file', file, file.name);
        r = await api.postForm<{ job_id: string; position?: number }>('/jobs', form);
      } else {
        r = await api.post<{ job_id: string; position?: number }>('/jobs', { path: path.trim(), ...(fps ? { sample_fps: Number(fps) } : {}) });
      }
      setFile(null);
      setPath('');
      onSubmitted(r.data);
    } catch (e2) {
      setErr(e2);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="panel" onSubmit={submit} aria-label="New video analysis">
      <h2>Analyse a video</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="video-dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>{file ? <>Selected <strong>{file.name}</strong> ({fmtBytes(file.size)})</> : 'Drop a video file here, or'}</p>
        <label className="button" htmlFor="video-input">Choose a video…</label>
        <input
          id="video-input"
          className="visually-hidden-input"
          type="file"
          name="file"
          accept="video/*,.mkv,.ts,.h264,.h265,.y4m"
          onChange={(e) => {
            if (e.target.files?.[0]) setFile(e.target.files[0]);
            e.target.value = '';
          }}
        />
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="video-path">…or a file in the media folder</label>
          <input id="video-path" value={path} disabled={!!file} onChange={(e) => setPath(e.target.value)} placeholder="clips/entrance.mp4" />
        </div>
        <div className="field">
          <label htmlFor="video-fps">Analysed frames per second</label>
          <input id="video-fps" type="number" min="0.1" max="30" step="0.1" value={fps} onChange={(e) => setFps(e.target.value)} />
        </div>
      </div>
      <ErrorBanner error={err} />
      <div className="actions">
        {file && <button type="button" onClick={() => setFile(null)}>Clear</button>}
        <button type="submit" className="primary" disabled={busy || (!file && !path.trim())}>
          {busy ? (file ? 'Uploading…' : 'Submitting…') : 'Analyse'}
        </button>
      </div>
    </form>
  );
}

/** The tracks of a finished job: who was seen, from when to when (video time). */
export function VideoJobResult({ job }: { job: VideoJob }) {
  const s = job.result?.summary;
  const tracks = job.result?.tracks ?? [];
  return (
    <section className="panel" aria-labelledby={`res-${job.job_id}`}>
      <h2 id={`res-${job.job_id}`}>Results: {job.source.name}</h2>
      {job.error && <div className="banner error" role="alert">{job.error.message} ({job.error.code})</div>}
      {s && (
        <p>
          {s.tracks} track{s.tracks === 1 ? '' : 's'} · {s.persons ?? 0} known person{s.persons === 1 ? '' : 's'} · {s.unknown_tracks ?? 0} unknown ·{' '}
          {s.frames_analyzed} of {s.frames_decoded} frames analysed · {fmtVideoTime(s.video_ms)} of video in {(s.elapsed_ms / 1000).toFixed(1)} s
          {s.cancelled && ' · cancelled (partial results)'}
        </p>
      )}
      {s?.warning && <p className="muted">{s.warning}</p>}
      {s && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Tracks in {job.source.name}</caption>
            <thead>
              <tr><th>Track</th><th>Person</th><th>From</th><th>To</th><th>Frames</th><th>Confidence</th><th>Similarity</th></tr>
            </thead>
            <tbody>
              {tracks.map((t) => (
                <tr key={t.track_id}>
                  <td>#{t.track_id}</td>
                  <td>{t.known ? t.person_name : <span className="muted">unknown</span>}</td>
                  <td>{fmtVideoTime(t.first_ms)}</td>
                  <td>{fmtVideoTime(t.last_ms)}</td>
                  <td>{t.frames}</td>
                  <td>{(t.best_confidence * 100).toFixed(0)}%</td>
                  <td>{t.known ? `${(t.similarity * 100).toFixed(0)}%` : '–'}</td>
                </tr>
              ))}
              {tracks.length === 0 && <tr><td colSpan={7} className="empty">No faces were tracked in this video.</td></tr>}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function VideoJobsPage() {
  const { user } = useAuth();
  const canSubmit = hasRole(user, 'supervisor');
  const [page, setPage] = useState(1);
  const [status, setStatus] = useState<VideoJobStatus | ''>('');
  const [jobs, setJobs] = useState<VideoJob[]>([]);
  const [pagination, setPagination] = useState<Pagination | undefined>();
  const [selected, setSelected] = useState<VideoJob | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const selectedId = useRef<string | null>(null);
  selectedId.current = selected?.job_id ?? null;

  useEffect(() => {
    const ac = new AbortController();
    api
      .get<{ jobs: VideoJob[] }>('/jobs', { page, per_page: 10, status }, ac.signal)
      .then((r) => {
        setJobs(r.data.jobs ?? []);
        setPagination(r.pagination);
        setErr(null);
      })
      .catch((e) => {
        if (!ac.signal.aborted && e?.name !== 'AbortError') setErr(e);
      });
    return () => ac.abort();
  }, [page, status, tick]);

  const reload = () => setTick((t) => t + 1);

  // While a job is queued or running, poll it (GET /jobs/{id}) and merge the answer.
  const active = jobs.filter(isActive).map((j) => j.job_id);
  useInterval(
    async () => {
      for (const id of active) {
        try {
          const r = await api.get<VideoJob>(`/jobs/${id}`);
          setJobs((js) => js.map((j) => (j.job_id === id ? r.data : j)));
          if (selectedId.current === id) setSelected(r.data);
          if (status && r.data.status !== status) reload();  // no longer in the filtered list
        } catch {
          reload();  // gone (deleted elsewhere or expired)
        }
      }
    },
    active.length ? 1000 : null,
  );

  async function open(j: VideoJob) {
    try {
      const r = await api.get<VideoJob>(`/jobs/${j.job_id}`);
      setSelected(r.data);
    } catch (e) {
      setErr(e);
    }
  }

  async function cancelOrDelete(j: VideoJob) {
    try {
      const r = await api.del<{ result: string }>(`/jobs/${j.job_id}`);
      setNotice(`${j.source.name}: ${r.data.result}.`);
      if (r.data.result === 'deleted' && selected?.job_id === j.job_id) setSelected(null);
      reload();
    } catch (e) {
      setErr(e);
    }
  }

  return (
    <section aria-labelledby="vj-title">
      <div className="page-head">
        <h1 id="vj-title">Video analysis</h1>
        <Link to="/cameras">← Cameras</Link>
      </div>
      <p className="muted">
        Recorded video is analysed at full speed, below the live cameras' priority: faces are tracked and matched against the persons
        gallery, one row per person track, with video times.
      </p>
      {notice && <Notice>{notice}</Notice>}
      {canSubmit && (
        <VideoJobForm
          onSubmitted={(r) => {
            setNotice(`Job ${r.job_id} queued${r.position ? ` (#${r.position})` : ''}.`);
            setPage(1);
            reload();
          }}
        />
      )}
      <ErrorBanner error={err} />
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="vj-status">Status</label>
          <select
            id="vj-status"
            value={status}
            onChange={(e) => {
              setStatus(e.target.value as VideoJobStatus | '');
              setPage(1);
            }}
          >
            <option value="">All</option>
            {JOB_STATUSES.map((st) => <option key={st} value={st}>{st}</option>)}
          </select>
        </div>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Video jobs</caption>
          <thead>
            <tr><th>Video</th><th>Status</th><th>Progress</th><th>Submitted</th><th><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {jobs.map((j) => (
              <tr key={j.job_id}>
                <td>
                  {j.source.name}
                  {j.video && <small className="muted block">{j.video.width}×{j.video.height} {j.video.codec} · {fmtVideoTime(j.video.duration_ms)}</small>}
                </td>
                <td>
                  <StatusBadge status={j.cancel_requested && isActive(j) ? 'cancelling' : j.status} />
                  {j.error && <small className="muted block">{j.error.message}</small>}
                </td>
                <td>
                  <progress max={100} value={j.progress.percent} aria-label={`Progress of ${j.source.name}`} />
                  <small className="block">{progressText(j)}</small>
                </td>
                <td>{fmtTime(j.created_at)}</td>
                <td className="row-actions">
                  {(j.status === 'completed' || j.status === 'cancelled' || j.status === 'failed') && (
                    <button type="button" onClick={() => open(j)} aria-label={`Results of ${j.source.name}`}>Results</button>
                  )}
                  {canSubmit && isActive(j) && (
                    <button type="button" className="danger" disabled={j.cancel_requested} onClick={() => cancelOrDelete(j)} aria-label={`Cancel ${j.source.name}`}>Cancel</button>
                  )}
                  {canSubmit && !isActive(j) && (
                    <button type="button" onClick={() => cancelOrDelete(j)} aria-label={`Delete ${j.source.name}`}>Delete</button>
                  )}
                </td>
              </tr>
            ))}
            {jobs.length === 0 && <tr><td colSpan={5} className="empty">{status ? `No ${status} video jobs.` : 'No video jobs yet.'}</td></tr>}
          </tbody>
        </table>
      </div>
      <Pager pagination={pagination} onPage={setPage} />
      {selected && <VideoJobResult job={selected} />}
    </section>
  );
}

export default VideoJobsPage;
