// Prometheus metrics (prom-client). Every app has its own registry (tests build many apps in
// one process); the process metrics (CPU, memory, event loop, GC) are collected once per
// process and served by every app's /metrics. Labels use route patterns, never raw paths, so
// the number of series stays bounded.
//
// Imports and exports are counted without touching their services: synchronous ones (API
// imports, downloads) by route at the HTTP layer; the background ones (import jobs started
// from the pages, export batches) from their rows' state changes (model hooks on
// import_jobs / export_batches), so a batch counts as done or failed when it really ends.
import client from 'prom-client';
import type { Database } from './db';

let processRegistry: client.Registry | null = null;

/** The process-wide default metrics, registered once however many apps there are. */
function processMetrics(): client.Registry {
  if (!processRegistry) {
    processRegistry = new client.Registry();
    client.collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Export kind of a download route (the same patterns under /api/v1 and at the root, for the pages). */
const EXPORT_KINDS: Record<string, string> = {
  '/contracts/:id/periods/:n/scorecard.pdf': 'scorecard_pdf',
  '/contracts/:id/periods/:n/scorecard.xlsx': 'scorecard_xlsx',
  '/contracts/:id/periods/:n/scorecard.xlsx.p7s': 'scorecard_xlsx_p7s',
  '/contracts/:id/payments.xlsx': 'payments_xlsx',
  '/contracts/:id/payments.xlsx.p7s': 'payments_xlsx_p7s',
  '/exports/payments.xlsx': 'bureau_payments_xlsx',
  '/exports/payments.xlsx.p7s': 'bureau_payments_xlsx_p7s',
  '/exports/:id/file': 'registry_file',
  '/exports/:id/file.p7s': 'registry_file_p7s',
  '/exports/batch.zip': 'batch_zip',
  '/exports/batches/:id/download': 'batch_download',
  '/finance/exports/:id/download': 'batch_download',
};

/** Import kind of an API import route (the pages' imports run as jobs: see watchJobs). */
const IMPORT_KINDS: Record<string, string> = {
  '/api/v1/contracts/:id/tickets/import': 'tickets',
  '/api/v1/contracts/:id/inspections/import': 'inspections',
  '/api/v1/contracts/:id/report-submissions/import': 'report_submissions',
  '/api/v1/contracts/:id/people/import': 'people',
};

export function importKindOfRoute(method: string, route: string): string | null {
  return method === 'POST' ? IMPORT_KINDS[route] ?? null : null;
}

export function exportKindOfRoute(method: string, route: string): string | null {
  if (method !== 'GET' && method !== 'HEAD') return null;
  return EXPORT_KINDS[route.startsWith('/api/v1/') ? route.slice('/api/v1'.length) : route] ?? null;
}

/** ok (2xx/3xx), rejected (4xx: the caller's input or rights), error (5xx), aborted (the client went away). */
export function outcomeOf(status: number, aborted = false): string {
  if (aborted) return 'aborted';
  return status >= 500 ? 'error' : status >= 400 ? 'rejected' : 'ok';
}

export interface RequestObservation {
  method: string;
  route: string;
  status: number;
  seconds: number;
  aborted: boolean;
  /** rows an import route reported (its response's `rows`) */
  importRows?: number;
}

export interface AppMetrics {
  registry: client.Registry;
  observeRequest(o: RequestObservation): void;
  /** the exposition text: this app's metrics and the process's */
  render(): Promise<string>;
  /** stops listening to the database's job rows */
  close(): void;
}

export function createMetrics(db: Database): AppMetrics {
  const registry = new client.Registry();
  processMetrics();
  const httpRequests = new client.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request (until the last byte is handed to the socket), by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const imports = new client.Counter({
    name: 'imports_total',
    help: 'Bulk imports (API uploads and import jobs) by kind and outcome (ok, rejected, error, aborted)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const importRows = new client.Counter({
    name: 'import_rows_total',
    help: 'Rows of successful bulk imports, by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const exportsTotal = new client.Counter({
    name: 'exports_total',
    help: 'Export downloads (PDF, workbooks, signatures, ZIPs) by kind and outcome (ok, rejected, error, aborted)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [registry],
  });
  const exportDuration = new client.Histogram({
    name: 'export_duration_seconds',
    help: 'Time to produce and send an export download, by kind',
    labelNames: ['kind'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const exportBatches = new client.Counter({
    name: 'export_batches_total',
    help: 'Background export batches: started, and how they ended (done, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  // the series exist from the start (a rate over a counter that appears late misses its first step)
  for (const o of ['started', 'done', 'failed']) exportBatches.inc({ outcome: o }, 0);

  const unwatch = watchJobs(db, {
    importFinished(kind, outcome, rows) {
      imports.inc({ kind, outcome });
      if (outcome === 'ok' && rows > 0) importRows.inc({ kind }, rows);
    },
    batch(outcome) {
      exportBatches.inc({ outcome });
    },
  });

  return {
    registry,
    observeRequest(o) {
      const status = String(o.status);
      httpRequests.inc({ method: o.method, route: o.route, status });
      httpDuration.observe({ method: o.method, route: o.route }, o.seconds);
      const importKind = importKindOfRoute(o.method, o.route);
      if (importKind) {
        const outcome = outcomeOf(o.status, o.aborted);
        imports.inc({ kind: importKind, outcome });
        if (outcome === 'ok' && o.importRows) importRows.inc({ kind: importKind }, o.importRows);
      }
      const exportKind = exportKindOfRoute(o.method, o.route);
      if (exportKind) {
        exportsTotal.inc({ kind: exportKind, outcome: outcomeOf(o.status, o.aborted) });
        exportDuration.observe({ kind: exportKind }, o.seconds);
      }
    },
    async render() {
      return (await registry.metrics()) + (await processMetrics().metrics());
    },
    close: unwatch,
  };
}

// ---- background jobs, from their rows --------------------------------------------------------

interface JobListener {
  importFinished(kind: string, outcome: string, rows: number): void;
  batch(outcome: 'started' | 'done' | 'failed'): void;
}

/** The message an import job gets when it failed on an internal error (web/pages/imports.ts). */
const INTERNAL_IMPORT_FAILURE = '导入时发生内部错误';

const listeners = new WeakMap<object, Set<JobListener>>();

function idOf(where: unknown): number | null {
  const id = (where as { id?: unknown } | undefined)?.id;
  return typeof id === 'number' ? id : null;
}

/** Calls the listener when an import job or export batch of this database ends (one set of hooks per database). */
function watchJobs(db: Database, listener: JobListener): () => void {
  const models = db.models as unknown as Record<string, { addHook?: (hook: string, name: string, fn: (...a: unknown[]) => void) => void; findByPk?: (id: number, o: object) => Promise<unknown> }>;
  let set = listeners.get(db.models);
  if (!set) {
    const all = new Set<JobListener>();
    set = all;
    listeners.set(db.models, all);
    const importJob = models.ImportJob;
    const exportBatch = models.ExportBatch;
    importJob?.addHook?.('afterBulkUpdate', 'metrics', (options: unknown) => {
      const o = options as { attributes?: { state?: string; done?: number; message?: string | null }; where?: unknown };
      const state = o.attributes?.state;
      const id = idOf(o.where);
      if ((state !== 'done' && state !== 'failed') || id === null || !all.size) return;
      const outcome = state === 'done' ? 'ok' : String(o.attributes?.message ?? '').startsWith(INTERNAL_IMPORT_FAILURE) ? 'error' : 'rejected';
      const rows = state === 'done' ? Number(o.attributes?.done ?? 0) : 0;
      // the row says which kind; read after the fact, never delaying the job
      importJob
        .findByPk!(id, { attributes: ['kind'], raw: true })
        .then((row) => {
          const kind = String((row as { kind?: string } | null)?.kind ?? 'unknown');
          for (const l of all) l.importFinished(kind, outcome, rows);
        })
        .catch(() => undefined);
    });
    exportBatch?.addHook?.('afterCreate', 'metrics', () => {
      for (const l of all) l.batch('started');
    });
    exportBatch?.addHook?.('afterBulkUpdate', 'metrics', (options: unknown) => {
      const state = (options as { attributes?: { state?: string } }).attributes?.state;
      if (state === 'done' || state === 'failed') for (const l of all) l.batch(state);
    });
  }
  set.add(listener);
  const s = set;
  return () => {
    s.delete(listener);
  };
}
