import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: ReminderSettings } = await import('./ReminderSettings.svelte');

const STORED = {
  zone: 'America/New_York',
  working: { days: [1, 2, 3, 4, 5], from: '08:00:00', to: '17:00:00' },
  quiet: [],
  lead_minutes: 15,
};

describe('ReminderSettings', () => {
  beforeEach(() => invoke.mockReset());

  it('shows the stored hours and saves the zone, working hours, a quiet time and the lead', async () => {
    invoke.mockImplementation((command: string, payload?: { args?: unknown }) =>
      Promise.resolve(command === 'set_reminder_settings' ? payload?.args : STORED),
    );
    render(ReminderSettings);
    const user = userEvent.setup();
    const zone = await screen.findByLabelText('Time zone');
    expect(zone).toHaveValue('America/New_York');
    expect(screen.getByRole('checkbox', { name: 'Only during my working hours' })).toBeChecked();
    const hours = screen.getByRole('group', { name: 'Working hours' });
    expect(within(hours).getByLabelText('from')).toHaveValue('08:00');
    await user.click(within(hours).getByRole('checkbox', { name: 'Fri' }));

    await user.clear(zone);
    await user.type(zone, 'Europe/Berlin');
    const lead = screen.getByRole('spinbutton');
    await user.clear(lead);
    await user.type(lead, '30');
    await user.click(screen.getByRole('button', { name: 'Add a quiet time' }));
    await user.click(screen.getByRole('button', { name: 'Save reminder settings' }));

    expect(invoke).toHaveBeenCalledWith('set_reminder_settings', {
      args: {
        zone: 'Europe/Berlin',
        working: { days: [1, 2, 3, 4], from: '08:00', to: '17:00' },
        quiet: [{ days: [1, 2, 3, 4, 5], from: '12:00', to: '13:00' }],
        lead_minutes: 30,
      },
    });
    expect(await screen.findByRole('status')).toHaveTextContent('Saved');
  });

  it('shows the shell’s refusal beside the field it concerns', async () => {
    invoke.mockImplementation((command: string) =>
      command === 'set_reminder_settings'
        ? Promise.reject({ kind: 'validation', field: 'zone', message: '"Mars" is not a time zone this desk knows' })
        : Promise.resolve({ ...STORED, working: null }),
    );
    render(ReminderSettings);
    const user = userEvent.setup();
    const zone = await screen.findByLabelText('Time zone');
    expect(screen.getByRole('checkbox', { name: 'Only during my working hours' })).not.toBeChecked();
    await user.clear(zone);
    await user.type(zone, 'Mars');
    await user.click(screen.getByRole('button', { name: 'Save reminder settings' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('not a time zone');
    expect(zone).toHaveAttribute('aria-invalid', 'true');
  });
});
