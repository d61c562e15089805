import type { Component } from 'svelte';
import type { PanelProps } from '../panel-props.ts';
import CategoryMixPanel from './category-mix/CategoryMixPanel.svelte';
import DeptLeaderboardPanel from './dept-leaderboard/DeptLeaderboardPanel.svelte';
import ResolutionTimePanel from './resolution-time/ResolutionTimePanel.svelte';
import SourceMixPanel from './source-mix/SourceMixPanel.svelte';
import HourlyPanel from './hourly/HourlyPanel.svelte';
import RankingPanel from './ranking/RankingPanel.svelte';
import StateMixPanel from './state-mix/StateMixPanel.svelte';
import TickerPanel from './ticker/TickerPanel.svelte';

export interface PanelEntry {
  id: string;
  component: Component<PanelProps>;
  /** Share of the column's height. */
  grow: number;
}

/** The wallboard's side panels, top to bottom. Add a panel here and it appears on the board. */
export const LEFT_PANELS: readonly PanelEntry[] = [
  { id: 'category-mix', component: CategoryMixPanel, grow: 1.1 },
  { id: 'hourly', component: HourlyPanel, grow: 1 },
  { id: 'source-mix', component: SourceMixPanel, grow: 0.8 },
  { id: 'state-mix', component: StateMixPanel, grow: 0.8 },
];

export const RIGHT_PANELS: readonly PanelEntry[] = [
  { id: 'ranking', component: RankingPanel, grow: 1.05 },
  { id: 'dept-leaderboard', component: DeptLeaderboardPanel, grow: 0.95 },
  { id: 'resolution-time', component: ResolutionTimePanel, grow: 0.85 },
  { id: 'ticker', component: TickerPanel, grow: 1 },
];
