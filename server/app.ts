// The Express application (no listen): JSON API under /api/v1, the OpenAPI description, the
// pages, the operations endpoints (/healthz, /readyz, /metrics), and one error handler that
// answers in the API's error shape. Every request gets an id (X-Request-Id), one JSON access
// log line and its metrics.
import crypto from 'node:crypto';
import express, { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from './config';
import { Database, pendingMigrations } from './db';
import { CalendarYearMissingError } from '../scoring/calendar';
import { ApiError } from './errors';
import { apiRouter } from './routes/api';
import { openApiDocument } from './openapi';
import { Ctx } from './services/context';
import { mountWeb } from './web';
import { errorFields, levelEnabled, logger, requestContext, requestIdFrom } from './logging';
import { AppMetrics, createMetrics, importKindOfRoute, METRICS_CONTENT_TYPE } from './metrics';

export interface AppOptions {
  /** the time "now" for the workflow (tests move it through an objection window) */
  clock?: () => Date;
  /** failed sign-ins per address per 15 minutes (default from the configuration) */
  loginMaxFailures?: number;
}

interface AppState {
  ctx: Ctx;
  close: () => void;
  metrics: AppMetrics;
  /** set by markShuttingDown: /readyz answers 503 and responses close their connection */
  shuttingDown: boolean;
}

// Not in app.locals: those are visible to every template.
const APPS = new WeakMap<object, AppState>();

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

/**
 * Graceful shutdown has begun: /readyz answers 503 {status: 'shutting_down'} so the load
 * balancer stops sending traffic, and every response from now on closes its connection.
 */
export function markShuttingDown(app: object): void {
  const entry = APPS.get(app);
  if (entry) entry.shuttingDown = true;
}

/** How long /readyz waits for the database before answering 503. */
const READY_TIMEOUT_MS = 2000;

/** The JSON error body; `requestId` for server errors, so a user can quote it. */
function errorBody(req: Request, status: number, code: string, message: string, details: unknown[] = [], extra: object = {}) {
  return { error: { code, message, details, ...extra, ...(status >= 500 ? { requestId: req.requestId } : {}) } };
}

export function createApp(db: Database, config: Config, options: AppOptions = {}) {
  const ctx: Ctx = { db, config, clock: options.clock };
  const app = express();
  const metrics = createMetrics(db);
  const state: AppState = { ctx, metrics, shuttingDown: false, close: () => metrics.close() };
  APPS.set(app, state);
  app.disable('x-powered-by');
  app.set('trust proxy', 1);
  app.use(observeRequests(state));

  // ---- operations: no session, no body, no database unless said
  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    if (state.shuttingDown) {
      res.status(503).json({ status: 'shutting_down' });
      return;
    }
    readiness(db).then((r) => {
      // shutdown may have begun while the database answered
      if (state.shuttingDown) res.status(503).json({ status: 'shutting_down' });
      else if (r.ready) res.json({ status: 'ready', database: r.database, migrations: r.migrations });
      else res.status(503).json({ status: 'not_ready', database: r.database, migrations: r.migrations, pending: r.pending });
    }, next);
  });
  app.get('/metrics', (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    if (config.metricsToken && !bearerMatches(req.get('authorization'), config.metricsToken)) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="metrics"')
        .json(errorBody(req, 401, 'unauthorized', '需要指标访问令牌（Authorization: Bearer <METRICS_TOKEN>）'));
      return;
    }
    metrics.render().then((text) => {
      res.set('Content-Type', METRICS_CONTENT_TYPE).send(text);
    }, next);
  });

  // ---- the API: JSON bodies only (uploads multipart, the calendar also CSV)
  app.use('/api/v1', strictContentType);
  app.use(express.json({ limit: '5mb', type: ['application/json', 'application/*+json'] }));
  app.use(express.text({ limit: '1mb', type: ['text/csv', 'text/plain'] }));
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });
  // the API router's route patterns are relative to its mount: the metrics and logs want them whole
  app.use('/api/v1', (req, _res, next) => {
    const info = REQUESTS.get(req);
    if (info) info.routePrefix = '/api/v1';
    next();
  });
  app.use('/api/v1', apiRouter(ctx));
  app.use('/api', (req, res) => {
    res.status(404).json(errorBody(req, 404, 'not_found', '接口不存在'));
  });
  // The pages (after the API: API requests never open a session).
  const web = mountWeb(app, ctx, { loginMaxFailures: options.loginMaxFailures });
  state.close = () => {
    web.close();
    metrics.close();
  };
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    if (res.headersSent) {
      // a stream (a ZIP, a file) failed after its first bytes: all that is left is to cut it short
      logger.error('response failed after it started', { reqId: req.requestId, method: req.method, path: pathOf(req), route: routeOf(req), ...errorFields(err) });
      res.destroy();
      return;
    }
    if (err instanceof ApiError) {
      const extra = err as ApiError & { rows?: unknown; truncated?: boolean };
      if (err.status >= 500) logger.error('request failed', { reqId: req.requestId, method: req.method, path: pathOf(req), route: routeOf(req), status: err.status, code: err.code, ...errorFields(err) });
      res.status(err.status).json(errorBody(req, err.status, err.code, err.message, err.details,
        extra.rows !== undefined ? { rows: extra.rows, truncated: !!extra.truncated } : {}));
      return;
    }
    if (err instanceof CalendarYearMissingError) {
      res.status(409).json(errorBody(req, 409, 'calendar_missing', err.message, [{ path: 'calendar', message: err.message }]));
      return;
    }
    const upload = err as { code?: string; name?: string };
    if (upload && upload.name === 'MulterError') {
      const tooBig = upload.code === 'LIMIT_FILE_SIZE';
      res.status(tooBig ? 413 : 400).json(errorBody(req, tooBig ? 413 : 400, tooBig ? 'too_large' : 'invalid_upload',
        tooBig ? '上传文件过大' : '上传内容无效（文件请放在表单字段 file 中）'));
      return;
    }
    const e = err as { type?: string; status?: number; statusCode?: number; name?: string };
    if (e && e.type === 'entity.parse.failed') {
      res.status(400).json(errorBody(req, 400, 'invalid_json', '请求体不是有效的 JSON'));
      return;
    }
    if (e && e.type === 'entity.too.large') {
      res.status(413).json(errorBody(req, 413, 'too_large', '请求体过大'));
      return;
    }
    if (e && e.name === 'SequelizeUniqueConstraintError') {
      res.status(409).json(errorBody(req, 409, 'conflict', '记录已存在或已被他人修改'));
      return;
    }
    // other client errors of the parsers and the static files (an unsupported charset, an
    // aborted upload, a missing asset): their status with a fixed message, never theirs
    const status = e?.status ?? e?.statusCode;
    if (e && typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 500) {
      const [code, message] = CLIENT_ERRORS[status] ?? ['invalid_request', '请求无效'];
      res.status(status).json(errorBody(req, status, code, message));
      return;
    }
    logger.error('unhandled error', { reqId: req.requestId, method: req.method, path: pathOf(req), route: routeOf(req), ...errorFields(err) });
    res.status(500).json(errorBody(req, 500, 'internal', '服务器内部错误', []));
  });
  return app;
}

const CLIENT_ERRORS: Record<number, [string, string]> = {
  400: ['invalid_request', '请求内容无效'],
  404: ['not_found', '资源不存在'],
  413: ['too_large', '请求体过大'],
  415: ['unsupported_media_type', '不支持的请求体类型、编码或字符集'],
};

// ---- request ids, access log, metrics ----------------------------------------------------------

interface RequestInfo {
  /** the mount path of the router whose route answered ('' for the app and the pages) */
  routePrefix: string;
  /** rows an import route answered with */
  importRows?: number;
}

const REQUESTS = new WeakMap<Request, RequestInfo>();

/** The path without its query string (tokens or names could be in it). */
function pathOf(req: Request): string {
  return (req.originalUrl || req.url || '').split('?', 1)[0];
}

/** The route pattern that answered (e.g. /api/v1/contracts/:id), `/assets/*`, or `unmatched`. */
function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  if (route && route.path !== undefined) {
    const p = typeof route.path === 'string' ? route.path : String(route.path);
    return (REQUESTS.get(req)?.routePrefix ?? '') + p;
  }
  if (pathOf(req).startsWith('/assets/')) return '/assets/*';
  return 'unmatched';
}

/** Requests the access log leaves out unless LOG_LEVEL=debug (probes, scrapes, static files). */
function quietPath(path: string): boolean {
  return path === '/healthz' || path === '/readyz' || path === '/metrics' || path.startsWith('/assets/');
}

function observeRequests(state: AppState): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const reqId = requestIdFrom(req.get('x-request-id'));
    req.requestId = reqId;
    res.setHeader('X-Request-Id', reqId);
    if (state.shuttingDown) res.setHeader('Connection', 'close');
    const path = pathOf(req);
    const info: RequestInfo = { routePrefix: '' };
    REQUESTS.set(req, info);

    // the error page of a server error names the request, so a user can quote it
    const render = res.render.bind(res) as (view: string, options?: object, cb?: unknown) => void;
    res.render = ((view: string, opts?: unknown, cb?: unknown) => {
      if (view === 'error' && res.statusCode >= 500 && opts && typeof opts === 'object') {
        const o = opts as { message?: unknown };
        opts = { ...o, requestId: reqId, message: `${String(o.message ?? '')}（请求编号 ${reqId}）` };
      }
      return render(view, opts as object | undefined, cb);
    }) as typeof res.render;
    // an import route's answer says how many rows it took
    const json = res.json.bind(res);
    res.json = ((body?: unknown) => {
      const rows = (body as { rows?: unknown } | null)?.rows;
      if (typeof rows === 'number' && importKindOfRoute(req.method, routeOf(req))) info.importRows = rows;
      return json(body);
    }) as typeof res.json;

    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const aborted = !res.writableFinished;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      state.metrics.observeRequest({ method: req.method, route, status: res.statusCode, seconds, aborted, importRows: info.importRows });
      const level = quietPath(path) ? 'debug' : 'info';
      if (!levelEnabled(level)) return;
      const user = req.actor ?? req.webActor;
      logger[level]('request', {
        reqId,
        method: req.method,
        path,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 10000) / 10,
        userId: user?.id,
        ...(aborted ? { aborted: true } : {}),
      });
    };
    res.on('finish', done);
    res.on('close', done);
    requestContext.run({ reqId }, next);
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(m[1]), digest(token));
}

// ---- strict content type on the API ------------------------------------------------------------

const MULTIPART_ROUTES = [
  /^\/contracts\/[^/]+\/(tickets|inspections|report-submissions|people)\/import\/?$/i,
  /^\/contracts\/[^/]+\/files\/?$/i,
  /^\/verify\/?$/i,
];
const CSV_ROUTE = /^\/calendar\/[^/]+\/?$/i;
const JSON_TYPES = ['application/json', 'application/*+json'];

/** A request body is coming (a POST without one, e.g. publish or read-all, needs no type). */
function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

function unsupported(res: Response, message: string): void {
  res.status(415).json({ error: { code: 'unsupported_media_type', message, details: [] } });
}

/**
 * A POST/PUT/PATCH/DELETE under /api/v1 with a body must be JSON; the upload routes take
 * multipart/form-data and PUT /calendar/:year also CSV (text/csv). Mounted at /api/v1, so
 * req.path is relative to it.
 */
function strictContentType(req: Request, res: Response, next: NextFunction): void {
  if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) || !hasBody(req)) return next();
  if (req.method === 'POST' && MULTIPART_ROUTES.some((r) => r.test(req.path))) {
    if (req.is('multipart/form-data')) return next();
    return unsupported(res, '请求体必须是 multipart/form-data（文件放在表单字段 file 中）');
  }
  if (req.is(JSON_TYPES)) return next();
  if (req.method === 'PUT' && CSV_ROUTE.test(req.path) && req.is('text/csv')) return next();
  unsupported(res, '请求体必须是 JSON（Content-Type: application/json）');
}

// ---- readiness ---------------------------------------------------------------------------------

// Migrations are never undone by a running app: once every one is applied, later probes only
// check the connection (pendingMigrations creates its table if missing: not on every probe).
const MIGRATED = new WeakSet<Database>();

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function readiness(db: Database): Promise<{ ready: boolean; database: string; migrations: string; pending: string[] }> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    await withTimeout(db.sequelize.query('SELECT 1'), READY_TIMEOUT_MS);
  } catch (e) {
    logger.warn('readiness: database unavailable', { message: String((e as Error)?.message ?? e) });
    return { ready: false, database: /timed out/.test(String((e as Error)?.message)) ? 'timeout' : 'error', migrations: 'unknown', pending: [] };
  }
  if (MIGRATED.has(db)) return { ready: true, database: 'ok', migrations: 'ok', pending: [] };
  let pending: string[];
  try {
    pending = await withTimeout(pendingMigrations(db), Math.max(100, deadline - Date.now()));
  } catch (e) {
    logger.warn('readiness: migrations unknown', { message: String((e as Error)?.message ?? e) });
    return { ready: false, database: 'ok', migrations: 'unknown', pending: [] };
  }
  if (pending.length) return { ready: false, database: 'ok', migrations: 'pending', pending };
  MIGRATED.add(db);
  return { ready: true, database: 'ok', migrations: 'ok', pending: [] };
}
