// JSON API v1. Routes only parse, authenticate and delegate: the rules live in services/
// and scoring/. Every route checks the role in the service it calls.
import fs from 'node:fs';
import path from 'node:path';
import { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import { invalidField, unauthorized } from '../errors';
import * as assessment from '../services/assessment';
import { verifyAuditChain } from '../services/auditchain';
import * as calendar from '../services/calendar';
import * as contracts from '../services/contracts';
import * as evidence from '../services/evidence';
import * as imports from '../services/imports';
import { Actor, Ctx } from '../services/context';
import * as ledger from '../services/ledger';
import * as templates from '../services/templates';
import * as users from '../services/users';
import * as vendors from '../services/vendors';
import * as workflow from '../services/workflow';
import * as inbox from '../services/inbox';
import * as submissions from '../services/submissions';
import * as exportsSvc from '../services/exports';
import { attachment, exportDownloadRoutes, sendZip, uploadedBuffers, uploadError, verifyUploader } from './exports';

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

/** Sends a stored attachment as a download (never rendered inline: it is user-supplied). */
export function sendStoredFile(res: Response, file: { name: string; mime: string }, p: string): void {
  res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.type('application/octet-stream');
  res.sendFile(p);
}

function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return m ? m[1] : null;
}

export function apiRouter(ctx: Ctx): Router {
  const r = Router();
  const tmpDir = path.join(ctx.config.dataDir, 'uploads', 'tmp');
  const uploader = multer({ dest: tmpDir, limits: { fileSize: ctx.config.uploadMaxMb * 1024 * 1024, files: 1, fields: 10 } });
  /** multipart field `file` (CSV or XLSX) and optional `mapping` (JSON) → import; the temporary file is always removed. */
  const upload = (kind: imports.ImportKind): RequestHandler => (req, res, next) => {
    // Who and which contract are checked before a byte of the file is received.
    let contractId: number;
    try {
      contractId = intParam(req, 'id');
    } catch (e) {
      return next(e);
    }
    imports.checkImportAllowed(ctx, me(req), contractId).then(() => {
      fs.mkdirSync(tmpDir, { recursive: true });
      uploader.single('file')(req, res, (err?: unknown) => {
        const file = req.file;
        const cleanup = () => {
          // after a failed upload req.file may be a placeholder without a path
          if (file?.path) fs.rm(file.path, { force: true }, () => undefined);
        };
        if (err) {
          cleanup();
          return next(uploadError(err));
        }
        imports
          .importFile(ctx, me(req), contractId, kind, file, req.body?.mapping)
          .then((body) => res.status(200).json(body), (e) => next(e))
          .finally(cleanup);
      });
    }, (e) => next(e));
  };

  /** multipart field `file`: an attachment; the temporary file is removed once stored. */
  const attach: RequestHandler = (req, res, next) => {
    try {
      intParam(req, 'id');
    } catch (e) {
      return next(e);
    }
    contracts.getContract(ctx, me(req), intParam(req, 'id')).then(() => {
      fs.mkdirSync(tmpDir, { recursive: true });
      uploader.single('file')(req, res, (err?: unknown) => {
        if (err) {
          if (req.file?.path) fs.rm(req.file.path, { force: true }, () => undefined);
          return next(uploadError(err));
        }
        res.on('finish', () => {
          if (req.file?.path) fs.rm(req.file.path, { force: true }, () => undefined);
        });
        next();
      });
    }, next);
  };

  r.post('/auth/token', h((req) => users.issueToken(ctx, req.body)));
  // Public: anyone holding an exported file may check it (no account needed).
  r.post('/verify', verifyUploader(), h((req) => {
    const up = uploadedBuffers(req);
    return exportsSvc.verifyUpload(ctx, up.file, up.signature);
  }));

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
  r.post('/me/password', h((req) => users.changePassword(ctx, me(req), req.body)));

  r.get('/users', h((req) => users.listUsers(ctx, me(req))));
  r.post('/users', h((req) => users.createUser(ctx, me(req), req.body), 201));
  r.put('/users/:id', h((req) => users.updateUser(ctx, me(req), intParam(req, 'id'), req.body)));

  r.get('/vendors', h((req) => vendors.listVendors(ctx, me(req))));
  r.post('/vendors', h((req) => vendors.createVendor(ctx, me(req), req.body), 201));
  r.get('/vendors/:id', h((req) => vendors.getVendor(ctx, me(req), intParam(req, 'id'))));
  r.put('/vendors/:id', h((req) => vendors.updateVendor(ctx, me(req), intParam(req, 'id'), req.body)));

  r.get('/templates', h(() => templates.listTemplates(ctx)));
  r.post('/templates', h((req) => templates.createTemplate(ctx, me(req), req.body), 201));
  r.get('/templates/:version', h((req) => templates.getTemplate(ctx, intParam(req, 'version'))));

  r.get('/contracts', h((req) => contracts.listContracts(ctx, me(req))));
  r.post('/contracts', h((req) => contracts.createContract(ctx, me(req), req.body), 201));
  r.get('/contracts/:id', h((req) => workflow.getContractStanding(ctx, me(req), intParam(req, 'id'))));
  r.put('/contracts/:id', h((req) => contracts.updateContract(ctx, me(req), intParam(req, 'id'), req.body)));

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
  // ---- the sign-off workflow
  const pn = (req: Request) => [intParam(req, 'id'), intParam(req, 'n')] as const;
  r.post('/contracts/:id/periods/:n/publish', h((req) => workflow.publishPeriod(ctx, me(req), ...pn(req))));
  r.post('/contracts/:id/periods/:n/acknowledge', h((req) => workflow.acknowledgePeriod(ctx, me(req), ...pn(req))));
  r.post('/contracts/:id/periods/:n/sign', h((req) => workflow.signPeriod(ctx, me(req), ...pn(req), req.body)));
  r.get('/contracts/:id/periods/:n/reopen-preview', h((req) => workflow.reopenPreview(ctx, me(req), ...pn(req))));
  r.post('/contracts/:id/periods/:n/reopen', h((req) => workflow.reopenPeriod(ctx, me(req), ...pn(req), req.body)));
  r.get('/contracts/:id/objections', h((req) => workflow.listObjections(ctx, me(req), intParam(req, 'id'), req.query)));
  r.post('/contracts/:id/ledger/:lineId/objections', h((req) =>
    workflow.fileObjection(ctx, me(req), intParam(req, 'id'), intParam(req, 'lineId'), req.body), 201));
  r.get('/objections/:id', h((req) => workflow.getObjection(ctx, me(req), intParam(req, 'id'))));
  r.post('/objections/:id/resolve', h((req) => workflow.resolveObjection(ctx, me(req), intParam(req, 'id'), req.body)));
  r.get('/contracts/:id/interviews', h((req) => workflow.listInterviews(ctx, me(req), intParam(req, 'id'))));
  r.post('/contracts/:id/interviews', h((req) => workflow.recordInterview(ctx, me(req), intParam(req, 'id'), req.body), 201));

  // ---- notifications, attachments, evidence the vendor submits
  r.get('/notifications', h((req) => inbox.listNotifications(ctx, me(req), req.query)));
  r.post('/notifications/read-all', h((req) => inbox.markRead(ctx, me(req), null)));
  r.post('/notifications/:id/read', h((req) => inbox.markRead(ctx, me(req), intParam(req, 'id'))));
  r.post('/contracts/:id/files', attach, h((req) => inbox.saveFile(ctx, me(req), intParam(req, 'id'), req.file), 201));
  r.get('/files/:id', (req, res, next) => {
    inbox.openFile(ctx, me(req), intParam(req, 'id')).then(({ file, path: p }) => sendStoredFile(res, file, p), next);
  });
  r.get('/contracts/:id/submissions', h((req) => submissions.listSubmissions(ctx, me(req), intParam(req, 'id'), req.query)));
  r.post('/contracts/:id/submissions', h((req) => submissions.submitEvidence(ctx, me(req), intParam(req, 'id'), req.body), 201));
  r.post('/contracts/:id/submissions/:sid/review', h((req) =>
    submissions.reviewSubmission(ctx, me(req), intParam(req, 'id'), intParam(req, 'sid'), req.body)));
  r.get('/contracts/:id/payments', h((req) => assessment.getPayments(ctx, me(req), intParam(req, 'id'))));
  r.put('/contracts/:id/installments/:n/payment-status', h((req) =>
    assessment.setPaymentStatus(ctx, me(req), intParam(req, 'id'), intParam(req, 'n'), req.body)));

  r.get('/audit', h((req) => assessment.listAudit(ctx, me(req), req.query)));
  r.get('/audit/verify', h((req) => verifyAuditChain(ctx, me(req))));

  // ---- exports: signed PDF / XLSX with detached .p7s, the registry, batch ZIPs
  exportDownloadRoutes(r, ctx, me, intParam);
  r.get('/exports', h((req) => exportsSvc.listArtifacts(ctx, me(req), req.query)));
  r.get('/exports/batch.zip', (req, res, next) => {
    let z: ReturnType<typeof exportsSvc.streamBatchZip>;
    try {
      z = exportsSvc.streamBatchZip(ctx, me(req), req.query);
    } catch (e) {
      return next(e);
    }
    // nothing is sent until the first file exists, so an unknown bureau is still a 404;
    // a failure later can only cut the download short
    z.stream.on('error', (e) => {
      if (res.headersSent) res.destroy(e);
    });
    z.stream.once('readable', () => {
      if (res.headersSent) return;
      res.setHeader('Content-Disposition', attachment(z.fileName));
      res.type(exportsSvc.MIME.zip);
      z.stream.pipe(res);
    });
    // a client that goes away stops the production of the rest
    res.on('close', () => {
      if (!res.writableFinished) z.abort();
    });
    z.done.catch((e) => {
      if (!res.headersSent) next(e);
      else res.destroy(e as Error);
    });
  });
  r.post('/exports/batches', h((req) => exportsSvc.startBatch(ctx, me(req), req.body), 202));
  r.get('/exports/batches/:id', h(async (req) => exportsSvc.serializeBatch(await exportsSvc.getBatch(ctx, me(req), intParam(req, 'id')))));
  r.get('/exports/batches/:id/download', (req, res, next) => {
    exportsSvc.batchZip(ctx, me(req), intParam(req, 'id')).then((zip) => sendZip(res, zip), next);
  });
  r.get('/exports/:id', h(async (req) => exportsSvc.serializeArtifact((await exportsSvc.openArtifact(ctx, me(req), intParam(req, 'id'))).artifact)));

  // ---- working calendar
  r.get('/calendar', h(() => calendar.listYears(ctx)));
  r.get('/calendar/:year', h((req) => calendar.getYear(ctx, intParam(req, 'year'))));
  // A calendar change re-runs detection everywhere: SLA deadlines and working days moved.
  // The change and the re-detection are one transaction (evidence.withRedetection).
  r.put('/calendar/:year', h(async (req) => {
    const body = typeof req.body === 'string' ? { days: calendar.parseCalendarCsv(req.body) } : req.body;
    let detection: evidence.Redetection | undefined;
    const year = await calendar.importYear(ctx, me(req), intParam(req, 'year'), body, async (write) => {
      detection = await evidence.withRedetection(ctx, me(req), write);
    });
    return { ...year, detection };
  }));
  r.put('/calendar/days/:date', h(async (req) => {
    let detection: evidence.Redetection | undefined;
    const year = await calendar.setDay(ctx, me(req), String(req.params.date), req.body, async (write) => {
      detection = await evidence.withRedetection(ctx, me(req), write);
    });
    return { ...year, detection };
  }));

  // ---- evidence
  const c = '/contracts/:id';
  const cid = (req: Request) => intParam(req, 'id');
  r.get(`${c}/sla-policy`, h((req) => evidence.getPolicy(ctx, me(req), cid(req))));
  r.put(`${c}/sla-policy`, h((req) => evidence.putPolicy(ctx, me(req), cid(req), req.body)));
  r.get(`${c}/tickets`, h((req) => evidence.listTickets(ctx, me(req), cid(req), req.query)));
  r.post(`${c}/tickets`, h((req) => evidence.postTickets(ctx, me(req), cid(req), req.body)));
  r.post(`${c}/tickets/import`, upload('tickets'));
  r.get(`${c}/tickets/:externalId`, h((req) => evidence.getTicket(ctx, me(req), cid(req), String(req.params.externalId))));
  r.get(`${c}/inspection-plans`, h((req) => evidence.listInspectionPlans(ctx, me(req), cid(req))));
  r.post(`${c}/inspection-plans`, h((req) => evidence.createInspectionPlan(ctx, me(req), cid(req), req.body), 201));
  r.get(`${c}/inspections`, h((req) => evidence.listInspections(ctx, me(req), cid(req), req.query)));
  r.post(`${c}/inspections`, h((req) => evidence.recordInspection(ctx, me(req), cid(req), req.body), 201));
  r.post(`${c}/inspections/import`, upload('inspections'));
  r.get(`${c}/report-plans`, h((req) => evidence.listReportPlans(ctx, me(req), cid(req))));
  r.post(`${c}/report-plans`, h((req) => evidence.createReportPlan(ctx, me(req), cid(req), req.body), 201));
  r.get(`${c}/report-submissions`, h((req) => evidence.listReportSubmissions(ctx, me(req), cid(req))));
  r.post(`${c}/report-submissions`, h((req) => evidence.submitReport(ctx, me(req), cid(req), req.body), 201));
  r.post(`${c}/report-submissions/import`, upload('report_submissions'));
  r.get(`${c}/positions`, h((req) => evidence.listPositions(ctx, me(req), cid(req))));
  r.put(`${c}/positions`, h((req) => evidence.putPositions(ctx, me(req), cid(req), req.body)));
  r.get(`${c}/people`, h((req) => evidence.listPeople(ctx, me(req), cid(req))));
  r.post(`${c}/people`, h((req) => evidence.upsertPeople(ctx, me(req), cid(req), req.body)));
  r.post(`${c}/people/import`, upload('people'));
  r.get(`${c}/events`, h((req) => evidence.listEvents(ctx, me(req), cid(req), req.query)));
  r.post(`${c}/events`, h((req) => evidence.recordEvent(ctx, me(req), cid(req), req.body), 201));
  r.post(`${c}/events/:eventId/withdraw`, h((req) => evidence.withdrawEvent(ctx, me(req), cid(req), intParam(req, 'eventId'), req.body)));
  r.post(`${c}/detect`, h((req) => evidence.detectAll(ctx, me(req), cid(req))));
  r.get(`${c}/import-mappings/:kind`, h((req) => imports.getMapping(ctx, me(req), cid(req), String(req.params.kind))));
  r.put(`${c}/import-mappings/:kind`, h((req) => imports.putMapping(ctx, me(req), cid(req), String(req.params.kind), req.body)));

  return r;
}
