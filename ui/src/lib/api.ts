// Calls into the Rust shell with the generated types: the command's name fixes its argument and
// result types, and every failure comes back as an AppError the screens can branch on.
import { invoke } from '@tauri-apps/api/core';
import type { AppError, Commands } from './bindings';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: AppError };

type ArgsOf<K extends keyof Commands> = Commands[K]['args'] extends null ? [] : [Commands[K]['args']];

export async function call<K extends keyof Commands>(
  command: K,
  ...args: ArgsOf<K>
): Promise<Outcome<Commands[K]['result']>> {
  try {
    const value = await invoke<Commands[K]['result']>(command, args.length ? { args: args[0] } : {});
    return { ok: true, value };
  } catch (raw) {
    return { ok: false, error: toAppError(raw) };
  }
}

/**
 * Every command rejects with our tagged error, arguments it cannot read included
 * (`invalid_arguments`). Only a call refused before any command runs (one the window is not
 * granted) is a plain string from Tauri; it becomes an internal error.
 */
export function toAppError(raw: unknown): AppError {
  if (raw !== null && typeof raw === 'object' && 'kind' in raw) return raw as AppError;
  const message = typeof raw === 'string' ? raw : raw instanceof Error ? raw.message : String(raw);
  return { kind: 'internal', message };
}

/** The message to show beside the control for `field`, if the error concerns it. */
export function fieldError(error: AppError | null, field: string): string | null {
  return error?.kind === 'validation' && error.field === field ? error.message : null;
}

/** A one-line description for errors that belong to no single field. */
export function describe(error: AppError): string {
  switch (error.kind) {
    case 'validation':
      return `${error.field.replaceAll('_', ' ')}: ${error.message}`;
    case 'invalid_rows':
      return `${error.rows.length} row${error.rows.length === 1 ? '' : 's'} cannot be imported; nothing was imported.`;
    case 'not_found':
      return `That ${error.entity} no longer exists.`;
    case 'invalid_arguments':
      return `Holdfast could not read what this screen sent (${error.command}${error.field ? `, ${error.field}` : ''}): ${error.message}.`;
    default:
      return error.message;
  }
}
