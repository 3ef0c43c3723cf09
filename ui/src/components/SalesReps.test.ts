import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SalesRep } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: SalesReps } = await import('./SalesReps.svelte');

const BEFORE: SalesRep[] = [{ name: 'Rita Ng', status: 'active', changed_at: '2026-10-01T09:00:00Z' }];
const AFTER: SalesRep[] = [
  { name: 'Omar Haddad', status: 'active', changed_at: '2026-11-21T10:00:00Z' },
  { name: 'Rita Ng', status: 'left', changed_at: '2026-11-21T10:00:00Z' },
];

/** The shell: the roster as `reps` says, and the import as `importer` answers. */
function serve(importer: (args: unknown) => unknown) {
  let reps = BEFORE;
  invoke.mockImplementation(async (command: string, payload?: { args?: unknown }) => {
    if (command === 'list_sales_reps') return reps;
    if (command === 'import_sales_reps') {
      const summary = importer(payload?.args);
      reps = AFTER;
      return summary;
    }
    throw new Error(`unexpected command ${command}`);
  });
}

function names(): string[][] {
  const rows = within(screen.getByRole('table', { name: 'Sales rep list' })).getAllByRole('row').slice(1);
  return rows.map((row) => within(row).getAllByRole('cell').slice(0, 2).map((cell) => cell.textContent?.trim() ?? ''));
}

describe('SalesReps', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('imports the roster from the path typed, says what changed and lists the reps with their status', async () => {
    serve(() => ({ added: 1, changed: 1, unchanged: 0 }));
    render(SalesReps);
    await screen.findByRole('table', { name: 'Sales rep list' });
    expect(names()).toEqual([['Rita Ng', 'Active']]);

    const user = userEvent.setup();
    const form = within(screen.getByRole('form', { name: 'Import sales reps' }));
    expect(form.getByRole('button', { name: 'Import roster' })).toBeDisabled();
    await user.type(form.getByLabelText('Roster CSV file'), ' /data/reps.csv ');
    await user.click(form.getByRole('button', { name: 'Import roster' }));

    expect(await form.findByRole('status')).toHaveTextContent('Roster imported: 1 added, 1 changed, 0 unchanged.');
    expect(invoke).toHaveBeenCalledWith('import_sales_reps', { args: { path: '/data/reps.csv' } });
    // No native dialog: the path is all there is.
    expect(invoke.mock.calls.map(([command]) => command)).not.toContain('choose_accounts_file');
    expect(await screen.findByText('Omar Haddad')).toBeInTheDocument();
    expect(names()).toEqual([
      ['Omar Haddad', 'Active'],
      ['Rita Ng', 'Left'],
    ]);
    // When the status changed, absolute on hover.
    const since = within(screen.getByRole('table', { name: 'Sales rep list' })).getAllByRole('row')[2]!.lastElementChild;
    expect(since?.getAttribute('title')).toBeTruthy();
  });

  it('shows a path problem next to the field and keeps the path', async () => {
    serve(() => {
      throw { kind: 'validation', field: 'path', message: 'cannot read /data/nope.csv: not found' };
    });
    render(SalesReps);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Roster CSV file'), '/data/nope.csv');
    await user.click(screen.getByRole('button', { name: 'Import roster' }));
    expect(await screen.findByText('cannot read /data/nope.csv: not found')).toBeInTheDocument();
    expect(screen.getByLabelText('Roster CSV file')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Roster CSV file')).toHaveValue('/data/nope.csv');
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it('lists every bad row of a roster that cannot be imported', async () => {
    serve(() => {
      throw { kind: 'invalid_rows', rows: [{ line: 3, column: 'status', message: '"gone" is not active or left' }] };
    });
    render(SalesReps);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Roster CSV file'), '/data/bad.csv');
    await user.click(screen.getByRole('button', { name: 'Import roster' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('1 row cannot be imported; nothing was imported.');
    expect(alert).toHaveTextContent('Line 3, status: "gone" is not active or left');
  });

  it('says what to do when the roster is empty', async () => {
    invoke.mockResolvedValue([]);
    render(SalesReps);
    expect(await screen.findByText(/No sales rep is on the roster yet/)).toBeInTheDocument();
  });
});
