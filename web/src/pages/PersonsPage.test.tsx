import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { extractVerdicts, OnboardingDialog } from './PersonsPage';
import { ApiError } from '../api/client';
import { mockFetch, renderAt } from '../test/util';

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
