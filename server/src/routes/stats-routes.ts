import { Router, type Response } from 'express';
import type { Services } from '../context.ts';
import { parse } from '../http/errors.ts';
import { principal } from '../auth/middleware.ts';
import { StatsContext } from '../stats/stats-context.ts';
import { getDailyReport } from '../stats/get-daily-report.ts';
import { getRangeReport } from '../stats/get-range-report.ts';
import { dailyTables, rangeTables, toCsv, toXlsx, type Table } from '../stats/export-report.ts';
import { DailyQuery, RangeQuery } from '../stats/validate.ts';

/** Leaders' statistics: JSON by default, `format=csv&table=…` or `format=xlsx` to download. */
export function statsRoutes(svc: Services): Router {
  const r = Router();
  const stats = new StatsContext(svc);

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
