import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { default: SampleData } = await import('./SampleData.svelte');

const LOADED = { loaded_at: '2026-12-06T12:00:00Z', accounts: 6, cases: 4 };

function answer(answers: Record<string, () => unknown>) {
  invoke.mockImplementation(async (command: string) => {
    const reply = answers[command];
    if (!reply) throw new Error(`unexpected command ${command}`);
    return reply();
  });
}

describe('SampleData', () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it('offers sample data on an empty profile and loads it in one step', async () => {
    let loaded: typeof LOADED | null = null;
    answer({ sample_data: () => loaded, load_sample_data: () => (loaded = LOADED) });
    const onchanged = vi.fn();
    render(SampleData, { empty: true, onchanged });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Load sample accounts and cases' }));
    expect(await screen.findByRole('region', { name: 'Sample data' })).toHaveTextContent(
      '6 sample accounts and 4 cases, named “(sample)”',
    );
    expect(onchanged).toHaveBeenCalledTimes(1);
  });

  it('offers nothing when the profile already has accounts of its own', async () => {
    answer({ sample_data: () => null });
    render(SampleData, { empty: false, onchanged: vi.fn() });
    await vi.waitFor(() => expect(invoke).toHaveBeenCalledWith('sample_data', {}));
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
  });

  it('removes the sample data in one step and says what went', async () => {
    answer({
      sample_data: () => LOADED,
      remove_sample_data: () => ({ accounts: 6, cases: 4, events: 9, relinked: 0 }),
    });
    const onchanged = vi.fn();
    render(SampleData, { empty: false, onchanged });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Remove the sample data' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Sample data removed: 6 accounts and 4 cases.');
    expect(screen.queryByRole('button', { name: 'Remove the sample data' })).not.toBeInTheDocument();
    expect(onchanged).toHaveBeenCalledTimes(1);
  });

  it('shows a refusal in words', async () => {
    answer({
      sample_data: () => null,
      load_sample_data: () => {
        throw { kind: 'validation', field: 'sample_data', message: 'choose a procedure before loading sample data' };
      },
    });
    render(SampleData, { empty: true, onchanged: vi.fn() });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Load sample accounts and cases' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('choose a procedure before loading sample data');
  });
});
