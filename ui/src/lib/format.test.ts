import { describe, expect, it } from 'vitest';
import { channelName, dueText, eventName, formatMaybeMoney, formatMoney, idWords, parseAmount, placeholderName, planPrice, relativeTime } from './format';

describe('formatMoney', () => {
  it('shows minor units in the currency with its code', () => {
    expect(formatMoney({ minor: 123_450, currency: 'USD' }, 'en-US')).toBe('USD\u00a01,234.50');
    expect(formatMoney({ minor: 1_500, currency: 'JPY' }, 'en-US')).toBe('JPY\u00a01,500');
    expect(formatMoney({ minor: 0, currency: 'EUR' }, 'en-US')).toBe('EUR\u00a00.00');
  });
});

describe('relativeTime', () => {
  const now = new Date('2026-11-21T10:00:00Z');
  it('says how long ago or how soon', () => {
    expect(relativeTime('2026-11-21T09:59:30Z', now)).toBe('just now');
    expect(relativeTime('2026-11-21T09:48:00Z', now)).toBe('12 min. ago');
    expect(relativeTime('2026-11-21T07:00:00Z', now)).toBe('3 hr. ago');
    expect(relativeTime('2026-11-23T10:00:00Z', now)).toBe('in 2 days');
  });
});

describe('channelName', () => {
  it('names channels for people', () => {
    expect(channelName('web_form')).toBe('Web form');
    expect(channelName('sms')).toBe('SMS');
  });
});

describe('eventName', () => {
  it('reads event kinds as sentences', () => {
    expect(eventName('offer_proposed')).toBe('Offer proposed');
    expect(eventName('received')).toBe('Received');
  });

  it('says abbreviations and compound words as people write them', () => {
    expect(eventName('csm_outcome_recorded')).toBe('CSM outcome recorded');
    expect(eventName('one_time_code_rejected')).toBe('One-time code rejected');
  });
});

describe('idWords', () => {
  it("puts an id the policy no longer names into words", () => {
    expect(idWords('account_credit')).toBe('Account credit');
    expect(idWords('server-2')).toBe('Server 2');
  });
});

describe('placeholderName', () => {
  it('names what a draft still lacks as the writer knows it', () => {
    expect(placeholderName('sender_name')).toBe('your name, for the sign-off');
    expect(placeholderName('effective_date')).toBe('the effective date');
    expect(placeholderName('something_new')).toBe('something new');
  });
});

describe('parseAmount', () => {
  it('reads amounts exactly in minor units', () => {
    expect(parseAmount('500', 'USD')).toBe(50_000);
    expect(parseAmount('1,234.5', 'USD')).toBe(123_450);
    expect(parseAmount(' 0.07 ', 'USD')).toBe(7);
    expect(parseAmount('1500', 'JPY')).toBe(1_500);
  });
  it('refuses what is not an exact amount', () => {
    for (const bad of ['', 'abc', '1.005', '-5', '1,23', '12,3456', '1e3']) expect(parseAmount(bad, 'USD')).toBeNull();
    expect(parseAmount('1.5', 'JPY')).toBeNull();
  });
});

describe('dueText', () => {
  const now = new Date('2026-11-21T10:00:00Z');
  it('counts down to a deadline and marks it overdue once past', () => {
    expect(dueText('2026-11-21T10:12:00Z', now)).toMatchObject({ overdue: false, text: 'due in 12 min.' });
    expect(dueText('2026-11-21T10:00:30Z', now)).toMatchObject({ overdue: false, text: 'due now' });
    expect(dueText('2026-11-21T09:59:40Z', now)).toMatchObject({ overdue: true, text: 'overdue just now' });
    expect(dueText('2026-11-21T07:00:00Z', now)).toMatchObject({ overdue: true, text: 'overdue 3 hr.' });
    expect(dueText('2026-11-19T10:00:00Z', now)).toMatchObject({ overdue: true, text: 'overdue 2 days' });
    expect(dueText('2026-11-19T10:00:00Z', now).title).toMatch(/^Due /);
  });
});

describe('formatMaybeMoney', () => {
  it('says an unknown amount is unknown, never zero', () => {
    expect(formatMaybeMoney(null)).toBe('Unknown');
    expect(formatMaybeMoney({ minor: 0, currency: 'USD' })).toMatch(/0\.00/);
  });
});

describe('planPrice', () => {
  it('gives the price with the period paid for, or what is known of them', () => {
    const price = { minor: 9_900, currency: 'USD' };
    expect(planPrice({ plan_price: price, billing_period_start: '2026-12-01', billing_period_end: '2027-01-01' })).toMatch(
      /^USD\s?99\.00 · 2026-12-01 to 2027-01-01$/,
    );
    expect(planPrice({ plan_price: price, billing_period_start: null, billing_period_end: null })).toMatch(/^USD\s?99\.00$/);
    expect(planPrice({ plan_price: null, billing_period_start: null, billing_period_end: null })).toBe('—');
  });
});
