// The working calendar (工作日历): China's holidays and make-up working days by year, bundled
// for 2020-2026 and kept in the database so admins can import a new year or edit a day.
// A computation that needs a year with no data fails loudly (CalendarYearMissingError).
import { Transaction } from 'sequelize';
import { CalendarDayRow, CalendarYearRow, ContractRow } from '../../models';
import { CalendarDay, CompiledCalendar, compileCalendar, DEFAULT_WORKING_HOURS, WorkingInterval } from '../../scoring/calendar';
import { badRequest, notFound } from '../errors';
import { dateText, Joi, validate } from '../validate';
import { Actor, audit, Ctx, requireRole } from './context';

export async function loadCalendar(
  ctx: Ctx,
  timeZone: string,
  hours: readonly WorkingInterval[] = DEFAULT_WORKING_HOURS,
  transaction?: Transaction,
): Promise<CompiledCalendar> {
  const [years, days] = await Promise.all([
    ctx.db.models.CalendarYear.findAll({ raw: true, transaction }) as unknown as Promise<CalendarYearRow[]>,
    ctx.db.models.CalendarDay.findAll({ raw: true, transaction }) as unknown as Promise<CalendarDayRow[]>,
  ]);
  return compileCalendar({
    years: years.map((y) => Number(y.year)),
    days: days.map((d) => ({ date: d.date, kind: d.kind, name: d.name })),
    hours,
    timeZone,
  });
}

export async function contractCalendar(ctx: Ctx, contract: ContractRow, hours?: readonly WorkingInterval[], t?: Transaction) {
  return loadCalendar(ctx, contract.timeZone, hours ?? DEFAULT_WORKING_HOURS, t);
}

export async function getYear(ctx: Ctx, year: number) {
  const y = (await ctx.db.models.CalendarYear.findByPk(year, { raw: true })) as unknown as CalendarYearRow | null;
  if (!y) throw notFound(`工作日历没有 ${year} 年的数据，请管理员导入`);
  const all = (await ctx.db.models.CalendarDay.findAll({ raw: true, order: [['date', 'ASC']] })) as unknown as CalendarDayRow[];
  const days = all.filter((d) => d.date.startsWith(`${year}-`)).map((d) => ({ date: d.date, kind: d.kind, name: d.name }));
  const cal = await loadCalendar(ctx, 'Asia/Shanghai');
  return {
    year,
    source: y.source,
    days,
    workingDays: cal.workingDaysBetween(`${year}-01-01`, `${year}-12-31`).length,
  };
}

export async function listYears(ctx: Ctx) {
  const rows = (await ctx.db.models.CalendarYear.findAll({ raw: true, order: [['year', 'ASC']] })) as unknown as CalendarYearRow[];
  return rows.map((r) => ({ year: Number(r.year), source: r.source }));
}

const daySchema = Joi.object({
  date: dateText().required(),
  kind: Joi.string().valid('holiday', 'workday').required(),
  name: Joi.string().trim().min(1).max(50).required(),
});
const yearSchema = Joi.object({
  source: Joi.string().trim().max(200).default('管理员导入'),
  days: Joi.array().items(daySchema).max(366).required(),
});

/** Parses `date,kind,name` CSV text (header optional; kind: holiday/workday or 休/班). */
export function parseCalendarCsv(text: string): { date: string; kind: string; name: string }[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length && /date|日期/i.test(lines[0])) lines.shift();
  return lines.map((l) => {
    const [date = '', kind = '', name = ''] = l.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
    const k = kind === '休' ? 'holiday' : kind === '班' ? 'workday' : kind;
    return { date, kind: k, name };
  });
}

/**
 * Runs a calendar write in a transaction: by default its own; the API and the pages pass
 * evidence.withRedetection, which puts the write and the re-detection of every contract in one
 * transaction (a crash half-way leaves neither the calendar nor any ledger changed).
 */
export type CalendarWriteRunner = (write: (t: Transaction) => Promise<void>) => Promise<unknown>;

/** Replaces a whole year's holidays and make-up days. */
export async function importYear(ctx: Ctx, actor: Actor, year: number, body: unknown, run?: CalendarWriteRunner) {
  requireRole(actor, 'admin');
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw badRequest('年份无效', [{ path: 'year', message: '年份必须在 2000 到 2100 之间' }]);
  const input = validate<{ source: string; days: CalendarDay[] }>(yearSchema, body);
  const issues = input.days
    .map((d, i) => (d.date.startsWith(`${year}-`) ? null : { path: `days[${i}].date`, message: `日期 ${d.date} 不属于 ${year} 年` }))
    .filter((x): x is { path: string; message: string } => x !== null);
  const dates = new Set<string>();
  input.days.forEach((d, i) => {
    if (dates.has(d.date)) issues.push({ path: `days[${i}].date`, message: `日期 ${d.date} 重复` });
    dates.add(d.date);
  });
  if (issues.length) throw badRequest(issues[0].message, issues);
  const { CalendarDay: Day, CalendarYear: Year } = ctx.db.models;
  await (run ?? ((w) => ctx.db.sequelize.transaction(w)))(async (t) => {
    const before = await getYear(ctx, year).catch(() => null);
    const all = (await Day.findAll({ raw: true, transaction: t })) as unknown as CalendarDayRow[];
    const ofYear = all.filter((d) => d.date.startsWith(`${year}-`)).map((d) => d.date);
    if (ofYear.length) await Day.destroy({ where: { date: ofYear }, transaction: t });
    if (input.days.length) await Day.bulkCreate(input.days.map((d) => ({ ...d })), { transaction: t });
    await Year.destroy({ where: { year }, transaction: t });
    await Year.create({ year, source: input.source }, { transaction: t });
    await audit(ctx, t, actor, { action: 'calendar.import', entity: 'calendar_year', entityId: year, before, after: { year, source: input.source, days: input.days } });
  });
  return getYear(ctx, year);
}

const oneDaySchema = Joi.object({
  kind: Joi.string().valid('holiday', 'workday', 'default').required(),
  name: Joi.string().trim().max(50).allow('', null),
});

/** Edits one day: a holiday, a make-up working day, or back to the weekday default. */
export async function setDay(ctx: Ctx, actor: Actor, date: string, body: unknown, run?: CalendarWriteRunner) {
  requireRole(actor, 'admin');
  validate(Joi.object({ date: dateText().required() }), { date });
  const input = validate<{ kind: 'holiday' | 'workday' | 'default'; name?: string | null }>(oneDaySchema, body);
  const year = Number(date.slice(0, 4));
  const { CalendarDay: Day, CalendarYear: Year } = ctx.db.models;
  if (!(await Year.findByPk(year))) throw notFound(`工作日历没有 ${year} 年的数据，请先导入该年度`);
  if (input.kind !== 'default' && !input.name) throw badRequest('请填写节假日或调休名称', [{ path: 'name', message: '请填写名称' }]);
  await (run ?? ((w) => ctx.db.sequelize.transaction(w)))(async (t) => {
    const before = (await Day.findByPk(date, { raw: true, transaction: t })) as unknown as CalendarDayRow | null;
    await Day.destroy({ where: { date }, transaction: t });
    if (input.kind !== 'default') await Day.create({ date, kind: input.kind, name: input.name as string }, { transaction: t });
    await audit(ctx, t, actor, {
      action: 'calendar.set_day', entity: 'calendar_day', entityId: date,
      before, after: input.kind === 'default' ? null : { date, kind: input.kind, name: input.name },
    });
  });
  return getYear(ctx, year);
}
