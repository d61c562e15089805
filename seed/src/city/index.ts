export { buildCity, generateCity, demoPoint } from './build-city.ts';
export type { City, CityRegion, CityScale } from './build-city.ts';
export { geometryArea } from './geometry.ts';
export { mulberry32 } from './prng.ts';
