/**
 * Every UI string of the web app, in one place: one file per area under `messages/`, merged here.
 * Chinese is the default; each area's `en` has the same keys (the type checker enforces it).
 */
import * as admin from './messages/admin.ts';
import * as board from './messages/board.ts';
import * as consoles from './messages/console.ts';
import * as field from './messages/field.ts';
import * as stats from './messages/stats.ts';

export const zh = {
  ...admin.zh,
  ...board.zh,
  ...consoles.zh,
  ...field.zh,
  ...stats.zh,
} as const;

export type MessageKey = keyof typeof zh;

export const en: Record<MessageKey, string> = {
  ...admin.en,
  ...board.en,
  ...consoles.en,
  ...field.en,
  ...stats.en,
};
