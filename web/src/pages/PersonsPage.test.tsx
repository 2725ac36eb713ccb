import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { extractVerdicts, OnboardingDialog } from './PersonsPage';
import { ApiError } from '../api/client';
import { mockFetch, ok, renderAt } from '../test/util';

beforeAll(() => {
  let n = 0;
  URL.createObjectURL = () => `blob:x${n++}`;
  if (!URL.revokeObjectURL) URL.revokeObjectURL = () => {};
});
afterEach(() => vi.unstubAllGlobals());

describe('extractVerdicts', () => {
  it('reads verdicts from a success body and from a 422 error', () => {
    expect(extractVerdicts({ person: {}, images: [{ index: 0, filename: 'a', ok: true }] })).toHaveLength(1);
    const e = new ApiError(422, 'VALIDATION_ERROR', 'unusable', {}, undefined, { success: false, error: { details: { images: [{ index: 0, filename: 'a', ok: false, reason: 'no_face' }] } } });
    expect(extractVerdicts(e)[0].reason).toBe('no_face');
  });
});

describe('OnboardingDialog', () => {
  it('uploads photos as multipart "images" and shows per-image verdicts', async () => {
    let form: FormData | null = null;
    mockFetch((method, url, init) => {
      if (method === 'POST' && url === '/api/v1/persons') {
        form = init!.body as FormData;
        return new Response(
          JSON.stringify({
            success: false,
            error: {
              code: 'VALIDATION_ERROR',
              message: 'Some images are unusable',
              details: { images: [{ index: 0, filename: 'front.jpg', ok: true, quality: 0.9 }, { index: 1, filename: 'dark.jpg', ok: false, reason: 'too_dark' }] },
            },
          }),
          { status: 422 },
        );
      }
      return undefined;
    });
    renderAt(<OnboardingDialog onClose={() => {}} onCreated={() => {}} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Full name'), 'Ada Lovelace');
    const files = [new File(['a'], 'front.jpg', { type: 'image/jpeg' }), new File(['b'], 'dark.jpg', { type: 'image/jpeg' })];
    await user.upload(screen.getByLabelText('Choose photos…'), files);
    await user.click(screen.getByRole('button', { name: 'Enrol with 2 photo(s)' }));
    expect(await screen.findByText('Too dark')).toBeInTheDocument();
    expect(screen.getByText(/OK \(quality 0.90\)/)).toBeInTheDocument();
    expect(form!.get('name')).toBe('Ada Lovelace');
    expect(form!.getAll('images')).toHaveLength(2);
  });
});

describe('PersonsPage', () => {
  it('lists persons, opens a card with token-fetched photos, edits details and deletes with confirmation', async () => {
    localStorage.setItem('argus.access_token', 't');
    localStorage.setItem('argus.user', JSON.stringify({ id: 1, username: 's', role: 'supervisor', camera_ids: [] }));
    const ada = { id: 4, name: 'Ada', department: 'R&D', images: [{ id: 9, url: '/api/v1/persons/4/images/9', quality: 0.9 }], lastSeen: null, consent: { given: true, date: '2026-01-01' } };
    const calls: string[] = [];
    mockFetch((method, url, init) => {
      calls.push(`${method} ${url}`);
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 's', role: 'supervisor', camera_ids: [] } });
      if (url.startsWith('/api/v1/persons?')) return ok({ persons: [ada] }, { pagination: { page: 1, pages: 1, per_page: 24, total: 1, has_next: false, has_prev: false } });
      if (url === '/api/v1/persons/4/images/9') {
        expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer t');
        return new Response(new Blob(['jpg'], { type: 'image/jpeg' }), { status: 200 });
      }
      if (url === '/api/v1/persons/4' && method === 'GET') return ok({ person: ada });
      if (url === '/api/v1/persons/4' && method === 'PUT') return ok({ person: { ...ada, name: 'Ada L' } });
      if (url === '/api/v1/persons/4' && method === 'DELETE') return ok({ message: 'deleted' });
      return undefined;
    });
    const { AuthProvider } = await import('../auth/AuthContext');
    const { PersonsPage } = await import('./PersonsPage');
    renderAt(<AuthProvider><PersonsPage /></AuthProvider>);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Open Ada' }));
    await vi.waitFor(() => expect(screen.getByRole('img', { name: 'Ada photo 9' }).tagName).toBe('IMG'));
    await user.click(screen.getByRole('button', { name: 'Edit details' }));
    const dialog = screen.getByRole('dialog');
    const nameInput = within(dialog).getByLabelText('Full name');
    await user.clear(nameInput);
    await user.type(nameInput, 'Ada L');
    await user.click(within(dialog).getByRole('button', { name: 'Save details' }));
    await vi.waitFor(() => expect(calls).toContain('PUT /api/v1/persons/4'));
    await user.click(await screen.findByRole('button', { name: 'Delete person' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete person' });
    await user.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await vi.waitFor(() => expect(calls).toContain('DELETE /api/v1/persons/4'));
  });
});
