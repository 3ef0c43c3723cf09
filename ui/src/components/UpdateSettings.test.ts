import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));
vi.mock('@tauri-apps/api/event', () => ({ listen: () => Promise.resolve(() => {}) }));

const { updates } = await import('../lib/updates.svelte');
const { default: UpdateSettings } = await import('./UpdateSettings.svelte');
const { default: UpdateBanner } = await import('./UpdateBanner.svelte');

function reset() {
  Object.assign(updates, {
    current: null,
    available: null,
    checking: false,
    installing: false,
    checked: false,
    error: null,
    dismissed: false,
  });
}

describe('Updates', () => {
  beforeEach(() => {
    invoke.mockReset();
    reset();
  });

  it('checks when Settings opens and says the version is the latest', async () => {
    invoke.mockResolvedValue({ current: '0.1.0', available: null });
    render(UpdateSettings);
    expect(await screen.findByText('You have the latest version.')).toBeInTheDocument();
    expect(screen.getByTestId('app-version')).toHaveTextContent('Holdfast 0.1.0');
    expect(screen.queryByRole('button', { name: /Install/ })).toBeNull();
    expect(invoke).toHaveBeenCalledWith('check_for_update', {});
  });

  it('shows a newer version with its notes and installs it only when asked', async () => {
    invoke.mockResolvedValueOnce({
      current: '0.1.0',
      available: { version: '0.2.0', notes: 'Faster reports.', date: null },
    });
    const user = userEvent.setup();
    render(UpdateSettings);
    expect(await screen.findByText('Holdfast 0.2.0 is available.')).toBeInTheDocument();
    expect(screen.getByText('Faster reports.')).toBeInTheDocument();
    expect(invoke).toHaveBeenCalledTimes(1);

    invoke.mockRejectedValueOnce({
      kind: 'update',
      message: "the update's signature does not match Holdfast's release key: Nothing was installed.",
    });
    await user.click(screen.getByRole('button', { name: 'Install 0.2.0 and restart' }));
    expect(invoke).toHaveBeenLastCalledWith('install_update', { args: { version: '0.2.0' } });
    expect(await screen.findByRole('alert')).toHaveTextContent('signature does not match');
  });

  it('checks again on "Check for updates" and says when the server cannot be reached', async () => {
    invoke.mockResolvedValueOnce({ current: '0.1.0', available: null });
    const user = userEvent.setup();
    render(UpdateSettings);
    await screen.findByText('You have the latest version.');
    invoke.mockRejectedValueOnce({ kind: 'update', message: 'the release server could not be reached' });
    await user.click(screen.getByRole('button', { name: 'Check for updates' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be reached');
  });

  it('the corner note offers the update told at start, and "Later" puts it away', async () => {
    updates.available = { version: '0.2.0', notes: null, date: null };
    const user = userEvent.setup();
    render(UpdateBanner);
    expect(screen.getByRole('complementary', { name: 'Update available' })).toHaveTextContent('Holdfast 0.2.0 is available.');
    invoke.mockRejectedValueOnce({ kind: 'update', message: 'installing it was refused' });
    await user.click(screen.getByRole('button', { name: 'Install and restart' }));
    expect(invoke).toHaveBeenCalledWith('install_update', { args: { version: '0.2.0' } });
    expect(await screen.findByRole('alert')).toHaveTextContent('refused');
    await user.click(screen.getByRole('button', { name: 'Later' }));
    expect(screen.queryByRole('complementary', { name: 'Update available' })).toBeNull();
  });
});
