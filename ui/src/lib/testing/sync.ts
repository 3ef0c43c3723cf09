// Sync statuses and notices as the shell would send them, for component tests; each test
// overrides what it is about.
import type { SyncNotice, SyncStatus } from '../bindings';

/** A profile signed in to a team server, online, with nothing pending. */
export function syncStatusFixture(overrides: Partial<SyncStatus> = {}): SyncStatus {
  return {
    state: 'online',
    server: 'https://sync.example.com',
    organisation: 'Acme Support',
    user: { name: 'Maria Lopez', roles: ['manager', 'billing'], active: true },
    pending: 0,
    last_sync_at: new Date(Date.now() - 3 * 60_000).toISOString(),
    last_error: null,
    attention: 0,
    halted: null,
    synced_events: 12,
    ...overrides,
  };
}

/** A profile that has never been connected to a server. */
export function localOnlyStatus(): SyncStatus {
  return syncStatusFixture({ state: 'local_only', server: null, organisation: null, user: null, last_sync_at: null });
}

export function noticeFixture(overrides: Partial<SyncNotice> = {}): SyncNotice {
  return {
    seq: 7,
    case_id: 'case-1',
    command: 'finalize',
    actor: 'Maria Lopez',
    decided_at: new Date(Date.now() - 60 * 60_000).toISOString(),
    problem: { kind: 'conflict', message: 'Carl Jensen finalized this case first.' },
    settled: true,
    ...overrides,
  };
}
