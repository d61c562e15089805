/**
 * What counting a board snapshot costs on the main thread, and how much of it is reading the
 * times: N random incidents (the unit tests' generator), the board's whole recount
 * (`BoardAggregates.reset`) side by side with only the `Date.parse` of the four times per
 * incident that it reads (`kpiTimes`). Rounds alternate; medians printed.
 *   pnpm bench board-count [--incidents=50000] [--rounds=7]
 */
import { performance } from 'node:perf_hooks';
import { localDayStart } from '@cityops/domain';
import type { IncidentDto } from '@cityops/protocol';
import { BoardAggregates } from '../../web/src/lib/live/board-aggregates.ts';
import { RANDOM_DAY, randomIncident, seeded } from '../../web/src/lib/live/fixtures.ts';
import { flags, roundsTable } from './bench-util.ts';

const opt = flags(process.argv.slice(2), { incidents: '50000', rounds: '7' });
const N = Number(opt.incidents);
const rand = seeded(3);
const incidents: IncidentDto[] = Array.from({ length: N }, (_, k) => randomIncident(rand, k + 1));
const dayStart = localDayStart(new Date(RANDOM_DAY), 480).getTime();

/** The `Date.parse` of the times kpiTimes reads of each incident; returns a checksum. */
function readTimes(): number {
  const parse = Date.parse;
  let sum = 0;
  for (const i of incidents) {
    sum += parse(i.reportedAt) + parse(i.deadline);
    if (i.filedAt !== null) sum += parse(i.filedAt);
    if (i.resolvedAt !== null) sum += parse(i.resolvedAt);
  }
  return sum;
}

const timed = (f: () => unknown): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
const runs: Record<string, number[]> = { 'BoardAggregates.reset': [], 'its Date.parse': [] };
for (let r = 0; r < Number(opt.rounds); r++) {
  runs['its Date.parse']!.push(timed(() => readTimes()));
  runs['BoardAggregates.reset']!.push(
    timed(() => new BoardAggregates().reset(incidents, dayStart, 1)),
  );
}
console.log(`\nboard count: ${N} incidents, ${opt.rounds} rounds (median, and each round)\n`);
console.log(roundsTable('', runs));
