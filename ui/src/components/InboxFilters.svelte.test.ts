import { render, screen } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { flushSync } from 'svelte';
import { describe, expect, it } from 'vitest';
import type { InboxFacets } from '../lib/bindings';
import { NO_FILTERS, UNASSIGNED, type InboxFilters } from '../lib/inboxQuery';
import InboxFiltersBar from './InboxFilters.svelte';

const facets: InboxFacets = {
  owners: ['carla', 'rob'],
  tiers: ['Enterprise', 'Starter'],
  reasons: [{ id: 'too_expensive', label: 'Too expensive' }],
};

function setup(initial: InboxFilters = { ...NO_FILTERS }) {
  const filters = $state({ ...initial });
  render(InboxFiltersBar, {
    props: {
      get filters() {
        return filters;
      },
      set filters(next: InboxFilters) {
        Object.assign(filters, next);
      },
      facets,
    },
  });
  return filters;
}

describe('InboxFilters', () => {
  it('offers every status by its snake_case value, and "" for all', () => {
    setup();
    const status = screen.getByRole('combobox', { name: 'Status' }) as HTMLSelectElement;
    expect(status.tagName).toBe('SELECT');
    expect([...status.options].map((o) => o.value)).toEqual([
      '',
      'received',
      'in_progress',
      'saved',
      'cancelled',
      'withdrawn',
      'verification_failed',
    ]);
    expect(status.options[0]?.textContent).toBe('All statuses');
  });

  it('names every control and lists the choices the store gave', () => {
    setup();
    for (const name of ['Status', 'Owner', 'Tier', 'Reason', 'Due', 'Sort']) {
      expect(screen.getByRole('combobox', { name })).toBeInTheDocument();
    }
    expect(screen.getByRole('searchbox', { name: 'Search' })).toBeInTheDocument();
    const owner = screen.getByRole('combobox', { name: 'Owner' }) as HTMLSelectElement;
    expect([...owner.options].map((o) => o.value)).toEqual(['', UNASSIGNED, 'carla', 'rob']);
    const reason = screen.getByRole('combobox', { name: 'Reason' }) as HTMLSelectElement;
    expect([...reason.options].map((o) => o.textContent)).toEqual(['All reasons', 'Too expensive']);
  });

  it('writes each choice into the filters, and clears them', async () => {
    const user = userEvent.setup();
    const filters = setup();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'withdrawn');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Owner' }), 'Unassigned');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Tier' }), 'Starter');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Due' }), 'Overdue');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Sort' }), 'Account name');
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'acme');
    flushSync();
    expect(filters).toMatchObject({
      status: 'withdrawn',
      owner: UNASSIGNED,
      tier: 'Starter',
      due: 'overdue',
      sort: 'account_name',
      search: 'acme',
    });
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    flushSync();
    expect(filters).toEqual({ ...NO_FILTERS, sort: 'account_name' });
  });

  it('keeps a chosen owner the store no longer lists', () => {
    setup({ ...NO_FILTERS, owner: 'dana' });
    const owner = screen.getByRole('combobox', { name: 'Owner' }) as HTMLSelectElement;
    expect(owner.value).toBe('dana');
  });
});
