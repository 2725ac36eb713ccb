import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import { api, ApiError } from '../api/client';
import type { AuditEntry, Camera, Health, Role, SystemStatus, User } from '../api/types';
import { hasRole, useAuth } from '../auth/AuthContext';
import { ConfirmDialog, ErrorBanner, Field, Modal, Notice, Pager, StatusBadge } from '../components/ui';
import { fmtBytes, fmtPct, fmtTime, useAsync, useDebounced, useInterval } from '../hooks';
import { fieldError } from './CamerasPage';

function Meter({ label, value }: { label: string; value: number | null | undefined }) {
  const v = value === null || value === undefined ? null : Math.max(0, Math.min(100, value));
  return (
    <div className="meter">
      <span>{label}</span>
      {v === null ? (
        <span className="muted">n/a</span>
      ) : (
        <>
          <progress max={100} value={v} aria-label={`${label} ${v.toFixed(0)} percent`} />
          <span>{fmtPct(v)}</span>
        </>
      )}
    </div>
  );
}

function HealthPanel() {
  const health = useAsync((s) => fetch('/health', { signal: s }).then(async (r) => {
    const b = await r.json().catch(() => null);
    return (b?.data ?? b) as Health;
  }), []);
  const status = useAsync((s) => api.get<SystemStatus>('/system/status', undefined, s).then((r) => r.data), []);
  useInterval(() => { health.reload(); status.reload(); }, 5000);
  const st = status.data;
  return (
    <div className="cols">
      <section className="panel" aria-labelledby="health-title">
        <h2 id="health-title">Health <StatusBadge status={health.data?.status} /></h2>
        <ErrorBanner error={health.error} />
        <ul className="plain">
          {Object.entries(health.data?.components ?? {}).map(([k, c]) => (
            <li key={k} className="row"><span>{k}</span><StatusBadge status={c.status} /></li>
          ))}
        </ul>
        {st?.services && (
          <>
            <h3>Services</h3>
            <ul className="plain">
              {st.services.map((s) => (
                <li key={s.name} className="row"><span>{s.name}</span><StatusBadge status={s.health ?? s.status} /></li>
              ))}
            </ul>
          </>
        )}
      </section>
      <section className="panel" aria-labelledby="res-title">
        <h2 id="res-title">Resources</h2>
        <ErrorBanner error={status.error} />
        <Meter label="CPU" value={st?.performance?.cpuUsage} />
        <Meter label="Memory" value={st?.performance?.memoryUsage} />
        <Meter label="GPU" value={st?.performance?.gpuUsage} />
        <Meter label="Disk" value={st?.performance?.diskUsage} />
        <dl className="kv">
          <dt>Process RSS</dt><dd>{fmtBytes(st?.process?.rss_bytes)}</dd>
          <dt>Threads</dt><dd>{st?.process?.threads ?? '–'}</dd>
          <dt>Uptime</dt><dd>{st?.process?.uptime_s !== undefined ? `${Math.floor(st.process.uptime_s / 3600)} h ${Math.floor((st.process.uptime_s % 3600) / 60)} min` : '–'}</dd>
          <dt>Open files</dt><dd>{st?.process?.open_fds ?? '–'}</dd>
          <dt>Cameras live</dt><dd>{st?.cameras ? `${st.cameras.live ?? 0} / ${st.cameras.total ?? 0}` : '–'}</dd>
        </dl>
      </section>
    </div>
  );
}

function CameraStats() {
  const [page, setPage] = useState(1);
  const { data, error, reload } = useAsync((s) => api.get<{ cameras: Camera[] }>('/cameras', { page, per_page: 20 }, s), [page]);
  useInterval(reload, 5000);
  return (
    <section className="panel" aria-labelledby="cstats-title">
      <h2 id="cstats-title">Per-camera statistics</h2>
      <ErrorBanner error={error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr><th>Camera</th><th>Status</th><th>Captured</th><th>Processed</th><th>Dropped</th><th>FPS</th><th>Latency</th><th>Reconnects</th><th>kbit/s</th><th>Last error</th></tr>
          </thead>
          <tbody>
            {(data?.data.cameras ?? []).map((c) => (
              <tr key={c.id}>
                <td>{c.name}</td>
                <td><StatusBadge status={c.status} /></td>
                <td>{c.stats?.frames_captured ?? '–'}</td>
                <td>{c.stats?.frames_processed ?? '–'}</td>
                <td>{c.stats?.frames_dropped ?? '–'}</td>
                <td>{c.stats?.avg_fps?.toFixed(1) ?? '–'}</td>
                <td>{(c.stats?.avg_latency_ms ?? c.stats?.latency_ms) !== undefined ? `${(c.stats?.avg_latency_ms ?? c.stats?.latency_ms ?? 0).toFixed(0)} ms` : '–'}</td>
                <td>{c.stats?.reconnections ?? '–'}</td>
                <td>{c.stats?.bandwidth_kbps?.toFixed(0) ?? '–'}</td>
                <td>{c.stats?.last_error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pagination={data?.pagination} onPage={setPage} />
    </section>
  );
}

/** /models answers either {models:[...]} or {tasks:{task:{active, available:[...]}}}; normalise. */
export interface ModelTask {
  task: string;
  active: string | null;
  available: { id: string; label: string }[];
}

export function normalizeModels(data: any): ModelTask[] {
  if (!data) return [];
  if (data.tasks && typeof data.tasks === 'object' && !Array.isArray(data.tasks)) {
    return Object.entries<any>(data.tasks).map(([task, t]) => ({
      task,
      active: t.active ?? t.model_id ?? null,
      available: (t.available ?? t.models ?? []).map((m: any) => (typeof m === 'string' ? { id: m, label: m } : { id: m.id ?? m.model_id, label: m.name ?? m.id ?? m.model_id })),
    }));
  }
  const list: any[] = Array.isArray(data) ? data : data.models ?? [];
  const byTask = new Map<string, ModelTask>();
  for (const m of list) {
    const task = m.task ?? 'default';
    const t: ModelTask = byTask.get(task) ?? { task, active: null, available: [] };
    const id = m.id ?? m.model_id ?? m.name;
    t.available.push({ id, label: m.name && m.name !== id ? `${m.name} (${id})` : id });
    if (m.active || m.is_active) t.active = id;
    byTask.set(task, t);
  }
  return [...byTask.values()];
}

function Models({ isAdmin }: { isAdmin: boolean }) {
  const { data, error, reload } = useAsync((s) => api.get<any>('/models', undefined, s).then((r) => normalizeModels(r.data)), []);
  const [err, setErr] = useState<unknown>(null);
  const [msg, setMsg] = useState<string | null>(null);
  async function switchTo(task: string, modelId: string) {
    setErr(null);
    setMsg(null);
    try {
      await api.put(`/models/${encodeURIComponent(task)}`, { model_id: modelId });
      setMsg(`${task}: now using ${modelId}.`);
      reload();
    } catch (e) {
      setErr(e);
    }
  }
  return (
    <section className="panel" aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      <ErrorBanner error={error ?? err} />
      {msg && <Notice>{msg}</Notice>}
      <ul className="plain">
        {(data ?? []).map((t) => (
          <li key={t.task} className="row">
            <label htmlFor={`model-${t.task}`}>{t.task}</label>
            <select id={`model-${t.task}`} value={t.active ?? ''} disabled={!isAdmin} onChange={(e) => switchTo(t.task, e.target.value)}>
              {!t.active && <option value="">(none)</option>}
              {t.available.map((m) => <option key={m.id} value={m.id}>{m.label}</option>)}
            </select>
          </li>
        ))}
      </ul>
      {data && data.length === 0 && <p className="muted">No models registered.</p>}
    </section>
  );
}

const CONFIG_ENUMS: Record<string, string[]> = { performanceMode: ['fast', 'balanced', 'high_accuracy'] };

/** "detectionThreshold" -> "Detection threshold" */
export function humanizeKey(k: string): string {
  const words = k.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_.]/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Only the keys whose value changed (the API validates each key it receives). */
export function configDiff(orig: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) if (JSON.stringify(orig[k]) !== JSON.stringify(v)) out[k] = v;
  return out;
}

function ConfigEditor({ isAdmin }: { isAdmin: boolean }) {
  const { data: loaded, error, reload } = useAsync(
    (s) => api.get<{ config: Record<string, unknown>; descriptions?: Record<string, string> }>('/system/config', undefined, s).then((r) => r.data),
    [],
  );
  const data = loaded?.config;
  const descriptions = loaded?.descriptions ?? {};
  const [values, setValues] = useState<Record<string, unknown>>({});
  const [raw, setRaw] = useState(false);
  const [text, setText] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const [parseErr, setParseErr] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    if (data) {
      setValues(data);
      setText(JSON.stringify(data, null, 2));
    }
  }, [data]);
  async function save(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    setMsg(null);
    let next: Record<string, unknown> = values;
    if (raw) {
      try {
        next = JSON.parse(text);
        setParseErr(null);
      } catch (e2) {
        setParseErr(`Not valid JSON: ${(e2 as Error).message}`);
        return;
      }
    }
    const body = configDiff(data ?? {}, next);
    if (!Object.keys(body).length) {
      setMsg('Nothing changed.');
      return;
    }
    try {
      await api.put('/system/config', body);
      setMsg(`Saved: ${Object.keys(body).join(', ')}.`);
      reload();
    } catch (e2) {
      setErr(e2);
    }
  }
  function revert() {
    if (!data) return;
    setValues(data);
    setText(JSON.stringify(data, null, 2));
    setErr(null);
    setParseErr(null);
  }
  const details = err instanceof ApiError ? err.details : {};
  const known = new Set(Object.keys(values));
  const stray = Object.entries(details).filter(([k]) => raw || !known.has(k));
  const set = (k: string, v: unknown) => setValues((p) => ({ ...p, [k]: v }));
  return (
    <section className="panel" aria-labelledby="cfg-title">
      <div className="page-head">
        <h2 id="cfg-title">Configuration</h2>
        <label className="toggle">
          <input type="checkbox" checked={raw} onChange={(e) => { setRaw(e.target.checked); if (e.target.checked) setText(JSON.stringify(values, null, 2)); }} /> Edit as JSON
        </label>
      </div>
      <ErrorBanner error={error ?? (Object.keys(details).length ? null : err)} />
      {msg && <Notice>{msg}</Notice>}
      {!isAdmin && <p className="muted">Read only: changing the configuration needs the admin role.</p>}
      <form onSubmit={save} noValidate>
        {raw ? (
          <div className="field">
            <label htmlFor="cfg-text">Configuration (JSON)</label>
            <textarea id="cfg-text" rows={14} spellCheck={false} value={text} readOnly={!isAdmin} onChange={(e) => setText(e.target.value)} aria-invalid={stray.length > 0 || !!parseErr} aria-describedby="cfg-errors" />
          </div>
        ) : (
          <div className="form-grid config-grid">
            {Object.entries(values).map(([k, v]) => {
              const fe = err instanceof ApiError ? err.field(k) : undefined;
              const kind = typeof (data && k in data ? data[k] : v); // the input type follows the stored value
              if (kind === 'boolean')
                return (
                  <div key={k} className={`field${fe ? ' has-error' : ''}`}>
                    <label className="toggle">
                      <input type="checkbox" name={k} checked={!!v} disabled={!isAdmin} onChange={(e) => set(k, e.target.checked)} /> {humanizeKey(k)}
                    </label>
                    {fe && <small className="field-error" role="alert">{fe}</small>}
                    {!fe && descriptions[k] && <small className="hint">{descriptions[k]}</small>}
                  </div>
                );
              return (
                <Field key={k} label={humanizeKey(k)} name={k} error={fe} hint={descriptions[k]}>
                  {(p) =>
                    CONFIG_ENUMS[k] ? (
                      <select {...p} value={String(v)} disabled={!isAdmin} onChange={(e) => set(k, e.target.value)}>
                        {CONFIG_ENUMS[k].map((o) => <option key={o}>{o}</option>)}
                      </select>
                    ) : kind === 'number' ? (
                      <input {...p} type="number" step="any" value={String(v)} readOnly={!isAdmin} onChange={(e) => set(k, e.target.value === '' ? '' : Number(e.target.value))} />
                    ) : kind === 'string' ? (
                      <input {...p} value={String(v)} readOnly={!isAdmin} onChange={(e) => set(k, e.target.value)} />
                    ) : (
                      <input {...p} value={JSON.stringify(v)} readOnly title="Edit as JSON to change this value" />
                    )
                  }
                </Field>
              );
            })}
          </div>
        )}
        <div id="cfg-errors" role="alert">
          {parseErr && <p className="field-error">{parseErr}</p>}
          {stray.length > 0 && (
            <ul className="field-error">
              {stray.map(([k, v]) => <li key={k}><code>{k}</code>: {v.join(' ')}</li>)}
            </ul>
          )}
        </div>
        {isAdmin && (
          <div className="actions">
            <button type="button" onClick={revert}>Revert</button>
            <button type="submit" className="primary">Save configuration</button>
          </div>
        )}
      </form>
    </section>
  );
}

/** An async process-frame job whose callback failed every attempt (GET /jobs/dead-letters). */
export interface DeadLetter {
  job_id: string;
  callback_url: string;
  attempts: number;
  last_error: string;
  failed_at: string;
}

/** Admins: the callbacks the server gave up on (kept in memory, newest first), so an integrator's
 * broken endpoint is seen here and not only in the log. */
function FailedCallbacks() {
  const { data, error, reload } = useAsync((s) => api.get<{ dead_letters: DeadLetter[] }>('/jobs/dead-letters', undefined, s).then((r) => r.data.dead_letters ?? []), []);
  useInterval(reload, 30000);
  return (
    <section className="panel" aria-labelledby="dl-title">
      <h2 id="dl-title">Failed job callbacks</h2>
      <ErrorBanner error={error} />
      {data && data.length === 0 && <p className="muted">None: every async job's callback was delivered (or had none).</p>}
      {data && data.length > 0 && (
        <div className="table-wrap">
          <table aria-labelledby="dl-title">
            <thead>
              <tr><th>Failed at</th><th>Job</th><th>Callback URL</th><th>Attempts</th><th>Last error</th></tr>
            </thead>
            <tbody>
              {data.map((d) => (
                <tr key={`${d.job_id}-${d.failed_at}`}>
                  <td>{fmtTime(d.failed_at)}</td>
                  <td><code>{d.job_id}</code></td>
                  <td className="wrap">{d.callback_url}</td>
                  <td>{d.attempts}</td>
                  <td>{d.last_error}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted">Async jobs are submitted to POST /api/v1/detections/process-frame with a callback_url; the list is kept in memory until the server restarts.</p>
    </section>
  );
}

export function SystemPage() {
  const { user } = useAuth();
  const isAdmin = hasRole(user, 'admin');
  return (
    <section aria-labelledby="sys-title">
      <div className="page-head">
        <h1 id="sys-title">System</h1>
        {isAdmin && (
          <>
            <Link to="/system/users">Users</Link>
            <Link to="/system/audit">Audit log</Link>
          </>
        )}
      </div>
      <HealthPanel />
      <CameraStats />
      <div className="cols">
        <Models isAdmin={isAdmin} />
        <ConfigEditor isAdmin={isAdmin} />
      </div>
      {isAdmin && <FailedCallbacks />}
    </section>
  );
}

const ROLES: Role[] = ['viewer', 'supervisor', 'admin'];

function UserForm({ user, onSaved, onCancel }: { user?: User; onSaved(): void; onCancel(): void }) {
  const [username, setUsername] = useState(user?.username ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(user?.role ?? 'viewer');
  const [cams, setCams] = useState((user?.camera_ids ?? []).join(', '));
  const [err, setErr] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    const camera_ids = cams.split(/[,\s]+/).filter(Boolean).map(Number).filter((n) => isFinite(n));
    try {
      if (user) {
        const body: Record<string, unknown> = { role, camera_ids };
        if (password) body.password = password;
        await api.put(`/users/${user.id}`, body);
      } else {
        await api.post('/users', { username, password, role, camera_ids });
      }
      onSaved();
    } catch (e2) {
      setErr(e2);
    }
  }
  const fe = (...n: string[]) => fieldError(err, ...n);
  return (
    <form onSubmit={submit} className="form" noValidate aria-label={user ? 'Edit user' : 'Create user'}>
      <ErrorBanner error={err instanceof ApiError && Object.keys(err.details).length ? null : err} />
      <Field label="Username" name="username" error={fe('username')}>
        {(p) => <input {...p} value={username} disabled={!!user} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label={user ? 'New password (optional)' : 'Password'} name="password" error={fe('password')}>
        {(p) => <input {...p} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />}
      </Field>
      <Field label="Role" name="role" error={fe('role')}>
        {(p) => (
          <select {...p} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => <option key={r}>{r}</option>)}
          </select>
        )}
      </Field>
      <Field label="Camera ids (empty = all)" name="camera_ids" error={fe('camera_ids')}>
        {(p) => <input {...p} value={cams} onChange={(e) => setCams(e.target.value)} placeholder="1, 2, 5" />}
      </Field>
      <div className="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="submit" className="primary">{user ? 'Save user' : 'Create user'}</button>
      </div>
    </form>
  );
}

export function UsersPage() {
  const { user: me } = useAuth();
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const q = useDebounced(search);
  const { data, error, reload } = useAsync((s) => api.get<{ users: User[] }>('/users', { page, per_page: 25, search: q }, s), [page, q]);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [err, setErr] = useState<unknown>(null);
  const users: User[] = (data?.data as any)?.users ?? (Array.isArray(data?.data) ? (data?.data as any) : []);
  return (
    <section aria-labelledby="users-title">
      <div className="page-head">
        <h1 id="users-title">Users</h1>
        <button type="button" className="primary" onClick={() => setEditing('new')}>Create user</button>
        <Link to="/system">← System</Link>
      </div>
      <ErrorBanner error={error ?? err} />
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="user-search">Search users</label>
          <input id="user-search" type="search" value={search} onChange={(e) => { setSearch(e.target.value); setPage(1); }} />
        </div>
      </div>
      <div className="table-wrap">
        <table>
          <thead><tr><th>Username</th><th>Role</th><th>Cameras</th><th>Created</th><th>Last login</th><th><span className="sr-only">Actions</span></th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.username}</td>
                <td>{u.role}</td>
                <td>{u.camera_ids?.length ? u.camera_ids.join(', ') : 'all'}</td>
                <td>{fmtTime(u.createdAt)}</td>
                <td>{fmtTime(u.lastLogin)}</td>
                <td className="row-actions">
                  <button type="button" onClick={() => setEditing(u)} aria-label={`Edit ${u.username}`}>Edit</button>
                  <button type="button" className="danger" disabled={u.id === me?.id} onClick={() => setDeleting(u)} aria-label={`Delete ${u.username}`}>Delete</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pagination={data?.pagination} onPage={setPage} />
      {editing && (
        <Modal title={editing === 'new' ? 'Create user' : `Edit ${editing.username}`} onClose={() => setEditing(null)}>
          <UserForm user={editing === 'new' ? undefined : editing} onCancel={() => setEditing(null)} onSaved={() => { setEditing(null); reload(); }} />
        </Modal>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete user"
          body={<>Delete user <strong>{deleting.username}</strong>?</>}
          onCancel={() => setDeleting(null)}
          onConfirm={async () => {
            try {
              await api.del(`/users/${deleting.id}`);
            } catch (e) {
              setErr(e);
            }
            setDeleting(null);
            reload();
          }}
        />
      )}
    </section>
  );
}

export function AuditPage() {
  const [page, setPage] = useState(1);
  const [userF, setUserF] = useState('');
  const [action, setAction] = useState('');
  const [resource, setResource] = useState('');
  const u = useDebounced(userF);
  const a = useDebounced(action);
  const r = useDebounced(resource);
  const { data, error } = useAsync((s) => api.get<{ entries: AuditEntry[] }>('/audit', { page, per_page: 50, user: u, action: a, resource: r }, s), [page, u, a, r]);
  return (
    <section aria-labelledby="audit-title">
      <div className="page-head">
        <h1 id="audit-title">Audit log</h1>
        <Link to="/system">← System</Link>
      </div>
      <div className="filters" role="search">
        <div className="field"><label htmlFor="au-user">User</label><input id="au-user" value={userF} onChange={(e) => { setUserF(e.target.value); setPage(1); }} /></div>
        <div className="field"><label htmlFor="au-action">Action</label><input id="au-action" value={action} onChange={(e) => { setAction(e.target.value); setPage(1); }} /></div>
        <div className="field"><label htmlFor="au-resource">Resource</label><input id="au-resource" value={resource} onChange={(e) => { setResource(e.target.value); setPage(1); }} /></div>
      </div>
      <ErrorBanner error={error} />
      <div className="table-wrap">
        <table>
          <thead><tr><th>Time</th><th>User</th><th>Action</th><th>Resource</th><th>Client</th><th>Result</th><th>Details</th></tr></thead>
          <tbody>
            {(data?.data.entries ?? []).map((e) => (
              <tr key={e.id}>
                <td>{fmtTime(e.time)}</td>
                <td>{e.user}</td>
                <td>{e.action}</td>
                <td>{e.resource}{e.resource_id !== undefined && e.resource_id !== null ? ` #${e.resource_id}` : ''}</td>
                <td>{e.client ?? ''}</td>
                <td>{e.result ?? ''}</td>
                <td><code className="ellipsis">{e.details === undefined || e.details === null ? '' : typeof e.details === 'string' ? e.details : JSON.stringify(e.details)}</code></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pagination={data?.pagination} onPage={setPage} />
    </section>
  );
}
