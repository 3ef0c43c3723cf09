import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountDraft, ImportPreview } from '../lib/bindings';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: ImportPanel } = await import('./ImportPanel.svelte');

function account(external_id: string, name: string): AccountDraft {
  const usd = (minor: number) => ({ minor, currency: 'USD' });
  return {
    external_id,
    name,
    contact_name: null,
    email: `${external_id.toLowerCase()}@example.com`,
    phone: null,
    preferred_channel: 'email',
    tier: 'Pro',
    hosting_server: null,
    plan: null,
    mrr: usd(123_450),
    customer_since: null,
    total_collected: usd(0),
    accounts_receivable: usd(0),
    original_sales_rep: null,
    unpaid_invoices: 0,
    plan_price: null,
    billing_period_start: null,
    billing_period_end: null,
    account_manager: null,
  };
}

const GOOD: ImportPreview = {
  verdict: 'ready',
  fingerprint: 'f00d-120',
  created: 2,
  updated: 1,
  unchanged: 1,
  rows: [
    { change: 'new', account: account('A-1', 'Acme Corp') },
    { change: 'updated', account: account('A-2', 'Beta Industries') },
    { change: 'unchanged', account: account('A-3', 'Quillfeather Health') },
    { change: 'new', account: account('A-4', 'Delta') },
  ],
};

const BAD: ImportPreview = {
  verdict: 'invalid',
  problems: [
    { line: 3, column: 'email', message: '"not-mail" is not an e-mail address' },
    { line: 7, column: null, message: 'the row has 2 cells but the header has 15' },
  ],
};

/** Answers each command from `answers`, or fails the test for a command it did not expect. */
function answer(answers: Record<string, () => unknown>) {
  invoke.mockImplementation(async (command: string) => {
    const reply = answers[command];
    if (!reply) throw new Error(`unexpected command ${command}`);
    return reply();
  });
}

async function previewPath(path: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('CSV file'), path);
  await user.click(screen.getByRole('button', { name: 'Preview' }));
  return user;
}

describe('ImportPanel', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('lists every bad row of a file and offers no import', async () => {
    answer({ preview_accounts_import: () => BAD });
    const onimported = vi.fn();
    render(ImportPanel, { onimported });
    await previewPath('/data/bad.csv');

    const table = await screen.findByRole('table', { name: 'Rows that cannot be imported' });
    expect(table).toHaveTextContent('"not-mail" is not an e-mail address');
    expect(table).toHaveTextContent('the row has 2 cells but the header has 15');
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByRole('alert')).toHaveTextContent('2 rows cannot be imported; nothing was imported.');
    expect(screen.queryByRole('button', { name: /^Import / })).not.toBeInTheDocument();
    expect(screen.getByLabelText('CSV file')).toHaveValue('/data/bad.csv');
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(onimported).not.toHaveBeenCalled();
  });

  it('previews a good file without writing, and imports only on "Import N accounts"', async () => {
    const summary = { created: 2, updated: 1, unchanged: 1 };
    answer({ preview_accounts_import: () => GOOD, import_accounts: () => summary });
    const onimported = vi.fn();
    render(ImportPanel, { onimported });
    const user = await previewPath('/data/good.csv');

    expect(await screen.findByRole('status')).toHaveTextContent(
      'The file has 4 accounts: 2 new, 1 updated, 1 unchanged.',
    );
    const rows = within(screen.getByRole('table', { name: 'Accounts in the file' })).getAllByRole('row');
    expect(rows).toHaveLength(5);
    expect(rows[2]).toHaveTextContent('Updated');
    expect(rows[2]).toHaveTextContent('Beta Industries');
    expect(rows[1]).toHaveTextContent('USD');
    expect(invoke).toHaveBeenCalledWith('preview_accounts_import', { args: { path: '/data/good.csv' } });
    expect(invoke).not.toHaveBeenCalledWith('import_accounts', expect.anything());

    await user.click(screen.getByRole('button', { name: 'Import 3 accounts' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Imported: 2 new, 1 updated, 1 unchanged.');
    expect(invoke).toHaveBeenCalledWith('import_accounts', {
      args: { path: '/data/good.csv', fingerprint: 'f00d-120' },
    });
    expect(onimported).toHaveBeenCalledWith(summary);
    expect(screen.queryByRole('button', { name: /^Import / })).not.toBeInTheDocument();
  });

  it('shows the plan price with its billing period, the account manager and an unknown A/R as unknown', async () => {
    const usd = (minor: number) => ({ minor, currency: 'USD' });
    const known: AccountDraft = {
      ...account('A-1', 'Acme Corp'),
      plan_price: usd(9_900),
      billing_period_start: '2026-12-01',
      billing_period_end: '2027-01-01',
      account_manager: 'Rita Ng',
      accounts_receivable: usd(0),
    };
    const unknown: AccountDraft = { ...account('A-2', 'Beta Industries'), accounts_receivable: null };
    answer({
      preview_accounts_import: () => ({ ...GOOD, created: 2, updated: 0, unchanged: 0, rows: [
        { change: 'new', account: known },
        { change: 'new', account: unknown },
      ] }),
    });
    render(ImportPanel, { onimported: vi.fn() });
    await previewPath('/data/terms.csv');
    const table = await screen.findByRole('table', { name: 'Accounts in the file' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent?.trim());
    expect(headers).toEqual(expect.arrayContaining(['Plan price', 'A/R', 'Account manager']));
    const column = (name: string) => headers.indexOf(name);
    const [, first, second] = within(table).getAllByRole('row').map((row) => within(row).queryAllByRole('cell').map((c) => c.textContent?.trim()));
    expect(first![column('Plan price')]).toMatch(/^USD\s?99\.00 · 2026-12-01 to 2027-01-01$/);
    expect(first![column('Account manager')]).toBe('Rita Ng');
    expect(first![column('A/R')]).toMatch(/^USD\s?0\.00$/);
    // Unknown is not zero.
    expect(second![column('A/R')]).toBe('Unknown');
    expect(second![column('Plan price')]).toBe('—');
  });

  it('shows the fields routing depends on first: tier, A/R, sales rep and hosting server', async () => {
    const routed: AccountDraft = {
      ...account('A-1', 'Acme Corp'),
      tier: 'Professional',
      accounts_receivable: { minor: 125_000, currency: 'USD' },
      original_sales_rep: 'Dana Whit',
      hosting_server: 'eu-west-2',
    };
    answer({
      preview_accounts_import: () => ({ ...GOOD, created: 1, updated: 0, unchanged: 0, rows: [{ change: 'new', account: routed }] }),
    });
    render(ImportPanel, { onimported: vi.fn() });
    await previewPath('/data/routing.csv');
    const table = await screen.findByRole('table', { name: 'Accounts in the file' });
    const headers = within(table).getAllByRole('columnheader').map((h) => h.textContent?.trim());
    // Right after the name, so they are in view before the table scrolls sideways.
    expect(headers.slice(0, 7)).toEqual(['Change', 'External id', 'Name', 'Tier', 'A/R', 'Sales rep', 'Hosting server']);
    const [, row] = within(table).getAllByRole('row').map((r) => within(r).queryAllByRole('cell').map((c) => c.textContent?.trim()));
    expect(row!.slice(3, 7)).toEqual(['Professional', expect.stringMatching(/^USD\s?1,250\.00$/), 'Dana Whit', 'eu-west-2']);
  });

  it('offers no import when every account is already up to date', async () => {
    answer({
      preview_accounts_import: () => ({ ...GOOD, created: 0, updated: 0, unchanged: 4 }),
    });
    render(ImportPanel, { onimported: vi.fn() });
    await previewPath('/data/same.csv');
    expect(await screen.findByText(/Nothing to import/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Import / })).not.toBeInTheDocument();
  });

  it('drops the preview when another path is typed', async () => {
    answer({ preview_accounts_import: () => GOOD });
    render(ImportPanel, { onimported: vi.fn() });
    const user = await previewPath('/data/good.csv');
    await screen.findByRole('button', { name: 'Import 3 accounts' });
    await user.type(screen.getByLabelText('CSV file'), 'x');
    expect(screen.queryByRole('button', { name: 'Import 3 accounts' })).not.toBeInTheDocument();
    expect(screen.queryByRole('table', { name: 'Accounts in the file' })).not.toBeInTheDocument();
  });

  it('shows the bad rows when the file went bad between the preview and the import', async () => {
    answer({
      preview_accounts_import: () => GOOD,
      import_accounts: () => {
        throw { kind: 'invalid_rows', rows: [{ line: 4, column: 'mrr', message: 'is required' }] };
      },
    });
    const onimported = vi.fn();
    render(ImportPanel, { onimported });
    const user = await previewPath('/data/good.csv');
    await user.click(await screen.findByRole('button', { name: 'Import 3 accounts' }));

    const table = await screen.findByRole('table', { name: 'Rows that cannot be imported' });
    expect(table).toHaveTextContent('is required');
    expect(screen.getByRole('alert')).toHaveTextContent('The file changed since its preview.');
    expect(screen.queryByRole('button', { name: /^Import / })).not.toBeInTheDocument();
    expect(onimported).not.toHaveBeenCalled();
  });

  it('says so when the file changed since its preview', async () => {
    answer({
      preview_accounts_import: () => GOOD,
      import_accounts: () => {
        throw { kind: 'conflict', message: 'the file changed since it was previewed; preview it again' };
      },
    });
    render(ImportPanel, { onimported: vi.fn() });
    const user = await previewPath('/data/good.csv');
    await user.click(await screen.findByRole('button', { name: 'Import 3 accounts' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('the file changed since it was previewed');
    expect(screen.queryByRole('button', { name: 'Import 3 accounts' })).not.toBeInTheDocument();
  });

  it('shows a path problem next to the field', async () => {
    answer({
      preview_accounts_import: () => {
        throw { kind: 'validation', field: 'path', message: "give the file's full path" };
      },
    });
    render(ImportPanel, { onimported: vi.fn() });
    await previewPath('relative.csv');
    expect(await screen.findByText("give the file's full path")).toBeInTheDocument();
    expect(screen.getByLabelText('CSV file')).toHaveAttribute('aria-invalid', 'true');
  });

  it('cannot preview without a path', () => {
    render(ImportPanel, { onimported: vi.fn() });
    expect(screen.getByRole('button', { name: 'Preview' })).toBeDisabled();
  });
});
