// How money, time and the engine's values read on the desk: money always with its currency, never
// converted; times relative where urgency matters, with the absolute instant for a tooltip; every
// stored value (a route, a message kind, an event) in a person's words, never its raw id.
import type { MessageKind, Money, Role, Route, TaskKind, VerificationMethod, WinBackOutcome } from './bindings';

/**
 * Intl formatters are costly to create (WebKit loads locale data for each one) and cheap to
 * reuse, and the inbox formats several times per row: each is made once per locale and options.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter as T;
}

let detectedLocale: string | null = null;

/** The user's locale as the webview reports it; Intl's own default can be the bare "C" locale. */
function userLocale(): string {
  detectedLocale ??= detectLocale();
  return detectedLocale;
}

function detectLocale(): string {
  const wanted = typeof navigator !== 'undefined' ? navigator.language : '';
  try {
    const [supported] = Intl.NumberFormat.supportedLocalesOf(wanted ? [wanted] : []);
    if (supported && supported !== 'und') return supported;
  } catch {
    // Not a well-formed language tag (WebKit reports "c" under the POSIX locale).
  }
  return 'en-US';
}

export function formatMoney(money: Money, locale: string = userLocale()): string {
  const digits = minorDigits(money.currency);
  const amount = money.minor / 10 ** digits;
  return cached(
    `money ${locale} ${money.currency}`,
    () =>
      new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: money.currency,
        currencyDisplay: 'code',
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      }),
  ).format(amount);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "3 h ago", "in 12 min", "just now". */
export function relativeTime(instant: string, now: Date = new Date()): string {
  const delta = new Date(instant).getTime() - now.getTime();
  const size = Math.abs(delta);
  if (size < 60_000) return 'just now';
  const format = cached('relative', () => new Intl.RelativeTimeFormat('en', { numeric: 'always', style: 'short' }));
  for (const [unit, length] of UNITS) {
    if (size >= length) return format.format(Math.trunc(delta / length), unit);
  }
  return 'just now';
}

export function absoluteTime(instant: string): string {
  return cached('absolute', () => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })).format(
    new Date(instant),
  );
}

const CHANNEL_NAMES: Record<string, string> = {
  email: 'E-mail',
  phone: 'Phone',
  chat: 'Chat',
  web_form: 'Web form',
  sms: 'SMS',
};

export function channelName(channel: string): string {
  return CHANNEL_NAMES[channel] ?? channel;
}

/** Roles as people say them. */
export const ROLE_NAMES = {
  account_manager: 'Account manager',
  csm: 'Customer success manager',
  manager: 'Manager',
  billing: 'Billing',
  sales: 'Sales rep',
  admin: 'Administrator',
} as const satisfies Record<Role, string>;

/** A task's kind as the queue says it. */
export const TASK_KIND_NAMES = {
  save_call: 'Save call',
  csm_escalation: 'CSM escalation',
  refund_review: 'Refund to verify',
  refund_processing: 'Refund to process',
  win_back: 'Win-back check-in',
  hand_off: 'Handed off',
  billing_heads_up: 'Billing heads-up',
  form_reminder: 'Form reminder',
  refund_status_check: 'Refund status check',
} as const satisfies Record<TaskKind, string>;

/** A deadline at `now`: "due in 3 hr.", "due now", "overdue 2 days", with the instant for a tooltip. */
export function dueText(due: string, now: Date = new Date()): { overdue: boolean; text: string; title: string } {
  const left = new Date(due).getTime() - now.getTime();
  const title = `Due ${absoluteTime(due)}`;
  if (left >= 60_000) return { overdue: false, text: `due ${relativeTime(due, now)}`, title };
  if (left >= 0) return { overdue: false, text: 'due now', title };
  if (left > -60_000) return { overdue: true, text: 'overdue just now', title };
  return { overdue: true, text: `overdue ${relativeTime(due, now).replace(/ ago$/, '')}`, title };
}

/** Money that may be unknown (an export that left A/R empty): unknown is not zero. */
export function formatMaybeMoney(money: Money | null | undefined): string {
  return money ? formatMoney(money) : 'Unknown';
}

/**
 * A plan's price with the billing period paid for ("USD 99.00 · 2026-12-01 to 2027-01-01"; the
 * end is the next period's first day, as the export gives it); "—" when the export had neither.
 */
export function planPrice(
  account: { plan_price: Money | null; billing_period_start: string | null; billing_period_end: string | null },
): string {
  const period =
    account.billing_period_start && account.billing_period_end
      ? `${account.billing_period_start} to ${account.billing_period_end}`
      : null;
  const parts = [account.plan_price ? formatMoney(account.plan_price) : null, period].filter((part) => part !== null);
  return parts.length ? parts.join(' · ') : '—';
}

/** A route as the procedure says it. */
export const ROUTE_NAMES = {
  save_call: 'Save call by the sales rep',
  sympathetic_reply: 'Sympathetic reply with the exit survey',
  escalate_to_csm: 'Escalate to a customer success manager',
  manager_retention: 'Retention by a manager',
  continue: 'Continue with the procedure',
  hand_off: 'Hand off to a person or team',
} as const satisfies Record<Route, string>;

/** A message template's kind, as the template picker and the palette name it. */
export const MESSAGE_KIND_NAMES = {
  acknowledgement: 'Acknowledgement',
  sympathetic_reply: 'Sympathetic reply',
  offer: 'Offer',
  offer_applied: 'Offer applied',
  under_review: 'Refund under review',
  refund_notice: 'Refund notice',
  confirmation: 'Confirmation',
  exit_survey: 'Exit survey',
  win_back: 'Win-back',
} as const satisfies Record<MessageKind, string>;

export const VERIFICATION_NAMES = {
  email_on_file: 'E-mail on file',
  callback_to_phone_on_file: 'Call back on the phone on file',
  one_time_code: 'One-time code',
  security_question: 'Security question',
} as const satisfies Record<VerificationMethod, string>;

export const WIN_BACK_OUTCOME_NAMES = {
  reactivated: 'Came back',
  declined: 'Declined',
  no_answer: 'No answer',
} as const satisfies Record<WinBackOutcome, string>;

/** A template's placeholder as the person filling it in knows it ("sender_name" → "your name"). */
const PLACEHOLDER_NAMES: Record<string, string> = {
  customer_name: "the customer's name",
  account_name: "the account's name",
  effective_date: 'the effective date',
  offer: 'the offer',
  amount: 'the amount',
  survey_link: 'the survey link',
  reason: 'the reason for leaving',
  form_submit_to: 'where to submit the form',
  form_instructions: 'how to fill in the form',
  sender_name: 'your name, for the sign-off',
};

export function placeholderName(name: string): string {
  return PLACEHOLDER_NAMES[name] ?? name.replaceAll('_', ' ');
}

/** Events whose kind, made into words, would not read as a person says it. */
const EVENT_NAMES: Record<string, string> = {
  identity_verified: 'Identity verified',
  one_time_code_sent: 'One-time code sent',
  one_time_code_rejected: 'One-time code rejected',
  routed: 'Routed',
  escalated: 'Escalated to a CSM',
  csm_outcome_recorded: 'CSM outcome recorded',
  retention_outcome_recorded: 'Retention outcome recorded',
  request_logged: 'Logged in the cancellation sheet',
  checklist_item_confirmed: 'Checklist item confirmed',
  cancellation_confirmed: 'Cancellation confirmed to the customer',
  win_back_scheduled: 'Win-back check-ins scheduled',
  win_back_outcome_recorded: 'Win-back check-in recorded',
  conflict_recorded: 'Sync conflict recorded',
  receivable_entered: 'Accounts receivable entered',
  handed_off: 'Handed off',
  message_sent: 'Message sent',
};

/**
 * A stored id the policy no longer names, in words ("account_credit" → "Account credit"): better
 * than the raw id, though the policy's own label is always preferred where it has one.
 */
export function idWords(id: string): string {
  const words = id.replaceAll(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An event or command kind in words ("offer_proposed" → "Offer proposed"). */
export function eventName(kind: string): string {
  const known = EVENT_NAMES[kind];
  if (known) return known;
  const words = kind.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Digits after the decimal point for a currency, as Intl knows it (2 for USD, 0 for JPY). */
export function minorDigits(currency: string): number {
  return (
    cached(`digits ${currency}`, () => new Intl.NumberFormat('en', { style: 'currency', currency })).resolvedOptions()
      .maximumFractionDigits ?? 2
  );
}

/**
 * An amount typed by a person ("500", "1,234.50") in minor units, or null when it is not an exact
 * amount in that currency. The engine checks it again; this only lets the form say so early.
 */
export function parseAmount(text: string, currency: string): number | null {
  const digits = minorDigits(currency);
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$/.exec(text.trim());
  if (!match) return null;
  const whole = (match[1] ?? '').replaceAll(',', '');
  const fraction = match[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : null;
}
