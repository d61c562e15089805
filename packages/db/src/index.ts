export * from './open.ts';
export * from './dir-lock.ts';
export * as schema from './schema/index.ts';
export * from './schema/index.ts';
