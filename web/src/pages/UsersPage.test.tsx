import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthProvider } from '../auth/AuthContext';
import { fail, mockFetch, ok, renderAt, signIn } from '../test/util';
import { UsersPage } from './SystemPage';

afterEach(() => vi.unstubAllGlobals());

describe('UsersPage', () => {
  it('creates users, shows a duplicate name at the field, and cannot delete itself', async () => {
    signIn('admin');
    const posted: unknown[] = [];
    mockFetch((method, url, init) => {
      if (url.startsWith('/api/v1/auth/profile')) return ok({ user: { id: 1, username: 'admin', role: 'admin', camera_ids: [] } });
      if (url.startsWith('/api/v1/users?'))
        return ok({ users: [{ id: 1, username: 'admin', role: 'admin', camera_ids: [] }, { id: 2, username: 'eve', role: 'viewer', camera_ids: [3] }] });
      if (url === '/api/v1/users' && method === 'POST') {
        const b = JSON.parse(String(init!.body));
        posted.push(b);
        return b.username === 'eve' ? fail(409, 'CONFLICT', 'User exists', { username: ['already taken'] }) : ok({ user: { id: 3, ...b } });
      }
      return undefined;
    });
    renderAt(<AuthProvider><UsersPage /></AuthProvider>);
    const evesRow = (await screen.findByRole('cell', { name: 'eve' })).closest('tr')!;
    expect(within(evesRow).getByText('3')).toBeInTheDocument();
    const adminRow = screen.getAllByRole('cell', { name: 'admin' })[0].closest('tr')!;
    expect(within(adminRow).getByRole('button', { name: 'Delete admin' })).toBeDisabled();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Create user' }));
    const dialog = screen.getByRole('dialog');
    await user.type(within(dialog).getByLabelText('Username'), 'eve');
    await user.type(within(dialog).getByLabelText('Password'), 'pw-123456789');
    await user.selectOptions(within(dialog).getByLabelText('Role'), 'supervisor');
    await user.type(within(dialog).getByLabelText('Camera ids (empty = all)'), '1, 2');
    await user.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(await within(dialog).findByText('already taken')).toBeInTheDocument();
    expect(posted[0]).toEqual({ username: 'eve', password: 'pw-123456789', role: 'supervisor', camera_ids: [1, 2] });
  });
});
