import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router-dom';
import { render } from '@testing-library/react';
import { confidenceParam, EventsPage, eventToSighting } from './EventsPage';
import { LiveSocketContext } from '../live/LiveContext';
import type { LiveSocket, WsMessage } from '../live/socket';
import { mockFetch, ok, signIn } from '../test/util';

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
