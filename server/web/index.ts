// The web application: server-rendered Chinese pages over the same service layer as the API.
// Sessions live in the database (every instance shares them), every form carries a CSRF
// token (synchroniser token in the session), security headers come from helmet, failed
// sign-ins are rate limited. Each page module registers its routes on one router; every
// page and action checks the role in the service it calls (and vendors only see their own).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { Express, NextFunction, Request, Response, Router } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { rateLimit } from 'express-rate-limit';
import { csrfSync } from 'csrf-sync';
import { ApiError } from '../errors';
import { Ctx } from '../services/context';
import * as users from '../services/users';
import * as inbox from '../services/inbox';
import { cached } from '../services/readcache';
import { fmt } from './format';
import { actor, formErrors, intParam, page, render, str, submitForm } from './render';
import { projectRoot } from '../paths';
import { errorFields, logger } from '../logging';
import { registerVerifyPages } from './pages/exports';
import { registerContractPages } from './pages/contracts';
import { registerHomePages } from './pages/home';
import { registerExtraPages } from './pages/registry';

// connect-session-sequelize has no type declarations
// eslint-disable-next-line @typescript-eslint/no-require-imports
const makeSequelizeStore = require('connect-session-sequelize') as (s: typeof session.Store) => new (opts: object) => session.Store & {
  stopExpiringSessions(): void;
};

export interface WebOptions {
  /** failed sign-ins per address per 15 minutes before 429 */
  loginMaxFailures?: number;
}

function sessionSecret(ctx: Ctx): string {
  if (ctx.config.sessionSecret) return ctx.config.sessionSecret;
  if (ctx.config.env === 'test') return crypto.randomBytes(32).toString('hex');
  // One machine, no secret configured: keep a generated one beside the database so sessions
  // survive restarts. Several instances must share SESSION_SECRET (README).
  const file = path.join(ctx.config.dataDir, 'session-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(ctx.config.dataDir, { recursive: true });
    const s = crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(file, s, { mode: 0o600 });
    return s;
  }
}

const NAV: Record<string, { href: string; label: string }[]> = {
  manager: [
    { href: '/', label: '工作台' },
    { href: '/contracts', label: '合同' },
    { href: '/finance/exports', label: '导出与归档' },
  ],
  vendor: [
    { href: '/', label: '我的合同' },
  ],
  finance: [
    { href: '/finance', label: '付款计算' },
    { href: '/finance/exports', label: '导出与归档' },
    { href: '/contracts', label: '合同' },
  ],
  admin: [
    { href: '/', label: '工作台' },
    { href: '/contracts', label: '合同' },
    { href: '/finance', label: '付款计算' },
    { href: '/finance/exports', label: '导出与归档' },
    { href: '/admin/users', label: '用户' },
    { href: '/admin/vendors', label: '服务商' },
    { href: '/admin/templates', label: '质量表版本' },
    { href: '/admin/calendar', label: '工作日历' },
    { href: '/admin/audit', label: '审计日志' },
  ],
};

export function mountWeb(app: Express, ctx: Ctx, options: WebOptions = {}): { close(): void } {
  const root = projectRoot();
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  if (ctx.config.env === 'production') {
    app.set('view cache', true);
    // no line bookkeeping in compiled templates (a quarter of the scorecard page's time)
    app.locals.compileDebug = false;
  }

  app.use('/assets', express.static(path.join(root, 'public'), { maxAge: '1h', fallthrough: false }));
  // browsers ask for it on their own; answered before sessions so it never touches one
  app.get('/favicon.ico', (_req, res) => {
    res.redirect(301, '/assets/favicon.svg');
  });

  const SequelizeStore = makeSequelizeStore(session.Store);
  const store = new SequelizeStore({ db: ctx.db.sequelize, tableName: 'sessions', checkExpirationInterval: 15 * 60 * 1000, expiration: 8 * 3600 * 1000 });
  // express-session touches the session (a database write) on every request; once a minute
  // per session is enough to keep it alive, and keeps reads from queueing behind writes.
  const touch = store.touch?.bind(store);
  const lastTouch = new Map<string, number>();
  if (touch) {
    store.touch = (sid: string, sess: session.SessionData, cb?: (err?: unknown) => void) => {
      const t = Date.now();
      if (t - (lastTouch.get(sid) ?? 0) < 60_000) return cb?.();
      if (lastTouch.size > 10_000) lastTouch.clear();
      lastTouch.set(sid, t);
      touch(sid, sess, cb);
    };
  }

  const r = Router();
  r.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
    }),
  );
  r.use(
    session({
      name: 'sid',
      store,
      secret: sessionSecret(ctx),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      // Secure whenever the request came over HTTPS (directly or via the proxy: trust proxy is set).
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 8 * 3600 * 1000 },
    }),
  );
  r.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 2000 }));
  // express-session sends a response's headers before its session is saved, so a browser can
  // follow a redirect and load the next page before the flash message of this one is stored:
  // a redirect waits for the session to be saved when a message is waiting in it.
  r.use((req: Request, res: Response, next: NextFunction) => {
    const redirect = res.redirect.bind(res) as (...a: unknown[]) => void;
    res.redirect = ((...args: unknown[]) => {
      if (req.session?.flash?.length) req.session.save(() => redirect(...args));
      else redirect(...args);
    }) as typeof res.redirect;
    next();
  });

  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    // multipart forms (uploads) carry the token in the query string: their body is read later
    getTokenFromRequest: (req) =>
      (req.body && typeof req.body._csrf === 'string' ? req.body._csrf : undefined) ??
      (req.headers['x-csrf-token'] as string | undefined) ??
      (typeof req.query._csrf === 'string' ? req.query._csrf : undefined),
    errorConfig: { statusCode: 403, message: '表单已过期或来源不可信，请刷新页面后重试', code: 'EBADCSRFTOKEN' },
  });

  // Who is signed in; a deactivated user's session ends at their next request.
  r.use((req: Request, res: Response, next: NextFunction) => {
    const id = req.session.userId;
    const done = () => {
      res.locals.me = req.webActor ?? null;
      res.locals.fmt = fmt;
      res.locals.path = req.path;
      res.locals.nav = req.webActor ? NAV[req.webActor.role] : [];
      res.locals.csrfToken = () => generateToken(req);
      // Taken from the session only when a page shows it: a request that renders nothing (or a
      // stray one the browser makes alongside) must not swallow the message.
      let taken: typeof req.session.flash;
      Object.defineProperty(res.locals, 'flash', {
        enumerable: true,
        configurable: true,
        get() {
          if (taken === undefined) {
            taken = req.session.flash ?? [];
            if (req.session.flash) delete req.session.flash;
          }
          return taken;
        },
      });
      next();
    };
    if (!id) return done();
    (async () => {
      // one read of the data version per request serves every cached figure on the page,
      // including who the user is (a role change or deactivation is an audited write)
      const head = await inbox.versionAndUnread(ctx, id);
      req.dataVersion = head.version;
      const a = await cached(ctx, `user:${id}`, () => users.actorForUser(ctx, id), req.dataVersion);
      if (!a || a.sessionEpoch !== (req.session.epoch ?? 0)) {
        // deactivated, or the password changed since this session signed in
        delete req.session.userId;
        return done();
      }
      req.webActor = a;
      res.locals.unread = head.unread;
      done();
    })().catch(next);
  });

  r.use(csrfSynchronisedProtection);

  // ---- sign-in, sign-out, password
  const loginLimiter = rateLimit({
    windowMs: 15 * 60 * 1000,
    limit: options.loginMaxFailures ?? ctx.config.loginMaxFailures,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, res) => {
      render(res, 'login', { title: '登录', values: { username: str(req.body?.username) }, errors: { message: '登录失败次数过多，请 15 分钟后再试', fields: {} } }, 429);
    },
  });
  const safeNext = (v: unknown) => {
    const s = str(v);
    return s && /^\/(?!\/)[^\s\\]*$/.test(s) ? s : '/';
  };
  r.get('/login', (req, res) => {
    if (req.webActor) return res.redirect(303, safeNext(req.query.next));
    render(res, 'login', { title: '登录', next: safeNext(req.query.next) });
  });
  r.post('/login', loginLimiter, page(async (req, res) => {
    const next = safeNext(req.body.next);
    let user;
    try {
      user = await users.authenticate(
        ctx,
        { username: str(req.body.username) ?? '', password: typeof req.body.password === 'string' ? req.body.password : '' },
        { ip: req.ip },
      );
    } catch (e) {
      // a wrong password or unknown user (401), or an account locked after repeated failures (423)
      const refused = e instanceof ApiError && (e.status === 401 || e.code === 'account_locked');
      const errors = formErrors(e) ?? (refused ? { message: e.message, fields: {} } : null);
      if (!errors) throw e;
      // a failed attempt must count for the limiter: answer with an error status
      return render(res, 'login', { title: '登录', next, values: { username: str(req.body.username) }, errors }, e instanceof ApiError && e.status === 423 ? 423 : 401);
    }
    // a new session id at sign-in (no fixation); the CSRF token is renewed with it
    await new Promise<void>((ok, ko) => req.session.regenerate((err) => (err ? ko(err) : ok())));
    req.session.userId = user.id;
    req.session.epoch = Number(user.sessionEpoch ?? 0);
    generateToken(req, true);
    await new Promise<void>((ok, ko) => req.session.save((err) => (err ? ko(err) : ok())));
    res.redirect(303, next);
  }));
  r.post('/logout', page(async (req, res) => {
    await new Promise<void>((ok) => req.session.destroy(() => ok()));
    res.clearCookie('sid');
    res.redirect(303, '/login');
  }));

  registerVerifyPages(r, ctx);

  // Everything below needs a signed-in user.
  r.use((req: Request, res: Response, next: NextFunction) => {
    if (req.webActor) return next();
    if (req.method === 'GET' || req.method === 'HEAD') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
    next(new ApiError(401, 'unauthorized', '请先登录'));
  });

  r.get('/account/password', (req, res) => render(res, 'account/password', { title: '修改密码' }));
  r.post('/account/password', page(async (req, res) => {
    await submitForm(req, res, {
      run: async () => {
        const done = await users.changePassword(ctx, actor(req), {
          currentPassword: req.body.currentPassword ?? '',
          newPassword: req.body.newPassword ?? '',
          confirmPassword: req.body.confirmPassword ?? '',
        });
        req.session.epoch = done.sessionEpoch; // this session stays signed in, the others end
        return '/';
      },
      ok: '密码已修改，其他已登录的会话已退出',
      labels: { currentPassword: '当前密码', newPassword: '新密码', confirmPassword: '再次输入的新密码' },
      rerender: async (errors) => render(res, 'account/password', { title: '修改密码', errors }),
    });
  }));

  r.get('/notifications', page(async (req, res) => {
    render(res, 'notifications', { title: '通知', items: await inbox.listNotifications(ctx, actor(req), { limit: 200 }) });
  }));
  r.post('/notifications/read-all', page(async (req, res) => {
    await inbox.markRead(ctx, actor(req), null);
    res.redirect(303, '/notifications');
  }));
  r.post('/notifications/:id/open', page(async (req, res) => {
    const id = intParam(req, 'id');
    const items = await inbox.listNotifications(ctx, actor(req), { limit: 500 });
    const n = items.find((i) => i.id === id);
    await inbox.markRead(ctx, actor(req), id);
    res.redirect(303, n?.link && n.link.startsWith('/') ? n.link : '/notifications');
  }));

  registerHomePages(r, ctx);
  registerContractPages(r, ctx);
  registerExtraPages(r, ctx);

  r.use((req, res) => {
    render(res, 'error', { title: '页面不存在', status: 404, message: '页面不存在' }, 404);
  });
  r.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    // the error may have come before the layout's locals were set (e.g. the database is down)
    for (const [k, v] of Object.entries({ me: req.webActor ?? null, fmt, path: req.path, nav: [], unread: 0 })) {
      if (res.locals[k] === undefined) res.locals[k] = v;
    }
    if (res.locals.flash === undefined) res.locals.flash = [];
    if (typeof res.locals.csrfToken !== 'function') res.locals.csrfToken = () => '';
    const e = err as { code?: string; status?: number; type?: string };
    if (e?.code === 'EBADCSRFTOKEN') {
      return render(res, 'error', { title: '请求被拒绝', status: 403, message: '表单已过期或来源不可信，请刷新页面后重试' }, 403);
    }
    if (err instanceof ApiError) {
      if (err.status === 401) {
        if (req.method === 'GET') return res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return render(res, 'error', { title: '请先登录', status: 401, message: '登录已过期，请重新登录' }, 401);
      }
      const title = err.status === 403 ? '无权访问' : err.status === 404 ? '页面不存在' : '操作未完成';
      return render(res, 'error', { title, status: err.status, message: err.message }, err.status);
    }
    const fe = formErrors(err);
    if (fe) return render(res, 'error', { title: '操作未完成', status: 409, message: fe.message }, 409);
    if (e?.type === 'entity.too.large') return render(res, 'error', { title: '内容过大', status: 413, message: '提交的内容过大' }, 413);
    if (e?.status === 400 || e?.type === 'entity.parse.failed') return render(res, 'error', { title: '请求无效', status: 400, message: '请求内容无效' }, 400);
    // other client errors (a body in an unsupported charset, …) are the client's, not ours
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return render(res, 'error', { title: '请求无效', status: e.status, message: '请求内容无效' }, e.status);
    logger.error('page error', { reqId: req.requestId, method: req.method, path: req.path, ...errorFields(err) });
    render(res, 'error', { title: '服务器内部错误', status: 500, message: '服务器内部错误，请稍后重试或联系管理员' }, 500);
  });

  app.use(r);
  return { close: () => store.stopExpiringSessions() };
}

