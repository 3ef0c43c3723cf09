import { describe, expect, it } from 'vitest';
import { uuidv7 } from './steps';

describe('uuidv7', () => {
  it('puts the time first, so later ids sort after earlier ones', () => {
    const zeros = new Uint8Array(10);
    const early = uuidv7(1_700_000_000_000, zeros);
    const late = uuidv7(1_700_000_000_001, zeros);
    expect(early < late).toBe(true);
    expect(early).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(early.startsWith('018bcfe5-6800')).toBe(true);
  });

  it('keeps the version and variant bits whatever the random bytes', () => {
    const id = uuidv7(0, new Uint8Array(10).fill(0xff));
    expect(id).toBe('00000000-0000-7fff-bfff-ffffffffffff');
  });
});
