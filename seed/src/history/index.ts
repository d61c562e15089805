export { writeHistory, type HistoryCounts, type HistoryOptions } from './write-history.ts';
export {
  generateHistory,
  type GeneratedHistory,
  type GenerateOptions,
  type HistoryUsers,
  type UserRef,
} from './generate-history.ts';
