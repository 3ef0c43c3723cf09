import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: DesktopSettings } = await import('./DesktopSettings.svelte');

const loginStatus = () => document.querySelector('[data-status="login"]');
const diagnosticsStatus = () => document.querySelector('[data-status="diagnostics"]');

describe('DesktopSettings', () => {
  beforeEach(() => invoke.mockReset());

  it('shows whether Holdfast starts at login and turns it on and off', async () => {
    let enabled = false;
    invoke.mockImplementation((command: string, payload?: { args?: { enabled: boolean } }) => {
      if (command === 'set_start_at_login') enabled = payload!.args!.enabled;
      return Promise.resolve({ enabled });
    });
    render(DesktopSettings);
    const user = userEvent.setup();
    const box = screen.getByRole('checkbox', { name: 'Start Holdfast when I log in' });
    await vi.waitFor(() => expect(box).toBeEnabled());
    expect(box).not.toBeChecked();

    await user.click(box);
    expect(invoke).toHaveBeenCalledWith('set_start_at_login', { args: { enabled: true } });
    await vi.waitFor(() => expect(loginStatus()).toHaveTextContent('Holdfast will start in the tray when you log in.'));
    expect(box).toBeChecked();

    // By keyboard too.
    box.focus();
    await user.keyboard(' ');
    expect(invoke).toHaveBeenLastCalledWith('set_start_at_login', { args: { enabled: false } });
    await vi.waitFor(() => expect(loginStatus()).toHaveTextContent('Holdfast will not start when you log in.'));
    expect(box).not.toBeChecked();
  });

  it('says why when the login item cannot be written, and shows what the computer says', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'set_start_at_login'
        ? Promise.reject({ kind: 'internal', message: 'the login item could not be read or written: permission denied' })
        : Promise.resolve({ enabled: false }),
    );
    render(DesktopSettings);
    const user = userEvent.setup();
    const box = screen.getByRole('checkbox', { name: 'Start Holdfast when I log in' });
    await vi.waitFor(() => expect(box).toBeEnabled());
    await user.click(box);
    expect(await screen.findByRole('alert')).toHaveTextContent('permission denied');
    expect(box).not.toBeChecked();
  });

  it('copies the diagnostics and says so, by mouse and by keyboard', async () => {
    invoke.mockImplementation((command: string) =>
      Promise.resolve(command === 'copy_diagnostics' ? { text: 'Holdfast 0.1.0\nOS: linux x86_64\n' } : { enabled: false }),
    );
    render(DesktopSettings);
    const user = userEvent.setup();
    const button = screen.getByRole('button', { name: 'Copy diagnostics' });
    expect(diagnosticsStatus()).toHaveTextContent('');
    await user.click(button);
    expect(invoke).toHaveBeenCalledWith('copy_diagnostics', {});
    await vi.waitFor(() =>
      expect(diagnosticsStatus()).toHaveTextContent('Diagnostics copied. Paste them into your message to support.'),
    );
    expect(diagnosticsStatus()).toHaveAttribute('role', 'status');

    invoke.mockClear();
    button.focus();
    await user.keyboard('{Enter}');
    expect(invoke).toHaveBeenCalledWith('copy_diagnostics', {});
  });

  it('says why when the diagnostics cannot be copied', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'copy_diagnostics'
        ? Promise.reject({ kind: 'internal', message: 'the clipboard could not be written: no display' })
        : Promise.resolve({ enabled: false }),
    );
    render(DesktopSettings);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Copy diagnostics' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Diagnostics could not be copied: the clipboard could not be written: no display');
    expect(diagnosticsStatus()).toHaveTextContent('');
  });

  it('quits Holdfast', async () => {
    invoke.mockImplementation(() => Promise.resolve({ enabled: false }));
    render(DesktopSettings);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Quit Holdfast' }));
    expect(invoke).toHaveBeenCalledWith('quit_app', {});
  });
});
