import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: ImportPanel } = await import('./ImportPanel.svelte');

describe('ImportPanel', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('lists every bad row and keeps the typed path', async () => {
    invoke.mockRejectedValue({
      kind: 'invalid_rows',
      rows: [
        { line: 3, column: 'email', message: '"not-mail" is not an e-mail address' },
        { line: 7, column: null, message: 'the row has 2 cells but the header has 15' },
      ],
    });
    const onimported = vi.fn();
    render(ImportPanel, { onimported });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('CSV file'), '/data/bad.csv');
    await user.click(screen.getByRole('button', { name: 'Import' }));

    const table = await screen.findByRole('table', { name: 'Rows that cannot be imported' });
    expect(table).toHaveTextContent('"not-mail" is not an e-mail address');
    expect(table).toHaveTextContent('the row has 2 cells but the header has 15');
    expect(screen.getAllByRole('row')).toHaveLength(3);
    expect(screen.getByRole('alert')).toHaveTextContent('2 rows cannot be imported; nothing was imported.');
    expect(screen.getByLabelText('CSV file')).toHaveValue('/data/bad.csv');
    expect(onimported).not.toHaveBeenCalled();
  });

  it('reports what an import changed', async () => {
    invoke.mockResolvedValue({ created: 3, updated: 1 });
    const onimported = vi.fn();
    render(ImportPanel, { onimported });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('CSV file'), '/data/good.csv');
    await user.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Imported: 3 new, 1 updated.');
    expect(invoke).toHaveBeenCalledWith('import_accounts', { args: { path: '/data/good.csv' } });
    expect(onimported).toHaveBeenCalledWith({ created: 3, updated: 1 });
  });

  it('shows a path problem next to the field', async () => {
    invoke.mockRejectedValue({ kind: 'validation', field: 'path', message: 'give the file\'s full path' });
    render(ImportPanel, { onimported: vi.fn() });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('CSV file'), 'relative.csv');
    await user.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText("give the file's full path")).toBeInTheDocument();
    expect(screen.getByLabelText('CSV file')).toHaveAttribute('aria-invalid', 'true');
  });

  it('cannot import without a path', () => {
    render(ImportPanel, { onimported: vi.fn() });
    expect(screen.getByRole('button', { name: 'Import' })).toBeDisabled();
  });
});
