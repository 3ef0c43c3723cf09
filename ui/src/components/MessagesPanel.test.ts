import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaseDetail } from '../lib/bindings';
import { accountFixture, checklistFixture } from '../lib/testing/checklist';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: MessagesPanel } = await import('./MessagesPanel.svelte');

function detail(): CaseDetail {
  return {
    account: accountFixture(),
    summary: {
      id: 'c1', account_id: 'a1', account_name: 'Acme', account_tier: 'Standard', status: 'cancelled', channel: 'email',
      requester_name: 'Ana', requester_contact: 'ana@acme.io', received_at: '2026-11-21T10:00:00Z', opened_at: '2026-11-21T10:00:00Z',
    } as CaseDetail['summary'],
    checklist: checklistFixture({ status: 'cancelled', messages: ['acknowledgement', 'confirmation'], messages_sent: ['acknowledgement'] }),
    timeline: [],
  };
}

describe('MessagesPanel', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('fills the chosen template, says what is not known yet, and records the edited text as sent', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'compose_case_message')
        return { kind: 'confirmation', subject: 'Your cancellation is confirmed', body: 'Acme is cancelled effective {effective_date}.', missing: ['effective_date'], channel: 'email', sent: false };
      if (command === 'send_case_message') return { detail: detail(), delivered: true };
      throw new Error(command);
    });
    const onchanged = vi.fn();
    render(MessagesPanel, { detail: detail(), onchanged });
    const user = userEvent.setup();
    expect(screen.getByRole('option', { name: 'Acknowledgement (sent)' })).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Template'), 'Confirmation');
    const body = await screen.findByLabelText('Message');
    expect(body).toHaveValue('Acme is cancelled effective {effective_date}.');
    expect(screen.getByText(/Not known yet: the effective date/)).toBeVisible();
    // The subject is the policy's, composed by the core; the mail client gets the same one.
    expect(screen.getByText('Subject: Your cancellation is confirmed')).toBeVisible();
    await user.clear(body);
    await user.type(body, 'Acme is cancelled effective 2026-12-31.');
    await user.click(screen.getByRole('button', { name: 'Copy and record as sent' }));
    expect(invoke).toHaveBeenLastCalledWith('send_case_message', {
      args: { case_id: 'c1', kind: 'confirmation', channel: 'email', body: 'Acme is cancelled effective 2026-12-31.', delivery: 'clipboard' },
    });
    expect(await screen.findByRole('status')).toHaveTextContent('recorded on the case');
    expect(onchanged).toHaveBeenCalled();
  });

  it('opens only an e-mail in the mail client', async () => {
    invoke.mockResolvedValue({ kind: 'acknowledgement', subject: 'We received your cancellation request', body: 'Hi Ana', missing: [], channel: 'phone', sent: true });
    render(MessagesPanel, { detail: detail(), onchanged: vi.fn() });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Template'), 'Acknowledgement (sent)');
    await screen.findByLabelText('Message');
    expect(screen.getByRole('button', { name: 'Open in mail client' })).toBeDisabled();
    await user.selectOptions(screen.getByLabelText('Sent by'), 'email');
    expect(screen.getByRole('button', { name: 'Open in mail client' })).toBeEnabled();
  });

  it('opens the message a step asks for, composed, with the cursor in it; recording it is the step', async () => {
    invoke.mockResolvedValue({ kind: 'acknowledgement', subject: 'We received your request', body: 'Hi Ana, we have your request.', missing: [], channel: 'email', sent: false });
    const open = detail();
    open.checklist = checklistFixture({ acknowledged: false, messages: ['acknowledgement', 'confirmation'] });
    const { component } = render(MessagesPanel, { detail: open, onchanged: vi.fn() });
    component.write('acknowledgement');
    const body = await screen.findByLabelText('Message');
    await vi.waitFor(() => expect(body).toHaveFocus());
    expect(invoke).toHaveBeenCalledWith('compose_case_message', { args: { case_id: 'c1', kind: 'acknowledgement' } });
    expect(screen.getByText('Recording it acknowledges the request.')).toBeVisible();
  });

  it('warns that only the confirmation on the preferred channel confirms the cancellation', async () => {
    invoke.mockResolvedValue({ kind: 'confirmation', subject: 'Cancelled', body: 'Acme is cancelled.', missing: [], channel: 'phone', sent: false });
    const cancelled = detail();
    cancelled.checklist = checklistFixture({ status: 'cancelled', preferred_channel: 'phone', messages: ['confirmation'] });
    const { component } = render(MessagesPanel, { detail: cancelled, onchanged: vi.fn() });
    component.write('confirmation');
    await screen.findByLabelText('Message');
    expect(screen.getByText('Recording it confirms the cancellation.')).toBeVisible();
    await userEvent.setup().selectOptions(screen.getByLabelText('Sent by'), 'email');
    expect(screen.getByText(/Only the confirmation sent by Phone/)).toBeVisible();
  });

  it('shows in the picker the template a step opened, even after the person picked another in it', async () => {
    invoke.mockImplementation(async (_command: string, { args }: { args: { kind: string } }) => ({
      kind: args.kind, subject: 'S', body: `Draft: ${args.kind}`, missing: [], channel: 'email', sent: false,
    }));
    const { component, rerender } = render(MessagesPanel, { detail: detail(), onchanged: vi.fn() });
    const user = userEvent.setup();
    const picker = screen.getByLabelText('Template');
    await user.selectOptions(picker, 'Acknowledgement (sent)');
    expect(await screen.findByLabelText('Message')).toHaveValue('Draft: acknowledgement');

    component.write('confirmation');
    await vi.waitFor(() => expect(screen.getByLabelText('Message')).toHaveValue('Draft: confirmation'));
    expect(picker).toHaveDisplayValue('Confirmation');

    // Recorded as sent: the list is drawn again and still shows the template open.
    const after = detail();
    after.checklist = checklistFixture({ status: 'cancelled', messages: ['acknowledgement', 'sympathetic_reply', 'confirmation'], messages_sent: ['acknowledgement', 'confirmation'] });
    await rerender({ detail: after });
    expect(picker).toHaveDisplayValue('Confirmation (sent)');

    // The palette opens a template through the bound kind: the picker follows.
    await rerender({ kind: 'sympathetic_reply' });
    await vi.waitFor(() => expect(screen.getByLabelText('Message')).toHaveValue('Draft: sympathetic_reply'));
    expect(picker).toHaveDisplayValue('Sympathetic reply');
  });

  it('names a missing sign-off as the writer knows it', async () => {
    invoke.mockResolvedValue({ kind: 'acknowledgement', subject: 'S', body: 'Hi Ana\n\nBest regards,\n{sender_name}', missing: ['sender_name'], channel: 'email', sent: false });
    render(MessagesPanel, { detail: detail(), onchanged: vi.fn(), kind: 'acknowledgement' });
    expect(await screen.findByText('Not known yet: your name, for the sign-off. Fill it in before sending.')).toBeVisible();
    expect(screen.getByLabelText('Template')).toHaveDisplayValue('Acknowledgement (sent)');
  });

  it('sends by e-mail once a mail server is set up, and shows the outbox until it goes', async () => {
    const waiting = {
      id: 'o1', message_id: '<o1@acme.example>', case_id: 'c1', kind: 'acknowledgement', recipient: 'ana@acme.io',
      subject: 'S', body: 'Hi Ana', state: 'queued', attempts: 1, queued_at: '2026-11-21T10:00:00Z',
      next_attempt_at: '2026-11-21T10:00:30Z', problem: 'The mail server could not be reached, or it dropped the connection (Connection refused).',
    };
    let outbox: unknown[] = [];
    invoke.mockImplementation(async (command: string) => {
      if (command === 'mail_setup') return { settings: { host: 'smtp', port: 587 }, password_saved: true };
      if (command === 'case_outbox') return outbox;
      if (command === 'compose_case_message') return { kind: 'acknowledgement', subject: 'S', body: 'Hi Ana', missing: [], channel: 'email', sent: false };
      if (command === 'send_case_message') {
        outbox = [waiting];
        return { detail: detail(), delivered: false, queued: waiting };
      }
      if (command === 'case_detail') return detail();
      throw new Error(command);
    });
    const onchanged = vi.fn();
    render(MessagesPanel, { detail: detail(), onchanged, kind: 'acknowledgement' });
    const user = userEvent.setup();
    const button = await screen.findByRole('button', { name: 'Send by e-mail' });
    await vi.waitFor(() => expect(button).toBeEnabled());
    await user.click(button);
    expect(invoke).toHaveBeenCalledWith('send_case_message', {
      args: { case_id: 'c1', kind: 'acknowledgement', channel: 'email', body: 'Hi Ana', delivery: 'email' },
    });
    expect(await screen.findByRole('status')).toHaveTextContent('Queued to ana@acme.io; recorded on the case once the mail server takes it.');
    const list = await screen.findByRole('list', { name: 'E-mail outbox' });
    await vi.waitFor(() => expect(list).toHaveTextContent('Not sent yet (1 attempt); trying again at'));
    expect(list).toHaveTextContent('The mail server could not be reached');
    // It goes: the outbox empties and the case is read again to show its record.
    outbox = [];
    await vi.waitFor(() => expect(screen.queryByRole('list', { name: 'E-mail outbox' })).toBeNull(), { timeout: 5000 });
    expect(invoke).toHaveBeenCalledWith('case_detail', { args: { case_id: 'c1' } });
  });

  it('shows a refused message on the case in words, and offers no e-mail without a mail server', async () => {
    invoke.mockImplementation(async (command: string) => {
      if (command === 'mail_setup') return { settings: null, password_saved: false };
      if (command === 'case_outbox')
        return [{
          id: 'o2', message_id: '<o2@acme.example>', case_id: 'c1', kind: 'confirmation', recipient: 'nobody@acme.io', subject: 'S', body: 'B',
          state: 'failed', attempts: 1, queued_at: '2026-11-21T10:00:00Z', next_attempt_at: '2026-11-21T10:00:00Z',
          problem: 'The mail server refused the message: permanent error (550): 5.1.1 Recipient address rejected.',
        }];
      if (command === 'compose_case_message') return { kind: 'acknowledgement', subject: 'S', body: 'Hi Ana', missing: [], channel: 'email', sent: false };
      throw new Error(command);
    });
    render(MessagesPanel, { detail: detail(), onchanged: vi.fn(), kind: 'acknowledgement' });
    const list = await screen.findByRole('list', { name: 'E-mail outbox' });
    expect(list).toHaveTextContent('Confirmation to nobody@acme.io: Not sent.');
    expect(list).toHaveTextContent('The mail server refused the message: permanent error (550)');
    await screen.findByLabelText('Message');
    expect(screen.queryByRole('button', { name: 'Send by e-mail' })).toBeNull();
  });
});
