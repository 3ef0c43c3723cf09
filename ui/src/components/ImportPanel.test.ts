import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccountDraft, ImportFile, ImportPreview } from '../lib/bindings';

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
  not_in_file: { count: 0, first: [] },
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

const FIELDS = [
  { field: 'external_id', kind: 'text', required: true, per_account: true },
  { field: 'name', kind: 'text', required: true, per_account: true },
  { field: 'email', kind: 'text', required: false, per_account: true },
  { field: 'tier', kind: 'text', required: true, per_account: false },
  { field: 'customer_since', kind: 'date', required: false, per_account: false },
  { field: 'accounts_receivable', kind: 'amount', required: false, per_account: false },
  { field: 'unpaid_invoices', kind: 'count', required: false, per_account: false },
] as const;

const STRIPE_MAPPING = {
  fields: [
    { field: 'external_id', source: { kind: 'column', columns: ['id'], transform: { kind: 'text' } } },
    { field: 'name', source: { kind: 'column', columns: ['Name'], transform: { kind: 'text' } } },
    { field: 'email', source: { kind: 'column', columns: ['Email'], transform: { kind: 'text' } } },
    {
      field: 'customer_since',
      source: { kind: 'column', columns: ['Created (UTC)'], transform: { kind: 'date', order: 'month_first' } },
    },
    {
      field: 'accounts_receivable',
      source: { kind: 'column', columns: ['Balance'], transform: { kind: 'amount', unit: 'major' } },
    },
  ],
} as const;

/** A Stripe customer export, read: the preset proposed, the tier left for the person. */
const READ: ImportFile = {
  verdict: 'read',
  format: 'csv',
  headers: ['id', 'Email', 'Name', 'Created (UTC)', 'Balance', 'Delinquent'],
  sample: [['cus_1', 'ana@acme.io', 'Acme', '2024-03-05 14:01', '12.5', 'false']],
  rows: 2,
  proposal: { origin: { kind: 'preset', id: 'stripe_customers', name: 'Stripe customers' }, mapping: structuredClone(STRIPE_MAPPING) as never },
  presets: [
    {
      preset: { id: 'stripe_customers', name: 'Stripe customers', source: 'Stripe Dashboard' },
      mapping: structuredClone(STRIPE_MAPPING) as never,
      matched: 5,
    },
    { preset: { id: 'hubspot_companies', name: 'HubSpot companies', source: 'HubSpot' }, mapping: { fields: [] }, matched: 0 },
  ],
  saved: [{ name: 'Our CRM', mapping: { fields: [{ field: 'tier', source: { kind: 'fixed', value: 'Gold' } }] } }],
  fields: FIELDS as never,
};

/** Answers each command from `answers`, or fails the test for a command it did not expect. */
function answer(answers: Record<string, () => unknown>) {
  invoke.mockImplementation(async (command: string) => {
    const reply = command === 'read_import_file' && !answers[command] ? () => READ : answers[command];
    if (!reply) throw new Error(`unexpected command ${command}`);
    return reply();
  });
}

async function previewPath(path: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('CSV or XLSX file'), path);
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
    expect(screen.getByLabelText('CSV or XLSX file')).toHaveValue('/data/bad.csv');
    expect(invoke).toHaveBeenCalledTimes(2);
    expect(onimported).not.toHaveBeenCalled();
  });

  it('previews a good file without writing, and imports only on "Import N accounts"', async () => {
    const summary = { created: 2, updated: 1, unchanged: 1, not_in_file: 0 };
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
    expect(invoke).toHaveBeenCalledWith('read_import_file', { args: { path: '/data/good.csv' } });
    expect(invoke).toHaveBeenCalledWith('preview_accounts_import', {
      args: { path: '/data/good.csv', mapping: STRIPE_MAPPING },
    });
    expect(invoke).not.toHaveBeenCalledWith('import_accounts', expect.anything());

    await user.click(screen.getByRole('button', { name: 'Import 3 accounts' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Imported: 2 new, 1 updated, 1 unchanged.');
    expect(invoke).toHaveBeenCalledWith('import_accounts', {
      args: { path: '/data/good.csv', fingerprint: 'f00d-120', mapping: STRIPE_MAPPING },
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
    await user.type(screen.getByLabelText('CSV or XLSX file'), 'x');
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
    expect(screen.getByLabelText('CSV or XLSX file')).toHaveAttribute('aria-invalid', 'true');
  });

  it('cannot preview without a path', () => {
    render(ImportPanel, { onimported: vi.fn() });
    expect(screen.getByRole('button', { name: 'Preview' })).toBeDisabled();
  });

  it('proposes the preset, and previews again with each field the person corrects', async () => {
    answer({ preview_accounts_import: () => GOOD });
    render(ImportPanel, { onimported: vi.fn() });
    const user = await previewPath('/data/stripe.csv');
    const columns = await screen.findByRole('region', { name: 'Columns' });
    expect(within(columns).getByLabelText('Read the file as')).toHaveDisplayValue('Suggested: Stripe customers');
    // HubSpot's preset fits none of the file's columns, so it is not offered.
    expect(within(columns).queryByRole('option', { name: /HubSpot/ })).not.toBeInTheDocument();
    expect(within(columns).getByRole('group', { name: 'Customer since' })).toHaveTextContent('2024-03-05 14:01');

    const tier = within(within(columns).getByRole('group', { name: 'Tier' })).getByLabelText('Tier *');
    await user.selectOptions(tier, 'fixed');
    const value = within(within(columns).getByRole('group', { name: 'Tier' })).getByLabelText('Value for every row');
    await user.type(value, 'Professional');
    await user.tab();
    const dates = within(within(columns).getByRole('group', { name: 'Customer since' })).getByLabelText('Dates');
    await user.selectOptions(dates, 'day_first');
    const invoices = within(within(columns).getByRole('group', { name: 'Unpaid invoices' })).getByLabelText('Unpaid invoices');
    await user.selectOptions(invoices, 'column:Delinquent');
    const reading = within(within(columns).getByRole('group', { name: 'Unpaid invoices' })).getByLabelText('Read as');
    await user.selectOptions(reading, 'flag');

    const last = invoke.mock.calls.filter(([command]) => command === 'preview_accounts_import').at(-1)?.[1] as {
      args: { mapping: { fields: { field: string; source: unknown }[] } };
    };
    const byField = Object.fromEntries(last.args.mapping.fields.map((entry) => [entry.field, entry.source]));
    expect(byField.tier).toEqual({ kind: 'fixed', value: 'Professional' });
    expect(byField.customer_since).toEqual({
      kind: 'column',
      columns: ['Created (UTC)'],
      transform: { kind: 'date', order: 'day_first' },
    });
    expect(byField.unpaid_invoices).toEqual({
      kind: 'column',
      columns: ['Delinquent'],
      transform: { kind: 'flag', when_true: '1', when_false: '0' },
    });
  });

  it('saves the mapping under a name, starts from a saved one, and forgets it', async () => {
    const mine = { name: 'Stripe with tiers', mapping: STRIPE_MAPPING };
    answer({
      preview_accounts_import: () => GOOD,
      save_import_mapping: () => [READ.verdict === 'read' ? READ.saved[0] : null, mine],
      delete_import_mapping: () => [mine],
    });
    render(ImportPanel, { onimported: vi.fn() });
    const user = await previewPath('/data/stripe.csv');
    const columns = await screen.findByRole('region', { name: 'Columns' });
    await user.type(within(columns).getByLabelText('Save this mapping as'), 'Stripe with tiers');
    await user.click(within(columns).getByRole('button', { name: 'Save mapping' }));
    expect(await within(columns).findByRole('status')).toHaveTextContent('Saved as “Stripe with tiers”');
    expect(invoke).toHaveBeenCalledWith('save_import_mapping', {
      args: { name: 'Stripe with tiers', mapping: STRIPE_MAPPING },
    });

    await user.selectOptions(within(columns).getByLabelText('Read the file as'), 'saved:Our CRM');
    const tier = within(within(columns).getByRole('group', { name: 'Tier' })).getByLabelText('Value for every row');
    expect(tier).toHaveValue('Gold');
    await user.click(within(columns).getByRole('button', { name: 'Forget this mapping' }));
    expect(invoke).toHaveBeenCalledWith('delete_import_mapping', { args: { name: 'Our CRM' } });
    expect(within(columns).queryByRole('option', { name: 'Saved: Our CRM' })).not.toBeInTheDocument();
  });

  it('lists the accounts that are no longer in the file and says they are kept', async () => {
    answer({
      preview_accounts_import: () => ({
        ...GOOD,
        not_in_file: { count: 21, first: [{ external_id: 'A-9', name: 'Gone Ltd' }] },
      }),
    });
    render(ImportPanel, { onimported: vi.fn() });
    await previewPath('/data/good.csv');
    expect(await screen.findByText(/21 accounts in Holdfast are not in this file; importing leaves them as they are/)).toBeInTheDocument();
    const list = screen.getByRole('list', { name: 'Accounts not in the file' });
    expect(list).toHaveTextContent('Gone Ltd');
    expect(list).toHaveTextContent('and 20 more');
  });

  it('shows why a file that is not a table cannot be read', async () => {
    answer({
      read_import_file: () => ({
        verdict: 'unreadable',
        problems: [{ line: 1, column: null, message: 'the file is not an XLSX workbook: invalid zip' }],
      }),
    });
    render(ImportPanel, { onimported: vi.fn() });
    await previewPath('/data/broken.xlsx');
    expect(await screen.findByRole('alert')).toHaveTextContent('the file is not an XLSX workbook');
    expect(screen.queryByRole('region', { name: 'Columns' })).not.toBeInTheDocument();
  });
});
