// The Express application (no listen): JSON API under /api/v1, the OpenAPI description,
// and one error handler that answers in the API's error shape.
import express, { NextFunction, Request, Response } from 'express';
import type { Config } from './config';
import type { Database } from './db';
import { CalendarYearMissingError } from '../scoring/calendar';
import { ApiError } from './errors';
import { apiRouter } from './routes/api';
import { openApiDocument } from './openapi';
import { Ctx } from './services/context';
import { mountWeb } from './web';

export interface AppOptions {
  /** the time "now" for the workflow (tests move it through an objection window) */
  clock?: () => Date;
  /** failed sign-ins per address per 15 minutes (default from the configuration) */
  loginMaxFailures?: number;
}

// Not in app.locals: those are visible to every template.
const APPS = new WeakMap<object, { ctx: Ctx; close: () => void }>();

/** The service context an app was built with (tests, the demo seeder, the CLI). */
export function appContext(app: object): Ctx {
  const entry = APPS.get(app);
  if (!entry) throw new Error('not an app made by createApp');
  return entry.ctx;
}

/** Stops the app's timers (the session store's expiry sweep); call before closing the database. */
export function closeApp(app: object): void {
  APPS.get(app)?.close();
}

export function createApp(db: Database, config: Config, options: AppOptions = {}) {
  const ctx: Ctx = { db, config, clock: options.clock };
  const app = express();
  APPS.set(app, { ctx, close: () => undefined });
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  app.use(express.json({ limit: '5mb', type: ['application/json', 'application/*+json'] }));
  app.use(express.text({ limit: '1mb', type: ['text/csv', 'text/plain'] }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  app.use('/api/v1', apiRouter(ctx));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: '接口不存在', details: [] } });
  });
  // The pages (after the API: API requests never open a session).
  const web = mountWeb(app, ctx, { loginMaxFailures: options.loginMaxFailures });
  APPS.set(app, { ctx, close: web.close });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    if (err instanceof ApiError) {
      const extra = err as ApiError & { rows?: unknown; truncated?: boolean };
      res.status(err.status).json({
        error: {
          code: err.code,
          message: err.message,
          details: err.details,
          ...(extra.rows !== undefined ? { rows: extra.rows, truncated: !!extra.truncated } : {}),
        },
      });
      return;
    }
    if (err instanceof CalendarYearMissingError) {
      res.status(409).json({ error: { code: 'calendar_missing', message: err.message, details: [{ path: 'calendar', message: err.message }] } });
      return;
    }
    const upload = err as { code?: string; name?: string };
    if (upload && upload.name === 'MulterError') {
      const tooBig = upload.code === 'LIMIT_FILE_SIZE';
      res.status(tooBig ? 413 : 400).json({
        error: { code: tooBig ? 'too_large' : 'invalid_upload', message: tooBig ? '上传文件过大' : '上传内容无效（文件请放在表单字段 file 中）', details: [] },
      });
      return;
    }
    const e = err as { type?: string; status?: number; name?: string };
    if (e && e.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_json', message: '请求体不是有效的 JSON', details: [] } });
      return;
    }
    if (e && e.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'too_large', message: '请求体过大', details: [] } });
      return;
    }
    if (e && e.name === 'SequelizeUniqueConstraintError') {
      res.status(409).json({ error: { code: 'conflict', message: '记录已存在或已被他人修改', details: [] } });
      return;
    }
    console.error(JSON.stringify({ level: 'error', msg: 'unhandled error', method: req.method, path: req.path, message: String((err as Error)?.message ?? err), error: String((err as Error)?.stack ?? err) }));
    res.status(500).json({ error: { code: 'internal', message: '服务器内部错误', details: [] } });
  });
  return app;
}
