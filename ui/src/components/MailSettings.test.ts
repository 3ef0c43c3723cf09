import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: MailSettings } = await import('./MailSettings.svelte');

const saved = {
  host: 'smtp.acme.example',
  port: 587,
  security: 'starttls',
  username: 'desk',
  from_address: 'support@acme.example',
  from_name: 'Acme Support',
};

describe('MailSettings', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('saves the server with the password for the keyring, which never comes back', async () => {
    invoke.mockImplementation(async (command: string, payload?: { args?: { settings: typeof saved } }) => {
      if (command === 'mail_setup') return { settings: null, password_saved: false };
      if (command === 'set_mail_setup') return { settings: payload!.args!.settings, password_saved: true };
      throw new Error(command);
    });
    render(MailSettings);
    const user = userEvent.setup();
    expect(screen.queryByRole('button', { name: 'Send a test message' })).toBeNull();
    await user.type(screen.getByLabelText('Mail server'), 'smtp.acme.example');
    // TLS moves the usual port along with it.
    await user.selectOptions(screen.getByLabelText('Security'), 'tls');
    expect(screen.getByLabelText('Port')).toHaveValue('465');
    await user.selectOptions(screen.getByLabelText('Security'), 'starttls');
    expect(screen.getByLabelText('Port')).toHaveValue('587');
    await user.type(screen.getByLabelText('SMTP user name'), 'desk');
    await user.type(screen.getByLabelText('SMTP password'), 's3cret');
    await user.type(screen.getByLabelText('Sender address'), 'support@acme.example');
    await user.type(screen.getByLabelText('Sender name'), 'Acme Support');
    await user.keyboard('{Enter}');
    expect(invoke).toHaveBeenCalledWith('set_mail_setup', { args: { settings: saved, password: 's3cret' } });
    expect(await screen.findByText(/Saved. Messages sent by e-mail go through this server/)).toBeVisible();
    expect(screen.getByLabelText('SMTP password')).toHaveValue('');
    expect(screen.getByLabelText('SMTP password')).toHaveAttribute('placeholder', 'Saved in the keyring');
    expect(screen.getByRole('button', { name: 'Send a test message' })).toBeVisible();
  });

  it('shows a refused field beside it and a port that is not a number without asking the shell', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'mail_setup') return { settings: saved, password_saved: true };
      if (command === 'set_mail_setup') throw { kind: 'validation', field: 'security', message: 'an unencrypted connection is only allowed to a mail server on this machine' };
      throw new Error(command);
    });
    render(MailSettings);
    const user = userEvent.setup();
    const port = screen.getByLabelText('Port');
    await vi.waitFor(() => expect(port).toHaveValue('587'));
    await user.clear(port);
    await user.type(port, 'abc');
    await user.click(screen.getByRole('button', { name: 'Save e-mail settings' }));
    expect(screen.getByText('enter a port from 1 to 65535')).toBeVisible();
    expect(invoke).not.toHaveBeenCalledWith('set_mail_setup', expect.anything());
    await user.clear(port);
    await user.type(port, '25');
    await user.selectOptions(screen.getByLabelText('Security'), 'plain');
    await user.click(screen.getByRole('button', { name: 'Save e-mail settings' }));
    expect(await screen.findByText(/only allowed to a mail server on this machine/)).toBeVisible();
  });

  it('sends a test message and says what the server answered, or why it failed', async () => {
    let answer: unknown = { sent: true, message_id: '<t@acme.example>', server_reply: '250 2.0.0 Ok: queued as 1', problem: null };
    invoke.mockImplementation(async (command: string) => {
      if (command === 'mail_setup') return { settings: saved, password_saved: true };
      if (command === 'send_test_mail') return answer;
      throw new Error(command);
    });
    render(MailSettings);
    const user = userEvent.setup();
    const to = await screen.findByLabelText('Test message to');
    expect(to).toHaveValue('support@acme.example');
    await user.click(screen.getByRole('button', { name: 'Send a test message' }));
    expect(invoke).toHaveBeenCalledWith('send_test_mail', { args: { to: 'support@acme.example' } });
    expect(await screen.findByText(/Sent to support@acme.example. The server answered: 250 2.0.0 Ok: queued as 1/)).toBeVisible();
    answer = { sent: false, message_id: null, server_reply: null, problem: 'The mail server could not be reached, or it dropped the connection (Connection refused).' };
    await user.click(screen.getByRole('button', { name: 'Send a test message' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Not sent: The mail server could not be reached');
  });
});
