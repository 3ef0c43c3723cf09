import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();
vi.mock('@tauri-apps/api/core', () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { namesIn, personName, people, refreshPeople, setPeople } = await import('./people.svelte');

describe('people', () => {
  beforeEach(() => {
    invoke.mockReset();
    setPeople([]);
  });

  it('names a person by their id once read, and shows an unknown id as it is', async () => {
    invoke.mockResolvedValue([
      { id: 'u-1', name: 'Ana Ruiz', active: true },
      { id: 'u-2', name: 'Bo Chen', active: false },
    ]);
    expect(personName('u-1')).toBe('u-1');
    await refreshPeople();
    expect(invoke).toHaveBeenCalledWith('list_people', {});
    expect(personName('u-1')).toBe('Ana Ruiz');
    expect(personName('u-2')).toBe('Bo Chen');
    expect(personName('Carla')).toBe('Carla');
    expect(personName(null)).toBe('');
    expect(people().map((p) => p.name)).toEqual(['Ana Ruiz', 'Bo Chen']);
  });

  it('keeps what it knew when the read fails, and shares one read between callers', async () => {
    setPeople([{ id: 'u-1', name: 'Ana Ruiz', active: true }]);
    invoke.mockRejectedValue({ kind: 'storage', message: 'busy' });
    await Promise.all([refreshPeople(), refreshPeople()]);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(personName('u-1')).toBe('Ana Ruiz');
  });

  it("puts names for the ids in a task's details, and leaves other words alone", () => {
    setPeople([
      { id: '0193-aa', name: 'Amy Account', active: true },
      { id: 'Spencer', name: 'Spencer', active: true },
    ]);
    expect(namesIn('Refund of 1500.00 USD under review, requested by 0193-aa: charged twice')).toBe(
      'Refund of 1500.00 USD under review, requested by Amy Account: charged twice',
    );
    expect(namesIn('Call Spencer')).toBe('Call Spencer');
  });
});
