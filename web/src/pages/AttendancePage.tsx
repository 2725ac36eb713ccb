import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api/client';
import type { AttendanceRow } from '../api/types';
import { ErrorBanner } from '../components/ui';
import { fmtTime, toDate, useAsync } from '../hooks';

export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Arrivals (first_seen) per local hour, 0..23. */
export function arrivalsPerHour(rows: AttendanceRow[]): { hour: string; arrivals: number }[] {
  const counts = new Array(24).fill(0);
  for (const r of rows) {
    const t = toDate(r.first_seen);
    if (t) counts[t.getHours()]++;
  }
  return counts.map((n, h) => ({ hour: `${String(h).padStart(2, '0')}:00`, arrivals: n }));
}

export default function AttendancePage() {
  const [date, setDate] = useState(today);
  const [err, setErr] = useState<unknown>(null);
  const { data, error } = useAsync((s) => api.get<{ attendance: AttendanceRow[] }>('/attendance', { date }, s).then((r) => r.data.attendance ?? []), [date]);
  const rows = data ?? [];
  const chart = useMemo(() => arrivalsPerHour(rows), [rows]);

  async function exportCsv() {
    setErr(null);
    try {
      const blob = await api.blob('/attendance', { date, format: 'csv' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `attendance-${date}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) {
      setErr(e);
    }
  }

  return (
    <section aria-labelledby="att-title">
      <div className="page-head">
        <h1 id="att-title">Attendance</h1>
        <div className="field inline">
          <label htmlFor="att-date">Day</label>
          <input id="att-date" type="date" value={date} onChange={(e) => setDate(e.target.value || today())} />
        </div>
        <button type="button" onClick={exportCsv}>Export CSV</button>
      </div>
      <ErrorBanner error={error ?? err} />
      <div className="panel chart" aria-label="Arrivals per hour chart" role="figure">
        <h2>Arrivals per hour</h2>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={chart} margin={{ top: 8, right: 8, bottom: 0, left: -20 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis dataKey="hour" tick={{ fill: 'var(--muted)', fontSize: 11 }} interval={2} />
            <YAxis allowDecimals={false} tick={{ fill: 'var(--muted)', fontSize: 11 }} />
            <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--fg)' }} />
            <Bar dataKey="arrivals" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="table-wrap">
        <table>
          <caption className="sr-only">Attendance for {date}</caption>
          <thead>
            <tr><th>Name</th><th>First seen</th><th>Last seen</th><th>Cameras</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.person_id}-${r.date}`}>
                <td>{r.name}</td>
                <td>{fmtTime(r.first_seen)}</td>
                <td>{fmtTime(r.last_seen)}</td>
                <td>{r.cameras?.join(', ')}</td>
              </tr>
            ))}
            {data && rows.length === 0 && <tr><td colSpan={4} className="empty">Nobody was seen on {date}.</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
