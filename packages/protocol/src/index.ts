export * from './events.ts';
export * from './incidents.ts';
export * from './rest.ts';
export * from './socket.ts';
