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

/** Opens the folded filters with the "Filters" button, as a person does. */
async function openFilters(user = userEvent.setup()) {
  await user.click(screen.getByRole('button', { name: /^Filters/ }));
  return user;
}

describe('InboxFilters', () => {
  it('offers every status by its snake_case value, and "" for all', async () => {
    setup();
    await openFilters();
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

  it('names every control and lists the choices the store gave', async () => {
    setup();
    await openFilters();
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
    const filters = setup();
    const user = await openFilters();
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

  it('keeps a chosen owner the store no longer lists', async () => {
    setup({ ...NO_FILTERS, owner: 'dana' });
    await openFilters();
    const owner = screen.getByRole('combobox', { name: 'Owner' }) as HTMLSelectElement;
    expect(owner.value).toBe('dana');
  });

  it('folds the selects behind one button that counts the filters on', async () => {
    setup({ ...NO_FILTERS, status: 'saved', tier: 'Starter', sort: 'account_name', search: 'acme' });
    // One row: the search box and the button; no select until the button opens them.
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.getByRole('searchbox', { name: 'Search' })).toBeInTheDocument();
    const toggle = screen.getByRole('button', { name: 'Filters, 2 on' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveTextContent('Filters2');
  });

  it('opens by keyboard with the focus on the first select, and Esc closes it back to the button', async () => {
    const user = userEvent.setup();
    setup();
    const toggle = screen.getByRole('button', { name: 'Filters' });
    toggle.focus();
    await user.keyboard('{Enter}');
    flushSync();
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('combobox', { name: 'Status' })).toHaveFocus();
    await user.tab();
    expect(screen.getByRole('combobox', { name: 'Owner' })).toHaveFocus();
    // Esc is the panel's: it does not reach the screen (whose Esc goes back).
    let reached = false;
    const onwindow = (event: KeyboardEvent) => {
      if (event.key === 'Escape') reached = true;
    };
    window.addEventListener('keydown', onwindow);
    await user.keyboard('{Escape}');
    window.removeEventListener('keydown', onwindow);
    flushSync();
    expect(reached).toBe(false);
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveFocus();
  });

  it('closes on a click elsewhere and keeps what was chosen', async () => {
    const filters = setup();
    const user = await openFilters();
    await user.selectOptions(screen.getByRole('combobox', { name: 'Due' }), 'Overdue');
    await user.click(screen.getByRole('searchbox', { name: 'Search' }));
    flushSync();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(filters.due).toBe('overdue');
    expect(screen.getByRole('button', { name: 'Filters, 1 on' })).toBeInTheDocument();
  });
});
