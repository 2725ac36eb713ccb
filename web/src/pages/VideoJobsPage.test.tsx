import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VideoJob } from '../api/types';
import { AuthProvider } from '../auth/AuthContext';
import { fail, mockFetch, ok, renderAt, signIn } from '../test/util';
import { fmtVideoTime, VideoJobForm, VideoJobResult, VideoJobsPage } from './VideoJobsPage';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function job(over: Partial<VideoJob> = {}): VideoJob {
  return {
    job_id: 'vj_1',
    type: 'video',
    status: 'running',
    cancel_requested: false,
    source: { kind: 'upload', name: 'door.mp4' },
    sample_fps: 5,
    created_at: '2025-11-06T12:00:00.000Z',
    started_at: '2025-11-06T12:00:01.000Z',
    finished_at: null,
    video: { width: 640, height: 480, codec: 'h264', format: 'mov,mp4', fps: 25, duration_ms: 10000 },
    progress: { percent: 40, video_ms: 4000, duration_ms: 10000, frames_decoded: 101, frames_total: 250, frames_analyzed: 20, faces: 3, tracks: 1, elapsed_ms: 900, speed: 4.4 },
    ...over,
  };
}

const done = job({
  status: 'completed',
  finished_at: '2025-11-06T12:00:03.000Z',
  progress: { percent: 100, video_ms: 9960, duration_ms: 10000, frames_decoded: 250, frames_total: 250, frames_analyzed: 50, faces: 60, tracks: 2, elapsed_ms: 2100, speed: 4.7 },
  result: {
    summary: { frames_decoded: 250, frames_analyzed: 50, faces: 60, tracks: 2, persons: 1, unknown_tracks: 1, video_ms: 9960, elapsed_ms: 2100, cancelled: false, analyzer: true },
    tracks: [
      { track_id: 1, known: true, person_id: 7, person_name: 'Ada Lovelace', similarity: 0.71, first_ms: 1200, last_ms: 6400, best_confidence: 0.93, frames: 26 },
      { track_id: 2, known: false, person_id: null, person_name: 'unknown', similarity: 0, first_ms: 65400, last_ms: 70000, best_confidence: 0.81, frames: 12 },
    ],
  },
});

describe('fmtVideoTime', () => {
  it('formats video time', () => {
    expect(fmtVideoTime(0)).toBe('0:00.0');
    expect(fmtVideoTime(65432)).toBe('1:05.4');
    expect(fmtVideoTime(3723000)).toBe('1:02:03.0');
    expect(fmtVideoTime(undefined)).toBe('–');
  });
});

describe('VideoJobForm', () => {
  it('uploads a dropped file as multipart with the sample rate', async () => {
    const f = mockFetch(() => ok({ job_id: 'vj_9', status: 'queued', position: 1 }));
    const onSubmitted = vi.fn();
    renderAt(<VideoJobForm onSubmitted={onSubmitted} />);
    const clip = new File([new Uint8Array([0, 0, 0, 24])], 'lobby.mp4', { type: 'video/mp4' });
    fireEvent.drop(screen.getByTestId('video-dropzone'), { dataTransfer: { files: [clip] } });
    expect(screen.getByText('lobby.mp4')).toBeInTheDocument();
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Analysed frames per second'));
    await user.type(screen.getByLabelText('Analysed frames per second'), '2');
    await user.click(screen.getByRole('button', { name: 'Analyse' }));
    await vi.waitFor(() => expect(onSubmitted).toHaveBeenCalledWith({ job_id: 'vj_9', status: 'queued', position: 1 }));
    const [url, init] = f.mock.calls[0];
    expect(String(url)).toBe('/api/v1/jobs');
    expect(init!.method).toBe('POST');
    const form = init!.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    expect((form.get('file') as File).name).toBe('lobby.mp4');
    expect(form.get('sample_fps')).toBe('2');
  });

  it('submits a media-folder path as JSON and shows the API error', async () => {
    const f = mockFetch(() => fail(403, 'FORBIDDEN', 'The path must name a file inside the media folder (storage.media_dir)'));
    const onSubmitted = vi.fn();
    renderAt(<VideoJobForm onSubmitted={onSubmitted} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/file in the media folder/), '../etc/passwd');
    await user.click(screen.getByRole('button', { name: 'Analyse' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('inside the media folder');
    expect(JSON.parse(String(f.mock.calls[0][1]!.body))).toEqual({ path: '../etc/passwd', sample_fps: 5 });
    expect(onSubmitted).not.toHaveBeenCalled();
  });

  it('offers the file picker', async () => {
    mockFetch(() => undefined);
    renderAt(<VideoJobForm onSubmitted={() => {}} />);
    const input = screen.getByLabelText('Choose a video…') as HTMLInputElement;
    await userEvent.setup().upload(input, new File(['x'], 'yard.mkv', { type: 'video/x-matroska' }));
    expect(screen.getByText('yard.mkv')).toBeInTheDocument();
    expect(screen.getByLabelText(/file in the media folder/)).toBeDisabled();
  });
});

describe('VideoJobResult', () => {
  it('lists tracks with person names and video times', () => {
    renderAt(<VideoJobResult job={done} />);
    const rows = screen.getAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(within(rows[1]).getByText('Ada Lovelace')).toBeInTheDocument();
    expect(within(rows[1]).getByText('0:01.2')).toBeInTheDocument();
    expect(within(rows[1]).getByText('0:06.4')).toBeInTheDocument();
    expect(within(rows[1]).getByText('71%')).toBeInTheDocument();
    expect(within(rows[2]).getByText('unknown')).toBeInTheDocument();
    expect(within(rows[2]).getByText('1:05.4')).toBeInTheDocument();
    expect(screen.getByText(/2 tracks · 1 known person · 1 unknown/)).toBeInTheDocument();
  });
});

describe('VideoJobsPage', () => {
  it('polls a running job until it completes, then shows its results', async () => {
    signIn('supervisor');
    let polls = 0;
    const f = mockFetch((method, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'supervisor', role: 'supervisor', camera_ids: [] } });
      if (method === 'GET' && url.startsWith('/api/v1/jobs?'))
        return ok({ jobs: [job()] }, { pagination: { page: 1, pages: 1, per_page: 10, total: 1, has_next: false, has_prev: false } });
      if (method === 'GET' && url === '/api/v1/jobs/vj_1') return ok(++polls < 2 ? job({ progress: { ...job().progress, percent: 80, video_ms: 8000 } }) : done);
      return undefined;
    });
    renderAt(<AuthProvider><VideoJobsPage /></AuthProvider>);
    const bar = await screen.findByRole('progressbar', { name: 'Progress of door.mp4' });
    expect(bar).toHaveAttribute('value', '40');
    expect(screen.getByText(/40% · 0:04.0 \/ 0:10.0 · frame 101 of ~250/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel door.mp4' })).toBeInTheDocument();
    await vi.waitFor(() => expect(screen.getByRole('progressbar', { name: 'Progress of door.mp4' })).toHaveAttribute('value', '80'), { timeout: 3000 });
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Results of door.mp4' })).toBeInTheDocument(), { timeout: 3000 });
    expect(screen.queryByRole('button', { name: 'Cancel door.mp4' })).toBeNull();
    await userEvent.setup().click(screen.getByRole('button', { name: 'Results of door.mp4' }));
    expect(await screen.findByText('Ada Lovelace')).toBeInTheDocument();
    expect(f.mock.calls.filter((c) => String(c[0]) === '/api/v1/jobs/vj_1').length).toBeGreaterThanOrEqual(3);
  });

  it('cancels a running job', async () => {
    signIn('supervisor');
    const f = mockFetch((method, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'supervisor', role: 'supervisor', camera_ids: [] } });
      if (method === 'DELETE') return ok({ job_id: 'vj_1', result: 'cancelled' });
      if (method === 'GET' && url.startsWith('/api/v1/jobs?')) return ok({ jobs: [job()] });
      if (method === 'GET' && url === '/api/v1/jobs/vj_1') return ok(job());
      return undefined;
    });
    renderAt(<AuthProvider><VideoJobsPage /></AuthProvider>);
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Cancel door.mp4' }));
    expect(await screen.findByText('door.mp4: cancelled.')).toBeInTheDocument();
    expect(f.mock.calls.some((c) => c[1]?.method === 'DELETE' && String(c[0]) === '/api/v1/jobs/vj_1')).toBe(true);
  });

  it('is read-only for viewers', async () => {
    signIn('viewer');
    mockFetch((method, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'viewer', role: 'viewer', camera_ids: [] } });
      if (method === 'GET' && url.startsWith('/api/v1/jobs?')) return ok({ jobs: [done] });
      return undefined;
    });
    renderAt(<AuthProvider><VideoJobsPage /></AuthProvider>);
    expect(await screen.findByRole('button', { name: 'Results of door.mp4' })).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'New video analysis' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete door.mp4' })).toBeNull();
  });
});

describe('VideoJobsPage status filter', () => {
  it('sends status= to GET /jobs, back on page 1, and offers only the statuses the API accepts', async () => {
    signIn('viewer');
    const f = mockFetch((method, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'viewer', role: 'viewer', camera_ids: [] } });
      if (method === 'GET' && url.startsWith('/api/v1/jobs?')) {
        const q = new URL(url, 'http://x').searchParams;
        const page = Number(q.get('page'));
        const pagination = { page, pages: 2, per_page: 10, total: 11, has_next: page < 2, has_prev: page > 1 };
        if (q.get('status') === 'failed') return ok({ jobs: [] }, { pagination: { ...pagination, pages: 0, total: 0, has_next: false } });
        return ok({ jobs: [done] }, { pagination });
      }
      return undefined;
    });
    renderAt(<AuthProvider><VideoJobsPage /></AuthProvider>);
    const jobsCalls = () => f.mock.calls.map((c) => String(c[0])).filter((u) => u.startsWith('/api/v1/jobs?'));
    await screen.findByRole('button', { name: 'Results of door.mp4' });
    expect(jobsCalls()[0]).toBe('/api/v1/jobs?page=1&per_page=10');
    const select = screen.getByLabelText('Status');
    expect(within(select).getAllByRole('option').map((o) => (o as HTMLOptionElement).value)).toEqual(['', 'queued', 'running', 'completed', 'failed', 'cancelled']);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Next ›' }));
    await vi.waitFor(() => expect(jobsCalls().at(-1)).toBe('/api/v1/jobs?page=2&per_page=10'));
    await user.selectOptions(select, 'failed');
    await vi.waitFor(() => expect(jobsCalls().at(-1)).toBe('/api/v1/jobs?page=1&per_page=10&status=failed'));
    expect(await screen.findByText('No failed video jobs.')).toBeInTheDocument();
    expect(screen.queryByText('door.mp4')).toBeNull();
    await user.selectOptions(select, '');
    await vi.waitFor(() => expect(jobsCalls().at(-1)).toBe('/api/v1/jobs?page=1&per_page=10'));
    expect(await screen.findByRole('button', { name: 'Results of door.mp4' })).toBeInTheDocument();
  });

  it('drops a job from the filtered list when its status moves on', async () => {
    signIn('viewer');
    let finished = false;
    mockFetch((method, url) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'viewer', role: 'viewer', camera_ids: [] } });
      if (method === 'GET' && url.startsWith('/api/v1/jobs?')) {
        const q = new URL(url, 'http://x').searchParams;
        return ok({ jobs: q.get('status') === 'running' && !finished ? [job()] : q.get('status') === 'running' ? [] : [done] });
      }
      if (method === 'GET' && url === '/api/v1/jobs/vj_1') {
        finished = true;
        return ok(done);
      }
      return undefined;
    });
    renderAt(<AuthProvider><VideoJobsPage /></AuthProvider>);
    await screen.findByRole('button', { name: 'Results of door.mp4' });
    await userEvent.setup().selectOptions(screen.getByLabelText('Status'), 'running');
    expect(await screen.findByRole('progressbar', { name: 'Progress of door.mp4' })).toBeInTheDocument();
    // The next poll finds it completed: the running list is fetched again and it is gone.
    expect(await screen.findByText('No running video jobs.', {}, { timeout: 3000 })).toBeInTheDocument();
    expect(screen.queryByText('door.mp4')).toBeNull();
  });
});
