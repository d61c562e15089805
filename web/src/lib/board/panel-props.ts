import type { BoardStore } from '../live/board-store.svelte.ts';
import type { BoardReference } from './reference.svelte.ts';

/** What every board panel receives. */
export interface PanelProps {
  store: BoardStore;
  ref: BoardReference;
  /** Drill the board into a child region. */
  drill: (code: string) => void;
  /** Open an incident's card. */
  open: (id: number) => void;
}
