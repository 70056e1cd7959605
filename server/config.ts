// Configuration from the environment, validated once at start with clear messages: every
// variable has a checked type and range, and a value that is not understood stops the start
// with a message naming the variable (exit code 2), never a silent default.
import path from 'node:path';
import { LOG_LEVELS, LogLevel } from './logging';

export interface Config {
  port: number;
  dataDir: string;
  databaseUrl: string;
  adminUsername: string;
  adminPassword: string | null;
  bureauName: string;
  tokenTtlHours: number;
  /** argon2id memory cost in KiB (OWASP minimum 19 MiB; cheaper only in tests) */
  argon2MemoryKiB: number;
  env: string;
  /** largest accepted import file, in megabytes */
  uploadMaxMb: number;
  /** signs session cookies; several instances must share one (generated and kept in DATA_DIR when unset) */
  sessionSecret: string | null;
  /** failed sign-ins from one address within 15 minutes before further attempts get 429 */
  loginMaxFailures: number;
  /** the bureau's PKCS#12 signing certificate (required in production); a development one is generated otherwise */
  signingP12: string | null;
  signingP12Passphrase: string;
  /** CJK font for PDF exports: /path/font.otf or /path/font.ttc#PostScriptName (system or bundled font otherwise) */
  cjkFont: string | null;
  /** the address users reach the app at, printed on exports as the verification address */
  publicUrl: string;
  /** hashing rounds of workbook sheet protection (its password is random and not kept) */
  sheetProtectionSpinCount: number;
  /** error | warn | info | debug (debug also logs /healthz, /readyz, /metrics and /assets requests) */
  logLevel: LogLevel;
  /** when set, GET /metrics requires `Authorization: Bearer <token>` */
  metricsToken: string | null;
  /** how long a SIGTERM waits for requests in flight and background export batches before giving up */
  shutdownTimeoutMs: number;
}

export const NODE_ENVS = ['production', 'development', 'test'] as const;

export class ConfigError extends Error {}

function int(name: string, value: string | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined || value === '') return dflt;
  // digits only: Number() would also take " 12", "0x10" and "1e3"
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = oneOf('NODE_ENV', env.NODE_ENV, NODE_ENVS, 'development');
  const dataDir = path.resolve(env.DATA_DIR || 'data');
  const databaseUrl = databaseUrlOf(env.DATABASE_URL, dataDir);
  const isTest = nodeEnv === 'test';
  const port = int('PORT', env.PORT, 3000, 0, 65535);
  return {
    port,
    dataDir,
    databaseUrl,
    adminUsername: adminUsernameOf(env.ADMIN_USERNAME),
    adminPassword: adminPasswordOf(env.ADMIN_PASSWORD),
    bureauName: text('BUREAU_NAME', env.BUREAU_NAME, '国家税务总局广西壮族自治区税务局', 200),
    tokenTtlHours: int('TOKEN_TTL_HOURS', env.TOKEN_TTL_HOURS, 12, 1, 24 * 90),
    argon2MemoryKiB: int('ARGON2_MEMORY_KIB', env.ARGON2_MEMORY_KIB, isTest ? 1024 : 19456, 64, 4 * 1024 * 1024),
    env: nodeEnv,
    uploadMaxMb: int('UPLOAD_MAX_MB', env.UPLOAD_MAX_MB, 200, 1, 2048),
    sessionSecret: sessionSecretOf(env.SESSION_SECRET),
    loginMaxFailures: int('LOGIN_MAX_FAILURES', env.LOGIN_MAX_FAILURES, 10, 1, 1000),
    signingP12: env.SIGNING_P12 ? path.resolve(env.SIGNING_P12) : null,
    signingP12Passphrase: signingPassphraseOf(env.SIGNING_P12, env.SIGNING_P12_PASSPHRASE),
    cjkFont: env.SCORECARD_CJK_FONT || null,
    publicUrl: publicUrlOf(env.PUBLIC_URL, port),
    // the protection password is random and never kept, so more hashing rounds protect nothing
    // more; Excel's own 100000 costs ~0.7 s per workbook
    sheetProtectionSpinCount: int('SHEET_PROTECTION_SPIN_COUNT', env.SHEET_PROTECTION_SPIN_COUNT, 1000, 1, 10_000_000),
    logLevel: oneOf('LOG_LEVEL', env.LOG_LEVEL, LOG_LEVELS, 'info'),
    metricsToken: metricsTokenOf(env.METRICS_TOKEN),
    shutdownTimeoutMs: int('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 25000, 1000, 10 * 60 * 1000),
  };
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], dflt: T): T {
  if (value === undefined || value === '') return dflt;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got "${value}")`);
}

function text(name: string, value: string | undefined, dflt: string, max: number): string {
  if (value === undefined || value === '') return dflt;
  if (!value.trim()) throw new ConfigError(`${name} must not be blank`);
  if (value.length > max) throw new ConfigError(`${name} must be at most ${max} characters (got ${value.length})`);
  return value;
}

function databaseUrlOf(v: string | undefined, dataDir: string): string {
  if (v === undefined || v === '') return `sqlite:${path.join(dataDir, 'app.sqlite')}`;
  if (v.startsWith('sqlite:')) {
    if (v === 'sqlite:' || v === 'sqlite://') throw new ConfigError('DATABASE_URL sqlite: needs a file path (e.g. sqlite:data/app.sqlite)');
    return v;
  }
  if (!/^postgres(ql)?:\/\//.test(v)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or sqlite: (e.g. sqlite:data/app.sqlite)');
  }
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    // never echo the value: it may hold the password
    throw new ConfigError('DATABASE_URL is not a valid address (postgres://user:password@host:5432/database; percent-encode special characters in the password)');
  }
  if (!u.hostname) throw new ConfigError('DATABASE_URL must name the PostgreSQL host (postgres://user:password@host:5432/database)');
  if (u.port && (Number(u.port) < 1 || Number(u.port) > 65535)) throw new ConfigError('DATABASE_URL has an invalid port');
  if (u.pathname.length <= 1) throw new ConfigError('DATABASE_URL must name the database (postgres://user:password@host:5432/database)');
  return v;
}

function adminUsernameOf(v: string | undefined): string {
  if (v === undefined || v === '') return 'admin';
  if (!/^[A-Za-z0-9_.@-]{2,64}$/.test(v)) {
    throw new ConfigError(`ADMIN_USERNAME must be 2 to 64 letters, digits or _ . @ - (got "${v}")`);
  }
  return v;
}

function adminPasswordOf(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  if (v.length < 10) throw new ConfigError('ADMIN_PASSWORD must be at least 10 characters');
  if (v.length > 200) throw new ConfigError('ADMIN_PASSWORD must be at most 200 characters');
  return v;
}

function signingPassphraseOf(p12: string | undefined, passphrase: string | undefined): string {
  if (passphrase && !p12) throw new ConfigError('SIGNING_P12_PASSPHRASE is set but SIGNING_P12 (the PKCS#12 file) is not');
  return passphrase ?? '';
}

function metricsTokenOf(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  if (v.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 16`)');
  if (!/^[\x21-\x7e]+$/.test(v)) throw new ConfigError('METRICS_TOKEN must be printable ASCII without spaces');
  return v;
}

function publicUrlOf(v: string | undefined, port: number): string {
  if (v === undefined || v === '') return `http://localhost:${port}`;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute http(s) address such as https://kaohe.example.gov.cn (got "${v}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(`PUBLIC_URL must start with http:// or https:// (got "${v}")`);
  if (u.username || u.password || u.search || u.hash) {
    throw new ConfigError(`PUBLIC_URL must be a plain address without user, query or fragment (got "${v}")`);
  }
  return v.replace(/\/+$/, '');
}

function sessionSecretOf(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  if (v.length < 32) throw new ConfigError('SESSION_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  return v;
}
