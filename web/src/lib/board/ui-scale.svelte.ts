/** Root font size in px: the board sizes everything in rem so it scales from 1080p to 4K. */
class UiScale {
  #rem = $state(16);

  constructor() {
    if (typeof window === 'undefined') return;
    const read = (): void => {
      this.#rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    };
    read();
    window.addEventListener('resize', read);
  }

  get rem(): number {
    return this.#rem;
  }
}

export const uiScale = new UiScale();
