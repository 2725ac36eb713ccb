import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DashboardPage, hourRows, type SightingStatistics } from './DashboardPage';
import { mockFetch, ok, renderAt, signIn } from '../test/util';

afterEach(() => vi.unstubAllGlobals());

const stats = (period: SightingStatistics['period'], total: number): SightingStatistics => ({
  period,
  total,
  identified: total - 2,
  unknown: 2,
  unique_persons: 3,
  per_camera: [
    { camera_id: 1, camera_name: 'Door', count: 2 },
    { camera_id: 2, camera_name: 'Lobby', count: total - 2 },
  ],
  per_hour: [
    { start: '2026-01-02T08:00:00Z', count: total - 1, identified: total - 2, unknown: 1 },
    { start: '2026-01-02T09:00:00Z', count: 1, identified: 0, unknown: 1 },
  ],
});

describe('hourRows', () => {
  it('labels hours in local time, with the day for a week', () => {
    const s = stats('24h', 7);
    const h = String(new Date('2026-01-02T08:00:00Z').getHours()).padStart(2, '0');
    expect(hourRows(s)[0]).toEqual({ hour: `${h}:00`, identified: 5, unknown: 1 });
    expect(hourRows({ ...s, period: '7d' })[0].hour).toMatch(/^1\/2 \d\d:00$/);
  });
});

describe('DashboardPage sighting statistics', () => {
  it('shows the counts for the chosen period, busiest camera first, linked to its events', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [] }, { pagination: { page: 1, per_page: 12, total: 0, pages: 0 } });
      if (url.startsWith('/api/v1/detections/statistics')) {
        const period = new URL(url, 'http://x').searchParams.get('period') as SightingStatistics['period'];
        return ok(stats(period, period === '1h' ? 4 : 12));
      }
      return undefined;
    });
    renderAt(<DashboardPage />);
    const box = await screen.findByTestId('sighting-stats');
    expect(within(box).getByText('Sightings').nextSibling).toHaveTextContent('12');
    expect(within(box).getByText('Identified').nextSibling).toHaveTextContent('10');
    expect(within(box).getByText('Unknown').nextSibling).toHaveTextContent('2');
    expect(within(box).getByText('People').nextSibling).toHaveTextContent('3');
    const rows = within(screen.getByRole('table', { name: 'Sightings per camera' })).getAllByRole('row');
    expect(rows[1]).toHaveTextContent('Lobby10');
    expect(within(rows[1]).getByRole('link', { name: 'Lobby' })).toHaveAttribute('href', '/events?camera_id=2');
    expect(f.mock.calls.some((c) => String(c[0]).includes('period=24h'))).toBe(true);

    await userEvent.setup().selectOptions(screen.getByLabelText('Period'), '1h');
    await vi.waitFor(() => expect(within(screen.getByTestId('sighting-stats')).getByText('Sightings').nextSibling).toHaveTextContent('4'));
    expect(f.mock.calls.some((c) => String(c[0]).includes('period=1h'))).toBe(true);
  });

  it('says so when nothing was seen', async () => {
    signIn('viewer');
    mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [] }, { pagination: { page: 1, per_page: 12, total: 0, pages: 0 } });
      if (url.startsWith('/api/v1/detections/statistics'))
        return ok({ ...stats('24h', 0), identified: 0, unknown: 0, unique_persons: 0, per_camera: [], per_hour: [] });
      return undefined;
    });
    renderAt(<DashboardPage />);
    expect(await screen.findByText('No sightings in this period.')).toBeInTheDocument();
  });
});
