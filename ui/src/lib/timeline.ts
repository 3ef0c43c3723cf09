// What a timeline line says about its event beyond the event's name, in the procedure's words:
// the route taken, the reason's and the offer's labels, who a case went to, a note's or a
// message's text. Stored ids (`save_call`, `not_using`, `discount`) never reach the page.
import type { Checklist, Money, Role } from './bindings';
import {
  MESSAGE_KIND_NAMES,
  ROLE_NAMES,
  ROUTE_NAMES,
  VERIFICATION_NAMES,
  WIN_BACK_OUTCOME_NAMES,
  channelName,
  formatMoney,
  idWords,
} from './format';

type Event = Record<string, unknown>;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value : null;
}

function money(value: unknown): string | null {
  const candidate = value as Money | null | undefined;
  return candidate && typeof candidate.minor === 'number' && typeof candidate.currency === 'string' ? formatMoney(candidate) : null;
}

/** A name the policy gives an id, or the id made into words when the policy no longer has it. */
function labelOf(id: unknown, choices: { id: string; label: string }[] | undefined): string | null {
  if (typeof id !== 'string') return null;
  return choices?.find((choice) => choice.id === id)?.label ?? idWords(id);
}

function lookup<T extends string>(names: Record<T, string>, value: unknown): string | null {
  return typeof value === 'string' && value in names ? names[value as T] : null;
}

function outcome(retained: unknown): string {
  return retained ? 'Saved' : 'Not saved';
}

/**
 * The words a timeline line adds to its event's name, or null when the name says it all. `names`
 * turns a user id into the person's name.
 */
export function timelineDetail(event: Event, checklist: Checklist | null, names: (id: string) => string): string | null {
  const parts: (string | null)[] = [];
  const person = (id: unknown) => (typeof id === 'string' && id ? names(id) : null);
  switch (event.kind) {
    case 'routed': {
      parts.push(lookup(ROUTE_NAMES, event.route));
      const to = person(event.assignee) ?? lookup(ROLE_NAMES, event.assignee_role as Role);
      if (to) parts.push(`for ${to}`);
      break;
    }
    case 'reason_captured':
      parts.push(labelOf(event.reason_id, checklist?.reasons), text(event.details));
      break;
    case 'offer_proposed':
    case 'offer_approved':
    case 'offer_accepted':
    case 'offer_declined':
      parts.push(labelOf(event.offer_id, checklist?.offers));
      if (event.kind === 'offer_proposed' && event.needs_approval) parts.push('outside the limits: needs approval');
      break;
    case 'escalated':
      parts.push(person(event.csm) ? `to ${person(event.csm)}` : null, text(event.note));
      break;
    case 'csm_outcome_recorded':
    case 'retention_outcome_recorded':
      parts.push(outcome(event.retained), text(event.note));
      break;
    case 'identity_verified':
      parts.push(lookup(VERIFICATION_NAMES, event.method), text(event.evidence));
      break;
    case 'acknowledged':
      parts.push(event.channel === 'call' ? 'by a call' : null, text(event.note));
      break;
    case 'message_sent': {
      const kind = lookup(MESSAGE_KIND_NAMES, event.message);
      const channel = typeof event.channel === 'string' ? channelName(event.channel) : null;
      parts.push(kind && channel ? `${kind} by ${channel}` : kind, text(event.body));
      // Sent by Holdfast over SMTP (issue 16): the mail server's receipt.
      const email = event.email as { message_id?: unknown; server_reply?: unknown } | null | undefined;
      if (email && typeof email.message_id === 'string')
        parts.push(`sent through the mail server as ${email.message_id}${typeof email.server_reply === 'string' ? ` (${email.server_reply})` : ''}`);
      break;
    }
    case 'cancellation_confirmed':
      parts.push(typeof event.channel === 'string' ? `by ${channelName(event.channel)}` : null);
      break;
    case 'refund_requested':
      parts.push(money(event.amount), text(event.justification));
      break;
    case 'refund_completed':
      parts.push(money(event.amount));
      break;
    case 'refund_denied':
      parts.push(text(event.reason));
      break;
    case 'refund_status_checked':
      parts.push(event.received === true ? 'the customer confirmed receipt' : 'not received', text(event.note));
      break;
    case 'invoices_written_off':
      parts.push(money(event.amount));
      break;
    case 'receivable_entered':
      parts.push(money(event.amount));
      break;
    case 'finalized':
      parts.push(typeof event.effective_date === 'string' ? `effective ${event.effective_date}` : null);
      break;
    case 'checklist_item_confirmed':
      parts.push(labelOf(event.item_id, checklist?.finalization_checklist), text(event.note));
      break;
    case 'win_back_outcome_recorded':
      parts.push(lookup(WIN_BACK_OUTCOME_NAMES, event.outcome), text(event.note));
      break;
    case 'handed_off': {
      const to = person(event.to) ?? lookup(ROLE_NAMES, event.to_role);
      parts.push(to ? `to ${to}` : null, text(event.reason));
      break;
    }
    default:
      parts.push(text(event.text) ?? text(event.body) ?? text(event.note));
  }
  const said = parts.filter((part): part is string => part !== null);
  return said.length ? said.join(' · ') : null;
}
