// What every step form of the case page shares: how it runs a command, where its error shows, and
// whether the current user may take the step (the engine's answer, carried by the checklist).
import type { AppError, CaseCommand, Checklist, MessageKind, Step } from './bindings';

export type StepProps = {
  checklist: Checklist;
  busy: boolean;
  /** Runs `command` for the form named `form`; a refusal shows beside that form. */
  run: (form: string, command: CaseCommand) => Promise<boolean>;
  /** The refusal to show beside `form`, if its last command was refused. */
  errorOf: (form: string) => string | null;
  error: AppError | null;
  /** Opens the policy's message `kind` in the messages panel, for steps that are a message. */
  onwrite?: ((kind: MessageKind) => void) | undefined;
};

/** Why the current user may not take `step`, in the engine's words, or null when they may. */
export function refusal(checklist: Checklist, step: Step): string | null {
  return checklist.permissions.find((p) => p.step === step)?.refused ?? null;
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Refund ids are
 * v7 so that they sort by the time they were requested, as the engine expects.
 */
export function uuidv7(now: number = Date.now(), random: Uint8Array = crypto.getRandomValues(new Uint8Array(10))): string {
  const bytes = new Uint8Array(16);
  let time = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes.set(random, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

