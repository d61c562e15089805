export * from './regions.ts';
export * from './catalogue.ts';
export * from './users.ts';
export * from './incidents.ts';
export * from './stats.ts';
