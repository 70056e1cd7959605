// What every page handler uses: the signed-in actor, rendering with the layout's locals,
// post-redirect-get flash messages, and turning a service's ApiError into messages next to
// the form fields (the user's input is kept: the page re-renders with `values`).
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { ApiError } from '../errors';
import { CalendarYearMissingError } from '../../scoring/calendar';
import { Actor } from '../services/context';

export type WebActor = Actor & { displayName: string | null; sessionEpoch: number };

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** the user's session epoch at sign-in; a password change raises it and ends the session */
    epoch?: number;
    flash?: { kind: 'ok' | 'error'; message: string }[];
  }
}
declare module 'express-serve-static-core' {
  interface Request {
    webActor?: WebActor;
    /** the data version read at the start of this request (see services/readcache.ts) */
    dataVersion?: string;
  }
}

export function actor(req: Request): WebActor {
  if (!req.webActor) throw new ApiError(401, 'unauthorized', '请先登录');
  return req.webActor;
}

export function flash(req: Request, message: string, kind: 'ok' | 'error' = 'ok'): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, message }];
}

/** Field path → message, and the overall message, from a service error; null if it is not a form error. */
export interface FormErrors {
  message: string;
  fields: Record<string, string>;
}
export function formErrors(err: unknown): FormErrors | null {
  if (err instanceof CalendarYearMissingError) return { message: err.message, fields: {} };
  if (!(err instanceof ApiError) || ![400, 409, 413].includes(err.status)) return null;
  const fields: Record<string, string> = {};
  for (const d of err.details) {
    const key = d.path.replace(/^\(body\)$/, '');
    if (key && !fields[key]) fields[key] = d.message;
  }
  return { message: err.message, fields };
}

/** Renders a view with the layout's defaults; the status set before (e.g. 400 by submitForm) is kept unless given. */
export function render(res: Response, view: string, data: Record<string, unknown> = {}, status?: number): void {
  res.status(status ?? res.statusCode).render(view, { values: {}, errors: null, ...data });
}

/**
 * Wraps a page handler. A 401 goes to the sign-in page; 403/404 and other failures render the
 * error page in Chinese (never a stack trace).
 */
export function page(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch((err) => next(err));
  };
}

/**
 * The service's error paths turned into the form's field names (`remap`), and messages that
 * begin with an API path ("installments[0].ratio 为必填项") begin with the field's Chinese
 * name instead (`label`).
 */
export function relabel(
  errors: FormErrors,
  label: (key: string) => string | undefined,
  remap: (key: string) => string = (k) => k,
): FormErrors {
  const fields: Record<string, string> = {};
  let message = errors.message;
  for (const [key, msg] of Object.entries(errors.fields)) {
    const name = remap(key);
    const l = label(name) ?? label(key);
    let text = msg;
    if (l) {
      const last = key.split('.').pop() as string;
      if (msg.startsWith(key)) text = l + msg.slice(key.length);
      else if (msg.startsWith(last)) text = l + msg.slice(last.length);
    }
    if (message === msg) message = text;
    if (!fields[name]) fields[name] = text;
  }
  return { message, fields };
}

/**
 * Runs a form's action: on success flashes `ok` and redirects to the URL `run` returns; on a
 * validation or conflict error re-renders the form with the messages and the input kept.
 */
export async function submitForm(
  req: Request,
  res: Response,
  opts: {
    run: () => Promise<string>;
    ok?: string;
    rerender: (errors: FormErrors) => Promise<void>;
    /** the form's field names in Chinese, put in front of messages that begin with the API's name */
    labels?: Record<string, string>;
  },
): Promise<void> {
  let target: string;
  try {
    target = await opts.run();
  } catch (e) {
    const found = formErrors(e);
    if (!found) throw e;
    const labels = opts.labels;
    const errors = labels ? relabel(found, (k) => labels[k]) : found;
    res.status(e instanceof ApiError ? e.status : 409);
    await opts.rerender(errors);
    return;
  }
  if (opts.ok) flash(req, opts.ok);
  res.redirect(303, target);
}

/** Form fields arrive as strings; empty strings mean "not given". */
export function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  const s = String(Array.isArray(v) ? v[0] : v).trim();
  return s === '' ? undefined : s;
}

/** A checkbox: present (any value) = true. */
export function checkbox(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '' && v !== 'false' && v !== '0';
}

/** "2026-03-05T09:30" from a datetime-local input, in the contract's zone (+08:00 by default). */
export function localDateTime(v: unknown, offset = '+08:00'): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(s) ? `${s}:00${offset}` : s;
}

export function intParam(req: Request, name: string): number {
  const raw = String(req.params[name]);
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < 1) throw new ApiError(404, 'not_found', '页面不存在');
  return Number(raw);
}
