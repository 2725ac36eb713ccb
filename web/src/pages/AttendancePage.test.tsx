import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import AttendancePage, { arrivalsPerHour } from './AttendancePage';
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
  it('shows the day table and exports CSV with the token', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.includes('format=csv')) return new Response('date,person_id,name\n', { status: 200, headers: { 'Content-Type': 'text/csv' } });
      if (url.startsWith('/api/v1/attendance')) return ok({ attendance: [{ date: '2026-01-02', person_id: 1, name: 'Ada', first_seen: '2026-01-02T08:00:00Z', last_seen: '2026-01-02T17:00:00Z', cameras: [1, 2] }] });
      return undefined;
    });
    renderAt(<AttendancePage />);
    expect(await screen.findByText('Ada')).toBeInTheDocument();
    expect(screen.getByText('1, 2')).toBeInTheDocument();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    await userEvent.setup().click(screen.getByRole('button', { name: 'Export CSV' }));
    await vi.waitFor(() => expect(click).toHaveBeenCalled());
    const csvCall = f.mock.calls.find((c) => String(c[0]).includes('format=csv'))!;
    expect(String(csvCall[0])).toMatch(/\/api\/v1\/attendance\?date=\d{4}-\d{2}-\d{2}&format=csv/);
    expect((csvCall[1]!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });
});
