// Command line: `npm run cli -- <command> [--flags]`.
//   user:create --username NAME --role admin|manager|vendor|finance [--password P] [--vendor ID] [--name 显示名]
//   migrate
import { loadConfig } from './config';
import { openDatabase } from './db';
import { ApiError } from './errors';
import { generatePassword } from './passwords';
import { SYSTEM } from './services/context';
import { createUser } from './services/users';

function flags(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unexpected argument: ${argv[i]}`);
    if (m[2] !== undefined) out[m[1]] = m[2];
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[m[1]] = argv[++i];
    else out[m[1]] = 'true';
  }
  return out;
}

const USAGE = `usage:
  npm run cli -- user:create --username NAME --role admin|manager|vendor|finance [--password P] [--vendor VENDOR_ID] [--name 显示名]
  npm run cli -- migrate`;

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (!command || command === 'help' || command === '--help') {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  const db = openDatabase(config.databaseUrl);
  try {
    await db.migrate();
    if (command === 'migrate') {
      console.log('migrations up to date');
      return 0;
    }
    if (command === 'user:create') {
      const f = flags(rest);
      const password = f.password ?? generatePassword();
      const user = await createUser({ db, config }, SYSTEM, {
        username: f.username,
        password,
        role: f.role,
        vendorId: f.vendor ? Number(f.vendor) : null,
        displayName: f.name ?? null,
      });
      console.log(`created user ${user.username} (${user.role}${user.vendorId ? `, vendor ${user.vendorId}` : ''})`);
      if (!f.password) console.log(`password: ${password}`);
      return 0;
    }
    console.error(`unknown command: ${command}\n${USAGE}`);
    return 2;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof ApiError) {
      console.error(`error: ${e.message}${e.details.length ? '\n' + e.details.map((d) => `  ${d.path}: ${d.message}`).join('\n') : ''}`);
    } else {
      console.error(`error: ${e?.message ?? e}`);
    }
    process.exit(1);
  },
);
