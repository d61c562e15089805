export * from './accounts.ts';
export * from './display-tokens.ts';
export * from './events.ts';
export * from './incidents.ts';
export * from './rest.ts';
export * from './socket.ts';
export * from './board-snapshot.ts';
