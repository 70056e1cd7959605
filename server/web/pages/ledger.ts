// User ratings (用户评价, the rated items) and contract-clause penalties (相应扣款): lists and
// forms. A penalty needs a clause, an amount within the clause, a reason and an approver other
// than the recorder (the service enforces all of it).
import { Request, Response, Router } from 'express';
import { Ctx } from '../../services/context';
import * as contracts from '../../services/contracts';
import * as ledger from '../../services/ledger';
import { loadTemplate } from '../../services/templates';
import { isRatingItem } from '../../../scoring/template';
import { actor, flash, formErrors, intParam, page, render, str, submitForm } from '../render';

export function registerLedgerPages(r: Router, ctx: Ctx): void {
  // ---- penalties
  async function showPenalties(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const id = intParam(req, 'id');
    const c = await contracts.getContract(ctx, actor(req), id);
    const list = await ledger.listPenalties(ctx, actor(req), id);
    render(res, 'ledger/penalties', { title: `扣款 · ${c.name}`, c, list, ...extra });
  }
  r.get('/contracts/:id/penalties', page(async (req, res) => showPenalties(req, res)));
  r.post('/contracts/:id/penalties', page(async (req, res) => {
    const id = intParam(req, 'id');
    const basis = str(req.body.basis);
    await submitForm(req, res, {
      run: async () => {
        await ledger.addPenalty(ctx, actor(req), id, {
          installment: str(req.body.installment) ? Number(req.body.installment) : undefined,
          clause: str(req.body.clause),
          amount: basis === 'amount' ? str(req.body.value) ?? '' : undefined,
          percent: basis === 'percent' ? str(req.body.value) ?? '' : undefined,
          units: basis === 'units' ? Number(str(req.body.value) ?? 'x') : undefined,
          reason: str(req.body.reason),
        });
        return `/contracts/${id}/penalties`;
      },
      ok: '扣款已记录，需由另一位合同管理员审批后生效',
      labels: { installment: '款项', clause: '合同条款', amount: '数值', percent: '数值', units: '数值', reason: '扣款原因' },
      rerender: async (errors) => {
        // the amount/percent/units the service names all belong to the one value field
        const fields = { ...errors.fields };
        fields.value = fields.value ?? fields.amount ?? fields.percent ?? fields.units;
        await showPenalties(req, res, { values: req.body, errors: { ...errors, fields } });
      },
    });
  }));
  const penaltyAction = (fn: (req: Request, id: number, pid: number) => Promise<unknown>, ok: string) =>
    page(async (req, res) => {
      const id = intParam(req, 'id');
      try {
        await fn(req, id, intParam(req, 'pid'));
        flash(req, ok);
      } catch (e) {
        const errors = formErrors(e);
        if (!errors) throw e;
        flash(req, errors.fields.reason ?? errors.message, 'error');
      }
      res.redirect(303, `/contracts/${id}/penalties`);
    });
  r.post('/contracts/:id/penalties/:pid/approve', penaltyAction((req, id, pid) => ledger.approvePenalty(ctx, actor(req), id, pid), '扣款已审批，计入相应款项'));
  r.post('/contracts/:id/penalties/:pid/withdraw', penaltyAction(
    (req, id, pid) => ledger.withdrawPenalty(ctx, actor(req), id, pid, { reason: str(req.body.reason) }),
    '扣款已撤销',
  ));

  // ---- ratings
  async function showRatings(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const id = intParam(req, 'id');
    const c = await contracts.getContract(ctx, actor(req), id);
    const template = await loadTemplate(ctx, c.templateVersion);
    const items = template.items.filter(isRatingItem);
    const list = await ledger.listRatings(ctx, actor(req), id, {});
    render(res, 'ledger/ratings', { title: `用户评价 · ${c.name}`, c, items, list, ...extra });
  }
  r.get('/contracts/:id/ratings', page(async (req, res) => showRatings(req, res)));
  r.post('/contracts/:id/ratings', page(async (req, res) => {
    const id = intParam(req, 'id');
    await submitForm(req, res, {
      run: async () => {
        await ledger.addRating(ctx, actor(req), id, {
          period: str(req.body.period) ? Number(req.body.period) : undefined,
          item: str(req.body.item) ? Number(req.body.item) : undefined,
          level: str(req.body.level) ? Number(req.body.level) : undefined,
          rater: str(req.body.rater) ?? null,
          note: str(req.body.note) ?? null,
        });
        return `/contracts/${id}/ratings`;
      },
      ok: '评价已记录',
      labels: { period: '考核期', item: '评价项', level: '等级', rater: '评价人', note: '说明' },
      rerender: async (errors) => showRatings(req, res, { values: req.body, errors }),
    });
  }));
  r.post('/contracts/:id/ratings/:rid/withdraw', page(async (req, res) => {
    const id = intParam(req, 'id');
    try {
      await ledger.withdrawRating(ctx, actor(req), id, intParam(req, 'rid'), { reason: str(req.body.reason) });
      flash(req, '评价已撤销');
    } catch (e) {
      const errors = formErrors(e);
      if (!errors) throw e;
      flash(req, errors.fields.reason ?? errors.message, 'error');
    }
    res.redirect(303, `/contracts/${id}/ratings`);
  }));
}
