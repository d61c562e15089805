import { describe, expect, it } from 'vitest';
import { fromLocalInput, toLocalInput } from './datetime.ts';

describe('datetime-local in city time', () => {
  it('shows and reads a time in the city’s offset, whatever the browser zone', () => {
    const at = new Date('2026-03-01T16:30:00Z');
    expect(toLocalInput(at, 480)).toBe('2026-03-02T00:30');
    expect(fromLocalInput('2026-03-02T00:30', 480)?.toISOString()).toBe('2026-03-01T16:30:00.000Z');
    expect(fromLocalInput(toLocalInput(at, -300), -300)?.getTime()).toBe(at.getTime());
    expect(fromLocalInput('', 480)).toBeNull();
    expect(fromLocalInput('tomorrow', 480)).toBeNull();
  });
});
