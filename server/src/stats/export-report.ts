/**
 * Every table of a report as CSV (one table) or XLSX (one sheet per table). Rates stay numbers
 * (shares, shown as percentages in Excel), so the exported figures are the API's figures.
 */
import ExcelJS from 'exceljs';
import {
  INDICATORS,
  changeOf,
  indicatorValue,
  type DailyReport,
  type IndicatorDef,
  type Indicators,
  type RangeReport,
  type StatsRow,
} from '@cityops/domain';
import { badRequest } from '../http/errors.ts';
import { INDICATOR_LABELS, TABLE_LABELS, COLUMN_LABELS, type Lang } from './labels.ts';

type Cell = string | number | null;

export interface Column {
  key: string;
  label: string;
  /** Rates are shares; Excel shows them as percentages. */
  format?: 'percent' | 'decimal';
}

export interface Table {
  name: string;
  title: string;
  columns: Column[];
  rows: Cell[][];
}

const col = (key: string, lang: Lang, format?: Column['format']): Column => ({
  key,
  label: COLUMN_LABELS[key]?.[lang] ?? INDICATOR_LABELS[key]?.[lang] ?? key,
  ...(format ? { format } : {}),
});

function fmtOf(def: IndicatorDef): Column['format'] {
  return def.unit === 'rate' ? 'percent' : def.unit === 'count' ? undefined : 'decimal';
}

/** The indicators shown for each row of a breakdown table. */
const ROW_INDICATORS = INDICATORS.filter((d) =>
  [
    'reported',
    'filed',
    'dispatched',
    'returned',
    'dispatchAccuracy',
    'resolved',
    'onTimeRate',
    'closed',
    'selfResolved',
    'reworkRate',
    'overdueOpen',
    'resolutionMedian',
  ].includes(d.key),
);

function rowTable(
  name: string,
  lang: Lang,
  rows: StatsRow[],
  defs: readonly IndicatorDef[] = ROW_INDICATORS,
): Table {
  return {
    name,
    title: TABLE_LABELS[name]?.[lang] ?? name,
    columns: [col('code', lang), col('name', lang), ...defs.map((d) => col(d.key, lang, fmtOf(d)))],
    rows: rows.map((r) => [
      r.code,
      lang === 'en' ? (r.nameEn ?? r.name) : r.name,
      ...defs.map((d) => indicatorValue(r.indicators, d.key)),
    ]),
  };
}

function indicatorTable(
  lang: Lang,
  current: Indicators,
  comparisons: { key: string; value: Indicators | null }[],
): Table {
  return {
    name: 'indicators',
    title: TABLE_LABELS.indicators![lang],
    columns: [
      col('indicator', lang),
      col('key', lang),
      col('value', lang, 'decimal'),
      ...comparisons.flatMap((c) => [
        col(c.key, lang, 'decimal'),
        col(`${c.key}Change`, lang, 'decimal'),
      ]),
    ],
    rows: INDICATORS.map((d) => [
      INDICATOR_LABELS[d.key]?.[lang] ?? d.key,
      d.key,
      indicatorValue(current, d.key),
      ...comparisons.flatMap((c) => [
        c.value ? indicatorValue(c.value, d.key) : null,
        changeOf(d, current, c.value),
      ]),
    ]),
  };
}

export function dailyTables(r: DailyReport, lang: Lang): Table[] {
  const workers = [
    ...r.workers.best.map((w) => ({ w, list: 'best' })),
    ...r.workers.worst.map((w) => ({ w, list: 'worst' })),
  ];
  return [
    indicatorTable(lang, r.indicators, [
      { key: 'previousDay', value: r.previousDay },
      { key: 'lastWeek', value: r.lastWeek },
      { key: 'lastYear', value: r.lastYear },
    ]),
    rowTable('regions', lang, r.regions),
    rowTable('departments', lang, r.departments),
    {
      name: 'workers',
      title: TABLE_LABELS.workers![lang],
      columns: [
        'list',
        'gridCode',
        'name',
        'username',
        'gridReported',
        'selfResolved',
        'gridsVisited',
      ].map((k) => col(k, lang)),
      rows: workers.map(({ w, list }) => [
        COLUMN_LABELS[list]![lang],
        w.gridCode,
        w.name,
        w.username,
        w.indicators.gridReported,
        w.indicators.selfResolved,
        w.indicators.gridsVisited,
      ]),
    },
    rowTable('categories', lang, r.categories),
    {
      name: 'overdue',
      title: TABLE_LABELS.overdue![lang],
      columns: [
        'id',
        'category',
        'state',
        'department',
        'regionName',
        'gridCode',
        'reportedAt',
        'deadline',
        'hoursOverdue',
      ].map((k) => col(k, lang, k === 'hoursOverdue' ? 'decimal' : undefined)),
      rows: r.overdue.map((o) => [
        o.id,
        o.category,
        o.state,
        o.department,
        o.regionName,
        o.gridCode,
        o.reportedAt,
        o.deadline,
        o.hoursOverdue,
      ]),
    },
    {
      name: 'hourly',
      title: TABLE_LABELS.hourly![lang],
      columns: [col('hour', lang), col('reported', lang)],
      rows: r.hourly.map((n, h) => [h, n]),
    },
    {
      name: 'sources',
      title: TABLE_LABELS.sources![lang],
      columns: [col('source', lang), col('reported', lang)],
      rows: [
        ...r.sources.map((s) => [s.source, s.reported]),
        ...r.kinds.map((k) => [k.kind, k.reported]),
      ],
    },
  ];
}

const TREND_INDICATORS = INDICATORS;

export function rangeTables(r: RangeReport, lang: Lang): Table[] {
  return [
    indicatorTable(lang, r.total, [
      { key: 'previousPeriod', value: r.previous },
      { key: 'lastYear', value: r.lastYear },
    ]),
    {
      name: 'trend',
      title: TABLE_LABELS.trend![lang],
      columns: [col('date', lang), ...TREND_INDICATORS.map((d) => col(d.key, lang, fmtOf(d)))],
      rows: r.days.map((d) => [
        d.date,
        ...TREND_INDICATORS.map((x) => indicatorValue(d.indicators, x.key)),
      ]),
    },
    rowTable('categories', lang, r.categories),
    rowTable('departments', lang, r.departments),
    rowTable('regions', lang, r.regions),
    {
      name: 'heatmap',
      title: TABLE_LABELS.heatmap![lang],
      columns: [
        col('weekday', lang),
        ...Array.from({ length: 24 }, (_, h) => ({ key: `h${h}`, label: `${h}` })),
      ],
      rows: r.heatmap.map((row, wd) => [wd, ...row]),
    },
    {
      name: 'sources',
      title: TABLE_LABELS.sources![lang],
      columns: [col('source', lang), col('reported', lang)],
      rows: r.sources.map((s) => [s.source, s.reported]),
    },
  ];
}

function csvCell(v: Cell): string {
  if (v === null) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One table as CSV, with a BOM so Excel reads the Chinese headings as UTF-8. */
export function toCsv(
  tables: Table[],
  name: string | undefined,
): { filename: string; body: string } {
  const table = tables.find((t) => t.name === (name ?? tables[0]!.name));
  if (!table)
    throw badRequest('unknown table', { table: `one of ${tables.map((t) => t.name).join(', ')}` });
  const lines = [
    table.columns.map((c) => csvCell(c.label)).join(','),
    ...table.rows.map((r) => r.map(csvCell).join(',')),
  ];
  return { filename: table.name, body: `\ufeff${lines.join('\r\n')}\r\n` };
}

export async function toXlsx(tables: Table[], meta: { title: string }): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'cityops';
  wb.title = meta.title;
  for (const t of tables) {
    const ws = wb.addWorksheet(t.title.slice(0, 31));
    ws.columns = t.columns.map((c) => ({
      header: c.label,
      key: c.key,
      width: Math.max(10, Math.min(40, c.label.length * 2 + 4)),
      ...(c.format === 'percent'
        ? { style: { numFmt: '0.0%' } }
        : c.format === 'decimal'
          ? { style: { numFmt: '0.###' } }
          : {}),
    }));
    ws.getRow(1).font = { bold: true };
    for (const r of t.rows) ws.addRow(r);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
