export * from './city/index.ts';
export * from './seed-database.ts';
export * from './simulator/simulator.ts';
export * from './history/index.ts';
