// The desk's view of team sync: the latest SyncStatus from the shell, kept fresh, and the
// commands that change it (sync now, sign in, sign out) routed through here so every place that
// shows the state (the rail's footer, Settings, the palette's "Sync now") shows the same one.
//
// Why polling: the shell syncs in the background (with backoff) on its own; the window learns
// about it by asking `sync_status` every 2 s while it is visible, and at once after any sync
// command. Pushing it with Tauri events would need the event permissions granted to the window,
// and the capabilities are kept to the app's own commands (src-tauri/capabilities/default.json).
// `sync_status` reads a few numbers the shell already holds, so a poll costs next to nothing, and
// a hidden window (minimised, another workspace) does not poll at all.
//
// Use:
//   $effect(() => watchSync());          // keep the status fresh while the component is mounted
//   const status = $derived(syncStatus()); // the latest status (null until the first answer)
//   await syncNow();                     // one round now; the status follows
//
// `watchSync()` returns its own undo, so returning it from `$effect` stops polling when the last
// watcher is destroyed.

import { call, type Outcome } from './api';
import type { AppError, PendingExport, Rejoined, ServerSignIn, SyncState, SyncStatus } from './bindings';

/** How often the status is read while the window is visible. */
export const POLL_MS = 2000;

/** Where the desk should take the user in Settings: the server section or the sync problems. */
export type SyncFocus = 'server' | 'problems';

let status: SyncStatus | null = $state.raw(null);
let running = $state(false);
let commandError: AppError | null = $state.raw(null);
let focusRequest: SyncFocus | null = $state(null);

// Answers are applied in the order their requests were made: a poll that set out before
// "sync now" must not overwrite the status "sync now" came back with.
let issued = 0;
let applied = 0;

let watchers = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let inFlight = false;

/** The latest sync status (reactive); null until the shell has answered once. */
export function syncStatus(): SyncStatus | null {
  return status;
}

/** True while "sync now" runs. */
export function syncRunning(): boolean {
  return running;
}

/** Why the last sync command (sync now, sign out) failed, if it did; cleared by the next one. */
export function syncCommandError(): AppError | null {
  return commandError;
}

/** Whether the profile is bound to a team server (signed in or not). */
export function isBound(current: SyncStatus | null): boolean {
  return current !== null && BOUND.has(current.state);
}

const BOUND: ReadonlySet<SyncState> = new Set(['signed_out', 'offline', 'online', 'syncing', 'halted']);

/** Why "sync now" cannot run, or null when it can. */
export function syncNowRefusal(current: SyncStatus | null): string | null {
  if (current === null) return 'The sync state is not known yet';
  switch (current.state) {
    case 'local_only':
      return 'This profile is not connected to a team server';
    case 'halted':
      // The reason is shown inside sentences of its own ("… is not available: <reason>.").
      return `Syncing stopped: ${(current.halted ?? current.last_error ?? 'the server’s history changed').replace(/[.\s]+$/, '')}`;
    case 'signed_out':
      return 'Sign in to the team server first';
    default:
      return null;
  }
}

function apply(ticket: number, next: SyncStatus) {
  if (ticket < applied) return;
  applied = ticket;
  status = next;
}

function visible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

function schedule() {
  clearTimeout(timer);
  timer = undefined;
  if (watchers > 0 && visible()) timer = setTimeout(() => void refreshSync(), POLL_MS);
}

/** Reads the status now (and restarts the 2 s rhythm). */
export async function refreshSync(): Promise<void> {
  if (inFlight) return;
  inFlight = true;
  const ticket = ++issued;
  const outcome = await call('sync_status');
  inFlight = false;
  if (outcome.ok && outcome.value) apply(ticket, outcome.value);
  schedule();
}

function onvisibilitychange() {
  if (visible()) void refreshSync();
  else {
    clearTimeout(timer);
    timer = undefined;
  }
}

/** Keeps the status fresh until the returned function is called (return it from `$effect`). */
export function watchSync(): () => void {
  watchers++;
  if (watchers === 1) {
    document.addEventListener('visibilitychange', onvisibilitychange);
    void refreshSync();
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    watchers--;
    if (watchers === 0) {
      document.removeEventListener('visibilitychange', onvisibilitychange);
      clearTimeout(timer);
      timer = undefined;
    }
  };
}

/** Runs a sync command whose answer is the new status, then reads the status again. */
async function statusCommand(run: () => Promise<Outcome<SyncStatus>>): Promise<Outcome<SyncStatus>> {
  const ticket = ++issued;
  const outcome = await run();
  if (outcome.ok) apply(ticket, outcome.value);
  void refreshSync();
  return outcome;
}

/** One sync round now. Does nothing (and answers null) while one is already running. */
export async function syncNow(): Promise<Outcome<SyncStatus> | null> {
  if (running) return null;
  running = true;
  const outcome = await statusCommand(() => call('sync_now'));
  running = false;
  commandError = outcome.ok ? null : outcome.error;
  return outcome;
}

/** Signs in to the team server (the first time, binds this profile to the organisation). */
export function signIn(details: ServerSignIn): Promise<Outcome<SyncStatus>> {
  return statusCommand(() => call('connect_to_server', details));
}

/** Signs out of the team server; the profile stays bound to it and keeps its pending changes. */
export async function signOut(): Promise<Outcome<SyncStatus>> {
  const outcome = await statusCommand(() => call('sign_out_of_server'));
  commandError = outcome.ok ? null : outcome.error;
  return outcome;
}

/**
 * After syncing stopped: the OS save dialog, then the pending work written to the chosen file
 * (null when the dialog was cancelled).
 */
export function exportPendingWork(): Promise<Outcome<PendingExport | null>> {
  return call('export_pending_work');
}

/**
 * After syncing stopped: joins the organisation again as the same user (with the kept session,
 * or signing in with `password`), queues the pending work again and syncs.
 */
export async function rejoinServer(password: string | null): Promise<Outcome<Rejoined>> {
  const ticket = ++issued;
  const outcome = await call('rejoin_server', { password });
  if (outcome.ok) apply(ticket, outcome.value.status);
  void refreshSync();
  return outcome;
}

/** Asks Settings to bring a part of the team server section into view and focus it. */
export function requestSyncFocus(target: SyncFocus): void {
  focusRequest = target;
}

/** The pending focus request (reactive); Settings takes it with `takeSyncFocus`. */
export function syncFocusRequest(): SyncFocus | null {
  return focusRequest;
}

export function takeSyncFocus(): void {
  focusRequest = null;
}

/** Forgets everything; for tests, which share this module between them. */
export function resetSyncForTests(): void {
  status = null;
  running = false;
  commandError = null;
  focusRequest = null;
  // Answers to requests made before now are dropped.
  applied = ++issued;
  inFlight = false;
}
