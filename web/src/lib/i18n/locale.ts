export type Locale = 'zh' | 'en';
