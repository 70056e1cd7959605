// Export downloads shared by the JSON API (bearer token) and the pages (session): the same
// paths under /api/v1 and at the root, the same bytes from the registry, the same headers.
import { Request, RequestHandler, Response, Router } from 'express';
import multer from 'multer';
import rateLimit from 'express-rate-limit';
import { ApiError } from '../errors';
import { Actor, Ctx } from '../services/context';
import * as exportsSvc from '../services/exports';

/** Content-Disposition for a download: an ASCII fallback name and the UTF-8 one (RFC 6266). */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Sends an issued export (or its .p7s) with its document number and hash in headers. */
export function sendExport(res: Response, a: { fileName: string; mime: string; documentNumber: string; fileSha256: string }, content: Buffer, asSignature = false): void {
  res.setHeader('Content-Disposition', attachment(asSignature ? `${a.fileName}.p7s` : a.fileName));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // contract codes are free text: the number is percent-encoded like a URL component (ASCII codes stay as they are)
  res.setHeader('X-Document-Number', encodeURIComponent(a.documentNumber));
  res.setHeader('X-File-SHA256', a.fileSha256);
  res.setHeader('Cache-Control', 'private, no-store');
  res.type(asSignature ? exportsSvc.MIME.p7s : a.mime);
  res.send(content);
}

/** Sends an export's bytes, or with `signature` its detached signature (409 for an unsigned one). */
export function sendIssued(res: Response, issued: exportsSvc.IssuedExport, signature: boolean): void {
  const a = issued.artifact;
  if (signature) sendExport(res, a, exportsSvc.p7sOf(issued).content, true);
  else sendExport(res, a, Buffer.from(a.content));
}

/** Streams a ZIP download; a failure once bytes are out can only cut it short. */
export function sendZip(res: Response, zip: { fileName: string; stream: NodeJS.ReadableStream }): void {
  zip.stream.on('error', (e: Error) => res.destroy(e));
  res.setHeader('Content-Disposition', attachment(zip.fileName));
  res.setHeader('Cache-Control', 'private, no-store');
  res.type(exportsSvc.MIME.zip);
  zip.stream.pipe(res);
}

/**
 * The public verification upload: `file` (PDF or XLSX) and optional `signature` (.p7s), in
 * memory (at most 2 × 20 MB), after a per-address limit: anyone may call it, without an account.
 */
export function verifyUploader(): RequestHandler {
  const limiter = rateLimit({
    windowMs: 10 * 60 * 1000,
    limit: 60,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new ApiError(429, 'too_many_requests', '验证请求过于频繁，请稍后再试')),
  });
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: exportsSvc.MAX_VERIFY_BYTES, files: 2, fields: 5 } }).fields([
    { name: 'file', maxCount: 1 },
    { name: 'signature', maxCount: 1 },
  ]);
  return (req, res, next) => limiter(req, res, (err?: unknown) => (err ? next(err) : upload(req, res, (e?: unknown) => next(e ? uploadError(e) : undefined))));
}

/**
 * What an upload middleware's failure becomes: multer's own errors (limits, field names) and
 * system errors (a full disk) go on as they are; anything else came from parsing a malformed
 * multipart body (busboy: "Malformed part header", "Unexpected end of form", …) and is the
 * client's mistake: 400 invalid_upload, not a 500.
 */
export function uploadError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof ApiError || err.name === 'MulterError') return err;
  if (typeof (err as { code?: unknown }).code === 'string') return err;
  return new ApiError(400, 'invalid_upload', '上传内容无效：multipart/form-data 格式错误（文件请放在表单字段 file 中）');
}

export function uploadedBuffers(req: Request): { file?: Buffer; signature?: Buffer } {
  const files = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
  return { file: files.file?.[0]?.buffer, signature: files.signature?.[0]?.buffer };
}

/**
 * The download routes. `who` is the signed-in actor (token or session); `id` reads a path
 * number (the API answers a bad one with 400, the pages with 404).
 */
export function exportDownloadRoutes(r: Router, ctx: Ctx, who: (req: Request) => Actor, id: (req: Request, name: string) => number): void {
  const send = (issue: (req: Request) => Promise<exportsSvc.IssuedExport>, signature = false): RequestHandler => (req, res, next) => {
    // issue() and sendIssued() (an unsigned workbook's .p7s is a 409) may both refuse
    Promise.resolve()
      .then(() => issue(req))
      .then((issued) => sendIssued(res, issued, signature))
      .catch(next);
  };
  const pn = (req: Request) => [id(req, 'id'), id(req, 'n')] as const;
  const scorecardPdf = (req: Request) => exportsSvc.scorecardPdf(ctx, who(req), ...pn(req));
  const scorecardXlsx = (req: Request) => exportsSvc.scorecardXlsx(ctx, who(req), ...pn(req));
  const contractPayments = (req: Request) => exportsSvc.paymentsXlsx(ctx, who(req), { contractId: id(req, 'id') });
  const bureauPayments = (req: Request) => {
    const q = exportsSvc.paymentsQuery(req.query);
    return exportsSvc.paymentsXlsx(ctx, who(req), { bureau: q.bureau, periodNumber: q.period ?? null });
  };
  const artifact = (req: Request) => exportsSvc.openArtifact(ctx, who(req), id(req, 'id'));
  r.get('/contracts/:id/periods/:n/scorecard.pdf', send(scorecardPdf));
  r.get('/contracts/:id/periods/:n/scorecard.xlsx', send(scorecardXlsx));
  r.get('/contracts/:id/periods/:n/scorecard.xlsx.p7s', send(scorecardXlsx, true));
  r.get('/contracts/:id/payments.xlsx', send(contractPayments));
  r.get('/contracts/:id/payments.xlsx.p7s', send(contractPayments, true));
  r.get('/exports/payments.xlsx', send(bureauPayments));
  r.get('/exports/payments.xlsx.p7s', send(bureauPayments, true));
  r.get('/exports/:id/file', send(artifact));
  r.get('/exports/:id/file.p7s', send(artifact, true));
}
