import type { Logger } from 'pino';
import type { Db } from '@cityops/db';
import type { Principal } from '@cityops/domain';
import type { RegionIndex } from './regions/region-index.ts';

/** Told after a commit that new events exist, so the relay wakes without waiting to poll. */
export interface CommitSignal {
  committed(): void;
}

/** What every service operation receives: its dependencies, never globals. */
export interface Services {
  db: Db;
  regions: RegionIndex;
  now: () => Date;
  signal: CommitSignal;
  log: Logger;
  utcOffsetMinutes: number;
}

export interface Ctx {
  svc: Services;
  principal: Principal;
}
