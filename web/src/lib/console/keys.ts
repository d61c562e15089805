export interface ConsoleKeyHandlers {
  move(step: number): void;
  escape(): void;
  search?(): void;
  /** Single-key commands; an upper-case key means Shift + that key. */
  keys: Record<string, () => unknown>;
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement && (target.type === 'checkbox' || target.type === 'radio'))
    return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * The consoles' keyboard shortcuts. Keys act only outside form fields (Esc works anywhere);
 * modified keys other than Shift are left to the browser.
 */
export function handleConsoleKey(e: KeyboardEvent, h: ConsoleKeyHandlers): void {
  if (e.key === 'Escape') {
    h.escape();
    if (e.target instanceof HTMLElement) e.target.blur();
    return;
  }
  if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
  if (e.key === 'ArrowDown' || e.key === 'j') {
    e.preventDefault();
    h.move(1);
    return;
  }
  if (e.key === 'ArrowUp' || e.key === 'k') {
    e.preventDefault();
    h.move(-1);
    return;
  }
  if (e.key === '/' && h.search) {
    e.preventDefault();
    h.search();
    return;
  }
  const key = e.shiftKey ? e.key.toUpperCase() : e.key.toLowerCase();
  const run = h.keys[key];
  if (run) {
    e.preventDefault();
    run();
  }
}
