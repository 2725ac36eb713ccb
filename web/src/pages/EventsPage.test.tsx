import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { render } from '@testing-library/react';
import { confidenceParam, EventsPage, eventToSighting, fmtDuration } from './EventsPage';
import { LiveSocketContext } from '../live/LiveContext';
import type { LiveSocket, WsMessage } from '../live/socket';
import { fail, mockFetch, ok, signIn } from '../test/util';

beforeAll(() => {
  let n = 0;
  URL.createObjectURL = () => `blob:s${n++}`;
  URL.revokeObjectURL = () => {};
});
afterEach(() => vi.unstubAllGlobals());

describe('eventToSighting', () => {
  it('accepts person objects or flat fields', () => {
    const a = eventToSighting({ type: 'recognition_event', data: { camera_id: 2, track_id: 5, person: { id: 7, name: 'Ada', similarity: 0.8 }, timestamp: 1767323045000, confidence: 0.9 } }, { 2: 'Gate' })!;
    expect(a).toMatchObject({ camera_id: 2, camera_name: 'Gate', person_id: 7, person_name: 'Ada', similarity: 0.8, best_confidence: 0.9, track_id: 5 });
    const b = eventToSighting({ type: 'track_update', data: { camera_id: 3, track_id: 1, person_id: null } }, {})!;
    expect(b.person_id).toBeNull();
    expect(eventToSighting({ type: 'x', data: {} }, {})).toBeNull();
  });
});

describe('EventsPage', () => {
  it('sends the filters to GET /detections and prepends live sightings', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [{ id: 2, name: 'Gate', status: 'live', type: 'rtsp', source: 's' }] });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [{ id: 7, name: 'Ada' }] });
      if (url.startsWith('/api/v1/detections?'))
        return ok({ detections: [{ id: 11, camera_id: 2, camera_name: 'Gate', track_id: 1, person_id: null, person_name: null, first_seen: '2026-01-02T08:00:00Z', last_seen: '2026-01-02T08:00:05Z', best_confidence: 0.88, snapshot_url: '/api/v1/detections/11/snapshot' }] }, { pagination: { page: 1, pages: 1, per_page: 25, total: 1, has_next: false, has_prev: false } });
      if (url.endsWith('/snapshot')) return new Response(new Blob(['j'], { type: 'image/jpeg' }));
      return undefined;
    });
    const listeners = new Set<(m: WsMessage) => void>();
    const subs: unknown[] = [];
    const sock = {
      state: 'open',
      subscribe: (s: unknown) => (subs.push(s), () => {}),
      onMessage: (l: (m: WsMessage) => void) => (listeners.add(l), () => listeners.delete(l)),
      onFrame: () => () => {},
      onState: () => () => {},
    };
    render(
      <MemoryRouter>
        <LiveSocketContext.Provider value={sock as unknown as LiveSocket}>
          <EventsPage />
        </LiveSocketContext.Provider>
      </MemoryRouter>,
    );
    const history = await screen.findByRole('list', { name: 'Sightings' });
    expect(await within(history).findByText('Unknown')).toBeInTheDocument();
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Camera'), '2');
    await user.click(screen.getByLabelText('Unknown only'));
    const last = String(f.mock.calls.filter((c) => String(c[0]).startsWith('/api/v1/detections?')).at(-1)![0]);
    expect(last).toContain('camera_id=2');
    expect(last).toContain('unknown=true');
    expect(subs).toContainEqual({ camera_id: 2 });
    await user.click(screen.getByLabelText('Unknown only'));
    act(() => listeners.forEach((l) => l({ type: 'recognition_event', data: { camera_id: 2, track_id: 9, person: { id: 7, name: 'Ada', similarity: 0.9 }, timestamp: Date.now() } })));
    const live = await screen.findByRole('list', { name: 'Live sightings' });
    expect(within(live).getByText('Ada')).toBeInTheDocument();
    // a track_update for the same track refreshes the row instead of adding one
    act(() => listeners.forEach((l) => l({ type: 'track_update', data: { camera_id: 2, track_id: 9, timestamp: Date.now() } })));
    expect(within(live).getAllByTestId('sighting')).toHaveLength(1);
    expect(within(live).getByText('Ada')).toBeInTheDocument();
  });

  it('starts filtered by ?camera_id= (the dashboard links each camera count here)', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [{ id: 2, name: 'Gate', status: 'live', type: 'rtsp', source: 's' }] });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [] });
      if (url.startsWith('/api/v1/detections?')) return ok({ detections: [] }, { pagination: { page: 1, pages: 0, per_page: 25, total: 0 } });
      return undefined;
    });
    render(
      <MemoryRouter initialEntries={['/events?camera_id=2']}>
        <EventsPage />
      </MemoryRouter>,
    );
    await vi.waitFor(() => expect(f.mock.calls.some((c) => String(c[0]).startsWith('/api/v1/detections?'))).toBe(true));
    const first = String(f.mock.calls.find((c) => String(c[0]).startsWith('/api/v1/detections?'))![0]);
    expect(first).toContain('camera_id=2');
    await screen.findByRole('option', { name: 'Gate' });  // the select shows it once the cameras loaded
    expect(screen.getByLabelText('Camera')).toHaveValue('2');
  });
});

describe('EventsPage minimum confidence', () => {
  it('sends min_confidence to GET /detections and ignores blank or zero', async () => {
    signIn('viewer');
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [] });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [] });
      if (url.startsWith('/api/v1/detections?')) return ok({ detections: [] }, { pagination: { page: 1, pages: 0, per_page: 25, total: 0 } });
      return undefined;
    });
    render(
      <MemoryRouter>
        <EventsPage />
      </MemoryRouter>,
    );
    const detections = () => f.mock.calls.map((c) => String(c[0])).filter((u) => u.startsWith('/api/v1/detections?'));
    await vi.waitFor(() => expect(detections().length).toBeGreaterThan(0));
    expect(detections()[0]).not.toContain('min_confidence');
    await userEvent.setup().type(screen.getByLabelText('Min confidence'), '0.75');
    await vi.waitFor(() => expect(detections().at(-1)).toContain('min_confidence=0.75'));
    expect(detections().filter((u) => u.includes('min_confidence=0.7&') || u.endsWith('min_confidence=0.7'))).toHaveLength(0);  // debounced: one request
    expect(confidenceParam('')).toBeUndefined();
    expect(confidenceParam('0')).toBeUndefined();
    expect(confidenceParam('abc')).toBeUndefined();
    expect(confidenceParam('1.5')).toBe(1);
  });
});

describe('fmtDuration', () => {
  it('formats last_seen - first_seen', () => {
    expect(fmtDuration('2026-01-02T08:00:00.000Z', '2026-01-02T08:00:00.850Z')).toBe('850 ms');
    expect(fmtDuration('2026-01-02T08:00:00Z', '2026-01-02T08:00:04.2Z')).toBe('4.2 s');
    expect(fmtDuration('2026-01-02T08:00:00Z', '2026-01-02T08:03:05Z')).toBe('3 min 05 s');
    expect(fmtDuration('2026-01-02T08:00:00Z', '2026-01-02T09:02:00Z')).toBe('1 h 02 min');
    expect(fmtDuration(undefined, '2026-01-02T09:02:00Z')).toBe('–');
  });
});

describe('EventsPage sighting details', () => {
  const sighting = {
    id: 11, camera_id: 2, camera_name: 'Gate', track_id: 42, person_id: 7, person_name: 'Ada', first_seen: '2026-01-02T08:00:00.000Z',
    last_seen: '2026-01-02T08:00:12.500Z', best_confidence: 0.934, similarity: 0.712, frame_count: 61, snapshot_url: '/api/v1/detections/11/snapshot',
  };
  function detailFetch(detail: () => unknown) {
    return mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: [{ id: 2, name: 'Gate', status: 'live', type: 'rtsp', source: 's' }] });
      if (url.startsWith('/api/v1/persons')) return ok({ persons: [{ id: 7, name: 'Ada' }] });
      if (url.startsWith('/api/v1/detections?')) return ok({ detections: [sighting] }, { pagination: { page: 1, pages: 1, per_page: 25, total: 1, has_next: false, has_prev: false } });
      if (url.endsWith('/snapshot')) return new Response(new Blob(['j'], { type: 'image/jpeg' }));
      if (url === '/api/v1/detections/11') return detail();
      return undefined;
    });
  }

  it('opens GET /detections/{id} from the row with the keyboard and shows every field', async () => {
    signIn('viewer');
    const f = detailFetch(() => ok({ detection: sighting }));
    render(<MemoryRouter><EventsPage /></MemoryRouter>);
    const open = await screen.findByRole('button', { name: /^Details: Ada, Gate/ });
    open.focus();
    await userEvent.setup().keyboard('{Enter}');
    const dialog = await screen.findByRole('dialog', { name: 'Sighting #11' });
    expect(f.mock.calls.some((c) => String(c[0]) === '/api/v1/detections/11')).toBe(true);
    const details = within(dialog).getByLabelText('Sighting details');
    const value = (term: string) => within(details).getByText(term).nextElementSibling!.textContent;
    expect(value('Person')).toBe('Ada (#7)');
    expect(value('Camera')).toBe('Gate');
    expect(value('Duration')).toBe('12.5 s');
    expect(value('Frames')).toBe('61');
    expect(value('Best confidence')).toBe('93.4%');
    expect(value('Similarity')).toBe('71.2%');
    expect(value('Track')).toBe('#42');
    expect(value('First seen')).toBe(new Date('2026-01-02T08:00:00.000Z').toLocaleString());
    await vi.waitFor(() => expect(within(dialog).getByRole('img', { name: 'Snapshot: Ada' }).tagName).toBe('IMG'));
    const snapCall = f.mock.calls.filter((c) => String(c[0]) === '/api/v1/detections/11/snapshot').at(-1)!;
    expect((snapCall[1]!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    await userEvent.setup().click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('opens on a row click and shows the error when the sighting cannot be loaded', async () => {
    signIn('viewer');
    detailFetch(() => fail(404, 'NOT_FOUND', 'Detection not found'));
    render(<MemoryRouter><EventsPage /></MemoryRouter>);
    const history = await screen.findByRole('list', { name: 'Sightings' });
    await userEvent.setup().click(await within(history).findByText('Gate · track #42'));
    const dialog = await screen.findByRole('dialog', { name: 'Sighting #11' });
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Detection not found (NOT_FOUND)');
    expect(within(dialog).queryByLabelText('Sighting details')).toBeNull();
  });

  it('shows an unknown face as Unknown, with the camera #id when the name is missing', async () => {
    signIn('viewer');
    detailFetch(() => ok({ detection: { ...sighting, camera_id: 9, camera_name: '', person_id: null, person_name: null, snapshot_url: null } }));
    render(<MemoryRouter><EventsPage /></MemoryRouter>);
    await userEvent.setup().click(await screen.findByRole('button', { name: /^Details: Ada/ }));
    const details = await within(await screen.findByRole('dialog')).findByLabelText('Sighting details');
    expect(within(details).getByText('Person').nextElementSibling!.textContent).toBe('Unknown');
    expect(within(details).getByText('Camera').nextElementSibling!.textContent).toBe('#9');
    expect(within(screen.getByRole('dialog')).getByRole('img', { name: 'Snapshot: unknown person' })).toHaveTextContent('no snapshot');
  });
});

describe('EventsPage filter lists', () => {
  it('pages through every camera and person for the dropdowns', async () => {
    signIn('viewer');
    const page = (url: string) => Number(new URL(url, 'http://x').searchParams.get('page'));
    const pg = (p: number) => ({ pagination: { page: p, pages: 2, per_page: 100, total: 101, has_next: p < 2, has_prev: p > 1 } });
    const f = mockFetch((_m, url) => {
      if (url.startsWith('/api/v1/cameras')) return ok({ cameras: page(url) === 1 ? [{ id: 2, name: 'Gate' }] : [{ id: 150, name: 'Dock 150' }] }, pg(page(url)));
      if (url.startsWith('/api/v1/persons')) return ok({ persons: page(url) === 1 ? [{ id: 7, name: 'Ada' }] : [{ id: 120, name: 'Person 120' }] }, pg(page(url)));
      if (url.startsWith('/api/v1/detections?')) return ok({ detections: [] }, { pagination: { page: 1, pages: 0, per_page: 25, total: 0 } });
      return undefined;
    });
    render(<MemoryRouter><EventsPage /></MemoryRouter>);
    const urls = (p: string) => f.mock.calls.map((c) => String(c[0])).filter((u) => u.startsWith(p));
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Camera'), await screen.findByRole('option', { name: 'Dock 150' }));
    await user.selectOptions(screen.getByLabelText('Person'), await screen.findByRole('option', { name: 'Person 120' }));
    await vi.waitFor(() => expect(urls('/api/v1/detections?').at(-1)).toContain('camera_id=150&person_id=120'));
    expect(urls('/api/v1/cameras')).toEqual(['/api/v1/cameras?page=1&per_page=100', '/api/v1/cameras?page=2&per_page=100']);
    expect(urls('/api/v1/persons')).toEqual(['/api/v1/persons?page=1&per_page=100', '/api/v1/persons?page=2&per_page=100']);
  });
});
