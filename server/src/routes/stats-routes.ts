import { Router, type Response } from 'express';
import { addDays, localDate } from '@cityops/domain';
import type { Services } from '../context.ts';
import { parse } from '../http/errors.ts';
import { principal } from '../auth/middleware.ts';
import { StatsContext } from '../stats/stats-context.ts';
import { getDailyReport } from '../stats/get-daily-report.ts';
import { getRangeReport } from '../stats/get-range-report.ts';
import { dailyTables, rangeTables, toCsv, toXlsx, type Table } from '../stats/export-report.ts';
import { DailyQuery, RangeQuery } from '../stats/validate.ts';

/** How often a warm server checks that yesterday is in the rollup (cheap once it is). */
const WARM_EVERY_MS = 15 * 60_000;

/**
 * Leaders' statistics: JSON by default, `format=csv&table=…` or `format=xlsx` to download.
 * `warm`: build the rollup up to yesterday in the background, after start and after each
 * midnight, so that a leader's first report does not wait for the days to be built, until
 * `stop` is aborted (the app's close).
 */
export function statsRoutes(
  svc: Services,
  opts: { warm?: boolean; stop?: AbortSignal } = {},
): Router {
  const r = Router();
  const stats = new StatsContext(svc);
  if (opts.warm) {
    const warm = (): void => {
      const yesterday = addDays(localDate(svc.now(), svc.utcOffsetMinutes), -1);
      stats.rollup.ensure([yesterday]).catch((err: unknown) => {
        svc.log.warn({ err }, 'statistics rollup not built in the background; reports build it');
      });
    };
    const first = setTimeout(warm, 5_000).unref();
    const every = setInterval(warm, WARM_EVERY_MS).unref();
    opts.stop?.addEventListener('abort', () => {
      clearTimeout(first);
      clearInterval(every);
    });
  }

  async function send(
    res: Response,
    format: string | undefined,
    base: string,
    tables: () => Table[],
    body: unknown,
    table?: string,
  ): Promise<void> {
    if (format === 'csv') {
      const csv = toCsv(tables(), table);
      res.setHeader('content-disposition', `attachment; filename="${base}-${csv.filename}.csv"`);
      res.type('text/csv; charset=utf-8').send(csv.body);
    } else if (format === 'xlsx') {
      const buf = await toXlsx(tables(), { title: base });
      res.setHeader('content-disposition', `attachment; filename="${base}.xlsx"`);
      res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(buf);
    } else {
      res.json(body);
    }
  }

  r.get('/stats/daily', async (req, res) => {
    const q = parse(DailyQuery, req.query, 'query');
    const report = await getDailyReport(
      { ctx: { svc, principal: principal(req) }, input: { date: q.date, scope: q.scope } },
      stats,
    );
    await send(
      res,
      q.format,
      `daily-${report.scope.code}-${report.date}`,
      () => dailyTables(report, q.lang ?? 'zh'),
      report,
      q.table,
    );
  });

  r.get('/stats/range', async (req, res) => {
    const q = parse(RangeQuery, req.query, 'query');
    const report = await getRangeReport(
      {
        ctx: { svc, principal: principal(req) },
        input: { from: q.from, to: q.to, scope: q.scope },
      },
      stats,
    );
    await send(
      res,
      q.format,
      `trend-${report.scope.code}-${report.from}-${report.to}`,
      () => rangeTables(report, q.lang ?? 'zh'),
      report,
      q.table,
    );
  });

  return r;
}
