import { render, screen, within } from '@testing-library/svelte';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';

vi.mock('@tauri-apps/api/core', () => ({ invoke: () => new Promise(() => {}) }));

const { default: Rail } = await import('./Rail.svelte');

const NO_OFFERS = 'This procedure has no offers that need approval: it makes no retention offers';

describe('Rail', () => {
  it('dims a queue the procedure never fills, with the reason as its tooltip and description, and still opens it', async () => {
    const onnavigate = vi.fn();
    render(Rail, {
      current: 'inbox',
      profileDir: '/profile',
      userName: 'Amy',
      counts: { finalizations: 2 },
      unused: { offer_approvals: NO_OFFERS },
      onnavigate,
    });
    const rail = screen.getByRole('navigation', { name: 'Screens' });
    const offers = within(rail).getByRole('button', { name: 'Offer approvals' });
    expect(offers).toHaveClass('unused');
    expect(offers).toHaveAccessibleDescription(NO_OFFERS);
    expect(within(offers).getByTitle(`Offer approvals: ${NO_OFFERS}`)).toBeInTheDocument();
    expect(offers).toBeEnabled();

    // A queue in use is neither dimmed nor described.
    const finalizations = within(rail).getByRole('button', { name: 'Finalizations' });
    expect(finalizations).not.toHaveClass('unused');
    expect(finalizations).not.toHaveAttribute('aria-describedby');

    await userEvent.setup().click(offers);
    expect(onnavigate).toHaveBeenCalledWith('offer_approvals');
  });
});
