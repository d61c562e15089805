/**
 * True while the page is being printed (print preview, Chromium's print-to-PDF, or print media
 * emulation), so charts redraw with the white print palette; false again afterwards.
 */
export class PrintMode {
  #printing = $state(false);

  get printing(): boolean {
    return this.#printing;
  }

  /** Start listening; returns the disposer for onMount. */
  watch(): () => void {
    const mq = window.matchMedia('print');
    const sync = (): void => {
      this.#printing = mq.matches;
    };
    const before = (): void => {
      this.#printing = true;
    };
    const after = (): void => {
      this.#printing = mq.matches;
    };
    sync();
    mq.addEventListener('change', sync);
    window.addEventListener('beforeprint', before);
    window.addEventListener('afterprint', after);
    return () => {
      mq.removeEventListener('change', sync);
      window.removeEventListener('beforeprint', before);
      window.removeEventListener('afterprint', after);
    };
  }
}
