export { writeHistory, type HistoryCounts, type HistoryOptions } from './write-history.ts';
export {
  generateHistory,
  PATROL_HISTORY_DAYS,
  type GeneratedHistory,
  type GenerateOptions,
  type HistoryUsers,
  type UserRef,
} from './generate-history.ts';
