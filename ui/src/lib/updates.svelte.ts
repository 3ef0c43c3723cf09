// Updates: what the release server offers, shared by the banner (told at start) and Settings
// ("Check for updates"). Installing starts Holdfast again as the new version, so an answer comes
// back only when it failed.
import { listen } from '@tauri-apps/api/event';
import { call } from './api';
import type { AppError, AvailableUpdate } from './bindings';

export const UPDATE_AVAILABLE_EVENT = 'holdfast://update-available';

export const updates = $state<{
  current: string | null;
  available: AvailableUpdate | null;
  checking: boolean;
  installing: boolean;
  checked: boolean;
  error: AppError | null;
  dismissed: boolean;
}>({ current: null, available: null, checking: false, installing: false, checked: false, error: null, dismissed: false });

export async function checkForUpdate(): Promise<void> {
  updates.checking = true;
  updates.error = null;
  const outcome = await call('check_for_update');
  updates.checking = false;
  if (!outcome.ok) {
    updates.error = outcome.error;
    return;
  }
  updates.current = outcome.value.current;
  updates.available = outcome.value.available ?? null;
  updates.checked = true;
}

export async function installUpdate(): Promise<void> {
  const version = updates.available?.version;
  if (!version || updates.installing) return;
  updates.installing = true;
  updates.error = null;
  const outcome = await call('install_update', { version });
  // Reached only when the install failed: on success Holdfast starts again.
  updates.installing = false;
  if (!outcome.ok) updates.error = outcome.error;
}

/**
 * Listens for the start-up check's news; returns the function that stops listening. Outside the
 * app (the UI's unit tests) there is nothing to listen to.
 */
export function onUpdateAvailable(): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  listen<AvailableUpdate>(UPDATE_AVAILABLE_EVENT, (event) => {
    updates.available = event.payload;
    updates.dismissed = false;
  })
    .then((unlisten) => {
      if (stopped) unlisten();
      else stop = unlisten;
    })
    .catch(() => {});
  return () => {
    stopped = true;
    stop?.();
  };
}
