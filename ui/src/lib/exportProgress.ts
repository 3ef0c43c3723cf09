// An export's progress as the shell reports it (src-tauri/src/commands/exports.rs): every
// thousand rows read from the profile, then every thousand written into the file's format.
import { listen } from '@tauri-apps/api/event';
import type { ExportProgress } from './bindings';

/** Sent by the shell while a list is exported. */
export const EXPORT_PROGRESS_EVENT = 'holdfast://export-progress';

/**
 * Calls `handler` with each progress report; returns the function that stops listening. Outside
 * the app (the UI's unit tests) there is nothing to listen to.
 */
export function onExportProgress(handler: (progress: ExportProgress) => void): () => void {
  let stop: (() => void) | null = null;
  let stopped = false;
  listen<ExportProgress>(EXPORT_PROGRESS_EVENT, (event) => handler(event.payload))
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

/** How far an export is, 0 to 1: reading is the first half, writing the second. */
export function exportFraction(progress: ExportProgress): number {
  if (progress.total === 0) return progress.stage === 'writing' ? 1 : 0;
  const part = Math.min(progress.done, progress.total) / progress.total;
  return progress.stage === 'reading' ? part / 2 : 0.5 + part / 2;
}

/** The progress in words: "Reading 12,000 of 100,000 cases…". */
export function exportWords(progress: ExportProgress): string {
  const number = new Intl.NumberFormat('en-US');
  const stage = progress.stage === 'reading' ? 'Reading' : 'Writing';
  return `${stage} ${number.format(progress.done)} of ${number.format(progress.total)} ${progress.list}…`;
}
