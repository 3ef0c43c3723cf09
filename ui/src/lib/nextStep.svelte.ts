// Where the keyboard goes on a case page. The engine names the step the case leads with
// (`checklist.next_step`); the page shows that step first and puts the cursor in the control that
// takes it: a step's controls carry `data-action="<next action id>"` (a refund's with its id after a
// colon), so the markup says which control takes which action and this module only finds it.
import type { NextActionId } from './bindings';

/** The checklist sections of the case page, in the procedure's order. */
export type StepKey = 'acknowledge' | 'identity' | 'form' | 'reason' | 'offer' | 'csm' | 'refunds' | 'writeoff' | 'finalize' | 'after';

export const STEP_ORDER: StepKey[] = ['acknowledge', 'identity', 'form', 'reason', 'offer', 'csm', 'refunds', 'writeoff', 'finalize', 'after'];

/** The section each action is taken in; withdrawing and handing off are below the steps. */
export const STEP_OF: Record<NextActionId, StepKey | null> = {
  acknowledge: 'acknowledge',
  verify: 'identity',
  send_form: 'form',
  form_received: 'form',
  reason: 'reason',
  route: 'reason',
  send_reply: 'reason',
  retention: 'reason',
  enter_receivable: 'reason',
  offer: 'offer',
  approve_offer: 'offer',
  accept_offer: 'offer',
  decline_offer: 'offer',
  escalate: 'csm',
  refund: 'refunds',
  verify_refund: 'refunds',
  complete_refund: 'refunds',
  refund_status_check: 'refunds',
  write_off: 'writeoff',
  log: 'writeoff',
  finalize: 'finalize',
  confirm: 'after',
  feedback: 'after',
  win_back: 'after',
  withdraw: null,
  hand_off: null,
};

/**
 * The single-key shortcuts of a case page: each puts the cursor in the control that takes the
 * action (it does not take it: Enter does), so a stray key records nothing.
 */
export const CASE_KEYS: { key: string; actions: NextActionId[]; description: string }[] = [
  { key: 's', actions: [], description: 'Go to the next step' },
  { key: 'a', actions: ['acknowledge'], description: 'Acknowledge the request' },
  { key: 'v', actions: ['verify'], description: 'Verify the identity' },
  { key: 'r', actions: ['route', 'send_reply'], description: 'Route the case (or write the reply it decided)' },
  { key: 'o', actions: ['offer', 'approve_offer', 'accept_offer'], description: 'Retention offer' },
  { key: 'e', actions: ['escalate'], description: 'Escalate to a CSM' },
  { key: 'f', actions: ['finalize'], description: 'Finalize the cancellation' },
  { key: 'h', actions: ['hand_off'], description: 'Hand off to someone else' },
];

/** Other words a person may type for a case action in the palette. */
export const ACTION_KEYWORDS: Partial<Record<NextActionId, string>> = {
  hand_off: 'assign reassign transfer give owner',
  route: 'assign rep save call triage',
  refund: 'money credit',
  refund_status_check: 'follow up receipt arrived received confirm refund',
  finalize: 'cancel close',
  escalate: 'csm',
  verify: 'identity check',
};

// Asked for by whatever opened the case to work on it (Enter on an inbox row, a queue's Open, the
// palette) or finished a step outside the checklist (a message recorded): the checklist answers
// once it has drawn the case as it now is.
let requests = $state(0);

/** Asks the case page to put the cursor on its next step once it is drawn. */
export function requestNextStepFocus() {
  askedAt = Date.now();
  requests++;
}

/** How many times the next step was asked for; read it in an `$effect` to answer each request. */
export function nextStepRequests(): number {
  return requests;
}

const CONTROLS = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), button:not([disabled])';

/** The control of `form` a person starts with: the first empty field, or its first control. */
function startOf(form: HTMLElement): HTMLElement | null {
  const controls = Array.from(form.querySelectorAll<HTMLElement>(CONTROLS));
  const empty = controls.find(
    (control) =>
      (control instanceof HTMLInputElement && control.type !== 'checkbox' && control.type !== 'radio' && control.value === '') ||
      (control instanceof HTMLTextAreaElement && control.value === '') ||
      (control instanceof HTMLSelectElement && control.value === ''),
  );
  return empty ?? controls[0] ?? null;
}

/**
 * Puts the cursor in the control inside `root` that takes `action` (a button itself, a form's
 * first empty field), opening a closed disclosure around it. Returns whether it took the focus.
 */
export function focusAction(root: ParentNode, action: string): boolean {
  const targets = Array.from(root.querySelectorAll<HTMLElement>('[data-action]')).filter(
    (element) => element.dataset.action === action || element.dataset.action?.startsWith(`${action}:`),
  );
  for (const target of targets) {
    const details = target.closest('details');
    if (details && !details.open) details.open = true;
    const control = target instanceof HTMLFormElement ? startOf(target) : target;
    if (!control || (control as HTMLButtonElement).disabled) continue;
    control.focus();
    control.scrollIntoView?.({ block: 'nearest' });
    if (document.activeElement === control) return true;
  }
  return false;
}

// A request answered late (the case was still loading) still counts; one older than this does
// not, so a click on another case much later does not pull the cursor away.
const REQUEST_LIFETIME_MS = 5000;
let answered = 0;
let askedAt = 0;

/** Whether an unanswered request is waiting; taking it answers it. */
export function takeNextStepRequest(now: number = Date.now()): boolean {
  if (requests === answered) return false;
  answered = requests;
  return now - askedAt <= REQUEST_LIFETIME_MS;
}
