import type { IncidentDto } from '@cityops/protocol';

const STORAGE_KEY = 'cityops.console.alerts';
/** How long a new row stays highlighted. */
export const FRESH_MS = 8000;

/**
 * New-report alerts: every new row is highlighted for a few seconds; urgent ones also flash
 * the header and, if the user allows, play a short tone. Both switches are remembered.
 */
export class ConsoleAlerts {
  #sound = $state(true);
  #flash = $state(true);
  #fresh = $state.raw<ReadonlyMap<number, number>>(new Map());
  #urgentAt = $state(0);
  #audio: AudioContext | null = null;

  constructor() {
    if (typeof localStorage === 'undefined') return;
    try {
      const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as {
        sound?: boolean;
        flash?: boolean;
      };
      if (typeof saved.sound === 'boolean') this.#sound = saved.sound;
      if (typeof saved.flash === 'boolean') this.#flash = saved.flash;
    } catch {
      // ignore a damaged setting
    }
  }

  get sound(): boolean {
    return this.#sound;
  }
  get flash(): boolean {
    return this.#flash;
  }
  /** Time of the last urgent report (for the header flash). */
  get urgentAt(): number {
    return this.#urgentAt;
  }

  isFresh(id: number, now: number): boolean {
    const at = this.#fresh.get(id);
    return at !== undefined && now - at < FRESH_MS;
  }

  toggleSound(): void {
    this.#sound = !this.#sound;
    this.#save();
  }

  toggleFlash(): void {
    this.#flash = !this.#flash;
    this.#save();
  }

  /** Called with the incidents of each batch of new reports. */
  reported(incidents: readonly IncidentDto[]): void {
    const now = Date.now();
    const next = new Map([...this.#fresh].filter(([, at]) => now - at < FRESH_MS));
    for (const i of incidents) next.set(i.id, now);
    this.#fresh = next;
    if (!incidents.some((i) => i.priority === 'urgent')) return;
    if (this.#flash) this.#urgentAt = now;
    if (this.#sound) this.#beep();
  }

  dispose(): void {
    void this.#audio?.close();
    this.#audio = null;
  }

  #save(): void {
    if (typeof localStorage === 'undefined') return;
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ sound: this.#sound, flash: this.#flash }));
  }

  /** Two short soft tones; browsers allow audio only after the user has interacted once. */
  #beep(): void {
    try {
      this.#audio ??= new AudioContext();
      const ctx = this.#audio;
      for (const [offset, freq] of [
        [0, 880],
        [0.18, 1175],
      ] as const) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + offset);
        gain.gain.exponentialRampToValueAtTime(0.08, ctx.currentTime + offset + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + offset + 0.15);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + offset);
        osc.stop(ctx.currentTime + offset + 0.16);
      }
    } catch {
      // no audio device: the flash is enough
    }
  }
}
