// Configuration from the environment, validated once at start with clear messages.
import path from 'node:path';

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
}

export class ConfigError extends Error {}

function int(name: string, value: string | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined || value === '') return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || 'data');
  const databaseUrl = env.DATABASE_URL || `sqlite:${path.join(dataDir, 'app.sqlite')}`;
  if (!/^(postgres(ql)?:\/\/|sqlite:)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or sqlite: (e.g. sqlite:data/app.sqlite)');
  }
  const isTest = env.NODE_ENV === 'test';
  return {
    port: int('PORT', env.PORT, 3000, 0, 65535),
    dataDir,
    databaseUrl,
    adminUsername: env.ADMIN_USERNAME || 'admin',
    adminPassword: env.ADMIN_PASSWORD || null,
    bureauName: env.BUREAU_NAME || '国家税务总局广西壮族自治区税务局',
    tokenTtlHours: int('TOKEN_TTL_HOURS', env.TOKEN_TTL_HOURS, 12, 1, 24 * 90),
    argon2MemoryKiB: int('ARGON2_MEMORY_KIB', env.ARGON2_MEMORY_KIB, isTest ? 1024 : 19456, 64, 4 * 1024 * 1024),
    env: env.NODE_ENV || 'development',
    uploadMaxMb: int('UPLOAD_MAX_MB', env.UPLOAD_MAX_MB, 200, 1, 2048),
    sessionSecret: sessionSecretOf(env.SESSION_SECRET),
    loginMaxFailures: int('LOGIN_MAX_FAILURES', env.LOGIN_MAX_FAILURES, 10, 1, 1000),
    signingP12: env.SIGNING_P12 ? path.resolve(env.SIGNING_P12) : null,
    signingP12Passphrase: env.SIGNING_P12_PASSPHRASE ?? '',
    cjkFont: env.SCORECARD_CJK_FONT || null,
    publicUrl: publicUrlOf(env.PUBLIC_URL, int('PORT', env.PORT, 3000, 0, 65535)),
    // the protection password is random and never kept, so more hashing rounds protect nothing
    // more; Excel's own 100000 costs ~0.7 s per workbook
    sheetProtectionSpinCount: int('SHEET_PROTECTION_SPIN_COUNT', env.SHEET_PROTECTION_SPIN_COUNT, 1000, 1, 10_000_000),
  };
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
  return v.replace(/\/+$/, '');
}

function sessionSecretOf(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  if (v.length < 32) throw new ConfigError('SESSION_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  return v;
}
