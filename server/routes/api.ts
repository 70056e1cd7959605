// JSON API v1. Routes only parse, authenticate and delegate: the rules live in services/
// and scoring/. Every route checks the role in the service it calls.
import { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { invalidField, unauthorized } from '../errors';
import * as assessment from '../services/assessment';
import * as contracts from '../services/contracts';
import { Actor, Ctx } from '../services/context';
import * as ledger from '../services/ledger';
import * as templates from '../services/templates';
import * as users from '../services/users';
import * as vendors from '../services/vendors';

declare module 'express-serve-static-core' {
  interface Request {
    actor?: Actor;
  }
}

type Handler = (req: Request, res: Response) => Promise<unknown>;

/** Wraps an async handler; a returned value is sent as JSON with the given status. */
const h = (fn: Handler, status = 200): RequestHandler => (req, res, next) => {
  fn(req, res).then(
    (body) => {
      if (!res.headersSent) res.status(status).json(body);
    },
    (err) => next(err),
  );
};

function intParam(req: Request, name: string): number {
  const raw = req.params[name];
  const n = Number(raw);
  if (!/^\d{1,9}$/.test(String(raw)) || n < 1) throw invalidField(name, `${name} 必须是正整数`);
  return n;
}

function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return m ? m[1] : null;
}

export function apiRouter(ctx: Ctx): Router {
  const r = Router();

  r.post('/auth/token', h((req) => users.issueToken(ctx, req.body)));

  // Everything below needs a valid bearer token.
  r.use((req: Request, _res: Response, next: NextFunction) => {
    const token = bearer(req);
    if (!token) return next(unauthorized('缺少访问令牌（Authorization: Bearer <token>）'));
    users.actorForToken(ctx, token).then(
      (actor) => {
        if (!actor) return next(unauthorized('访问令牌无效或已过期'));
        req.actor = actor;
        next();
      },
      (err) => next(err),
    );
  });
  const me = (req: Request) => req.actor as Actor;

  r.post('/auth/logout', h(async (req) => {
    await users.revokeToken(ctx, bearer(req) as string);
    return { ok: true };
  }));
  r.get('/me', h(async (req) => me(req)));

  r.get('/users', h((req) => users.listUsers(ctx, me(req))));
  r.post('/users', h((req) => users.createUser(ctx, me(req), req.body), 201));

  r.get('/vendors', h((req) => vendors.listVendors(ctx, me(req))));
  r.post('/vendors', h((req) => vendors.createVendor(ctx, me(req), req.body), 201));
  r.get('/vendors/:id', h((req) => vendors.getVendor(ctx, me(req), intParam(req, 'id'))));

  r.get('/templates', h(() => templates.listTemplates(ctx)));
  r.post('/templates', h((req) => templates.createTemplate(ctx, me(req), req.body), 201));
  r.get('/templates/:version', h((req) => templates.getTemplate(ctx, intParam(req, 'version'))));

  r.get('/contracts', h((req) => contracts.listContracts(ctx, me(req))));
  r.post('/contracts', h((req) => contracts.createContract(ctx, me(req), req.body), 201));
  r.get('/contracts/:id', h((req) => contracts.getContract(ctx, me(req), intParam(req, 'id'))));

  r.get('/contracts/:id/ledger', h((req) => ledger.listLines(ctx, me(req), intParam(req, 'id'), req.query)));
  r.post('/contracts/:id/ledger', h((req) => ledger.addLine(ctx, me(req), intParam(req, 'id'), req.body), 201));
  r.post('/contracts/:id/ledger/:lineId/withdraw', h((req) =>
    ledger.withdrawLine(ctx, me(req), intParam(req, 'id'), intParam(req, 'lineId'), req.body)));

  r.get('/contracts/:id/ratings', h((req) => ledger.listRatings(ctx, me(req), intParam(req, 'id'), req.query)));
  r.post('/contracts/:id/ratings', h((req) => ledger.addRating(ctx, me(req), intParam(req, 'id'), req.body), 201));
  r.post('/contracts/:id/ratings/:ratingId/withdraw', h((req) =>
    ledger.withdrawRating(ctx, me(req), intParam(req, 'id'), intParam(req, 'ratingId'), req.body)));

  r.get('/contracts/:id/penalties', h((req) => ledger.listPenalties(ctx, me(req), intParam(req, 'id'))));
  r.post('/contracts/:id/penalties', h((req) => ledger.addPenalty(ctx, me(req), intParam(req, 'id'), req.body), 201));
  r.post('/contracts/:id/penalties/:penaltyId/approve', h((req) =>
    ledger.approvePenalty(ctx, me(req), intParam(req, 'id'), intParam(req, 'penaltyId'))));
  r.post('/contracts/:id/penalties/:penaltyId/withdraw', h((req) =>
    ledger.withdrawPenalty(ctx, me(req), intParam(req, 'id'), intParam(req, 'penaltyId'), req.body)));

  r.get('/contracts/:id/periods/:n/scorecard', h((req) =>
    assessment.getScorecard(ctx, me(req), intParam(req, 'id'), intParam(req, 'n'))));
  r.post('/contracts/:id/periods/:n/sign', h((req) =>
    assessment.signPeriod(ctx, me(req), intParam(req, 'id'), intParam(req, 'n'))));
  r.get('/contracts/:id/payments', h((req) => assessment.getPayments(ctx, me(req), intParam(req, 'id'))));
  r.put('/contracts/:id/installments/:n/payment-status', h((req) =>
    assessment.setPaymentStatus(ctx, me(req), intParam(req, 'id'), intParam(req, 'n'), req.body)));

  r.get('/audit', h((req) => assessment.listAudit(ctx, me(req), req.query)));

  return r;
}
