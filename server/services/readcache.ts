// A read cache for the figures pages show again and again (a contract's standing, a period's
// scorecard, the dashboard), keyed by the data version: a counter raised after the commit of
// every transaction that wrote an audit entry (services/context.ts audit(); every write in
// the system audits: ledger, evidence, detection, workflow, calendar, contracts, users), with
// a random epoch per database. A new version means "something changed" and every cached
// figure is recomputed. The version is read from the database on each use, so
// several app instances never serve each other's stale figures; the cache itself is only this
// process's memory, bounded. Time-dependent figures put a time bucket in their key.
import { QueryTypes } from 'sequelize';
import { Ctx } from './context';

const MAX_ENTRIES = 2000;

interface Entry {
  version: string;
  value: unknown;
}

const caches = new WeakMap<object, Map<string, Entry>>();
const inFlight = new WeakMap<object, Map<string, Promise<unknown>>>();

/** The SQL of the version ("<epoch>:<counter>"), for callers that read it with other things. */
export const DATA_VERSION_SQL = "SELECT epoch || ':' || v FROM data_version WHERE id = 1";

/** The data version: changes after every committed write. */
export async function dataVersion(ctx: Ctx): Promise<string> {
  const [row] = await ctx.db.sequelize.query<{ v: string | null }>(`SELECT (${DATA_VERSION_SQL}) AS v`, { type: QueryTypes.SELECT });
  return String(row?.v ?? '');
}

/**
 * The value for `key` at the current data version, computed by `compute` on a miss. Callers
 * put everything the value depends on besides the data into the key (the actor's role and
 * vendor, the period, a time bucket). Values are shared: callers must not mutate them.
 */
export async function cached<T>(ctx: Ctx, key: string, compute: () => Promise<T>, knownVersion?: string): Promise<T> {
  // tests and tools that move the clock bypass the cache: their "now" is not the key's
  if (ctx.clock) return compute();
  let map = caches.get(ctx.db);
  if (!map) {
    map = new Map();
    caches.set(ctx.db, map);
  }
  // a page reads the version once per request and passes it to every lookup it makes
  const version = knownVersion ?? (await dataVersion(ctx));
  const hit = map.get(key);
  if (hit && hit.version === version) return hit.value as T;
  // Concurrent requests for the same figure at the same version share one computation
  // (fifty users arriving after a write must not compute fifty dashboards).
  let flights = inFlight.get(ctx.db);
  if (!flights) {
    flights = new Map();
    inFlight.set(ctx.db, flights);
  }
  const flightKey = `${version}\u0000${key}`;
  const pending = flights.get(flightKey);
  if (pending) return pending as Promise<T>;
  const p = compute().then(
    (value) => {
      flights!.delete(flightKey);
      if (map!.size >= MAX_ENTRIES) map!.clear();
      map!.set(key, { version, value });
      return value;
    },
    (err) => {
      flights!.delete(flightKey);
      throw err;
    },
  );
  flights.set(flightKey, p);
  return p;
}

/** What a figure may depend on about who is asking: role, vendor (visibility), and the user for per-user lists. */
export function actorKey(actor: { id: number; role: string; vendorId: number | null }, perUser = false): string {
  return `${actor.role}:${actor.vendorId ?? '-'}${perUser ? `:${actor.id}` : ''}`;
}
