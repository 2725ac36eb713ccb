import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import AttendancePage, { arrivalsPerHour, today } from './AttendancePage';
import { toDate } from '../hooks';
import { mockFetch, ok, renderAt, signIn } from '../test/util';

beforeAll(() => {
  URL.createObjectURL = () => 'blob:csv';
  URL.revokeObjectURL = () => {};
});
afterEach(() => vi.unstubAllGlobals());

describe('toDate', () => {
  it('reads ISO strings, epoch seconds and epoch milliseconds', () => {
    expect(toDate('2026-01-02T03:04:05Z')!.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(toDate(1767323045)!.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(toDate(1767323045000)!.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(toDate('1767323045')!.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(toDate('')).toBeNull();
    expect(toDate('garbage')).toBeNull();
  });
});

describe('arrivalsPerHour', () => {
  it('counts first arrivals per local hour', () => {
    const at = (h: number, m = 0) => new Date(2026, 0, 2, h, m).toISOString();
    const rows = [at(8, 5), at(8, 55), at(9), at(17)].map((t, i) => ({ date: '2026-01-02', person_id: i, name: `p${i}`, first_seen: t, last_seen: t, cameras: [1] }));
    const c = arrivalsPerHour(rows);
    expect(c).toHaveLength(24);
    expect(c[8]).toEqual({ hour: '08:00', arrivals: 2 });
    expect(c[9].arrivals).toBe(1);
    expect(c[17].arrivals).toBe(1);
    expect(c.reduce((n, x) => n + x.arrivals, 0)).toBe(4);
  });
});

describe('AttendancePage', () => {
  const row = { date: '2026-01-02', person_id: 1, name: 'Ada', first_seen: '2026-01-02T08:00:00Z', last_seen: '2026-01-02T17:00:00Z', cameras: [1, 3] };
  const calls = (f: ReturnType<typeof mockFetch>, prefix: string) => f.mock.calls.map((c) => String(c[0])).filter((u) => u.startsWith(prefix));

  it('asks for today..today, names the cameras and exports CSV with the token', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.includes('format=csv')) return new Response('date,person_id,name\n', { status: 200, headers: { 'Content-Type': 'text/csv' } });
      if (url.startsWith('/api/v1/attendance')) return ok({ attendance: [row] });
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [{ id: 1, name: 'Gate', status: 'live', type: 'rtsp', source: 's' }] });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [{ id: 1, name: 'Ada' }] });
      return undefined;
    });
    renderAt(<AttendancePage />);
    expect(await screen.findByRole('cell', { name: 'Ada' })).toBeInTheDocument();
    const day = today();
    expect(screen.getByLabelText('From')).toHaveValue(day);
    expect(screen.getByLabelText('To')).toHaveValue(day);
    expect(calls(f, '/api/v1/attendance')[0]).toBe(`/api/v1/attendance?from=${day}&to=${day}`);
    // camera 3 is not in GET /cameras: shown as #3
    expect(await screen.findByText('Gate, #3')).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: '2026-01-02' })).toBeInTheDocument();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await userEvent.setup().click(screen.getByRole('button', { name: 'Export CSV' }));
    await vi.waitFor(() => expect(click).toHaveBeenCalled());
    const csvCall = f.mock.calls.find((c) => String(c[0]).includes('format=csv'))!;
    expect(String(csvCall[0])).toBe(`/api/v1/attendance?from=${day}&to=${day}&format=csv`);
    expect((csvCall[1]!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect((click.mock.contexts.at(-1) as HTMLAnchorElement).download).toBe(`attendance-${day}.csv`);
    click.mockRestore();
  });

  it('sends a date range and a person, and the CSV export uses the same filters', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.includes('format=csv')) return new Response('x', { status: 200, headers: { 'Content-Type': 'text/csv' } });
      if (url.startsWith('/api/v1/attendance')) return ok({ attendance: url.includes('person_id=7') ? [] : [row] });
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [] });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [{ id: 1, name: 'Ada' }, { id: 7, name: 'Grace' }] });
      return undefined;
    });
    renderAt(<AttendancePage />);
    await screen.findByRole('cell', { name: 'Ada' });
    fireEvent.change(screen.getByLabelText('From'), { target: { value: '2026-01-01' } });
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2026-01-31' } });
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Person'), await screen.findByRole('option', { name: 'Grace' }));
    await vi.waitFor(() => expect(calls(f, '/api/v1/attendance').at(-1)).toBe('/api/v1/attendance?from=2026-01-01&to=2026-01-31&person_id=7'));
    expect(await screen.findByText('Nobody was seen from 2026-01-01 to 2026-01-31.')).toBeInTheDocument();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await user.click(screen.getByRole('button', { name: 'Export CSV' }));
    await vi.waitFor(() => expect(click).toHaveBeenCalled());
    expect(calls(f, '/api/v1/attendance').find((u) => u.includes('format=csv'))).toBe('/api/v1/attendance?from=2026-01-01&to=2026-01-31&person_id=7&format=csv');
    expect((click.mock.contexts.at(-1) as HTMLAnchorElement).download).toBe('attendance-2026-01-01_2026-01-31.csv');
    click.mockRestore();
  });

  it('refuses a start after the end without asking the server', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/attendance')) return ok({ attendance: [row] });
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [] });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [] });
      return undefined;
    });
    renderAt(<AttendancePage />);
    await screen.findByRole('cell', { name: 'Ada' });
    const before = calls(f, '/api/v1/attendance').length;
    fireEvent.change(screen.getByLabelText('To'), { target: { value: '2000-01-01' } });
    expect(await screen.findByRole('alert')).toHaveTextContent('The start date must be on or before the end date.');
    expect(screen.getByLabelText('From')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('button', { name: 'Export CSV' })).toBeDisabled();
    expect(screen.queryByRole('cell', { name: 'Ada' })).toBeNull();
    expect(calls(f, '/api/v1/attendance')).toHaveLength(before);
  });

  it('loads every page of cameras and persons (per_page=100)', async () => {
    signIn('viewer');
    const page = (url: string) => Number(new URL(url, 'http://x').searchParams.get('page'));
    const pg = (p: number) => ({ pagination: { page: p, pages: 2, per_page: 100, total: 101, has_next: p < 2, has_prev: p > 1 } });
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/attendance')) return ok({ attendance: [{ ...row, cameras: [150] }] });
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: page(url) === 1 ? [{ id: 1, name: 'Gate' }] : [{ id: 150, name: 'Dock 150' }] }, pg(page(url)));
      if (url.startsWith('/api/v1/persons')) return ok({ persons: page(url) === 1 ? [{ id: 1, name: 'Ada' }] : [{ id: 120, name: 'Person 120' }] }, pg(page(url)));
      return undefined;
    });
    renderAt(<AttendancePage />);
    expect(await screen.findByText('Dock 150')).toBeInTheDocument();
    expect(await screen.findByRole('option', { name: 'Person 120' })).toBeInTheDocument();
    expect(calls(f, '/api/v1/cameras')).toEqual(['/api/v1/cameras?page=1&per_page=100', '/api/v1/cameras?page=2&per_page=100']);
    expect(calls(f, '/api/v1/persons')).toEqual(['/api/v1/persons?page=1&per_page=100', '/api/v1/persons?page=2&per_page=100']);
  });
});
