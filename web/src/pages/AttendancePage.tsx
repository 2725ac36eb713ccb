import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api/client';
import type { AttendanceResponse, AttendanceRow } from '../api/types';
import { cameraLabel, namesById, useAllCameras, useAllPersons } from '../components/lists';
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

/** CSV file name as the server names it: attendance-FROM[_TO].csv */
export function csvName(from: string, to: string): string {
  return `attendance-${from}${to && to !== from ? `_${to}` : ''}.csv`;
}

/** One end of the date range; an emptied field goes back to today. */
function DateField({ id, label, value, min, max, invalid, onChange }: {
  id: string;
  label: string;
  value: string;
  min?: string;
  max?: string;
  invalid: boolean;
  onChange(v: string): void;
}) {
  return (
    <div className={`field${invalid ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="date"
        value={value}
        min={min}
        max={max}
        aria-invalid={invalid || undefined}
        aria-describedby={invalid ? 'att-range-err' : undefined}
        onChange={(e) => onChange(e.target.value || today())}
      />
    </div>
  );
}

export default function AttendancePage() {
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [personId, setPersonId] = useState('');
  const [err, setErr] = useState<unknown>(null);
  const invalid = from > to;  // YYYY-MM-DD compares as text
  const filters = { from, to, person_id: personId };
  const { data, error } = useAsync(
    (s) =>
      invalid
        ? Promise.resolve(undefined)
        : api.get<AttendanceResponse>('/attendance', filters, s).then((r) => r.data.attendance ?? []),
    [from, to, personId, invalid],
  );
  const cams = useAllCameras();
  const persons = useAllPersons();
  const camNames = useMemo(() => namesById(cams.data), [cams.data]);
  const rows = useMemo(() => (invalid ? [] : data ?? []), [data, invalid]);
  const chart = useMemo(() => arrivalsPerHour(rows), [rows]);
  const span = from === to ? `on ${from}` : `from ${from} to ${to}`;

  async function exportCsv() {
    setErr(null);
    try {
      const blob = await api.blob('/attendance', { ...filters, format: 'csv' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = csvName(from, to);
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
        <button type="button" onClick={exportCsv} disabled={invalid}>Export CSV</button>
      </div>
      <div className="filters" role="search">
        <DateField id="att-from" label="From" value={from} max={to} invalid={invalid} onChange={setFrom} />
        <DateField id="att-to" label="To" value={to} min={from} invalid={invalid} onChange={setTo} />
        <div className="field">
          <label htmlFor="att-person">Person</label>
          <select id="att-person" value={personId} onChange={(e) => setPersonId(e.target.value)}>
            <option value="">Everyone</option>
            {persons.data?.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </div>
      </div>
      {invalid && <p className="field-error" id="att-range-err" role="alert">The start date must be on or before the end date.</p>}
      <ErrorBanner error={error ?? err} />
      <div className="panel chart" aria-label="Arrivals per hour chart" role="figure">
        <h2>Arrivals per hour{from !== to && ' (all days)'}</h2>
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
          <caption className="sr-only">Attendance {span}</caption>
          <thead>
            <tr><th>Date</th><th>Name</th><th>First seen</th><th>Last seen</th><th>Cameras</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.person_id}-${r.date}`}>
                <td>{r.date}</td>
                <td>{r.name}</td>
                <td>{fmtTime(r.first_seen)}</td>
                <td>{fmtTime(r.last_seen)}</td>
                <td>{r.cameras?.map((id) => cameraLabel(camNames, id)).join(', ')}</td>
              </tr>
            ))}
            {!invalid && data && rows.length === 0 && <tr><td colSpan={5} className="empty">Nobody was seen {span}.</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
