// j/k/arrow movement through a list, shared by every list screen. Returns the new index, or null
// when the key is not a movement key (so the caller lets it through).
export function moveSelection(key: string, index: number, length: number): number | null {
  if (length === 0) return null;
  if (key === 'j' || key === 'ArrowDown') return Math.min(index + 1, length - 1);
  if (key === 'k' || key === 'ArrowUp') return Math.max(index - 1, 0);
  if (key === 'Home') return 0;
  if (key === 'End') return length - 1;
  return null;
}

/** Keys typed into a field belong to the field, not to the list. */
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  return !!target && (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName));
}
