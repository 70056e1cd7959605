// Structured logs: one JSON object per line, {level, time, msg, reqId?, ...fields}. Info and
// debug lines go to stdout, warnings and errors to stderr (both end up in the journal under
// systemd). Every line written while a request is being handled, or by work that request
// started (a background export batch, an import job), carries the request's id.
import { AsyncLocalStorage } from 'node:async_hooks';
import crypto from 'node:crypto';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `fatal` is written as an error that stops the process (start-up failures). */
export type LineLevel = LogLevel | 'fatal';

const RANK: Record<LineLevel, number> = { fatal: 0, error: 0, warn: 1, info: 2, debug: 3 };

/** Where finished lines go; tests swap it (setLogSink) to read what was logged. */
export type LogSink = (line: string, level: LineLevel) => void;

const defaultSink: LogSink = (line, level) => {
  (RANK[level] <= RANK.warn ? process.stderr : process.stdout).write(line + '\n');
};

let sink: LogSink = defaultSink;
// Until the server sets LOG_LEVEL (server/index.ts), apps built in a test process log warnings
// and errors only: an access line per request would bury the test report.
let threshold: LogLevel = process.env.NODE_ENV === 'test' ? 'warn' : 'info';

/** The request a piece of work belongs to (set by the request middleware, inherited by async work). */
export const requestContext = new AsyncLocalStorage<{ reqId: string }>();

declare module 'express-serve-static-core' {
  interface Request {
    /** this request's id: the proxy's sane X-Request-Id or a generated one (echoed in the response) */
    requestId?: string;
  }
}

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function logLevel(): LogLevel {
  return threshold;
}

export function levelEnabled(level: LineLevel): boolean {
  return RANK[level] <= RANK[threshold];
}

/** Replaces the sink; returns a function that puts the previous one back. */
export function setLogSink(next: LogSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

function write(level: LineLevel, msg: string, fields: Record<string, unknown> = {}): void {
  if (!levelEnabled(level)) return;
  const reqId = fields.reqId ?? requestContext.getStore()?.reqId;
  const line: Record<string, unknown> = { level, time: new Date().toISOString(), msg };
  if (reqId !== undefined) line.reqId = reqId;
  for (const [k, v] of Object.entries(fields)) {
    if (k !== 'reqId' && k !== 'level' && k !== 'time' && k !== 'msg' && v !== undefined) line[k] = v;
  }
  let text: string;
  try {
    text = JSON.stringify(line);
  } catch {
    // a circular or BigInt field must not lose the line
    text = JSON.stringify({ level, time: line.time, msg, reqId, note: 'fields not serialisable' });
  }
  sink(text, level);
}

export const logger = {
  fatal: (msg: string, fields?: Record<string, unknown>) => write('fatal', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
};

/** An error's message and stack as log fields (logs only: never put these in a response). */
export function errorFields(err: unknown): { message: string; error: string } {
  const e = err as Error | undefined;
  return { message: String(e?.message ?? err), error: String(e?.stack ?? err) };
}

const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The proxy's X-Request-Id when it is sane (at most 64 of [A-Za-z0-9._-]), else a new random id. */
export function requestIdFrom(incoming: unknown): string {
  if (typeof incoming === 'string' && SANE_ID.test(incoming)) return incoming;
  return crypto.randomUUID();
}
