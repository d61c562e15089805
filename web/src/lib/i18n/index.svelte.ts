import { en, zh, type MessageKey } from './messages.ts';
import { interpolate } from './interpolate.ts';

import type { Locale } from './locale.ts';
export type { Locale } from './locale.ts';
export type { MessageKey } from './messages.ts';
export { interpolate } from './interpolate.ts';

const STORAGE_KEY = 'cityops.locale';
const dictionaries: Record<Locale, Record<MessageKey, string>> = { zh, en };

/** The UI language; Chinese unless the user switched (remembered per browser). */
class I18n {
  #locale = $state<Locale>('zh');

  constructor() {
    if (typeof localStorage !== 'undefined' && localStorage.getItem(STORAGE_KEY) === 'en')
      this.#locale = 'en';
  }

  get locale(): Locale {
    return this.#locale;
  }

  set(locale: Locale): void {
    this.#locale = locale;
    if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, locale);
    if (typeof document !== 'undefined')
      document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en';
  }

  toggle(): void {
    this.set(this.#locale === 'zh' ? 'en' : 'zh');
  }

  t(key: MessageKey, params?: Record<string, string | number>): string {
    return interpolate(dictionaries[this.#locale][key], params);
  }
}

export const i18n = new I18n();

/** Translate in the current locale; reactive inside components. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return i18n.t(key, params);
}
