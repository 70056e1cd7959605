// The finance overview (付款计算): every contract's installments in one table, filtered by
// bureau, vendor and assessment period, with exact totals and, per installment, the form
// finance uses to record invoice received / paid. Managers may look; only finance and
// admins change a status (assessment.setPaymentStatus checks the role and the rules).
import { Request, Response, Router } from 'express';
import { Ctx, requireRole } from '../../services/context';
import * as assessment from '../../services/assessment';
import * as contracts from '../../services/contracts';
import { formatYuan, parseYuan } from '../../../scoring/decimal';
import { actor, FormErrors, intParam, page, render, str, submitForm } from '../render';

type Payments = Awaited<ReturnType<typeof assessment.getPayments>>;
type Installment = Payments['installments'][number];

interface Filters {
  bureau?: string;
  vendor?: number;
  period?: number;
}

function readFilters(source: Record<string, unknown>): Filters {
  const vendor = str(source.vendor);
  const period = str(source.period);
  return {
    bureau: str(source.bureau),
    vendor: vendor && /^\d{1,9}$/.test(vendor) ? Number(vendor) : undefined,
    period: period && /^\d{1,4}$/.test(period) ? Number(period) : undefined,
  };
}

/** The query string that brings back the same filters ('' when none). */
function filterQuery(f: Filters): string {
  const q = new URLSearchParams();
  if (f.bureau) q.set('bureau', f.bureau);
  if (f.vendor) q.set('vendor', String(f.vendor));
  if (f.period) q.set('period', String(f.period));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Sum of yuan strings, exactly (bigint fen). */
function sumYuan(values: (string | null)[]): string {
  return formatYuan(values.reduce((s, v) => s + (v ? parseYuan(v) : 0n), 0n));
}

/** Renders keeping a status set before (render() alone would answer a refused form with 200). */
function show(res: Response, view: string, data: Record<string, unknown>): void {
  render(res, view, data, res.statusCode);
}

export function registerFinancePages(r: Router, ctx: Ctx): void {
  async function overview(req: Request, res: Response, filters: Filters, extra: Record<string, unknown> = {}) {
    const me = actor(req);
    // vendors have their own contract pages; this cross-contract view is the bureau's
    requireRole(me, 'admin', 'finance', 'manager');
    const list = await contracts.listContracts(ctx, me);
    const payments = new Map<number, Payments>();
    for (const c of list) payments.set(c.id, await assessment.getPayments(ctx, me, c.id));

    const bureaus = [...new Set(list.map((c) => c.bureau))].sort();
    const vendors = [...new Map(list.map((c) => [c.vendor.id, c.vendor])).values()].sort((a, b) => a.id - b.id);
    let maxPeriod = 0;
    for (const p of payments.values()) for (const x of p.periods) maxPeriod = Math.max(maxPeriod, x.number);

    const rows: { c: (typeof list)[number]; i: Installment; periods: Payments['periods'] }[] = [];
    for (const c of list) {
      if (filters.bureau && c.bureau !== filters.bureau) continue;
      if (filters.vendor && c.vendor.id !== filters.vendor) continue;
      const p = payments.get(c.id) as Payments;
      for (const i of p.installments) {
        if (filters.period && !i.periods.includes(filters.period)) continue;
        rows.push({ c, i, periods: p.periods.filter((x) => i.periods.includes(x.number)) });
      }
    }
    const totals = {
      baseAmount: sumYuan(rows.map((x) => x.i.baseAmount)),
      penalties: sumYuan(rows.map((x) => x.i.penalties)),
      payable: sumYuan(rows.map((x) => x.i.payable)),
    };
    show(res, 'finance/index', {
      title: '付款计算',
      rows,
      totals,
      filters,
      query: filterQuery(filters),
      bureaus,
      vendors,
      maxPeriod,
      canChange: me.role === 'finance' || me.role === 'admin',
      target: null,
      ...extra,
    });
  }

  r.get('/finance', page(async (req, res) => overview(req, res, readFilters(req.query as Record<string, unknown>))));

  r.post('/finance/contracts/:id/installments/:n/payment-status', page(async (req, res) => {
    const id = intParam(req, 'id');
    const n = intParam(req, 'n');
    const filters = readFilters(req.body);
    await submitForm(req, res, {
      run: async () => {
        await assessment.setPaymentStatus(ctx, actor(req), id, n, {
          paymentStatus: str(req.body.paymentStatus),
          // what the form shows is what is stored: an emptied date is cleared
          invoiceDate: str(req.body.invoiceDate) ?? null,
          paidDate: str(req.body.paidDate) ?? null,
        });
        return `/finance${filterQuery(filters)}#inst-${id}-${n}`;
      },
      ok: '付款状态已更新',
      rerender: async (errors: FormErrors) => overview(req, res, filters, { target: { contractId: id, number: n }, values: req.body, errors }),
    });
  }));
}
