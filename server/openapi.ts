// OpenAPI 3.0.3 description of the JSON API served under /api/v1 (served itself at
// GET /api/v1/openapi.json). Hand-written from routes/api.ts and services/*.ts: the joi
// schemas there are the request bodies, the serialize* functions the response shapes.
// Keep it in step with the code when a route, a schema or a serializer changes.
import { IMPORT_FIELDS, ImportKind } from './services/imports';

// ---- small helpers (plain data; the document stays a JSON-serialisable object) -----------

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const resp = (name: string) => ({ $ref: `#/components/responses/${name}` });
const param = (name: string) => ({ $ref: `#/components/parameters/${name}` });

const json = (schema: object, example?: unknown) => ({
  'application/json': example === undefined ? { schema } : { schema, example },
});

/** Money in yuan (元): decimal string, exactly 2 places. */
const money = (description: string, example = '12084900.00') => ({
  type: 'string',
  pattern: '^\\d+\\.\\d{2}$',
  description: `${description} Money in yuan (元) as a decimal string with exactly 2 places.`,
  example,
});

/** Points (分): decimal string, exactly 2 places. */
const points = (description: string, example = '3.50') => ({
  type: 'string',
  pattern: '^\\d+\\.\\d{2}$',
  description: `${description} Points as a decimal string with exactly 2 places.`,
  example,
});

/** A decimal accepted as a JSON string or a JSON number, non-negative, at most `places` decimals. */
const decimalInput = (description: string, places: number, example: string, allowNull = false) => ({
  anyOf: [
    { type: 'string', pattern: `^\\s*\\d+(\\.\\d{1,${places}})?\\s*$`, ...(allowNull ? { nullable: true } : {}) },
    { type: 'number', minimum: 0, ...(allowNull ? { nullable: true } : {}) },
  ],
  description: `${description} Given as a decimal string (preferred) or a JSON number; non-negative, at most ${places} decimal places${allowNull ? '; null when not used' : ''}.`,
  example,
});

const date = (description: string, example = '2025-01-01') => ({
  type: 'string',
  format: 'date',
  description: `${description} Calendar date YYYY-MM-DD.`,
  example,
});

const dateTime = (description: string) => ({
  type: 'string',
  format: 'date-time',
  description: `${description} ISO 8601 timestamp in UTC.`,
  example: '2025-04-03T02:15:00.000Z',
});

/** A timestamp in a request body (joi `date().iso()`). */
const instantInput = (description: string, example = '2025-10-09T10:30:00+08:00') => ({
  type: 'string',
  format: 'date-time',
  description:
    `${description} ISO 8601; give the offset (\`+08:00\` or \`Z\`): a time without one is read in the server process's time zone, ` +
    'not the contract\'s, and a bare date is UTC midnight.',
  example,
});

const nullable = <T extends object>(schema: T) => ({ ...schema, nullable: true });

const EVENT_KIND_ENUM = [
  'release', 'emergency', 'security_incident', 'vulnerability', 'vulnerability_report', 'supply_chain', 'turnover_disruption',
  'onsite_planned', 'onsite_visit',
];

const idProp = (description: string) => ({ type: 'integer', minimum: 1, description, example: 1 });

const ROLE_ENUM = ['admin', 'manager', 'vendor', 'finance'];
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** Headers of every export download. */
const exportHeaders = {
  'Content-Disposition': { description: "attachment; filename*=UTF-8''<URL-encoded name>", schema: { type: 'string' } },
  'X-Document-Number': { description: 'The document number printed on the file, e.g. SC-GX2025-DLGK-C0062-B00-P3-V2', schema: { type: 'string' } },
  'X-File-SHA256': { description: 'SHA-256 of the file bytes (for .p7s: of the workbook it signs)', schema: { type: 'string' } },
};

/** Standard error responses of an authenticated operation. */
const authErrors = {
  '400': resp('BadRequest'),
  '401': resp('Unauthorized'),
  '413': resp('PayloadTooLarge'),
  '500': resp('InternalError'),
};

/** Errors of a read of one contract's records (vendors: other vendors' contracts are 404). */
const contractReadErrors = {
  '400': resp('BadRequest'),
  '401': resp('Unauthorized'),
  '404': resp('NotFound'),
  '500': resp('InternalError'),
};

/** Errors of an evidence write: these re-run detectors, which may need a calendar year that is missing. */
const contractWriteErrors = {
  ...authErrors,
  '403': resp('Forbidden'),
  '404': resp('NotFound'),
  '409': resp('ConflictOrCalendarMissing'),
};

/** A serialised record plus the summaries of the detectors the write re-ran. */
const withDetection = (name: string) => ({
  allOf: [
    ref(name),
    {
      type: 'object',
      required: ['detection'],
      properties: { detection: ref('DetectionResult') },
    },
  ],
});

type ImportKindName = ImportKind;
// The columns each import kind reads: the importer's own table, so the description cannot drift.
const IMPORT_COLUMNS = IMPORT_FIELDS;

const importDescription = (kind: ImportKindName, columns: string) =>
  [
    'Roles: admin, manager (checked once the upload has been received, before the contract and the file are looked at).',
    '`multipart/form-data` with the file in field `file` (CSV or XLSX, at most UPLOAD_MAX_MB, default 200 MB, else',
    '413) and optionally a field `mapping`: a JSON object field → header text that overrides the saved mapping for this import and is',
    `saved (kind \`${kind}\`) when the import succeeds; without it the saved mapping of \`/import-mappings/${kind}\` is used.`,
    'A column is read from the header the mapping names, else from a header equal to the field name.',
    columns,
    'Times are ISO 8601 with an offset (`2025-10-09T10:00:00+08:00`, `…Z`) or `YYYY-MM-DD HH:mm[:ss]` (also `YYYY/M/D H:mm`) read in the',
    'contract\'s time zone; a date without a time is refused. CSV in UTF-8 (BOM optional) or GB18030/GBK (Excel\'s "CSV (逗号分隔)");',
    'UTF-16 is refused. XLSX: the first worksheet. A zip signature is read as XLSX whatever the name; otherwise the name must end in',
    '`.csv` or `.txt` and the bytes look like text (else 400 path `file`).',
    'The whole file is one transaction: rows are keyed by `external_id` (new rows inserted, changed ones updated, identical ones left',
    'alone, so importing the same file again changes nothing); if any row is invalid every row is still checked and nothing is written:',
    '400 `invalid_file` with `error.rows` (each bad row as the row number Excel shows, header = row 1, and its field errors; at most',
    '5000 rows, `error.truncated` when there were more) and `details` for the first 50 rows (paths `row <n>.<field>`). Other 400s:',
    '`invalid_input` for no file (path `file`), a bad `mapping` (path `mapping` / `mapping.<field>`), missing required columns',
    '(paths `columns.<header>`), an unreadable file or no data rows; `invalid_upload` when the form is malformed (e.g. the file in',
    'another field, more than one file).',
  ].join(' ');

const importBody = (kind: ImportKindName) => ({
  required: true,
  content: {
    'multipart/form-data': {
      schema: {
        type: 'object',
        required: ['file'],
        properties: {
          file: {
            type: 'string',
            format: 'binary',
            description: `CSV or XLSX. Fields read: ${IMPORT_COLUMNS[kind].fields.join(', ')}; required columns: ${IMPORT_COLUMNS[kind].required.join(', ')}.`,
          },
          mapping: {
            type: 'string',
            description: 'Optional JSON object field → header text, e.g. `{"external_id":"工单编号","created_at":"创建时间"}`; saved when the import succeeds.',
          },
        },
      },
      encoding: {
        file: { contentType: 'text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/octet-stream' },
        mapping: { contentType: 'text/plain' },
      },
    },
  },
});

const importResponses = {
  '200': { description: 'Rows read, counts, and what the detectors changed.', content: json(ref('ImportResult')) },
  '400': resp('InvalidFile'),
  '401': resp('Unauthorized'),
  '403': resp('Forbidden'),
  '404': resp('NotFound'),
  '409': resp('ConflictOrCalendarMissing'),
  '413': resp('PayloadTooLarge'),
  '500': resp('InternalError'),
};

// ---- the document --------------------------------------------------------------------------

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: '运维合同履约与季度考核系统 API (IT O&M contract performance and quarterly scoring)',
    version: '1.0.0',
    description: [
      'JSON API for scoring IT operations & maintenance (运维) contracts of tax bureaus: contracts with their assessment',
      'periods (考核期), payment installments (付款期) and penalty-clause catalogue (违约条款); the deduction ledger',
      '(扣分台账) scored against a versioned quality table (服务质量情况表); quarterly scorecards (季度考核表); installment',
      'payments (应付金额 = 比例 × 合同总金额 × (1 − 当期累计扣分 × 点值) − 相应扣款); and an audit log.',
      '',
      '**Evidence and detection**: per contract, an SLA policy and tickets (工单), inspection plans and runs (巡检), report plans',
      'and submissions (报告), required positions and the staff roster (人员), and events (releases, emergencies, security',
      'incidents, vulnerabilities, supply chain, turnover, on-site service), entered as JSON or imported from CSV/XLSX files.',
      'Every evidence write re-runs the detectors it affects in the same transaction, so the ledger reflects the evidence: detected',
      'lines carry `source` (sla, inspection, report, staffing, event), a `sourceKey` naming the evidence and a `trace` of Chinese',
      'sentences explaining the deduction; lines of signed periods never change. Deadlines use the working calendar (工作日历: China\'s',
      'holidays and make-up working days, in the contract\'s time zone); a year without calendar data is refused (409',
      '`calendar_missing`), never treated as Mon-Fri. `POST /contracts/{id}/detect` re-runs everything as time passes.',
      '',
      '**Sign-off workflow** (每季度确认流程): a period starts as `draft`, visible to the bureau only. The manager publishes it',
      '(`POST …/periods/{n}/publish`, detection runs first): the vendor is notified and may object (提出异议) to single ledger lines',
      'until `objectionDeadline`, `objectionWindowDays` working days of the contract calendar after the publishing date, or',
      'acknowledge (确认无异议) the scorecard. The manager resolves each objection (uphold / reduce / withdraw the line). The bureau',
      'signs (签署) once no objection is open and either the window has passed, the vendor acknowledged, or the signer confirms',
      'signing early (`confirmEarly`); detection runs once more and the period is frozen. An admin may reopen a signed period with a',
      'reason after a dry-run preview of what changes. Vendors never see a draft period\'s lines, ratings, scorecard or score. A quarter',
      'scoring below the interview threshold requires an interview (约谈); after `interviewsBeforeTermination` interviews a further',
      'signed quarter below it gives the bureau the right to terminate (`GET /contracts/{id}`). Each step notifies the other side',
      '(`GET /notifications`); objections and vendor-submitted evidence may carry files uploaded with `POST /contracts/{id}/files`.',
      '',
      '**Number conventions** (no binary floats anywhere):',
      '- Money is a decimal string in yuan (元) with exactly 2 places, e.g. `"12084900.00"` (stored exactly in fen 分).',
      '- Points (分) are decimal strings with exactly 2 places, e.g. `"3.50"`.',
      '- Ratios and rates are decimal strings, e.g. installment ratio `"0.40"`, point rate (点值, share of an installment',
      '  deducted per point) `"0.008"`.',
      '- Fields named `*Percent` and the penalty `percent` are percents of the contract total: `"25"` = 25%, `"0.03"` = 0.03%.',
      '- In request bodies, decimals may be given as strings (preferred) or JSON numbers.',
      '- Dates are `YYYY-MM-DD`; timestamps are returned ISO 8601 in UTC. Timestamps in request bodies should carry an offset',
      '  (`2025-10-09T10:30:00+08:00`); import files also accept `YYYY-MM-DD HH:mm[:ss]` read in the contract\'s time zone.',
      '',
      '**Authentication**: `POST /auth/token` with username and password returns an opaque bearer token (valid for',
      'TOKEN_TTL_HOURS, default 12 h). Send it as `Authorization: Bearer <token>` on every other request.',
      '',
      '**Roles**:',
      '- `admin`: everything.',
      '- `manager` (bureau contract manager): creates and edits vendors and contracts, records ledger lines, ratings and penalties,',
      '  approves penalties, publishes and signs periods, resolves objections, records interviews, reviews evidence the vendor',
      '  submits, reads the audit log. Cannot manage users or templates, reopen a signed period, nor set payment status.',
      '- `finance`: reads contracts, ledgers, scorecards, payments and evidence of all contracts; the only write is an installment\'s',
      '  payment status. Cannot read users or the audit log.',
      '- `vendor` (服务商 user, bound to one vendor): only its own vendor\'s contracts; any other contract (or vendor, or objection,',
      '  or file of another vendor\'s contract) is answered 404 as if it did not exist. Reads everything of its contracts except what',
      '  belongs to draft periods (their lines, ratings and scorecard; their scores and dependent payment figures are null). Its',
      '  only writes: acknowledging a published period, filing objections, uploading files and submitting evidence for review;',
      '  other write routes answer 403.',
      '- Every user reads and marks its own notifications and changes its own password (`POST /me/password`).',
      '- The working calendar is read by every role and written by `admin` only. Evidence is written by `admin` and `manager`.',
      'Each operation lists its roles in its description and in `x-roles`. The role check comes before body validation,',
      'so a caller without the role gets 403 even for an invalid body — except on most evidence writes (SLA policy, tickets,',
      'inspection plans and runs, report plans and submissions, positions, people, events), whose descriptions say that the body',
      'is validated first.',
      '',
      '**Errors** always have the shape `{"error": {"code", "message", "details": [{"path", "message"}]}}`; messages are',
      'in Chinese. Codes: `invalid_input` / `invalid_json` (400), `invalid_file` (400, an import file with invalid rows; adds',
      '`error.rows` and `error.truncated`), `invalid_upload` (400, a malformed multipart form), `unauthorized` (401), `forbidden`',
      '(403), `not_found` (404), `conflict` (409), `calendar_missing` (409, a working-calendar year is missing), `not_published`,',
      '`objections_open`, `objection_window_open` (409, signing a period), `objection_window_closed` (409, filing an objection), `too_large` (413:',
      'JSON body over 5 MB, CSV/text body over 1 MB, upload over UPLOAD_MAX_MB), `internal` (500).',
    ].join('\n'),
  },
  servers: [{ url: '/api/v1' }],
  security: [{ bearerAuth: [] }],
  tags: [
    { name: 'auth', description: 'Tokens and the current user' },
    { name: 'users', description: 'User accounts and roles (用户)' },
    { name: 'vendors', description: 'Vendors (服务商)' },
    { name: 'templates', description: 'Versioned quality tables (服务质量情况表)' },
    { name: 'contracts', description: 'Contracts (合同) with periods, installments and penalty clauses' },
    { name: 'ledger', description: 'Deduction ledger (扣分台账): one line per deduction' },
    { name: 'ratings', description: 'User ratings (用户评价, 1-5) for the rated items' },
    { name: 'penalties', description: 'Contract-clause penalties (相应扣款), money, never mixed into the score' },
    { name: 'assessment', description: 'Quarterly scorecards (季度考核) and the sign-off workflow: publish, acknowledge, sign, reopen' },
    { name: 'objections', description: 'Vendor objections (异议) to single ledger lines of a published period, and their resolution' },
    { name: 'interviews', description: 'Interviews (约谈) for quarters scoring below the threshold' },
    { name: 'notifications', description: 'In-app notifications (通知) of the acting user' },
    { name: 'files', description: 'Uploaded attachments (附件) of a contract' },
    { name: 'submissions', description: 'Evidence the vendor submits (服务商提交) for the manager to confirm or reject' },
    { name: 'payments', description: 'Installment payments (付款) and payment status' },
    { name: 'audit', description: 'Audit log (审计日志)' },
    { name: 'exports', description: 'Signed PDF/XLSX exports (导出), the export registry, verification (验证) and batch ZIPs' },
    { name: 'calendar', description: 'Working calendar (工作日历): holidays and make-up working days by year' },
    { name: 'sla', description: 'SLA policy and tickets (工单); breaches detected into the ledger' },
    { name: 'inspections', description: 'Inspection plans and runs (巡检); rules 5a/5b/5c' },
    { name: 'reports', description: 'Report plans and submissions (报告); rule 9a' },
    { name: 'staffing', description: 'Required positions and the staff roster (人员); rules 1a, 2a, 15a, 16a, 16b' },
    { name: 'events', description: 'Events (事件): releases, emergencies, security, vulnerabilities, supply chain, turnover, on-site service' },
    { name: 'detection', description: 'Re-running the detectors' },
    { name: 'imports', description: 'CSV/XLSX imports (批量导入) and their saved column mappings' },
    { name: 'meta', description: 'This document' },
  ],
  paths: {
    '/openapi.json': {
      get: {
        tags: ['meta'],
        operationId: 'getOpenApi',
        summary: 'This OpenAPI document',
        description: 'Public: no token needed.',
        security: [],
        'x-roles': ['public'],
        responses: {
          '200': { description: 'The OpenAPI 3.0.3 document.', content: json({ type: 'object' }) },
        },
      },
    },
    '/auth/token': {
      post: {
        tags: ['auth'],
        operationId: 'issueToken',
        summary: 'Log in: exchange username and password for a bearer token',
        description:
          'Public: no token needed. Returns a new opaque token valid for TOKEN_TTL_HOURS (default 12 hours). ' +
          'Wrong username or password, or an inactive user, is answered 401 用户名或密码错误. Expired tokens of all users are purged on each issue.',
        security: [],
        'x-roles': ['public'],
        requestBody: {
          required: true,
          content: json(ref('TokenRequest'), { username: 'manager', password: 'correct-horse-battery' }),
        },
        responses: {
          '200': { description: 'Token issued.', content: json(ref('TokenResponse')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '423': {
            description:
              'The account is locked for 15 minutes after LOGIN_MAX_FAILURES wrong passwords in a row (code `account_locked`; the message ' +
              'gives the time it unlocks, Beijing time), even with the right password. Unknown usernames always get 401.',
            content: json(ref('Error')),
          },
          '413': resp('PayloadTooLarge'),
          '500': resp('InternalError'),
        },
      },
    },
    '/auth/logout': {
      post: {
        tags: ['auth'],
        operationId: 'logout',
        summary: 'Log out: revoke the token used for this request',
        description: 'Roles: any authenticated user. No request body.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Token revoked.', content: json(ref('OkResponse'), { ok: true }) },
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
    },
    '/me': {
      get: {
        tags: ['auth'],
        operationId: 'getMe',
        summary: 'The user behind the token',
        description: 'Roles: any authenticated user.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The acting user.', content: json(ref('Actor')) },
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
    },
    '/me/password': {
      post: {
        tags: ['auth'],
        operationId: 'changePassword',
        summary: 'Change the acting user\'s own password',
        description:
          'Roles: any authenticated user (no role check). 400 with path `currentPassword` when the current password is wrong (not 401), ' +
          'path `newPassword` when the new one equals it or is shorter than 10 characters, path `confirmPassword` when given and not equal ' +
          'to `newPassword`. Tokens already issued (this one included) stay valid until they expire; contrast `PUT /users/{id}`, where an ' +
          'admin setting a password revokes the user\'s tokens. Audited as `user.password` (no before/after).',
        'x-roles': ROLE_ENUM,
        requestBody: {
          required: true,
          content: json(ref('PasswordChange'), { currentPassword: 'correct-horse-battery', newPassword: 'a-new-long-password', confirmPassword: 'a-new-long-password' }),
        },
        responses: {
          '200': { description: 'Password changed.', content: json(ref('OkResponse'), { ok: true }) },
          ...authErrors,
        },
      },
    },
    '/users': {
      get: {
        tags: ['users'],
        operationId: 'listUsers',
        summary: 'List users',
        description: 'Roles: admin. Ordered by id.',
        'x-roles': ['admin'],
        responses: {
          '200': { description: 'All users.', content: json({ type: 'array', items: ref('User') }) },
          '401': resp('Unauthorized'),
          '403': resp('Forbidden'),
          '500': resp('InternalError'),
        },
      },
      post: {
        tags: ['users'],
        operationId: 'createUser',
        summary: 'Create a user',
        description:
          'Roles: admin. A `vendor` user must be bound to an existing vendor (`vendorId`); any other role must not have one (400). ' +
          'Password hashed with argon2id. 409 when the username exists.',
        'x-roles': ['admin'],
        requestBody: {
          required: true,
          content: json(ref('UserCreate'), {
            username: 'vendor.li',
            password: 'a-long-password',
            role: 'vendor',
            vendorId: 1,
            displayName: '李工',
          }),
        },
        responses: {
          '201': { description: 'User created.', content: json(ref('User')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '409': resp('Conflict'),
        },
      },
    },
    '/users/{id}': {
      parameters: [param('UserId')],
      put: {
        tags: ['users'],
        operationId: 'updateUser',
        summary: 'Change a user\'s role, vendor, display name or active flag, or set a new password',
        description: [
          'Roles: admin. Omitted fields keep their values; the username cannot be changed. No optimistic locking (no `version`).',
          'The role check comes first, then the body (400), then the user (404). A `vendor` user needs a vendor: the given `vendorId`,',
          'else the one it has (400 path `vendorId` when none or unknown); for any other role `vendorId` must be absent or null (400) and',
          'is cleared. An admin cannot deactivate itself or take away its own admin role (400 path `active` / `role`). Deactivating a',
          'user or setting a password revokes all of the user\'s API tokens. Audited as `user.update` (`after.passwordChanged`).',
        ].join(' '),
        'x-roles': ['admin'],
        requestBody: {
          required: true,
          content: json(ref('UserUpdate'), { displayName: '李工（驻场）', active: true }),
        },
        responses: {
          '200': { description: 'The user as now stored.', content: json(ref('User')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
        },
      },
    },
    '/vendors': {
      get: {
        tags: ['vendors'],
        operationId: 'listVendors',
        summary: 'List vendors (服务商)',
        description: 'Roles: admin, manager, finance (all vendors); vendor (only its own vendor, a list of at most one). Ordered by id.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Vendors.', content: json({ type: 'array', items: ref('Vendor') }) },
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
      post: {
        tags: ['vendors'],
        operationId: 'createVendor',
        summary: 'Create a vendor',
        description: 'Roles: admin, manager. 409 when a vendor with the same name exists.',
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('VendorCreate'), { name: '广西壹零贰肆信息技术有限公司', creditCode: '91450100MA5K000001' }),
        },
        responses: {
          '201': { description: 'Vendor created.', content: json(ref('Vendor')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '409': resp('Conflict'),
        },
      },
    },
    '/vendors/{id}': {
      parameters: [param('VendorId')],
      get: {
        tags: ['vendors'],
        operationId: 'getVendor',
        summary: 'One vendor',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor (any other id is answered 404).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The vendor.', content: json(ref('Vendor')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
      put: {
        tags: ['vendors'],
        operationId: 'updateVendor',
        summary: 'Rename a vendor or change its credit code (optimistic locking on `version`)',
        description:
          'Roles: admin, manager. Give the `version` you read (from GET); 409 with path `version` when the vendor was changed since. ' +
          'Omitted fields keep their values; an empty string or null `creditCode` removes it. 404 when the vendor does not exist; ' +
          '409 with path `name` when another vendor has the new name. The version increases by 1 on each change. Audited as `vendor.update`.',
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('VendorUpdate'), { name: '广西壹零贰肆信息技术股份有限公司', version: 0 }),
        },
        responses: {
          '200': { description: 'The vendor as now stored.', content: json(ref('Vendor')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    '/templates': {
      get: {
        tags: ['templates'],
        operationId: 'listTemplates',
        summary: 'List quality-table versions (服务质量情况表版本)',
        description: 'Roles: any authenticated user (no role check). Ordered by version.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Template summaries.', content: json({ type: 'array', items: ref('TemplateSummary') }) },
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
      post: {
        tags: ['templates'],
        operationId: 'createTemplate',
        summary: 'Create a new quality-table version',
        description:
          'Roles: admin. A version is immutable once created; a new one copies `basedOn` (400 with path `basedOn` when it does not exist) ' +
          'and replaces its items when `items` is given. The new version number is the highest existing + 1. The whole table is validated: ' +
          'max points (分值) summing to exactly 100, unique item numbers, rule codes `<item><letter>` in order (5a, 5b, ...), rule points > 0 ' +
          'with at most 2 decimals, a rating item has exactly one rule whose step (级差) × 5 equals the item\'s max points. ' +
          'The 201 body has `version`, `name`, `basedOn`, `source` and `items` but not `itemCount` nor `createdAt`.',
        'x-roles': ['admin'],
        requestBody: {
          required: true,
          content: json(ref('TemplateCreate'), { basedOn: 1, name: '税务信息化运维服务质量情况表（第2版）', source: '2026 年招标文件附件3' }),
        },
        responses: {
          '201': { description: 'Version created.', content: json(ref('Template')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '409': resp('Conflict'),
        },
      },
    },
    '/templates/{version}': {
      parameters: [param('TemplateVersion')],
      get: {
        tags: ['templates'],
        operationId: 'getTemplate',
        summary: 'One quality-table version with its items and rules',
        description: 'Roles: any authenticated user (no role check).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The template.', content: json(ref('Template')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
    },
    '/contracts': {
      get: {
        tags: ['contracts'],
        operationId: 'listContracts',
        summary: 'List contracts (summaries)',
        description: 'Roles: admin, manager, finance (all contracts); vendor (only its own vendor\'s contracts). Ordered by id.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Contract summaries.', content: json({ type: 'array', items: ref('ContractSummary') }) },
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
      post: {
        tags: ['contracts'],
        operationId: 'createContract',
        summary: 'Create a contract; its assessment periods are generated from the dates',
        description: [
          'Roles: admin, manager.',
          'Periods (考核期) are generated from `startDate`..`endDate` by `periodScheme`: contract quarters (P1 = start .. start + 3 months − 1 day)',
          'or calendar quarters clipped to the contract; a shorter first/last period is marked `partial`. Installments are numbered 1.. in the',
          'order given. When `penaltyClauses` is omitted the default catalogue of seed 002 is used (security-incident, supply-chain-incident,',
          'root-cause-not-found, late-performance, other-breach, termination). When `templateVersion` is omitted the latest version is used.',
          'Checks (400, each with a `details` path): totalAmount > 0 and at most 10 000 000 000 000.00; endDate not before startDate and',
          'year(endDate) − year(startDate) ≤ 10; timeZone a known IANA zone; pointRate ≤ 1; interviewThreshold ≤ 100; each installment ratio',
          'in (0, 1] and the ratios summing to exactly 1; a deductible installment lists at least one period, a non-deductible one none; every',
          'listed period exists and feeds at most one installment; each clause is complete for its kind; templateVersion and vendorId exist;',
          '`managerId`, when given, is an active `manager` user (path `managerId`). The contract\'s manager (负责人) is `managerId`, else the',
          'manager creating it (null when an admin creates it without one). 409 when the contract code exists.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('ContractCreate'), {
            code: 'GXSW-2025-YW-001',
            name: '2025年税务信息系统运维服务项目',
            vendorId: 1,
            systems: ['金税三期', '电子税务局'],
            totalAmount: '12084900.00',
            startDate: '2025-01-01',
            endDate: '2025-12-31',
            pointRate: '0.008',
            interviewThreshold: '95',
            installments: [
              { name: '预付款', ratio: '0.20', deductible: false, periods: [] },
              { name: '第二期款', ratio: '0.40', deductible: true, periods: [1, 2] },
              { name: '尾款', ratio: '0.40', deductible: true, periods: [3, 4] },
            ],
          }),
        },
        responses: {
          '201': { description: 'Contract created.', content: json(ref('Contract')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '409': resp('Conflict'),
        },
      },
    },
    '/contracts/{id}': {
      parameters: [param('ContractId')],
      get: {
        tags: ['contracts'],
        operationId: 'getContract',
        summary: 'One contract with its periods, installments, penalty clauses, period scores, interviews and termination right',
        description: [
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others are answered 404).',
          'The contract as in the POST answer plus where it stands, computed on each request: `scores` (each period\'s score and capped',
          'deduction; for a vendor, a draft period\'s `score` and `totalDeduction` are null and `interviewRequired` false), `interviews`,',
          '`interviewsHeld` (periods with an interview), `interviewsDue` (published, signed or locked periods below the interview threshold',
          'without an interview) and the termination right: once `interviewsBeforeTermination` interviews were held, the first signed or',
          'locked period below the threshold numbered after the period of the `interviewsBeforeTermination`-th interview sets `terminationRight` and `terminationPeriod`',
          '(with 0 interviews needed, any such period). Reopening that period takes the right away again.',
        ].join(' '),
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The contract and its standing.', content: json(ref('ContractStanding')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
      put: {
        tags: ['contracts'],
        operationId: 'updateContract',
        summary: 'Edit a contract\'s terms (optimistic locking on `version`)',
        description: [
          'Roles: admin, manager. Order of checks: role (403), contract (404; vendors get 403 first), body (400), `version` (409 with path',
          '`version` when the contract changed since it was read). Omitted fields keep their values; `templateVersion` and',
          '`penaltyClauses` cannot be changed (unknown keys are refused, 400). When nothing differs from the stored contract the answer is',
          'the contract with `changed: []` and `detection: null`, nothing is written and the version stays. Otherwise the resulting terms',
          'pass the field checks of the create (400, paths as there), then: 409 when the contract has ended (today, in the contract\'s',
          'time zone, is after `endDate`). The structural terms — code, vendorId, totalAmount, startDate, endDate, timeZone, periodScheme, pointRate,',
          'installments — change only while every period is a draft and every installment is `pending` (409, one detail per field);',
          'name, bureau, systems, managerId, interviewThreshold, interviewsBeforeTermination and objectionWindowDays change any time',
          'until the end date. 400 when the new vendorId does not exist or managerId is not an active manager; 409 when the new code exists.',
          'A change of startDate, endDate or periodScheme generates the periods again (all drafts, with the contract\'s template version);',
          '409 with path `endDate` when a period that would disappear has active manual or objection lines, active ratings or an',
          'interview. `installments` replaces the whole list (same rules as on creation, checked against the new period count); 409 with',
          'path `installments` when a removed installment has a proposed or approved penalty. Every detector re-runs when the periods or',
          'the time zone changed (`detection`, else null; 409 `calendar_missing` possible). The version increases by 1. Audited as',
          '`contract.update` with `after.changed`.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('ContractUpdate'), { version: 0, name: '2025年税务信息系统运维服务项目（续）', managerId: 2, interviewThreshold: '90' }),
        },
        responses: {
          '200': { description: 'The contract as now stored, the fields that changed and what detection changed.', content: json(ref('ContractUpdateResult')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('ConflictOrCalendarMissing'),
        },
      },
    },
    '/contracts/{id}/ledger': {
      parameters: [param('ContractId')],
      get: {
        tags: ['ledger'],
        operationId: 'listLedgerLines',
        summary: 'List the contract\'s ledger lines (扣分记录), active and withdrawn',
        description:
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404), and only the lines of periods that are ' +
          'not drafts (a draft period filtered for gives an empty list). Ordered by id. Unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [param('PeriodFilter'), param('ItemFilter'), param('StatusFilter')],
        responses: {
          '200': { description: 'Ledger lines.', content: json({ type: 'array', items: ref('LedgerLine') }) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
      post: {
        tags: ['ledger'],
        operationId: 'addLedgerLine',
        summary: 'Record a deduction line against a per-unit rule of the quality table',
        description: [
          'Roles: admin, manager.',
          'The item and rule are looked up in the contract\'s template version (400 when missing; `rule` may be omitted only for single-rule items).',
          'Rating items (用户评价项) are refused here: use `/ratings`. `units` must be > 0 with at most 2 decimals, a whole number when the rule',
          'counts whole units, and at most 100000. Points = units × the rule\'s points per unit, rounded half-up to 0.01.',
          'The period must exist (400) and not be signed or locked (409: record corrections as an adjustment in the next open period).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('LedgerLineCreate'), {
            period: 1,
            item: 5,
            rule: '5a',
            units: 2,
            reason: '工单 #123 超出解决时限',
            occurredAt: '2025-02-11T06:00:00Z',
            evidence: '工单 #123：解决用时 5 小时 12 分钟，时限 4 小时',
          }),
        },
        responses: {
          '201': { description: 'Line recorded.', content: json(ref('LedgerLine')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    '/contracts/{id}/ledger/{lineId}/withdraw': {
      parameters: [param('ContractId'), param('LineId')],
      post: {
        tags: ['ledger'],
        operationId: 'withdrawLedgerLine',
        summary: 'Withdraw (撤销) a ledger line with a reason; nothing is hard-deleted',
        description:
          'Roles: admin, manager. 404 when the line is not in this contract. 409 when its period is signed or locked, when the line is already ' +
          'withdrawn, when the vendor has an open objection to it (path `lineId`: resolve the objection instead, `POST /objections/{id}/resolve`), ' +
          'or when it was changed concurrently.',
        'x-roles': ['admin', 'manager'],
        requestBody: { required: true, content: json(ref('WithdrawRequest'), { reason: '经核实为误记' }) },
        responses: {
          '200': { description: 'The withdrawn line.', content: json(ref('LedgerLine')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    '/contracts/{id}/ratings': {
      parameters: [param('ContractId')],
      get: {
        tags: ['ratings'],
        operationId: 'listRatings',
        summary: 'List the contract\'s user ratings (用户评价), active and withdrawn',
        description:
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404), and only the ratings of periods that are ' +
          'not drafts. Ordered by id. Unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [param('PeriodFilter'), param('ItemFilter'), param('StatusFilter')],
        responses: {
          '200': { description: 'Ratings.', content: json({ type: 'array', items: ref('Rating') }) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
      post: {
        tags: ['ratings'],
        operationId: 'addRating',
        summary: 'Record a 1-5 user rating (5 = best) for a rated item',
        description:
          'Roles: admin, manager. The item must be a rating item of the contract\'s template version (items 28-31 in version 1), else 400. ' +
          'A rated item\'s deduction is (5 − mean level) × step (级差), rounded half-up to 0.01 once. ' +
          'The period must exist (400) and not be signed or locked (409).',
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('RatingCreate'), { period: 1, item: 28, level: 4, rater: '征管科', note: '响应及时' }),
        },
        responses: {
          '201': { description: 'Rating recorded.', content: json(ref('Rating')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    '/contracts/{id}/ratings/{ratingId}/withdraw': {
      parameters: [param('ContractId'), param('RatingId')],
      post: {
        tags: ['ratings'],
        operationId: 'withdrawRating',
        summary: 'Withdraw a rating with a reason',
        description:
          'Roles: admin, manager. 404 when the rating is not in this contract. 409 when its period is signed or locked, or the rating is already withdrawn.',
        'x-roles': ['admin', 'manager'],
        requestBody: { required: true, content: json(ref('WithdrawRequest'), { reason: '重复录入' }) },
        responses: {
          '200': { description: 'The withdrawn rating.', content: json(ref('Rating')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    '/contracts/{id}/penalties': {
      parameters: [param('ContractId')],
      get: {
        tags: ['penalties'],
        operationId: 'listPenalties',
        summary: 'List the contract\'s clause penalties (违约扣款), all statuses',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). Ordered by id.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Penalties.', content: json({ type: 'array', items: ref('Penalty') }) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
      post: {
        tags: ['penalties'],
        operationId: 'addPenalty',
        summary: 'Propose a penalty under one of the contract\'s clauses, assigned to an installment',
        description: [
          'Roles: admin, manager. The new penalty is `proposed`; it counts in payments only once approved by another user.',
          'The clause must be in the contract\'s catalogue (400). By clause kind:',
          '`percent_range`: give exactly one of `amount` (yuan) or `percent` (of the contract total), within the clause\'s',
          '[minPercent, maxPercent] (amount bounds rounded to the fen); no `units`.',
          '`per_day` / `per_violation`: give `units` (days / violations); amount = total × ratePercent% × units, rounded half-up to the fen.',
          '`fixed`: `units` occurrences (default 1) × the clause amount. `amount` and `percent` are refused for these kinds.',
          'The installment must exist (400) and not be paid yet (409).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('PenaltyCreate'), {
            installment: 2,
            clause: 'late-performance',
            units: 3,
            reason: '系统升级迟延 3 天交付',
          }),
        },
        responses: {
          '201': { description: 'Penalty proposed.', content: json(ref('Penalty')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    '/contracts/{id}/penalties/{penaltyId}/approve': {
      parameters: [param('ContractId'), param('PenaltyId')],
      post: {
        tags: ['penalties'],
        operationId: 'approvePenalty',
        summary: 'Approve a proposed penalty (four-eyes: approver ≠ recorder)',
        description:
          'Roles: admin, manager. No request body. 404 when the penalty is not in this contract. 409 when it is not `proposed`, when the ' +
          'approver is the user who recorded it, or when its installment is already paid.',
        'x-roles': ['admin', 'manager'],
        responses: {
          '200': { description: 'The approved penalty.', content: json(ref('Penalty')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
          '500': resp('InternalError'),
        },
      },
    },
    '/contracts/{id}/penalties/{penaltyId}/withdraw': {
      parameters: [param('ContractId'), param('PenaltyId')],
      post: {
        tags: ['penalties'],
        operationId: 'withdrawPenalty',
        summary: 'Withdraw a proposed or approved penalty with a reason',
        description:
          'Roles: admin, manager. 404 when the penalty is not in this contract. 409 when it is already withdrawn or its installment is already paid.',
        'x-roles': ['admin', 'manager'],
        requestBody: { required: true, content: json(ref('WithdrawRequest'), { reason: '经复核不构成违约' }) },
        responses: {
          '200': { description: 'The withdrawn penalty.', content: json(ref('Penalty')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    '/contracts/{id}/periods/{n}/scorecard': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      get: {
        tags: ['assessment'],
        operationId: 'getScorecard',
        summary: 'The scorecard (季度考核表) of one period',
        description:
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). Computed on each request from the period\'s ' +
          'active ledger lines and ratings with the template version the period is bound to: each item\'s deduction is capped at its max points ' +
          '(the raw, uncapped sum is shown too); score = max points − Σ capped deductions. 404 when the period does not exist, and for a ' +
          'vendor while the period is a draft (未发布).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The scorecard.', content: json(ref('Scorecard')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
    },
    // ---- the sign-off workflow (发布 → 异议 → 签署) ----
    '/contracts/{id}/periods/{n}/publish': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      post: {
        tags: ['assessment'],
        operationId: 'publishPeriod',
        summary: 'Publish (发布) a period\'s scorecard to the vendor; the objection window starts',
        description: [
          'Roles: admin, manager. No request body. Moves a `draft` period to `published`; publishing a `published` period again (after',
          'lines changed) restarts the window and clears a vendor\'s acknowledgement. Every detector runs first in the same transaction,',
          'so the vendor sees every line the evidence gives. `objectionDeadline` = the `objectionWindowDays`-th working day (contract',
          'calendar) after today\'s local date. Every active user of the vendor is notified (`period.published`). 404 when the period does',
          'not exist; 409 `conflict` when it is signed or locked, or on a concurrent change; 409 `calendar_missing` when the working calendar',
          'lacks a year the window or the detectors need. Audited as `period.publish`.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        responses: {
          '200': { description: 'The published period.', content: json(ref('Period')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('ConflictOrCalendarMissing'),
          '500': resp('InternalError'),
        },
      },
    },
    '/contracts/{id}/periods/{n}/acknowledge': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      post: {
        tags: ['assessment'],
        operationId: 'acknowledgePeriod',
        summary: 'The vendor confirms it has no (further) objection to a published period (确认无异议)',
        description:
          'Roles: vendor only (its own vendor\'s contracts; others 404); every other role gets 403. No request body. Sets `acknowledgedAt`: ' +
          'the bureau may then sign before the window ends, and the vendor can file no more objections to the period. 404 when the period ' +
          'does not exist; 409 `conflict` when the period is not `published`, is already acknowledged, or still has open objections. ' +
          'The contract\'s manager is notified (`period.acknowledged`; every active manager when the contract has none). Audited as `period.acknowledge`.',
        'x-roles': ['vendor'],
        responses: {
          '200': { description: 'The acknowledged period.', content: json(ref('Period')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
          '500': resp('InternalError'),
        },
      },
    },
    '/contracts/{id}/periods/{n}/sign': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      post: {
        tags: ['assessment'],
        operationId: 'signPeriod',
        summary: 'The bureau signs (签署) a published period: from then on its lines and ratings never change',
        description: [
          'Roles: admin, manager. The body is optional (`{}` or none). Moves the period from `published` to `signed`. Refused (409) with',
          '`conflict` when it is already signed or locked (or was signed concurrently), `not_published` when it is still a draft (publish',
          'it first), `objections_open` while an objection to one of its lines is open, `objection_window_open` while today (contract',
          'calendar) is on or before `objectionDeadline` and the vendor has not acknowledged — unless `confirmEarly: true` (signing early',
          'is recorded in the audit entry as `after.signedEarly`). Every detector runs once more before the period is frozen (409',
          '`calendar_missing` possible). The vendor\'s users are notified (`period.signed`). 404 when the period does not exist.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: { required: false, content: json(ref('SignRequest'), { confirmEarly: true }) },
        responses: {
          '200': { description: 'The signed period.', content: json(ref('Period')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('SignConflict'),
        },
      },
    },
    '/contracts/{id}/periods/{n}/reopen-preview': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      get: {
        tags: ['assessment'],
        operationId: 'previewReopenPeriod',
        summary: 'Dry run of reopening a signed period: the figures before and after',
        description:
          'Roles: admin only. Reopens the period in a transaction that is rolled back (detection included: late evidence held as ' +
          'adjustments may move back into the period) and answers the score and payable figures before and after; nothing is written. ' +
          'The same checks as `POST …/reopen`: 404 when the period does not exist; 409 when it is not signed or locked, or an installment ' +
          'it feeds is already paid; 409 `calendar_missing` possible.',
        'x-roles': ['admin'],
        responses: {
          '200': { description: 'Before and after.', content: json(ref('ReopenPreview')) },
          ...contractReadErrors,
          '403': resp('Forbidden'),
          '409': resp('ConflictOrCalendarMissing'),
        },
      },
    },
    '/contracts/{id}/periods/{n}/reopen': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      post: {
        tags: ['assessment'],
        operationId: 'reopenPeriod',
        summary: 'Reopen (重新开启) a signed period with a reason: it goes back to draft',
        description: [
          'Roles: admin only (managers included get 403). The reason is required (400 path `reason`). The period goes back to `draft`',
          '(signature, publication, deadline and acknowledgement cleared) and every detector runs with it open. 404 when the period does',
          'not exist; 409 when it is not signed or locked, when an installment it feeds is already paid (path `period`: record an',
          'adjustment in a later period instead), or on a concurrent change; 409 `calendar_missing` possible. The vendor\'s users and the',
          'contract\'s manager are notified (`period.reopened`). Audited as `period.reopen` with the figures before and after. It must be',
          'published and signed again.',
        ].join(' '),
        'x-roles': ['admin'],
        requestBody: { required: true, content: json(ref('ReopenRequest'), { reason: '补录 12 月巡检缺失' }) },
        responses: {
          '200': { description: 'The period as now stored (fields at the top level), the reason and the figures before and after.', content: json(ref('ReopenResult')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('ConflictOrCalendarMissing'),
        },
      },
    },

    // ---- objections (异议) ----
    '/contracts/{id}/objections': {
      parameters: [param('ContractId')],
      get: {
        tags: ['objections'],
        operationId: 'listObjections',
        summary: 'List the contract\'s objections, ordered by id, each with its ledger line',
        description:
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). The query is validated before the ' +
          'contract is looked up; unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [
          param('PeriodFilter'),
          {
            name: 'status',
            in: 'query',
            required: false,
            description: 'Only objections with this status.',
            schema: { type: 'string', enum: ['open', 'upheld', 'reduced', 'withdrawn'] },
          },
        ],
        responses: {
          '200': { description: 'Objections.', content: json({ type: 'array', items: ref('Objection') }) },
          ...contractReadErrors,
        },
      },
    },
    '/contracts/{id}/ledger/{lineId}/objections': {
      parameters: [param('ContractId'), param('LineId')],
      post: {
        tags: ['objections'],
        operationId: 'fileObjection',
        summary: 'The vendor objects (提出异议) to one ledger line of a published period, within the window',
        description: [
          'Roles: vendor only (other roles 403; the role check comes first, then the body). 404 when the contract is not the vendor\'s, the',
          'line is not in this contract, or its period is a draft. 409 `conflict` when the period is signed or locked, the vendor has',
          'acknowledged it, the line is withdrawn, the line is itself the result of an objection (source `objection`), or the line already',
          'has an objection (open or resolved: one objection per line); 409 `objection_window_closed` when today (contract calendar) is',
          'after `objectionDeadline`. `attachments` are ids of files uploaded to this contract (`POST /contracts/{id}/files`; 400 path',
          '`attachments` otherwise). While it is open the line cannot be withdrawn directly and the period cannot be signed. The',
          'contract\'s manager is notified (`objection.filed`; every active manager when the contract has none). Audited as `objection.file`.',
        ].join(' '),
        'x-roles': ['vendor'],
        requestBody: {
          required: true,
          content: json(ref('ObjectionCreate'), { reason: '该工单因局方要求暂缓处理，暂停期间不应计时，附局方邮件', attachments: [12] }),
        },
        responses: {
          '201': { description: 'The objection, with the line as it stands.', content: json(ref('Objection')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('ObjectionConflict'),
        },
      },
    },
    '/objections/{id}': {
      parameters: [param('ObjectionId')],
      get: {
        tags: ['objections'],
        operationId: 'getObjection',
        summary: 'One objection with its ledger line',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). 404 when it does not exist.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The objection.', content: json(ref('Objection')) },
          ...contractReadErrors,
        },
      },
    },
    '/objections/{id}/resolve': {
      parameters: [param('ObjectionId')],
      post: {
        tags: ['objections'],
        operationId: 'resolveObjection',
        summary: 'Decide an open objection: uphold the line, reduce its units, or withdraw it',
        description: [
          'Roles: admin, manager. `uphold` (维持) leaves the line; `withdraw` (撤销) withdraws it with the reason; `reduce` (核减) needs',
          '`units` (> 0 with at most 2 decimals, less than the line\'s units, whole when the rule counts whole units; 400 path `units`) and',
          'replaces the line by a new one (source `objection`, `replacementLineId`) with those units, the old one withdrawn. Give the',
          '`version` you read to refuse a stale decision (409). 404 when the objection does not exist. 409 when it is already resolved, its period is no longer `published`, the line is no longer active (re-detection',
          'replaced it: only `uphold` is possible), or on a concurrent change. The vendor\'s users are notified (`objection.resolved`).',
          'Audited as `objection.resolve` (and `ledger.withdraw` / `ledger.reduce` for the line).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('ObjectionResolve'), { decision: 'reduce', units: '1', reason: '暂停期间经核实为局方原因，核减 1 次', version: 0 }),
        },
        responses: {
          '200': { description: 'The resolved objection (without `line`).', content: json(ref('Objection')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },

    // ---- interviews (约谈) ----
    '/contracts/{id}/interviews': {
      parameters: [param('ContractId')],
      get: {
        tags: ['interviews'],
        operationId: 'listInterviews',
        summary: 'List the contract\'s interviews, ordered by period',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Interviews.', content: json({ type: 'array', items: ref('Interview') }) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['interviews'],
        operationId: 'recordInterview',
        summary: 'Record the interview (约谈) held for a period scoring below the threshold',
        description: [
          'Roles: admin, manager. 400 with path `period` when the period does not exist, its score is not strictly below the contract\'s',
          'interview threshold, or it is still a draft (publish it first: the vendor is told); path `date` when the date is before the',
          'period\'s start. 409 with path `period` when the period already has an interview (one per period). The vendor\'s users are',
          'notified (`interview.recorded`). Counts toward the termination right (`GET /contracts/{id}`). Audited as `interview.record`.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('InterviewCreate'), { period: 2, date: '2025-07-15', attendees: '局方：张经理；服务商：王总、李工', outcome: '服务商承诺一个月内补齐驻场人员并提交整改报告' }),
        },
        responses: {
          '201': { description: 'Interview recorded.', content: json(ref('Interview')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },

    // ---- notifications, files, vendor-submitted evidence ----
    '/notifications': {
      get: {
        tags: ['notifications'],
        operationId: 'listNotifications',
        summary: 'The acting user\'s notifications, newest first',
        description: 'Roles: any authenticated user; only its own notifications. Unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [
          {
            name: 'unread',
            in: 'query',
            required: false,
            description: 'true: only unread notifications.',
            schema: { type: 'boolean', default: false },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Maximum number of notifications.',
            schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        ],
        responses: {
          '200': { description: 'Notifications.', content: json({ type: 'array', items: ref('Notification') }) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
    },
    '/notifications/read-all': {
      post: {
        tags: ['notifications'],
        operationId: 'markAllNotificationsRead',
        summary: 'Mark all of the acting user\'s unread notifications read',
        description: 'Roles: any authenticated user. No request body.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'How many were marked.', content: json(ref('MarkReadResult'), { updated: 3 }) },
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
    },
    '/notifications/{id}/read': {
      parameters: [param('NotificationId')],
      post: {
        tags: ['notifications'],
        operationId: 'markNotificationRead',
        summary: 'Mark one notification read',
        description:
          'Roles: any authenticated user. No request body. 404 when the notification is not the acting user\'s; an already read one ' +
          'answers `updated: 0`.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: '1, or 0 when it was already read.', content: json(ref('MarkReadResult'), { updated: 1 }) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
    },
    '/contracts/{id}/files': {
      parameters: [param('ContractId')],
      post: {
        tags: ['files'],
        operationId: 'uploadFile',
        summary: 'Upload an attachment (附件) to the contract, for objections and submissions',
        description: [
          'Roles: admin, manager; vendor only for its own vendor\'s contracts (others 404, checked before the upload is received).',
          'Finance is refused (403): attachments belong to objections and evidence. `multipart/form-data` with the file in field `file` (one file, at most',
          'UPLOAD_MAX_MB, default 200 MB, else 413; another field name or more than one file: 400 `invalid_upload`). 400 with path `file`',
          'when there is no file, the name does not end in .pdf, .png, .jpg/.jpeg, .gif, .webp, .txt, .csv, .xls/.xlsx, .doc/.docx, .zip,',
          '.eml or .msg, or the file is empty. Stored once per content (SHA-256); the name is cut to its last 200 characters without',
          'directories. Use the answered `id` in `attachments` of an objection or submission. Audited as `file.upload`.',
        ].join(' '),
        'x-roles': ['admin', 'manager', 'vendor'],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file'],
                properties: { file: { type: 'string', format: 'binary', description: 'The attachment.' } },
              },
            },
          },
        },
        responses: {
          '201': { description: 'The stored file.', content: json(ref('StoredFile')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '413': resp('PayloadTooLarge'),
          '500': resp('InternalError'),
        },
      },
    },
    '/files/{id}': {
      parameters: [param('FileId')],
      get: {
        tags: ['files'],
        operationId: 'downloadFile',
        summary: 'Download an attachment',
        description:
          'Roles: admin, manager, finance; vendor only for files of its own vendor\'s contracts (others 404). Always sent as a download: ' +
          '`Content-Type: application/octet-stream` (whatever type was uploaded), `Content-Disposition: attachment; filename*=UTF-8\'\'<name>`, ' +
          '`X-Content-Type-Options: nosniff`. 404 when the file does not exist or its content is missing on disk.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': {
            description: 'The file\'s bytes.',
            headers: {
              'Content-Disposition': { description: 'attachment; filename*=UTF-8\'\'<URL-encoded name>', schema: { type: 'string' } },
            },
            content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
          },
          ...contractReadErrors,
        },
      },
    },
    '/contracts/{id}/submissions': {
      parameters: [param('ContractId')],
      get: {
        tags: ['submissions'],
        operationId: 'listSubmissions',
        summary: 'List evidence the vendor submitted, newest first',
        description:
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). The query is validated before the ' +
          'contract is looked up; unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [
          {
            name: 'status',
            in: 'query',
            required: false,
            description: 'Only submissions with this status.',
            schema: { type: 'string', enum: ['pending', 'confirmed', 'rejected'] },
          },
        ],
        responses: {
          '200': { description: 'Submissions.', content: json({ type: 'array', items: ref('EvidenceSubmission') }) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['submissions'],
        operationId: 'submitEvidence',
        summary: 'The vendor submits evidence (a report, an inspection run, a roster change) for the manager to confirm',
        description: [
          'Roles: vendor only (its own vendor\'s contracts, others 404; other roles 403). The submission is `pending` and counts for',
          'nothing until confirmed. `payload` is checked as the manager\'s own route would check it (400 with paths `payload.<field>`):',
          '`report_submission` as `POST /report-submissions` (ReportSubmissionCreate), `inspection_run` as `POST /inspections`',
          '(InspectionRunCreate), `person` as one person of `POST /people` (PersonInput); checks that need stored data (the plan exists,',
          'the covered period …) run only on confirmation. `attachments`: ids of files of this contract (400 path `attachments`',
          'otherwise). The contract\'s manager is notified (`submission.created`) — only when the contract has one. Audited as',
          '`submission.create`.',
        ].join(' '),
        'x-roles': ['vendor'],
        requestBody: {
          required: true,
          content: json(ref('EvidenceSubmissionCreate'), {
            kind: 'report_submission',
            payload: { planId: 3, covers: '2025-11', submittedAt: '2025-12-03T09:00:00+08:00', title: '11月运维月报' },
            attachments: [14],
          }),
        },
        responses: {
          '201': { description: 'The pending submission.', content: json(ref('EvidenceSubmission')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
        },
      },
    },
    '/contracts/{id}/submissions/{sid}/review': {
      parameters: [param('ContractId'), param('SubmissionId')],
      post: {
        tags: ['submissions'],
        operationId: 'reviewSubmission',
        summary: 'Confirm (records the evidence; detection runs) or reject a pending submission',
        description: [
          'Roles: admin, manager. `reject` needs a `note` (400 path `note`). `confirm` records the payload through the same function as the',
          'manager\'s own route, in the same transaction, so detection sees it as if the manager had entered it; `result` is that route\'s',
          'answer (null on reject). When the payload no longer passes (e.g. the plan was removed) the answer is 400 `无法确认：…` with',
          'paths `payload.<field>`; 409 `calendar_missing` possible. 404 when the contract or the submission (of this contract) does not',
          'exist; 409 when it is no longer pending or was reviewed concurrently. The vendor\'s users are notified (`submission.confirm` /',
          '`submission.reject`). Audited as `submission.confirm` / `submission.reject`.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: { required: true, content: json(ref('SubmissionReview'), { decision: 'reject', note: '月报缺少故障统计，请补充后重新提交' }) },
        responses: {
          '200': { description: 'The reviewed submission and, on confirm, what recording it answered.', content: json(ref('SubmissionReviewResult')) },
          ...contractWriteErrors,
        },
      },
    },

    // ---- payments ----
    '/contracts/{id}/payments': {
      parameters: [param('ContractId')],
      get: {
        tags: ['payments'],
        operationId: 'getPayments',
        summary: 'Installment payments (应付金额) of the contract',
        description: [
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404).',
          'Computed on each request: 应付金额 = 比例 × 合同总金额 × (1 − 当期累计扣分 × 点值) − 相应扣款, where 当期累计扣分 is the sum of the',
          'capped total deductions of the periods feeding the installment (deductible installments only), the factor never goes below 0,',
          '相应扣款 are the approved penalties assigned to the installment, and each line is rounded half-up to the fen once. Penalties',
          'beyond an installment\'s amount carry into the next one (`carriedOut` → next `carriedIn`); what the last installment cannot',
          'absorb is `totals.uncollected`. Proposed penalties are shown as `pendingPenalties` but not deducted. Worked example: total',
          '12084900.00, ratio 0.40, P1 = 2.00 and P2 = 1.50 points, point rate 0.008 → factor 0.972 → grossAmount 4698609.12.',
          'A vendor does not see the bureau\'s drafts: a draft period\'s `score` and `totalDeduction` are null (`interviewRequired` false);',
          'the first installment fed by a draft period and every later one (carry-over links them) are `withheld`: their',
          '`accumulatedDeduction`, `factor`, `grossAmount`, `carriedIn`, `carriedOut` and `payable` are null, and so are `totals.grossAmount`,',
          '`totals.payable` and `totals.uncollected`. Other roles always get every figure (`withheld` false).',
        ].join(' '),
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The payment schedule.', content: json(ref('Payments')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
    },
    '/contracts/{id}/installments/{n}/payment-status': {
      parameters: [param('ContractId'), param('InstallmentNumber')],
      put: {
        tags: ['payments'],
        operationId: 'setPaymentStatus',
        summary: 'Record an installment\'s payment status (invoice received / paid)',
        description: [
          'Roles: admin, finance (managers and vendors get 403).',
          '`paid` requires `paidDate`; any other status must not have one (400). `invoiceDate`: when omitted or null the current invoice date',
          'is kept, except that `pending` clears it. Once paid, an installment\'s penalties can no longer be added, approved or withdrawn.',
          '404 when the installment does not exist; 409 on a concurrent change.',
        ].join(' '),
        'x-roles': ['admin', 'finance'],
        requestBody: {
          required: true,
          content: json(ref('PaymentStatusUpdate'), { paymentStatus: 'paid', invoiceDate: '2025-07-10', paidDate: '2025-07-25' }),
        },
        responses: {
          '200': { description: 'The updated installment.', content: json(ref('Installment')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
        },
      },
    },
    // ---- exports, the registry, verification, batch ZIPs
    '/contracts/{id}/periods/{n}/scorecard.pdf': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      get: {
        tags: ['exports'],
        operationId: 'scorecardPdf',
        summary: 'The period\'s scorecard (服务质量情况表) as PDF, digitally signed once the period is signed',
        description: [
          'Roles: admin, manager, finance; vendor for its own contracts once the period is published (a draft is 404 to vendors).',
          'A4, Chinese, the official columns (分类/序号/指标名称/指标描述/分值/评分标准/扣分/得分) with 总得分 at the top, then every',
          'deduction line with evidence and the detector\'s trace, the objections and their outcomes, and the sign-off block; the contract',
          'code, document number and page numbers on every page. A signed period gives a PAdES-style signature (ETSI.CAdES.detached,',
          'SHA-256, RSA) with the bureau certificate (SIGNING_P12); a draft carries a 草稿 watermark, a published but unsigned period',
          '待签署, and neither is signed. Every export is registered: while the content is unchanged the same bytes and document number',
          'come back; once it changes a new version (…-V2) is issued and the previous one is marked replaced.',
        ].join(' '),
        'x-roles': ROLE_ENUM,
        responses: {
          '200': {
            description: 'The PDF.',
            headers: exportHeaders,
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          ...contractReadErrors,
        },
      },
    },
    '/contracts/{id}/periods/{n}/scorecard.xlsx': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      get: {
        tags: ['exports'],
        operationId: 'scorecardXlsx',
        summary: 'The period\'s scorecard as an Excel workbook (same layout; deduction details and objections on further sheets)',
        description:
          'Roles as for the PDF. Sheets are protected; a 签章信息 sheet records the document number, signer, time, certificate fingerprint ' +
          'and the SHA-256 of the content. A signed period\'s workbook has a detached signature at `.xlsx.p7s`.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The workbook.', headers: exportHeaders, content: { [XLSX]: { schema: { type: 'string', format: 'binary' } } } },
          ...contractReadErrors,
        },
      },
    },
    '/contracts/{id}/periods/{n}/scorecard.xlsx.p7s': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      get: {
        tags: ['exports'],
        operationId: 'scorecardXlsxSignature',
        summary: 'Detached CMS signature (DER, SHA-256) over the exact bytes of scorecard.xlsx',
        description:
          'Belongs to the workbook the same request path gives now (same document number in `X-Document-Number`). Check with ' +
          '`openssl cms -verify -binary -inform DER -in f.xlsx.p7s -content f.xlsx -CAfile <bureau CA> -purpose any`, or POST both to /verify. ' +
          '409 `not_signed` while the period is not signed.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The signature.', headers: exportHeaders, content: { 'application/pkcs7-signature': { schema: { type: 'string', format: 'binary' } } } },
          '409': resp('Conflict'),
          ...contractReadErrors,
        },
      },
    },
    '/contracts/{id}/payments.xlsx': {
      parameters: [param('ContractId')],
      get: {
        tags: ['exports'],
        operationId: 'paymentsXlsx',
        summary: 'Payment workbook of the contract: one row per installment as live Excel formulas',
        description: [
          'Roles: admin, manager, finance (vendor 403). Columns 比例, 合同总金额, 基数 = ROUND(比例×合同总金额,2), 当期累计扣分, 点值,',
          '系数 = IF(扣减,MAX(0,1−当期累计扣分×点值),1), 扣减后金额 = ROUND(比例×合同总金额×系数,2), 相应扣款, 上期结转扣款 (the previous row\'s',
          '结转下期), 应付金额 = MAX(0,扣减后金额−相应扣款−上期结转扣款), 结转下期, 最终/暂定, 付款状态; the cached results equal the figures',
          'of GET /contracts/{id}/payments, so Excel or LibreOffice recompute the same amounts. Always delivered with `.p7s`.',
        ].join(' '),
        'x-roles': ['admin', 'manager', 'finance'],
        responses: {
          '200': { description: 'The workbook.', headers: exportHeaders, content: { [XLSX]: { schema: { type: 'string', format: 'binary' } } } },
          ...contractReadErrors,
        },
      },
    },
    '/contracts/{id}/payments.xlsx.p7s': {
      parameters: [param('ContractId')],
      get: {
        tags: ['exports'],
        operationId: 'paymentsXlsxSignature',
        summary: 'Detached CMS signature over the exact bytes of payments.xlsx',
        'x-roles': ['admin', 'manager', 'finance'],
        responses: {
          '200': { description: 'The signature.', headers: exportHeaders, content: { 'application/pkcs7-signature': { schema: { type: 'string', format: 'binary' } } } },
          ...contractReadErrors,
        },
      },
    },
    '/exports/payments.xlsx': {
      get: {
        tags: ['exports'],
        operationId: 'bureauPaymentsXlsx',
        summary: 'Payment workbook of every contract of a bureau (采购人), optionally one period\'s installments',
        description: 'Roles: admin, manager, finance. 404 when the bureau has no contracts (or no installment is fed by the period). `.p7s` beside it at /exports/payments.xlsx.p7s with the same query.',
        'x-roles': ['admin', 'manager', 'finance'],
        parameters: [
          { name: 'bureau', in: 'query', required: true, description: 'The contracts\' 采购人 exactly as stored.', schema: { type: 'string', maxLength: 200 } },
          { name: 'period', in: 'query', required: false, description: 'Only installments this period feeds.', schema: { type: 'integer', minimum: 1 } },
        ],
        responses: {
          '200': { description: 'The workbook.', headers: exportHeaders, content: { [XLSX]: { schema: { type: 'string', format: 'binary' } } } },
          ...contractReadErrors,
        },
      },
    },
    '/exports/payments.xlsx.p7s': {
      get: {
        tags: ['exports'],
        operationId: 'bureauPaymentsXlsxSignature',
        summary: 'Detached CMS signature over the exact bytes of /exports/payments.xlsx (same query)',
        'x-roles': ['admin', 'manager', 'finance'],
        parameters: [
          { name: 'bureau', in: 'query', required: true, schema: { type: 'string', maxLength: 200 } },
          { name: 'period', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
        ],
        responses: {
          '200': { description: 'The signature.', headers: exportHeaders, content: { 'application/pkcs7-signature': { schema: { type: 'string', format: 'binary' } } } },
          ...contractReadErrors,
        },
      },
    },
    '/exports': {
      get: {
        tags: ['exports'],
        operationId: 'listExports',
        summary: 'The export registry, newest first',
        description: 'Roles: all; a vendor sees its own contracts\' scorecard exports only. Without `contractId`, every export the actor may see.',
        'x-roles': ROLE_ENUM,
        parameters: [
          { name: 'contractId', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
          { name: 'period', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } },
          { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
        ],
        responses: {
          '200': { description: 'Registered exports.', content: json({ type: 'array', items: ref('ExportArtifact') }) },
          ...contractReadErrors,
        },
      },
    },
    '/exports/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, description: 'Export id.', schema: { type: 'integer', minimum: 1 } }],
      get: {
        tags: ['exports'],
        operationId: 'getExport',
        summary: 'One registered export',
        'x-roles': ROLE_ENUM,
        responses: { '200': { description: 'The registry entry.', content: json(ref('ExportArtifact')) }, ...contractReadErrors },
      },
    },
    '/exports/{id}/file': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: {
        tags: ['exports'],
        operationId: 'getExportFile',
        summary: 'The exact bytes of a registered export (any version, including replaced ones)',
        'x-roles': ROLE_ENUM,
        responses: { '200': { description: 'The file.', headers: exportHeaders, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...contractReadErrors },
      },
    },
    '/exports/{id}/file.p7s': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: {
        tags: ['exports'],
        operationId: 'getExportSignature',
        summary: 'The detached signature of a registered workbook (409 `not_signed` for unsigned ones and PDFs, whose signature is inside)',
        'x-roles': ROLE_ENUM,
        responses: { '200': { description: 'The signature.', headers: exportHeaders, content: { 'application/pkcs7-signature': { schema: { type: 'string', format: 'binary' } } } }, '409': resp('Conflict'), ...contractReadErrors },
      },
    },
    '/exports/batch.zip': {
      get: {
        tags: ['exports'],
        operationId: 'streamBatchZip',
        summary: 'Every contract of a bureau for one period as one ZIP, streamed while it is produced',
        description:
          'Roles: admin, manager, finance. Per contract `<code>/` the scorecard PDF and XLSX (+ `.p7s` when signed), the bureau\'s payment ' +
          'workbook for the period (+ `.p7s`), and `manifest.json` (document numbers, SHA-256, contracts left out and why). Errors before ' +
          'the first file are answered as JSON (404 unknown bureau, 400 bad query); a failure later cuts the download short.',
        'x-roles': ['admin', 'manager', 'finance'],
        parameters: [
          { name: 'bureau', in: 'query', required: true, schema: { type: 'string', maxLength: 200 } },
          { name: 'period', in: 'query', required: true, schema: { type: 'integer', minimum: 1 } },
        ],
        responses: { '200': { description: 'The ZIP.', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } }, ...contractReadErrors },
      },
    },
    '/exports/batches': {
      post: {
        tags: ['exports'],
        operationId: 'startBatch',
        summary: 'Start a batch export in the background (progress in GET /exports/batches/{id})',
        'x-roles': ['admin', 'manager', 'finance'],
        requestBody: {
          required: true,
          content: json({ type: 'object', required: ['bureau', 'period'], additionalProperties: false, properties: { bureau: { type: 'string', maxLength: 200 }, period: { type: 'integer', minimum: 1 } } }),
        },
        responses: { '202': { description: 'Started.', content: json(ref('ExportBatch')) }, ...contractReadErrors },
      },
    },
    '/exports/batches/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: {
        tags: ['exports'],
        operationId: 'getBatch',
        summary: 'A batch export\'s state and progress (its starter or an admin)',
        'x-roles': ['admin', 'manager', 'finance'],
        responses: { '200': { description: 'The batch.', content: json(ref('ExportBatch')) }, ...contractReadErrors },
      },
    },
    '/exports/batches/{id}/download': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      get: {
        tags: ['exports'],
        operationId: 'downloadBatch',
        summary: 'The finished batch as a ZIP, streamed from the registered bytes (409 while running or after a failure)',
        'x-roles': ['admin', 'manager', 'finance'],
        responses: { '200': { description: 'The ZIP.', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } }, '409': resp('Conflict'), ...contractReadErrors },
      },
    },
    '/verify': {
      post: {
        tags: ['exports'],
        operationId: 'verifyFile',
        summary: 'Is this file one the bureau issued, unaltered, and is it the latest version?',
        description: [
          'Public: no token needed. multipart/form-data with `file` (a PDF, or an XLSX) and, for an XLSX, `signature` (its .p7s); up to 50 MB.',
          '`result`: `authentic` (signature valid, bytes registered; `latest` false when `replacedBy` names a later version or the data',
          'changed since, `outdated`), `unsigned` (a registered draft or unsigned export: not an official document), `tampered` (the',
          'signature does not match the bytes; `claimedNumber` is what the file says it is, unverified), `unknown` (not issued by this',
          'system). `document` only when the bytes are exactly a registered export. 400 for no file, another file type, an XLSX without',
          'its .p7s, or more than 20 MB; 429 after 60 checks from one address in 10 minutes. Uploaded workbooks are never unpacked.',
        ].join(' '),
        security: [],
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, signature: { type: 'string', format: 'binary' } } },
            },
          },
        },
        responses: {
          '200': { description: 'The answer.', content: json(ref('VerifyAnswer')) },
          '400': resp('BadRequest'),
          '500': resp('InternalError'),
        },
      },
    },
    '/audit/verify': {
      get: {
        tags: ['audit'],
        operationId: 'verifyAuditChain',
        summary: 'Check the audit log\'s hash chain (tamper evidence)',
        description:
          'Roles: admin. Every entry stores the SHA-256 of its fields and of the previous entry; this reads the whole log in order and ' +
          'names the first entry that was changed, removed or inserted, or says that the last entries were removed. The same check as ' +
          '`npm run cli -- audit:verify` and the button on the admin\'s audit page.',
        'x-roles': ['admin'],
        responses: {
          '403': resp('Forbidden'),
          '200': {
            description: 'The result.',
            content: json({
              type: 'object',
              properties: {
                ok: { type: 'boolean' },
                entries: { type: 'integer', description: 'entries checked before the first break (all when ok)' },
                break: {
                  type: 'object',
                  nullable: true,
                  properties: { id: { type: 'integer', nullable: true }, seq: { type: 'integer' }, problem: { type: 'string', example: '记录内容与其哈希不符（该条记录被改动）' } },
                },
                checkedAt: { type: 'string', format: 'date-time' },
              },
            }),
          },
          ...authErrors,
        },
      },
    },
    '/audit': {
      get: {
        tags: ['audit'],
        operationId: 'listAudit',
        summary: 'Audit log (审计日志), newest first',
        description:
          'Roles: admin, manager. Every write appends an entry in the same transaction: who, when, what, and the entity before/after. ' +
          'Filters combine (AND); page with `limit` and `offset`. Unknown query parameters are refused (400).',
        'x-roles': ['admin', 'manager'],
        parameters: [
          {
            name: 'contractId',
            in: 'query',
            required: false,
            description: 'Only entries of this contract.',
            schema: { type: 'integer', minimum: 1 },
          },
          {
            name: 'entity',
            in: 'query',
            required: false,
            description: 'Only entries of this entity type.',
            schema: {
              type: 'string',
              maxLength: 64,
              example: 'ledger_line',
              description:
                'Entity types written today: user, vendor, template, contract, ledger_line, rating, penalty, period, installment, calendar_year, ' +
                'calendar_day, sla_policy, ticket, inspection_plan, inspection_run, report_plan, report_submission, position, person, event, ' +
                'import_mapping, objection, interview, file, evidence_submission, and tickets / inspections / report_submissions / people for imports.',
            },
          },
          {
            name: 'action',
            in: 'query',
            required: false,
            description: 'Only entries with exactly this action (see AuditEntry.action).',
            schema: { type: 'string', maxLength: 64, example: 'period.sign' },
          },
          {
            name: 'username',
            in: 'query',
            required: false,
            description: 'Only entries of this user (exact username).',
            schema: { type: 'string', maxLength: 64, example: 'manager' },
          },
          {
            name: 'from',
            in: 'query',
            required: false,
            description: 'Only entries on or after this date, read in Beijing time (UTC+8): from 00:00 +08:00.',
            schema: { type: 'string', format: 'date', example: '2025-10-01' },
          },
          {
            name: 'to',
            in: 'query',
            required: false,
            description: 'Only entries on or before this date (inclusive), read in Beijing time (UTC+8); not before `from` (400 path `to`).',
            schema: { type: 'string', format: 'date', example: '2025-10-31' },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Maximum number of entries.',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
          },
          {
            name: 'offset',
            in: 'query',
            required: false,
            description: 'Entries to skip (newest first).',
            schema: { type: 'integer', minimum: 0, maximum: 10000000, default: 0 },
          },
        ],
        responses: {
          '200': { description: 'Audit entries.', content: json({ type: 'array', items: ref('AuditEntry') }) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '403': resp('Forbidden'),
          '500': resp('InternalError'),
        },
      },
    },
    // ---- working calendar (工作日历) ----
    '/calendar': {
      get: {
        tags: ['calendar'],
        operationId: 'listCalendarYears',
        summary: 'Years the working calendar has data for',
        description:
          'Roles: any authenticated user (no role check). Years 2020-2026 are bundled; an admin imports later years. ' +
          'A computation (SLA clock, detection, ticket figures) that needs a year not listed here fails with 409 `calendar_missing`; ' +
          'it never falls back to Mon-Fri. Ordered by year.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': {
            description: 'The years.',
            content: json({ type: 'array', items: ref('CalendarYearSummary') }, [{ year: 2025, source: 'bundled (chinese-days 1.5.7)' }]),
          },
          '401': resp('Unauthorized'),
          '500': resp('InternalError'),
        },
      },
    },
    '/calendar/{year}': {
      parameters: [param('CalendarYear')],
      get: {
        tags: ['calendar'],
        operationId: 'getCalendarYear',
        summary: 'One year of the working calendar: holidays and make-up working days (调休)',
        description:
          'Roles: any authenticated user (no role check). Lists only the days that differ from the Mon-Fri default, in date order, ' +
          'and the number of working days of the year. 404 when the year has no data.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The year.', content: json(ref('CalendarYear')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
      put: {
        tags: ['calendar'],
        operationId: 'importCalendarYear',
        summary: 'Import (replace) a whole year of holidays and make-up working days',
        description: [
          'Roles: admin only (managers included get 403; the role check comes first).',
          'Replaces every holiday and make-up day of the year and records the year as known. The body is JSON `{source?, days}` or',
          'CSV text (`Content-Type: text/csv` or `text/plain`, at most 1 MB): one line `date,kind,name` per day, an optional header',
          'line (first line containing `date` or `日期`), kind `holiday`/`workday` or `休`/`班`; a CSV body takes the default source',
          '`管理员导入`. 400 when the year is outside 2000-2100 (path `year`), a day is not in the year or repeated (path `days[i].date`),',
          'or a field is invalid. Then every detector re-runs for every contract, each contract in its own transaction after the',
          'calendar is stored (`detection`: a contract that fails, e.g. for another missing year, is listed in `detection.failed`).',
        ].join(' '),
        'x-roles': ['admin'],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref('CalendarYearImport'),
              example: {
                source: '国务院办公厅关于2027年部分节假日安排的通知',
                days: [
                  { date: '2027-01-01', kind: 'holiday', name: '元旦' },
                  { date: '2027-02-07', kind: 'workday', name: '春节调休' },
                ],
              },
            },
            'text/csv': {
              schema: { type: 'string', description: 'Lines `date,kind,name`; kind holiday/workday or 休/班; header line optional.' },
              example: 'date,kind,name\n2027-01-01,休,元旦\n2027-02-07,班,春节调休\n',
            },
            'text/plain': {
              schema: { type: 'string', description: 'Same as text/csv.' },
            },
          },
        },
        responses: {
          '200': { description: 'The year as now stored and the re-detection of every contract.', content: json(ref('CalendarYearWithDetection')) },
          ...authErrors,
          '403': resp('Forbidden'),
        },
      },
    },
    '/calendar/days/{date}': {
      parameters: [param('CalendarDate')],
      put: {
        tags: ['calendar'],
        operationId: 'setCalendarDay',
        summary: 'Edit one day: a holiday, a make-up working day, or back to the weekday default',
        description:
          'Roles: admin only. `kind: default` removes the day from the calendar data (Mon-Fri work, weekends off); `holiday` and `workday` ' +
          'need a `name` (400 otherwise). 400 when the date is not a valid YYYY-MM-DD (path `date`); 404 when its year has no calendar data ' +
          '(import the year first). Answers the whole year. Then every detector re-runs for every contract, as for `PUT /calendar/{year}`.',
        'x-roles': ['admin'],
        requestBody: { required: true, content: json(ref('CalendarDayUpdate'), { kind: 'holiday', name: '国庆节' }) },
        responses: {
          '200': { description: 'The day\'s year as now stored and the re-detection of every contract.', content: json(ref('CalendarYearWithDetection')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
        },
      },
    },

    // ---- evidence: SLA policy and tickets (工单) ----
    '/contracts/{id}/sla-policy': {
      parameters: [param('ContractId')],
      get: {
        tags: ['sla'],
        operationId: 'getSlaPolicy',
        summary: 'The contract\'s SLA policy: working hours, severity levels, ticket type → rule, pause reasons',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). 404 when the contract has no policy yet.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The policy.', content: json(ref('SlaPolicy')) },
          ...contractReadErrors,
        },
      },
      put: {
        tags: ['sla'],
        operationId: 'putSlaPolicy',
        summary: 'Create or replace the SLA policy; re-runs the SLA detector over all tickets',
        description: [
          'Roles: admin, manager. The body is validated before the role and contract checks, so an invalid body answers 400 whatever the role.',
          'Working hours: 1-6 intervals `HH:mm`, sorted, non-overlapping, start < end (`24:00` allowed as an end), paths `workingHours[i]...`.',
          'Each level needs a response or a resolution limit (or both), resolution ≥ response (path `levels[i].resolutionMinutes`); codes unique.',
          '`itemByTicketType` maps a ticket type to an item number (the item must have exactly one per-unit rule) or to a rule code such as',
          '`"10a"` (a per-unit rule of the contract\'s table), else 400 with path `itemByTicketType.<type>`; `default` (types not listed)',
          'is set to `4a` when missing. Omitted: 故障 → 10 (10a), 需求 → 26 (26a), default → 4 (4a). The policy version increases by 1 on each',
          'replace (0 on creation). The SLA detector then re-evaluates every ticket in the same transaction (`detection.sla`).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('SlaPolicyInput'), {
            workingHours: [{ start: '08:00', end: '17:30' }],
            levels: [
              { code: '高', name: '紧急', responseMinutes: 30, resolutionMinutes: 240, clock: 'working' },
              { code: '中', responseMinutes: 60, resolutionMinutes: 720, clock: 'working' },
              { code: 'P1', responseMinutes: 5, resolutionMinutes: 120, clock: 'calendar' },
            ],
            itemByTicketType: { 故障: 10, 需求: 26, default: 4 },
            pauseReasons: ['等待局方确认', '等待第三方厂商处理', '等待用户反馈', '局方要求暂缓'],
          }),
        },
        responses: {
          '200': { description: 'The stored policy and what the SLA detector changed.', content: json(withDetection('SlaPolicy')) },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/tickets': {
      parameters: [param('ContractId')],
      get: {
        tags: ['sla'],
        operationId: 'listTickets',
        summary: 'List the contract\'s tickets (工单), paged, ordered by id',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). Unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [param('Limit'), param('Offset')],
        responses: {
          '200': { description: 'One page of tickets and the total count.', content: json(ref('TicketPage')) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['sla'],
        operationId: 'upsertTickets',
        summary: 'Submit 1-5000 tickets (upsert by external id); the SLA detector re-examines the changed ones',
        description: [
          'Roles: admin, manager. The body is a JSON array of tickets (400 with path `(body)` when not an array or not 1-5000 long; use',
          '`/tickets/import` for more). Order of checks: array shape (400), contract visibility (404), role (403), a policy must exist',
          '(409 `conflict`: PUT /sla-policy first), then every ticket (400, paths `[i].field`): fields, severity among the policy\'s level codes,',
          'respondedAt/resolvedAt not before createdAt, resolvedAt not before respondedAt, pause reasons among the policy\'s `pauseReasons`, a pause',
          'not before createdAt and not ending before it starts, external ids unique within the body. Tickets are keyed by external id: a new',
          'one is inserted, a changed one updated, an identical one left alone. An optional field (system, type, title, respondedAt,',
          'resolvedAt, pauses) a ticket leaves out keeps its stored value; the merged ticket is checked again (400, paths `[i].field`, message',
          'ending （与已存储的工单合并后）). Only new and changed tickets are re-evaluated; each ticket that',
          'missed its response or resolution limit gets one ledger line (source `sla`, sourceKey `ticket:<externalId>`) in the period of the',
          'first missed deadline, under the rule its type maps to. Unconfirmed pauses do not stop the clock.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json({ type: 'array', minItems: 1, maxItems: 5000, items: ref('TicketInput') }, [
            {
              externalId: 'GD-20250930-01',
              system: '电子税务局',
              type: '故障',
              severity: '高',
              title: '发票开具失败',
              createdAt: '2025-09-30T16:00:00+08:00',
              respondedAt: '2025-09-30T16:10:00+08:00',
              resolvedAt: '2025-10-09T15:00:00+08:00',
              pauses: [{ start: '2025-09-30T16:20:00+08:00', end: '2025-09-30T16:40:00+08:00', reason: '等待用户反馈', confirmed: true }],
            },
          ]),
        },
        responses: {
          '200': {
            description: 'Counts and what the SLA detector changed.',
            content: json(ref('UpsertResult'), {
              imported: 1,
              updated: 0,
              unchanged: 0,
              detection: { sla: { added: 1, withdrawn: 0, retraced: 0, unchanged: 0, skippedLocked: 0 } },
            }),
          },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/tickets/import': {
      parameters: [param('ContractId')],
      post: {
        tags: ['sla', 'imports'],
        operationId: 'importTickets',
        summary: 'Import tickets from a CSV or XLSX export (upsert by external id)',
        description: importDescription(
          'tickets',
          'Columns: `external_id` (≤ 100 characters), `severity` (a level code of the policy), `created_at`, and optionally `system`, `type`, ' +
            '`title` (cut to 500 characters), `responded_at`, `resolved_at`; the same cross-field checks as the JSON route. Pauses cannot be ' +
            'imported. A policy must exist (409 `conflict`). The SLA lines of new and changed tickets are reconciled chunk by chunk (`detection.sla`).',
        ),
        'x-roles': ['admin', 'manager'],
        requestBody: importBody('tickets'),
        responses: importResponses,
      },
    },
    '/contracts/{id}/tickets/{externalId}': {
      parameters: [param('ContractId'), param('TicketExternalId')],
      get: {
        tags: ['sla'],
        operationId: 'getTicket',
        summary: 'One ticket with its SLA figures, evaluated now, and the trace',
        description: [
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). 404 when no ticket of this contract has',
          'the external id. `sla` is computed on each request with the current policy and calendar (an open ticket\'s elapsed time grows);',
          'it is null when the contract has no policy or the ticket\'s severity is no longer a level of it. 409 `calendar_missing` when the',
          'ticket\'s clock crosses a year without calendar data.',
        ].join(' '),
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The ticket.', content: json(ref('TicketDetail')) },
          ...contractReadErrors,
          '409': resp('CalendarMissing'),
        },
      },
    },

    // ---- evidence: inspections (巡检) ----
    '/contracts/{id}/inspection-plans': {
      parameters: [param('ContractId')],
      get: {
        tags: ['inspections'],
        operationId: 'listInspectionPlans',
        summary: 'List the contract\'s inspection plans (巡检计划), ordered by id',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Plans.', content: json({ type: 'array', items: ref('InspectionPlan') }) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['inspections'],
        operationId: 'createInspectionPlan',
        summary: 'Create an inspection plan; the inspection detector runs',
        description: [
          'Roles: admin, manager. The body is validated before the role and contract checks.',
          '`frequency: dates` needs a non-empty `dates` list (400 path `dates`); `activeTo` not before `activeFrom` (path `activeTo`).',
          'Detection (rule 5a, 5b, 5c of item 5): each slot of the plan within the contract and the plan\'s active dates, up to today, that is',
          'due — a working day or listed date due at `deadlineTime` (end of day when null), a week / month / quarter due at the end of its last',
          'day — and has no run by then gives a 5a line (one unit); an on-time slot whose runs do not cover the checklist gives a 5b line with',
          'one unit per missing item; each finding not handled within `findingLimitMinutes` working minutes after the run gives a 5c line.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('InspectionPlanCreate'), {
            name: '电子税务局日常巡检',
            system: '电子税务局',
            frequency: 'workday',
            deadlineTime: '10:00',
            checklist: ['CPU 使用率', '磁盘空间', '数据库连接数', '备份任务'],
            findingLimitMinutes: 570,
          }),
        },
        responses: {
          '201': { description: 'The plan and what the inspection detector changed.', content: json(withDetection('InspectionPlan')) },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/inspections': {
      parameters: [param('ContractId')],
      get: {
        tags: ['inspections'],
        operationId: 'listInspections',
        summary: 'List the contract\'s inspection runs (巡检记录), paged, ordered by performedAt',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). Unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [param('Limit'), param('Offset')],
        responses: {
          '200': { description: 'One page of runs and the total count.', content: json(ref('InspectionRunPage')) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['inspections'],
        operationId: 'recordInspection',
        summary: 'Record an inspection run (upsert when `externalId` is given); the inspection detector runs',
        description: [
          'Roles: admin, manager. The body and the plan are checked before the role and contract checks: 400 when the plan is not one of',
          'this contract\'s (path `planId`), an item checked is not on the plan\'s checklist (path `itemsChecked`), or a finding is handled',
          'before the run (path `findings[i].handledAt`). With an `externalId` already recorded for the contract the run is replaced (still 201).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('InspectionRunCreate'), {
            planId: 1,
            externalId: 'XJ-20251103-01',
            performedAt: '2025-11-03T09:20:00+08:00',
            performer: '张工',
            itemsChecked: ['CPU 使用率', '磁盘空间', '数据库连接数', '备份任务'],
            findings: [{ description: '/data 分区使用率 92%', handledAt: '2025-11-03T11:00:00+08:00' }],
          }),
        },
        responses: {
          '201': { description: 'The run and what the inspection detector changed.', content: json(withDetection('InspectionRun')) },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/inspections/import': {
      parameters: [param('ContractId')],
      post: {
        tags: ['inspections', 'imports'],
        operationId: 'importInspections',
        summary: 'Import inspection runs from a CSV or XLSX log (upsert by external id)',
        description: importDescription(
          'inspections',
          'Columns: `external_id`, `plan` (the plan\'s name or id), `performed_at`, `performer`, and optionally `items_checked` (a list ' +
            'separated by `;` `；` `、` `,` `，` or new lines; each on the plan\'s checklist) and `findings` (`描述` or `描述@处理时间`, separated ' +
            'by `;` `；` or new lines). The inspection detector runs once at the end (`detection.inspection`).',
        ),
        'x-roles': ['admin', 'manager'],
        requestBody: importBody('inspections'),
        responses: importResponses,
      },
    },

    // ---- evidence: reports (报告) ----
    '/contracts/{id}/report-plans': {
      parameters: [param('ContractId')],
      get: {
        tags: ['reports'],
        operationId: 'listReportPlans',
        summary: 'List the contract\'s report plans (报告计划), ordered by id',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Plans.', content: json({ type: 'array', items: ref('ReportPlan') }) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['reports'],
        operationId: 'createReportPlan',
        summary: 'Create a report plan; the report detector runs',
        description: [
          'Roles: admin, manager. The body is validated before the role and contract checks. `per_incident` needs `eventKinds` (400 path',
          '`eventKinds`). `dueWorkingDays` defaults by kind: weekly 1, monthly 5, annual 10, per_incident 3.',
          'Detection (rule 9a of item 9, one unit each): every week / month / year overlapping the contract, or every active event of the',
          'listed kinds, expects a submission within `dueWorkingDays` working days after the span\'s last day (or the event\'s date), by 24:00;',
          'a late first submission, or none once the due date has passed, gives a line in the period of the due date (the last period when',
          'after the contract).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: { required: true, content: json(ref('ReportPlanCreate'), { name: '运维周报', kind: 'weekly', dueWorkingDays: 1 }) },
        responses: {
          '201': { description: 'The plan and what the report detector changed.', content: json(withDetection('ReportPlan')) },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/report-submissions': {
      parameters: [param('ContractId')],
      get: {
        tags: ['reports'],
        operationId: 'listReportSubmissions',
        summary: 'List the contract\'s report submissions, ordered by submittedAt (not paged)',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Submissions.', content: json({ type: 'array', items: ref('ReportSubmission') }) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['reports'],
        operationId: 'submitReport',
        summary: 'Record a report submission (upsert when `externalId` is given); the report detector runs',
        description: [
          'Roles: admin, manager. The body and the plan are checked before the role and contract checks: 400 when the plan is not one of',
          'this contract\'s (path `planId`) or `covers` is not valid for the plan\'s kind (path `covers`). `covers` is normalised: weekly',
          '`W<Monday>` or any date of the week → `W<Monday>`; monthly `YYYY-MM` or a date → `YYYY-MM`; annual `YYYY` or a date → `YYYY`;',
          'per_incident `event:<event id>`. With an `externalId` already recorded for the contract the submission is replaced (still 201).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('ReportSubmissionCreate'), { planId: 1, covers: '2025-11-03', submittedAt: '2025-11-10T09:00:00+08:00', title: '第45周运维周报' }),
        },
        responses: {
          '201': { description: 'The submission (with `covers` normalised) and what the report detector changed.', content: json(withDetection('ReportSubmission')) },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/report-submissions/import': {
      parameters: [param('ContractId')],
      post: {
        tags: ['reports', 'imports'],
        operationId: 'importReportSubmissions',
        summary: 'Import report submissions from a CSV or XLSX inbox export (upsert by external id)',
        description: importDescription(
          'report_submissions',
          'Columns: `external_id`, `plan` (the plan\'s name or id), `covers` (as in the JSON route), `submitted_at`, and optionally `title`. ' +
            'The report detector runs once at the end (`detection.report`).',
        ),
        'x-roles': ['admin', 'manager'],
        requestBody: importBody('report_submissions'),
        responses: importResponses,
      },
    },

    // ---- evidence: staffing (人员) ----
    '/contracts/{id}/positions': {
      parameters: [param('ContractId')],
      get: {
        tags: ['staffing'],
        operationId: 'listPositions',
        summary: 'The contract\'s required positions (岗位要求), ordered by id',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). A bare array (the PUT answer wraps it in `positions`).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'Positions.', content: json({ type: 'array', items: ref('Position') }) },
          ...contractReadErrors,
        },
      },
      put: {
        tags: ['staffing'],
        operationId: 'putPositions',
        summary: 'Replace the required positions; the staffing detector runs',
        description: [
          'Roles: admin, manager. The body is validated before the role and contract checks. Positions are matched by `role`: existing ones',
          'are updated (keeping their id), new ones created, roles not in the body deleted (an empty array deletes all).',
          'Detection per period up to today: 1a (item 1) when a position is short of k people for at least `toleranceWorkingDays`',
          'consecutive working days (units = the largest such k); per person on duty in the period: 2a (item 2) lacking a qualification the',
          'position requires, 16a / 16b (item 16) no security agreement / no criminal-record certificate, 15a (item 15) no security training',
          'by the end of the period.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json({ type: 'array', maxItems: 100, items: ref('PositionInput'), description: 'Roles unique.' }, [
            { role: '驻场工程师', count: 3, qualifications: ['信息系统运行管理员'], toleranceWorkingDays: 10 },
            { role: '数据库管理员', count: 1, qualifications: ['OCP'] },
          ]),
        },
        responses: {
          '200': {
            description: 'The positions as now stored and what the staffing detector changed.',
            content: json({
              type: 'object',
              required: ['positions', 'detection'],
              properties: { positions: { type: 'array', items: ref('Position') }, detection: ref('DetectionResult') },
            }),
          },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/people': {
      parameters: [param('ContractId')],
      get: {
        tags: ['staffing'],
        operationId: 'listPeople',
        summary: 'The contract\'s staff roster (人员名册), ordered by id',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'People.', content: json({ type: 'array', items: ref('Person') }) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['staffing'],
        operationId: 'upsertPeople',
        summary: 'Submit one person or an array of 1-2000 (upsert by external id); the staffing detector runs',
        description:
          'Roles: admin, manager. The body is validated before the role and contract checks (paths `[i].field`; `endDate` not before ' +
          '`startDate`). Answers 200 (not 201) with counts.',
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(
            { oneOf: [ref('PersonInput'), { type: 'array', minItems: 1, maxItems: 2000, items: ref('PersonInput') }] },
            [{
              externalId: 'E-0012',
              name: '李明',
              role: '驻场工程师',
              startDate: '2025-11-01',
              endDate: null,
              qualifications: ['信息系统运行管理员'],
              securityAgreement: true,
              noCriminalRecord: true,
              securityTrainingDate: '2025-11-05',
            }],
          ),
        },
        responses: {
          '200': { description: 'Counts and what the staffing detector changed.', content: json(ref('UpsertResult')) },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/people/import': {
      parameters: [param('ContractId')],
      post: {
        tags: ['staffing', 'imports'],
        operationId: 'importPeople',
        summary: 'Import the staff roster from a CSV or XLSX file (upsert by external id)',
        description: importDescription(
          'people',
          'Columns: `external_id`, `name`, `role`, `start_date`, `security_agreement`, `no_criminal_record`, and optionally `end_date`, ' +
            '`qualifications` (a list separated by `;` `；` `、` `,` `，` or new lines), `security_training_date`. Dates `YYYY-MM-DD` or ' +
            '`YYYY/M/D` (a trailing `00:00` is accepted); yes/no columns 是/否, 有/无, Y/N, yes/no, true/false or 1/0. The staffing detector ' +
            'runs once at the end (`detection.staffing`).',
        ),
        'x-roles': ['admin', 'manager'],
        requestBody: importBody('people'),
        responses: importResponses,
      },
    },

    // ---- evidence: events (事件) ----
    '/contracts/{id}/events': {
      parameters: [param('ContractId')],
      get: {
        tags: ['events'],
        operationId: 'listEvents',
        summary: 'List the contract\'s events, active and withdrawn, ordered by occurredAt',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). Unknown query parameters are refused (400).',
        'x-roles': ROLE_ENUM,
        parameters: [param('EventKindFilter')],
        responses: {
          '200': { description: 'Events.', content: json({ type: 'array', items: ref('Event') }) },
          ...contractReadErrors,
        },
      },
      post: {
        tags: ['events'],
        operationId: 'recordEvent',
        summary: 'Record an event (release, emergency, security incident, vulnerability, supply chain, turnover, on-site service)',
        description: [
          'Roles: admin, manager. The body is validated before the role and contract checks; `details` is validated against the schema of',
          'the `kind` (unknown keys refused; its error paths are relative to `details`, e.g. `category`). An `onsite_visit` needs `plannedId`',
          'or `plannedRef` (400 path `details.plannedId`); a `plannedId` must be an `onsite_planned` event of this contract. The event and',
          'report detectors then run (`detection.event`, `detection.report`: per-incident reports expect a submission for the event).',
          'Rules written: release → 6a (not completed by `plannedAt`, or `complete: false`), 6b (`postReleaseIssue` and not',
          '`issueHandledInTime`), 7a (`newProblemCaused` and not `newProblemResolvedInTime`); emergency → 8a (not handled within',
          '`limitMinutes` calendar minutes), 8b (one unit per missing step); security_incident → 17a (`incident`) or 18a (`network_data`);',
          'vulnerability → 12a unless a `vulnerability_report` with the same identifier was recorded at or before it; supply_chain → 19a',
          'or 20a (`details.rule`); turnover_disruption → 3a; onsite_planned → 33a once `dueDate` has passed, units = planned persons −',
          'persons of the linked `onsite_visit` events up to the due date. `vulnerability_report` and `onsite_visit` write no line',
          'themselves. `suggestedPenaltyClause` names the contract clause a network/data security incident or a 20a supply-chain event may',
          'call for; the penalty itself is recorded by a manager (`/penalties`).',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('EventCreate'), {
            kind: 'emergency',
            occurredAt: '2025-11-12T14:05:00+08:00',
            title: '电子税务局登录异常',
            system: '电子税务局',
            externalId: 'YJ-2025-017',
            details: { limitMinutes: 60, handledAt: '2025-11-12T15:40:00+08:00', missingSteps: ['事后总结报告'] },
          }),
        },
        responses: {
          '201': { description: 'The event and what the event and report detectors changed.', content: json(withDetection('Event')) },
          ...contractWriteErrors,
        },
      },
    },
    '/contracts/{id}/events/{eventId}/withdraw': {
      parameters: [param('ContractId'), param('EventId')],
      post: {
        tags: ['events'],
        operationId: 'withdrawEvent',
        summary: 'Withdraw an event with a reason; its lines are withdrawn by re-detection',
        description:
          'Roles: admin, manager. The reason (1-2000 characters) is validated before the role check. 404 when the event is not in this ' +
          'contract; 409 when already withdrawn. The event and report detectors run; lines in signed periods stay.',
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(
            { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } },
            { reason: '经核实不属于服务商责任' },
          ),
        },
        responses: {
          '200': { description: 'The withdrawn event and what the detectors changed.', content: json(withDetection('Event')) },
          ...contractWriteErrors,
        },
      },
    },

    // ---- detection ----
    '/contracts/{id}/detect': {
      parameters: [param('ContractId')],
      post: {
        tags: ['detection'],
        operationId: 'detectAll',
        summary: 'Re-run every detector of the contract (time passes: deadlines fall due)',
        description: [
          'Roles: admin, manager (role checked first). No request body. Runs the sla (skipped, and absent from the answer, when the contract',
          'has no SLA policy), inspection, report, staffing and event detectors in one transaction and reconciles their proposals with the',
          'active detected lines: new evidence of a deduction adds a line, a line whose numbers changed is withdrawn and added anew, a line',
          'whose evidence no longer holds is withdrawn (reason `重新检测：…`), a changed reason or trace is rewritten in place (`retraced`).',
          'Signed and locked periods are never touched (`skippedLocked`). 409 `calendar_missing` when a needed year has no calendar data.',
        ].join(' '),
        'x-roles': ['admin', 'manager'],
        responses: {
          '200': {
            description: 'One summary per detector.',
            content: json(
              { type: 'object', required: ['detection'], properties: { detection: ref('DetectionResult') } },
              {
                detection: {
                  sla: { added: 0, withdrawn: 0, retraced: 0, unchanged: 12, skippedLocked: 0 },
                  inspection: { added: 1, withdrawn: 0, retraced: 0, unchanged: 3, skippedLocked: 0 },
                  report: { added: 0, withdrawn: 0, retraced: 0, unchanged: 1, skippedLocked: 0 },
                  staffing: { added: 0, withdrawn: 0, retraced: 0, unchanged: 0, skippedLocked: 0 },
                  event: { added: 0, withdrawn: 0, retraced: 0, unchanged: 2, skippedLocked: 0 },
                },
              },
            ),
          },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('ConflictOrCalendarMissing'),
          '500': resp('InternalError'),
        },
      },
    },

    // ---- import column mappings ----
    '/contracts/{id}/import-mappings/{kind}': {
      parameters: [param('ContractId'), param('ImportKind')],
      get: {
        tags: ['imports'],
        operationId: 'getImportMapping',
        summary: 'The saved column mapping of an import kind, with the fields it reads',
        description:
          'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). 400 (path `kind`) for an unknown kind. ' +
          '`mapping` is `{}` when none is saved.',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The mapping.', content: json(ref('ImportMapping')) },
          ...contractReadErrors,
        },
      },
      put: {
        tags: ['imports'],
        operationId: 'putImportMapping',
        summary: 'Save the column mapping of an import kind (field → the file\'s header text)',
        description:
          'Roles: admin, manager (role checked first). The body maps field names of the kind to header texts; a blank header means the ' +
          'field is read from a column named like the field. Unknown fields are refused (400, paths `mapping.<field>`). Replaces the saved ' +
          'mapping. An upload may also carry a mapping, which is saved when that import succeeds.',
        'x-roles': ['admin', 'manager'],
        requestBody: {
          required: true,
          content: json(ref('ColumnMapping'), { external_id: '工单编号', severity: '优先级', created_at: '创建时间', resolved_at: '解决时间' }),
        },
        responses: {
          '200': { description: 'The mapping as now saved.', content: json(ref('ImportMapping')) },
          ...authErrors,
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        description: 'Opaque token from `POST /auth/token`, sent as `Authorization: Bearer <token>`.',
      },
    },
    parameters: {
      ContractId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'Contract id. A positive integer of at most 9 digits, else 400 with details path `id`.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      VendorId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'Vendor id. A positive integer of at most 9 digits, else 400.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      TemplateVersion: {
        name: 'version',
        in: 'path',
        required: true,
        description: 'Template version number. A positive integer of at most 9 digits, else 400.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      LineId: {
        name: 'lineId',
        in: 'path',
        required: true,
        description: 'Ledger line id.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      RatingId: {
        name: 'ratingId',
        in: 'path',
        required: true,
        description: 'Rating id.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      PenaltyId: {
        name: 'penaltyId',
        in: 'path',
        required: true,
        description: 'Penalty id.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      PeriodNumber: {
        name: 'n',
        in: 'path',
        required: true,
        description: 'Period number (考核期序号) within the contract, 1-based.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      InstallmentNumber: {
        name: 'n',
        in: 'path',
        required: true,
        description: 'Installment number (付款期序号) within the contract, 1-based.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      PeriodFilter: {
        name: 'period',
        in: 'query',
        required: false,
        description: 'Only this period number.',
        schema: { type: 'integer', minimum: 1 },
      },
      ItemFilter: {
        name: 'item',
        in: 'query',
        required: false,
        description: 'Only this quality-table item number.',
        schema: { type: 'integer', minimum: 1 },
      },
      StatusFilter: {
        name: 'status',
        in: 'query',
        required: false,
        description: 'Only active or only withdrawn records.',
        schema: { type: 'string', enum: ['active', 'withdrawn'] },
      },
      CalendarYear: {
        name: 'year',
        in: 'path',
        required: true,
        description: 'Calendar year. A positive integer; imports accept 2000-2100 only (400 with path `year`).',
        schema: { type: 'integer', minimum: 1, maximum: 999999999, example: 2025 },
      },
      CalendarDate: {
        name: 'date',
        in: 'path',
        required: true,
        description: 'A local date YYYY-MM-DD (400 with path `date` otherwise).',
        schema: { type: 'string', format: 'date', example: '2025-10-01' },
      },
      TicketExternalId: {
        name: 'externalId',
        in: 'path',
        required: true,
        description: 'The ticket\'s external id (工单编号) as submitted, URL-encoded.',
        schema: { type: 'string', maxLength: 100, example: 'GD-20250930-01' },
      },
      EventId: {
        name: 'eventId',
        in: 'path',
        required: true,
        description: 'Event id.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      ImportKind: {
        name: 'kind',
        in: 'path',
        required: true,
        description: 'Import kind (400 with path `kind` otherwise).',
        schema: { type: 'string', enum: ['tickets', 'inspections', 'report_submissions', 'people'] },
      },
      Limit: {
        name: 'limit',
        in: 'query',
        required: false,
        description: 'Page size.',
        schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      },
      Offset: {
        name: 'offset',
        in: 'query',
        required: false,
        description: 'Records to skip.',
        schema: { type: 'integer', minimum: 0, default: 0 },
      },
      EventKindFilter: {
        name: 'kind',
        in: 'query',
        required: false,
        description: 'Only events of this kind.',
        schema: { type: 'string', enum: EVENT_KIND_ENUM },
      },
      UserId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'User id. A positive integer of at most 9 digits, else 400.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      ObjectionId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'Objection id. A positive integer of at most 9 digits, else 400.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      NotificationId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'Notification id. A positive integer of at most 9 digits, else 400.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      FileId: {
        name: 'id',
        in: 'path',
        required: true,
        description: 'File id (as answered by `POST /contracts/{id}/files`). A positive integer of at most 9 digits, else 400.',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
      SubmissionId: {
        name: 'sid',
        in: 'path',
        required: true,
        description: 'Evidence submission id (of this contract).',
        schema: { type: 'integer', minimum: 1, maximum: 999999999 },
      },
    },
    responses: {
      BadRequest: {
        description:
          'Invalid input (`invalid_input`, one `details` entry per problem) or a body that is not valid JSON (`invalid_json`). ' +
          'Details paths of schema errors are dotted (`installments.0.ratio`, `(body)` for the body itself); those of business checks use ' +
          'brackets (`installments[0].ratio`).',
        content: json(ref('Error'), {
          error: {
            code: 'invalid_input',
            message: '各期付款比例之和必须等于 1（当前为 0.9）',
            details: [{ path: 'installments', message: '各期付款比例之和必须等于 1（当前为 0.9）' }],
          },
        }),
      },
      Unauthorized: {
        description: 'Missing, invalid or expired token, or an inactive user (`unauthorized`); on /auth/token, wrong username or password.',
        content: json(ref('Error'), { error: { code: 'unauthorized', message: '访问令牌无效或已过期', details: [] } }),
      },
      Forbidden: {
        description: 'The caller\'s role may not perform this operation (`forbidden`).',
        content: json(ref('Error'), { error: { code: 'forbidden', message: '无权执行此操作', details: [] } }),
      },
      NotFound: {
        description: 'No such resource, or one the caller may not see: a vendor user asking for another vendor\'s contract or vendor (`not_found`).',
        content: json(ref('Error'), { error: { code: 'not_found', message: '合同不存在', details: [] } }),
      },
      Conflict: {
        description:
          'The write conflicts with the current state (`conflict`): duplicate code or name, a signed/locked period, an already withdrawn or ' +
          'approved record, a paid installment, the recorder approving their own penalty, or a concurrent change.',
        content: json(ref('Error'), {
          error: {
            code: 'conflict',
            message: '考核期 1 已签署锁定，不能再修改；更正请在下一个未锁定的考核期记录调整',
            details: [{ path: 'period', message: '考核期已锁定' }],
          },
        }),
      },
      PayloadTooLarge: {
        description: 'Request body too large (`too_large`): JSON over 5 MB, a CSV/text body over 1 MB, or an uploaded file over UPLOAD_MAX_MB (default 200 MB; message 上传文件过大).',
        content: json(ref('Error'), { error: { code: 'too_large', message: '请求体过大', details: [] } }),
      },
      InternalError: {
        description: 'Unexpected server error (`internal`); details are logged, not returned.',
        content: json(ref('Error'), { error: { code: 'internal', message: '服务器内部错误', details: [] } }),
      },
      CalendarMissing: {
        description:
          'The computation needs a year the working calendar has no data for (`calendar_missing`); an admin imports it with `PUT /calendar/{year}`.',
        content: json(ref('Error'), {
          error: {
            code: 'calendar_missing',
            message: '工作日历缺少 2027 年的节假日数据，请管理员先导入该年度日历',
            details: [{ path: 'calendar', message: '工作日历缺少 2027 年的节假日数据，请管理员先导入该年度日历' }],
          },
        }),
      },
      ConflictOrCalendarMissing: {
        description:
          '`conflict`: the write conflicts with the current state (no SLA policy yet for tickets, an event already withdrawn, a concurrent ' +
          'change); or `calendar_missing`: a detector needs a year the working calendar has no data for (import it with `PUT /calendar/{year}`).',
        content: {
          'application/json': {
            schema: ref('Error'),
            examples: {
              conflict: {
                value: { error: { code: 'conflict', message: '请先为本合同配置 SLA 策略（PUT /sla-policy），再录入工单', details: [] } },
              },
              calendar_missing: {
                value: {
                  error: {
                    code: 'calendar_missing',
                    message: '工作日历缺少 2027 年的节假日数据，请管理员先导入该年度日历',
                    details: [{ path: 'calendar', message: '工作日历缺少 2027 年的节假日数据，请管理员先导入该年度日历' }],
                  },
                },
              },
            },
          },
        },
      },
      InvalidFile: {
        description:
          'The upload cannot be imported. `invalid_file`: some rows are invalid and nothing was written; `error.rows` lists every bad row ' +
          '(up to 5000, `error.truncated` when there were more), `details` those of the first 50. `invalid_input`: no file, a bad mapping, ' +
          'missing columns, an unreadable or empty file. `invalid_upload`: a malformed multipart form.',
        content: {
          'application/json': {
            schema: ref('Error'),
            examples: {
              invalid_file: {
                value: {
                  error: {
                    code: 'invalid_file',
                    message: '文件中有 1 行无效（共 2 行），未导入任何数据',
                    details: [{ path: 'row 3.created_at', message: '「bad」不是有效时间（ISO 8601 带时区，或 YYYY-MM-DD HH:mm[:ss]）' }],
                    rows: [{ row: 3, errors: [{ field: 'created_at', message: '「bad」不是有效时间（ISO 8601 带时区，或 YYYY-MM-DD HH:mm[:ss]）' }] }],
                    truncated: false,
                  },
                },
              },
              missing_columns: {
                value: {
                  error: {
                    code: 'invalid_input',
                    message: '文件缺少必需的列：created_at（表头：external_id、severity）',
                    details: [{ path: 'columns.created_at', message: '缺少此列' }],
                  },
                },
              },
              no_file: {
                value: { error: { code: 'invalid_input', message: '请上传文件（表单字段 file，CSV 或 XLSX）', details: [{ path: 'file', message: '缺少文件' }] } },
              },
            },
          },
        },
      },
      SignConflict: {
        description:
          'The period cannot be signed now. `conflict`: already signed or locked, or signed concurrently; `not_published`: still a draft; ' +
          '`objections_open`: an objection to one of its lines is open; `objection_window_open`: the objection window runs and the vendor has ' +
          'not acknowledged (send `confirmEarly: true` to sign anyway); `calendar_missing`: the detectors need a year the working calendar lacks.',
        content: {
          'application/json': {
            schema: ref('Error'),
            examples: {
              conflict: { value: { error: { code: 'conflict', message: '考核期 1 已签署或已锁定', details: [] } } },
              not_published: {
                value: { error: { code: 'not_published', message: '考核期 1 尚未发布给服务商确认，不能签署', details: [{ path: 'period', message: '请先发布' }] } },
              },
              objections_open: {
                value: { error: { code: 'objections_open', message: '本期还有 2 条服务商异议未处理，不能签署', details: [{ path: 'objections', message: '2 条未处理' }] } },
              },
              objection_window_open: {
                value: {
                  error: {
                    code: 'objection_window_open',
                    message: '异议期至 2025-04-14 止，服务商尚未确认；如需提前签署请确认（confirmEarly）',
                    details: [{ path: 'confirmEarly', message: '异议期未届满' }],
                  },
                },
              },
              calendar_missing: {
                value: {
                  error: {
                    code: 'calendar_missing',
                    message: '工作日历缺少 2027 年的节假日数据，请管理员先导入该年度日历',
                    details: [{ path: 'calendar', message: '工作日历缺少 2027 年的节假日数据，请管理员先导入该年度日历' }],
                  },
                },
              },
            },
          },
        },
      },
      ObjectionConflict: {
        description:
          'The line cannot be objected to. `conflict`: the period is signed or locked, the vendor acknowledged it, the line is withdrawn or ' +
          'is itself an objection\'s result, or the line already has an objection; `objection_window_closed`: today is after the ' +
          'period\'s `objectionDeadline`.',
        content: {
          'application/json': {
            schema: ref('Error'),
            examples: {
              conflict: { value: { error: { code: 'conflict', message: '已对该扣分记录提出异议，等待处理', details: [] } } },
              objection_window_closed: {
                value: { error: { code: 'objection_window_closed', message: '异议期已于 2025-04-14 结束', details: [{ path: 'lineId', message: '异议期已过' }] } },
              },
            },
          },
        },
      },
    },
    schemas: {
      ExportArtifact: {
        type: 'object',
        description: 'A registered export (导出登记).',
        properties: {
          id: { type: 'integer' },
          documentNumber: { type: 'string', example: 'SC-GX2025-DLGK-C0062-B00-P3-V2' },
          kind: { type: 'string', enum: ['scorecard_pdf', 'scorecard_xlsx', 'payments_xlsx'] },
          version: { type: 'integer', description: '1, 2, … per document: a new version whenever the content changed' },
          title: { type: 'string' },
          bureau: { type: 'string' },
          contractId: { type: 'integer', nullable: true },
          periodNumber: { type: 'integer', nullable: true },
          periodStatus: { type: 'string', nullable: true, enum: ['draft', 'published', 'signed', 'locked', null] },
          signed: { type: 'boolean' },
          fileName: { type: 'string' },
          fileSha256: { type: 'string', description: 'SHA-256 of the exact bytes' },
          contentSha256: { type: 'string', description: 'SHA-256 of the canonical content (what the document says)' },
          byteSize: { type: 'integer' },
          signer: { type: 'string', nullable: true },
          certificateSha256: { type: 'string', nullable: true },
          signedAt: { type: 'string', format: 'date-time', nullable: true },
          issuedBy: { type: 'string' },
          issuedAt: { type: 'string', format: 'date-time' },
          supersededBy: { type: 'integer', nullable: true, description: 'id of the version that replaced this one' },
          supersededAt: { type: 'string', format: 'date-time', nullable: true },
        },
      },
      ExportBatch: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          bureau: { type: 'string' },
          period: { type: 'integer' },
          state: { type: 'string', enum: ['queued', 'running', 'done', 'failed'] },
          done: { type: 'integer', description: 'contracts done (+1 for the payment workbook)' },
          total: { type: 'integer' },
          message: { type: 'string', nullable: true },
          files: { type: 'integer' },
          skipped: { type: 'array', items: { type: 'string' }, description: 'contracts left out, with why (e.g. no such period)' },
          createdAt: { type: 'string', format: 'date-time' },
          finishedAt: { type: 'string', format: 'date-time', nullable: true },
        },
      },
      VerifyAnswer: {
        type: 'object',
        properties: {
          result: { type: 'string', enum: ['authentic', 'unsigned', 'tampered', 'unknown'] },
          authentic: { type: 'boolean', description: 'the bytes are a registered export whose signature checks' },
          latest: { type: 'boolean', description: 'authentic and nothing replaced it: no later version, and the data still give the same content' },
          outdated: { type: 'boolean', description: 'the data changed after the export (e.g. the period was reopened) and no newer version was exported yet' },
          message: { type: 'string', description: 'One sentence in Chinese', example: '真实有效：这是 SC-GX2025-DLGK-C0062-B00-P3-V2，为最新版本' },
          fileSha256: { type: 'string' },
          kind: { type: 'string', enum: ['pdf', 'xlsx'] },
          document: {
            type: 'object',
            nullable: true,
            description: 'Only when the uploaded bytes are exactly a registered export (nothing is said about a document a file merely claims to be).',
            properties: {
              documentNumber: { type: 'string' },
              kind: { type: 'string', enum: ['scorecard_pdf', 'scorecard_xlsx', 'payments_xlsx'] },
              version: { type: 'integer' },
              title: { type: 'string' },
              bureau: { type: 'string' },
              periodNumber: { type: 'integer', nullable: true },
              periodStatus: { type: 'string', nullable: true },
              signed: { type: 'boolean' },
              signer: { type: 'string', nullable: true },
              certificateSha256: { type: 'string', nullable: true },
              signedAt: { type: 'string', format: 'date-time', nullable: true },
              issuedAt: { type: 'string', format: 'date-time' },
              fileSha256: { type: 'string' },
            },
          },
          claimedNumber: { type: 'string', nullable: true, description: 'the number the file (PDF /Subject) or its signature claims; unverified' },
          replacedBy: {
            type: 'object',
            nullable: true,
            properties: { documentNumber: { type: 'string' }, issuedAt: { type: 'string', format: 'date-time' } },
          },
          signature: {
            type: 'object',
            nullable: true,
            properties: {
              valid: { type: 'boolean' },
              digestOk: { type: 'boolean' },
              signatureOk: { type: 'boolean' },
              signerMatches: { type: 'boolean' },
              signer: { type: 'string', nullable: true },
              certificateSha256: { type: 'string', nullable: true },
              signingTime: { type: 'string', format: 'date-time', nullable: true },
              signedDigest: { type: 'string', nullable: true, description: 'SHA-256 the signature says the signed bytes have' },
              problem: { type: 'string', nullable: true },
            },
          },
        },
      },
      // ---- errors and small bodies ----
      Error: {
        type: 'object',
        description: 'The one error shape of the API.',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message', 'details'],
            properties: {
              code: {
                type: 'string',
                enum: [
                  'invalid_input', 'invalid_json', 'invalid_file', 'invalid_upload', 'unauthorized', 'forbidden', 'not_found', 'conflict',
                  'calendar_missing', 'not_published', 'objections_open', 'objection_window_open', 'objection_window_closed', 'too_large', 'internal',
                ],
                description:
                  'Machine-readable code: 400 invalid_input / invalid_json / invalid_file / invalid_upload, 401 unauthorized, 403 forbidden, ' +
                  '404 not_found, 409 conflict / calendar_missing / not_published / objections_open / objection_window_open (signing) / ' +
                  'objection_window_closed (filing an objection), 413 too_large, 500 internal.',
              },
              message: { type: 'string', description: 'Human-readable message in Chinese (the first detail\'s message for validation errors).' },
              details: { type: 'array', items: ref('ErrorDetail'), description: 'Per-field problems; empty when not field-related.' },
              rows: {
                type: 'array',
                description: '`invalid_file` only: every invalid row of the import file (at most 5000).',
                items: ref('ImportRowError'),
              },
              truncated: { type: 'boolean', description: '`invalid_file` only: more rows were invalid than `rows` lists.' },
            },
          },
        },
      },
      ErrorDetail: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'Where the problem is, e.g. `totalAmount`, `installments[0].ratio`, `id`, `(body)`, `[3].severity` (an item of an array body), `row 5.created_at` (an import file), `calendar`.' },
          message: { type: 'string', description: 'Message in Chinese.' },
        },
      },
      ImportRowError: {
        type: 'object',
        description: 'The problems of one row of an import file.',
        required: ['row', 'errors'],
        properties: {
          row: { type: 'integer', description: 'Row number as Excel shows it (the header is usually row 1).', example: 3 },
          errors: {
            type: 'array',
            items: {
              type: 'object',
              required: ['field', 'message'],
              properties: {
                field: { type: 'string', description: 'Field name of the import kind (not the header text).', example: 'created_at' },
                message: { type: 'string', description: 'Message in Chinese.' },
              },
            },
          },
        },
      },
      OkResponse: {
        type: 'object',
        required: ['ok'],
        properties: { ok: { type: 'boolean', enum: [true] } },
      },
      WithdrawRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: { type: 'string', minLength: 1, maxLength: 4000, description: 'Why the record is withdrawn (撤销原因); trimmed.' } },
      },

      // ---- auth and users ----
      TokenRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'password'],
        properties: {
          username: { type: 'string', maxLength: 64 },
          password: { type: 'string', maxLength: 200, format: 'password' },
        },
      },
      TokenResponse: {
        type: 'object',
        required: ['token', 'expiresAt', 'user'],
        properties: {
          token: { type: 'string', description: 'Opaque bearer token (base64url, 43 characters). Only its SHA-256 is stored.' },
          expiresAt: dateTime('When the token expires.'),
          user: ref('User'),
        },
      },
      Actor: {
        type: 'object',
        description: 'The acting user as resolved from the token.',
        required: ['id', 'username', 'role', 'vendorId'],
        properties: {
          id: { type: 'integer' },
          username: { type: 'string' },
          role: { type: 'string', enum: ROLE_ENUM },
          vendorId: nullable({ type: 'integer', description: 'The vendor a `vendor` user belongs to; null for other roles.' }),
        },
      },
      User: {
        type: 'object',
        description: 'A user account (用户).',
        required: ['id', 'username', 'displayName', 'role', 'vendorId', 'active', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          username: { type: 'string', example: 'manager' },
          displayName: nullable({ type: 'string', example: '张经理' }),
          role: {
            type: 'string',
            enum: ROLE_ENUM,
            description: 'admin; manager (合同管理员, bureau side); vendor (服务商, sees only its own contracts); finance (财务, records payment status).',
          },
          vendorId: nullable({ type: 'integer', description: 'Set only for `vendor` users.' }),
          active: { type: 'boolean', description: 'Inactive users cannot log in and their tokens stop working.' },
          createdAt: dateTime('Creation time.'),
        },
      },
      UserCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['username', 'password', 'role'],
        properties: {
          username: { type: 'string', minLength: 2, maxLength: 64, pattern: '^[A-Za-z0-9_.@-]+$', description: 'Letters, digits, `_ . @ -`; trimmed; unique.' },
          password: { type: 'string', minLength: 10, maxLength: 200, format: 'password' },
          role: { type: 'string', enum: ROLE_ENUM },
          vendorId: nullable({ type: 'integer', minimum: 1, description: 'Required for role `vendor` (an existing vendor); must be absent or null for other roles.' }),
          displayName: nullable({ type: 'string', maxLength: 100, description: 'Empty string is stored as null.' }),
        },
      },
      UserUpdate: {
        type: 'object',
        additionalProperties: false,
        description: 'Every field optional; omitted fields keep their values.',
        properties: {
          role: { type: 'string', enum: ROLE_ENUM, description: 'An admin cannot take away its own admin role (400 path `role`).' },
          vendorId: nullable({
            type: 'integer',
            minimum: 1,
            description: 'For a `vendor` user: an existing vendor (omitted: keep the current one). Must be absent or null for other roles.',
          }),
          displayName: nullable({ type: 'string', maxLength: 100, description: 'Empty string or null clears it.' }),
          active: { type: 'boolean', description: 'false deactivates the user (not oneself) and revokes its tokens.' },
          password: nullable({
            type: 'string',
            minLength: 10,
            maxLength: 200,
            format: 'password',
            description: 'A new password; revokes the user\'s tokens. Empty string or null: unchanged.',
          }),
        },
      },
      PasswordChange: {
        type: 'object',
        additionalProperties: false,
        required: ['currentPassword', 'newPassword'],
        properties: {
          currentPassword: { type: 'string', maxLength: 200, format: 'password' },
          newPassword: { type: 'string', minLength: 10, maxLength: 200, format: 'password', description: 'Different from the current one.' },
          confirmPassword: { type: 'string', format: 'password', description: 'Optional; when given it must equal newPassword.' },
        },
      },

      // ---- vendors ----
      Vendor: {
        type: 'object',
        description: 'A vendor (服务商), the contractor of O&M contracts.',
        required: ['id', 'name', 'creditCode', 'version', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          name: { type: 'string', example: '广西壹零贰肆信息技术有限公司' },
          creditCode: nullable({ type: 'string', pattern: '^[0-9A-Z]{18}$', description: 'Unified social credit code (统一社会信用代码).', example: '91450100MA5K000001' }),
          version: { type: 'integer', minimum: 0, description: 'Optimistic-lock version: send it back with `PUT /vendors/{id}`.', example: 0 },
          createdAt: dateTime('Creation time.'),
        },
      },
      VendorCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'Unique vendor name; trimmed.' },
          creditCode: nullable({
            type: 'string',
            pattern: '^\\s*[0-9A-Za-z]{18}\\s*$',
            description: 'Unified social credit code (统一社会信用代码): 18 digits and letters, upper-cased on input; empty string or null for none.',
          }),
        },
      },
      VendorUpdate: {
        type: 'object',
        additionalProperties: false,
        required: ['version'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'New unique vendor name; trimmed. Omitted: unchanged.' },
          creditCode: nullable({
            type: 'string',
            pattern: '^\\s*[0-9A-Za-z]{18}\\s*$',
            description: 'Unified social credit code, upper-cased on input; empty string or null removes it; omitted: unchanged.',
          }),
          version: { type: 'integer', minimum: 0, description: 'The `version` you read; 409 when the vendor changed since.' },
        },
      },

      // ---- templates ----
      TemplateRule: {
        type: 'object',
        description: 'One deduction rule (评分标准 clause) of an item.',
        required: ['code', 'kind', 'points', 'unit', 'description', 'wholeUnits'],
        properties: {
          code: { type: 'string', maxLength: 8, description: '`<item number><letter>` in order: 5a, 5b, 5c.', example: '5a' },
          kind: {
            type: 'string',
            enum: ['per_unit', 'rating'],
            description: 'per_unit: points × units counted (按次/按人); rating: users rate 1-5 (5 = best), deduction (5 − mean) × step.',
          },
          points: {
            type: 'string',
            description: 'Points per unit for per_unit rules, the step between levels (级差) for rating rules. Decimal string as entered (at most 2 decimals, not padded), e.g. "0.3".',
            example: '0.3',
          },
          unit: { type: 'string', maxLength: 10, description: 'Chinese unit label (计量单位): 人, 次, 项, 步, 份, 人次, 级.', example: '次' },
          description: { type: 'string', maxLength: 500, description: 'What the rule deducts for, in Chinese.' },
          wholeUnits: { type: 'boolean', description: 'Whether ledger units must be whole numbers.' },
        },
      },
      TemplateItem: {
        type: 'object',
        description: 'One item (指标) of the quality table.',
        required: ['number', 'category', 'name', 'description', 'maxPoints', 'criteria', 'rules'],
        properties: {
          number: { type: 'integer', minimum: 1, maximum: 999, description: 'Item number (序号).', example: 5 },
          category: { type: 'string', maxLength: 50, description: 'Category (分类).', example: '资源配备' },
          name: { type: 'string', maxLength: 100, description: 'Item name (指标名称).' },
          description: { type: 'string', maxLength: 2000, description: 'Item description (指标描述).' },
          maxPoints: {
            type: 'string',
            description: 'Max points (分值): decimal string as entered (at most 2 decimals, not padded), e.g. "3". Item deductions are capped at it.',
            example: '3',
          },
          criteria: { type: 'string', maxLength: 4000, description: 'Scoring standard (评分标准), original text.' },
          explicitCap: { type: 'boolean', description: 'True where the text itself says 扣完为止; every item is capped at its max regardless. May be absent on version 1 items.' },
          rules: { type: 'array', minItems: 1, items: ref('TemplateRule') },
        },
      },
      TemplateItemInput: {
        type: 'object',
        additionalProperties: false,
        description: 'An item in a new template version; same fields as TemplateItem, decimals may be JSON numbers.',
        required: ['number', 'category', 'name', 'maxPoints', 'rules'],
        properties: {
          number: { type: 'integer', minimum: 1, maximum: 999 },
          category: { type: 'string', maxLength: 50 },
          name: { type: 'string', maxLength: 100 },
          description: { type: 'string', maxLength: 2000, default: '' },
          maxPoints: { anyOf: [{ type: 'string' }, { type: 'number' }], description: 'Max points (分值) > 0, at most 2 decimals; all items must sum to 100.' },
          criteria: { type: 'string', maxLength: 4000, default: '' },
          explicitCap: { type: 'boolean', default: false },
          rules: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'kind', 'points', 'unit'],
              properties: {
                code: { type: 'string', maxLength: 8 },
                kind: { type: 'string', enum: ['per_unit', 'rating'] },
                points: { anyOf: [{ type: 'string' }, { type: 'number' }], description: 'Points per unit or rating step (级差), > 0, at most 2 decimals.' },
                unit: { type: 'string', maxLength: 10 },
                description: { type: 'string', maxLength: 500, default: '' },
                wholeUnits: { type: 'boolean', default: true },
              },
            },
          },
        },
      },
      TemplateSummary: {
        type: 'object',
        required: ['version', 'name', 'basedOn', 'itemCount', 'createdAt'],
        properties: {
          version: { type: 'integer', minimum: 1 },
          name: { type: 'string' },
          basedOn: nullable({ type: 'integer', description: 'The version this one was copied from; null for version 1.' }),
          itemCount: { type: 'integer' },
          createdAt: dateTime('Creation time.'),
        },
      },
      Template: {
        type: 'object',
        description: 'A quality-table version (服务质量情况表) with its items. Immutable once created.',
        required: ['version', 'name', 'basedOn', 'source', 'items'],
        properties: {
          version: { type: 'integer', minimum: 1 },
          name: { type: 'string', example: '税务信息化运维服务质量情况表（第1版，依据广西税务2025年招标文件附件3）' },
          basedOn: nullable({ type: 'integer' }),
          itemCount: { type: 'integer', description: 'Present on GET, absent from the POST answer.' },
          createdAt: dateTime('Creation time. Present on GET, absent from the POST answer.'),
          source: nullable({ type: 'string', description: 'Where the table comes from (document and lines).' }),
          items: { type: 'array', items: ref('TemplateItem') },
        },
      },
      TemplateCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['basedOn', 'name'],
        properties: {
          basedOn: { type: 'integer', minimum: 1, description: 'Existing version to copy.' },
          name: { type: 'string', minLength: 1, maxLength: 200 },
          source: nullable({ type: 'string', maxLength: 500, description: 'Empty or null: inherit the base version\'s source.' }),
          items: { type: 'array', minItems: 1, items: ref('TemplateItemInput'), description: 'The full item list of the new version; omitted: copy the base version\'s items.' },
        },
      },

      // ---- contracts ----
      Period: {
        type: 'object',
        description: 'An assessment period (考核期) of a contract, generated from its dates.',
        required: [
          'number', 'label', 'startDate', 'endDate', 'partial', 'status', 'templateVersion', 'publishedAt', 'objectionDeadline', 'acknowledgedAt',
          'signedAt',
        ],
        properties: {
          number: { type: 'integer', minimum: 1, example: 1 },
          label: { type: 'string', example: '第1季度（2025-01-01 至 2025-03-31）' },
          startDate: date('First day.'),
          endDate: date('Last day (inclusive).', '2025-03-31'),
          partial: { type: 'boolean', description: 'Shorter than a full quarter (不足一季度).' },
          status: {
            type: 'string',
            enum: ['draft', 'published', 'signed', 'locked'],
            description:
              'draft (草稿, not shown to the vendor) → published (已发布给服务商: `POST …/publish`) → signed (已签署: `POST …/sign`); an admin\'s ' +
              '`POST …/reopen` takes a signed period back to draft. locked (已锁定) is treated like signed but no route sets it. Signed and locked ' +
              'periods refuse ledger and rating writes.',
          },
          templateVersion: { type: 'integer', description: 'The quality-table version this period is scored with.' },
          publishedAt: nullable(dateTime('When the period was last published; null while a draft (cleared by a reopen).')),
          objectionDeadline: nullable(date(
            'Last local day (contract calendar, inclusive) on which the vendor may object: the `objectionWindowDays`-th working day after the publishing date; null while a draft.',
            '2025-04-14',
          )),
          acknowledgedAt: nullable(dateTime('When the vendor acknowledged the published scorecard (确认无异议); null otherwise (cleared by publishing again).')),
          signedAt: nullable(dateTime('When the bureau signed the period; null until signed.')),
        },
      },
      Installment: {
        type: 'object',
        description: 'A payment installment (付款期) of a contract.',
        required: ['number', 'name', 'ratio', 'deductible', 'periods', 'paymentStatus', 'invoiceDate', 'paidDate'],
        properties: {
          number: { type: 'integer', minimum: 1 },
          name: { type: 'string', example: '第二期款' },
          ratio: { type: 'string', pattern: '^\\d+\\.\\d{2,}$', description: 'Share of the contract total (比例), decimal string with at least 2 places.', example: '0.40' },
          deductible: { type: 'boolean', description: 'Whether the deduction formula applies (预付款 usually not).' },
          periods: { type: 'array', items: { type: 'integer' }, description: 'Period numbers feeding 当期累计扣分, ascending.', example: [1, 2] },
          paymentStatus: { type: 'string', enum: ['pending', 'invoiced', 'paid'], description: 'pending (待付), invoiced (已收发票), paid (已支付).' },
          invoiceDate: nullable(date('Invoice received.', '2025-07-10')),
          paidDate: nullable(date('Paid.', '2025-07-25')),
        },
      },
      InstallmentInput: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'ratio', 'deductible'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          ratio: decimalInput('Share of the contract total (比例), in (0, 1]; all ratios must sum to exactly 1.', 6, '0.40'),
          deductible: { type: 'boolean', description: 'Whether 比例 × 合同总金额 × (1 − 当期累计扣分 × 点值) applies.' },
          periods: {
            type: 'array',
            uniqueItems: true,
            default: [],
            items: { type: 'integer', minimum: 1 },
            description: 'Periods feeding this installment: required (non-empty) when deductible, empty otherwise; a period feeds at most one installment.',
          },
        },
      },
      PenaltyClause: {
        type: 'object',
        description:
          'A contract-clause penalty definition (违约条款). percent_range: a percent of the contract total between minPercent and maxPercent; ' +
          'per_day: ratePercent of the total per day (误期违约金); per_violation: ratePercent of the total per violation; fixed: a fixed amount in yuan per occurrence. ' +
          'Decimal fields are returned as they were entered (not padded); fields not used by the kind are usually null.',
        required: ['code', 'name', 'kind', 'minPercent', 'maxPercent', 'ratePercent', 'amount', 'basis'],
        properties: {
          code: { type: 'string', example: 'late-performance' },
          name: { type: 'string', example: '迟延履行误期违约金' },
          kind: { type: 'string', enum: ['percent_range', 'per_day', 'per_violation', 'fixed'] },
          minPercent: nullable({ type: 'string', description: 'percent_range lower bound, percent of the contract total ("20" = 20%).', example: '20' }),
          maxPercent: nullable({ type: 'string', description: 'percent_range upper bound, percent of the contract total.', example: '30' }),
          ratePercent: nullable({ type: 'string', description: 'per_day / per_violation: percent of the contract total per unit ("0.03" = 0.03%).', example: '0.03' }),
          amount: nullable({ type: 'string', description: 'fixed: yuan per occurrence, decimal string as entered (at most 2 decimals).', example: '5000' }),
          basis: nullable({ type: 'string', description: 'Where the clause comes from.', example: '合同10.2：每延误一天按合同总金额的万分之三计收' }),
        },
      },
      PenaltyClauseInput: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'name', 'kind'],
        description:
          'percent_range needs minPercent ≤ maxPercent, 0 < maxPercent ≤ 100; per_day / per_violation need ratePercent > 0; fixed needs amount > 0.',
        properties: {
          code: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'Unique within the contract.' },
          name: { type: 'string', minLength: 1, maxLength: 200 },
          kind: { type: 'string', enum: ['percent_range', 'per_day', 'per_violation', 'fixed'] },
          minPercent: decimalInput('percent_range lower bound, percent of the contract total.', 6, '20', true),
          maxPercent: decimalInput('percent_range upper bound, percent of the contract total.', 6, '30', true),
          ratePercent: decimalInput('per_day / per_violation rate, percent of the contract total per unit.', 6, '0.03', true),
          amount: decimalInput('fixed: yuan per occurrence.', 2, '5000.00', true),
          basis: nullable({ type: 'string', maxLength: 1000 }),
        },
      },
      ContractSummary: {
        type: 'object',
        description: 'A contract in the list (no periods, installments or clauses).',
        required: ['id', 'code', 'name', 'bureau', 'vendorId', 'vendor', 'totalAmount', 'startDate', 'endDate', 'templateVersion'],
        properties: {
          id: { type: 'integer' },
          code: { type: 'string', description: 'Contract code (合同编号).' },
          name: { type: 'string' },
          bureau: { type: 'string', description: 'The tax bureau (甲方).' },
          vendorId: { type: 'integer' },
          vendor: ref('VendorRef'),
          totalAmount: money('Contract total (合同总金额).'),
          startDate: date('Contract start.'),
          endDate: date('Contract end (inclusive).', '2025-12-31'),
          templateVersion: { type: 'integer' },
        },
      },
      VendorRef: {
        type: 'object',
        required: ['id', 'name'],
        properties: { id: { type: 'integer' }, name: { type: 'string' } },
      },
      Contract: {
        type: 'object',
        description: 'An O&M contract (运维合同) with its terms, periods, installments and penalty-clause catalogue.',
        required: [
          'id', 'code', 'name', 'bureau', 'vendorId', 'vendor', 'systems', 'totalAmount', 'startDate', 'endDate', 'timeZone',
          'templateVersion', 'periodScheme', 'pointRate', 'interviewThreshold', 'interviewsBeforeTermination', 'objectionWindowDays',
          'managerId', 'version', 'createdAt', 'periods', 'installments', 'penaltyClauses',
        ],
        properties: {
          id: { type: 'integer' },
          code: { type: 'string', description: 'Contract code (合同编号), unique.', example: 'GXSW-2025-YW-001' },
          name: { type: 'string' },
          bureau: { type: 'string', description: 'The tax bureau (甲方).', example: '国家税务总局广西壮族自治区税务局' },
          vendorId: { type: 'integer' },
          vendor: ref('VendorRef'),
          systems: { type: 'array', items: { type: 'string' }, description: 'Systems under maintenance (运维系统).' },
          totalAmount: money('Contract total (合同总金额).'),
          startDate: date('Contract start.'),
          endDate: date('Contract end (inclusive).', '2025-12-31'),
          timeZone: { type: 'string', description: 'IANA time zone the contract\'s dates are read in.', example: 'Asia/Shanghai' },
          templateVersion: { type: 'integer', description: 'Quality-table version the contract is bound to.' },
          periodScheme: { type: 'string', enum: ['contract_quarters', 'calendar_quarters'] },
          pointRate: {
            type: 'string',
            description: 'Point rate (点值): share of an installment deducted per point of 当期累计扣分, exact decimal string ("0.008" = 0.8% per point).',
            example: '0.008',
          },
          interviewThreshold: points('Interview threshold (约谈分数线): a period score strictly below it requires an interview (约谈).', '95.00'),
          interviewsBeforeTermination: {
            type: 'integer',
            description: 'Interviews after which a further signed quarter below the threshold gives the right to terminate (可提前终止合同); see `GET /contracts/{id}`.',
            example: 2,
          },
          objectionWindowDays: {
            type: 'integer',
            description: 'Working days (contract calendar) the vendor has to object to a published scorecard (异议期); sets each period\'s `objectionDeadline` when published.',
            example: 5,
          },
          managerId: nullable({
            type: 'integer',
            description:
              'The bureau manager responsible (负责人), a `manager` user. Notified of acknowledgements, objections, reopenings and vendor ' +
              'submissions; when null, every active manager is notified instead — except of submissions, which then notify nobody.',
          }),
          version: { type: 'integer', description: 'Optimistic-lock version of the contract row: send it back with `PUT /contracts/{id}`.' },
          createdAt: dateTime('Creation time.'),
          periods: { type: 'array', items: ref('Period') },
          installments: { type: 'array', items: ref('Installment') },
          penaltyClauses: { type: 'array', items: ref('PenaltyClause') },
        },
      },
      ContractCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'name', 'vendorId', 'totalAmount', 'startDate', 'endDate', 'installments'],
        properties: {
          code: { type: 'string', minLength: 1, maxLength: 64, description: 'Contract code (合同编号), unique (409).' },
          name: { type: 'string', minLength: 1, maxLength: 300 },
          bureau: { type: 'string', minLength: 1, maxLength: 200, description: 'Omitted: the configured BUREAU_NAME.' },
          vendorId: { type: 'integer', minimum: 1, description: 'An existing vendor (400 otherwise).' },
          systems: { type: 'array', maxItems: 100, uniqueItems: true, default: [], items: { type: 'string', minLength: 1, maxLength: 200 } },
          totalAmount: decimalInput('Contract total (合同总金额) in yuan, > 0.', 2, '12084900.00'),
          startDate: date('Contract start.'),
          endDate: date('Contract end (inclusive), not before startDate.', '2025-12-31'),
          timeZone: { type: 'string', maxLength: 64, default: 'Asia/Shanghai', description: 'IANA time zone.' },
          templateVersion: { type: 'integer', minimum: 1, description: 'Omitted: the latest version.' },
          periodScheme: {
            type: 'string',
            enum: ['contract_quarters', 'calendar_quarters'],
            default: 'contract_quarters',
            description: 'contract_quarters: quarters counted from startDate; calendar_quarters: Q1-Q4 clipped to the contract dates.',
          },
          pointRate: decimalInput('Point rate (点值) per point of 当期累计扣分, ≤ 1. Default "0.008" (0.8%).', 6, '0.008'),
          interviewThreshold: decimalInput('Interview threshold (约谈分数线) in points, ≤ 100. Default "95".', 2, '95'),
          interviewsBeforeTermination: { type: 'integer', minimum: 0, maximum: 20, default: 2 },
          objectionWindowDays: { type: 'integer', minimum: 1, maximum: 60, default: 5 },
          managerId: nullable({
            type: 'integer',
            minimum: 1,
            description: 'An active `manager` user (400 otherwise). Omitted or null: the manager creating the contract, or none when an admin creates it.',
          }),
          installments: { type: 'array', minItems: 1, maxItems: 24, items: ref('InstallmentInput') },
          penaltyClauses: {
            type: 'array',
            maxItems: 100,
            items: ref('PenaltyClauseInput'),
            description: 'Clause catalogue, codes unique. Omitted: the default catalogue (seed 002 contract 6.4-6.6, 10.2, 11.2, 14.2).',
          },
        },
      },
      ContractUpdate: {
        type: 'object',
        additionalProperties: false,
        description:
          'Only `version` is required; omitted fields keep their values. Structural terms (code, vendorId, totalAmount, startDate, endDate, ' +
          'timeZone, periodScheme, pointRate, installments) change only while every period is a draft and no installment is invoiced or paid.',
        required: ['version'],
        properties: {
          version: { type: 'integer', minimum: 0, description: 'The `version` you read; 409 when the contract changed since.' },
          code: { type: 'string', minLength: 1, maxLength: 64, description: 'Unique (409). Structural.' },
          name: { type: 'string', minLength: 1, maxLength: 300 },
          bureau: { type: 'string', minLength: 1, maxLength: 200 },
          vendorId: { type: 'integer', minimum: 1, description: 'An existing vendor (400). Structural.' },
          systems: { type: 'array', maxItems: 100, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 } },
          totalAmount: decimalInput('Contract total in yuan, > 0. Structural.', 2, '12084900.00'),
          startDate: date('Contract start. Structural; regenerates the periods.'),
          endDate: date('Contract end (inclusive). Structural; regenerates the periods.', '2025-12-31'),
          timeZone: { type: 'string', maxLength: 64, description: 'IANA time zone. Structural; re-runs detection.' },
          periodScheme: { type: 'string', enum: ['contract_quarters', 'calendar_quarters'], description: 'Structural; regenerates the periods.' },
          pointRate: decimalInput('Point rate (点值), ≤ 1. Structural.', 6, '0.008'),
          interviewThreshold: decimalInput('Interview threshold (约谈分数线), ≤ 100.', 2, '95'),
          interviewsBeforeTermination: { type: 'integer', minimum: 0, maximum: 20 },
          objectionWindowDays: { type: 'integer', minimum: 1, maximum: 60, description: 'Applies to periods published from now on.' },
          managerId: nullable({ type: 'integer', minimum: 1, description: 'An active `manager` user (400 otherwise); null removes the manager.' }),
          installments: {
            type: 'array',
            minItems: 1,
            maxItems: 24,
            items: ref('InstallmentInput'),
            description: 'The whole new list, numbered 1.. in order (same rules as on creation). Structural.',
          },
          penaltyClauses: {
            type: 'array',
            maxItems: 100,
            items: ref('PenaltyClauseInput'),
            description:
              'The whole new clause catalogue (合同条款扣款), codes unique; each clause checked as on creation (400 with paths like ' +
              '`penaltyClauses[2].maxPercent`). Clauses may be added, renamed or removed until the contract ends; a clause used by a ' +
              'proposed or approved penalty cannot be removed or have its kind, percentages or amount changed (409; its name and basis can).',
          },
        },
      },
      ContractUpdateResult: {
        description: 'The contract as now stored, with the fields that changed and what detection changed.',
        allOf: [
          ref('Contract'),
          {
            type: 'object',
            required: ['changed', 'detection'],
            properties: {
              changed: {
                type: 'array',
                items: { type: 'string' },
                description: 'Names of the fields that changed (empty: nothing was written).',
                example: ['name', 'managerId'],
              },
              detection: {
                type: 'object',
                nullable: true,
                description: 'A DetectionResult — what every detector changed — when the periods or the time zone changed; else null.',
                properties: {
                  sla: ref('DetectionSummary'),
                  inspection: ref('DetectionSummary'),
                  report: ref('DetectionSummary'),
                  staffing: ref('DetectionSummary'),
                  event: ref('DetectionSummary'),
                },
              },
            },
          },
        ],
      },
      ContractStanding: {
        description: 'A contract with where it stands: period scores, interviews and the termination right (可提前终止合同).',
        allOf: [
          ref('Contract'),
          {
            type: 'object',
            required: ['scores', 'interviews', 'interviewsHeld', 'interviewsDue', 'terminationRight', 'terminationPeriod'],
            properties: {
              scores: {
                type: 'array',
                items: ref('PaymentPeriod'),
                description: 'Every period\'s score, computed now. For a vendor, a draft period\'s score and totalDeduction are null.',
              },
              interviews: { type: 'array', items: ref('Interview') },
              interviewsHeld: { type: 'integer', description: 'Number of periods with an interview.', example: 1 },
              interviewsDue: {
                type: 'array',
                items: { type: 'integer' },
                description: 'Published, signed or locked periods below the interview threshold that have no interview yet.',
                example: [3],
              },
              terminationRight: { type: 'boolean', description: 'The bureau may terminate the contract early (可提前终止合同).' },
              terminationPeriod: nullable({ type: 'integer', description: 'The signed period that gave the right; null without it.', example: 3 }),
            },
          },
        ],
      },

      // ---- ledger, ratings, penalties ----
      LedgerLine: {
        type: 'object',
        description: 'A deduction line (扣分记录) of the ledger. Never deleted: withdrawn with a reason.',
        required: [
          'id', 'period', 'item', 'rule', 'units', 'points', 'reason', 'occurredAt', 'evidence', 'source', 'sourceKey', 'trace', 'status',
          'recordedBy', 'createdAt', 'withdrawnAt',
        ],
        properties: {
          id: { type: 'integer' },
          period: { type: 'integer', description: 'Period number.' },
          item: { type: 'integer', description: 'Quality-table item number.' },
          rule: { type: 'string', description: 'Rule code.', example: '5a' },
          units: {
            type: 'string',
            pattern: '^\\d+(\\.\\d{2})?$',
            description: 'Units counted (次/人/...): whole numbers without decimals ("2"), others with 2 places ("1.50").',
            example: '2',
          },
          points: points('Points deducted = units × points per unit, rounded half-up to 0.01.', '0.20'),
          reason: { type: 'string' },
          occurredAt: nullable(dateTime('When the event happened.')),
          evidence: nullable({ type: 'string', description: 'Evidence text of a manual line; null on detected lines (see `trace`).' }),
          source: {
            type: 'string',
            enum: ['manual', 'sla', 'inspection', 'report', 'staffing', 'event', 'objection'],
            description:
              'Origin of the line: `manual` for lines recorded through `POST /ledger`, `objection` for the line that replaces one an ' +
              'objection reduced (核减; no sourceKey, item, rule, evidence and trace copied), else the detector that wrote it.',
            example: 'manual',
          },
          sourceKey: nullable({
            type: 'string',
            description:
              'Detected lines: the evidence the line stands for, one active line per key (`ticket:<externalId>`, `inspection:<plan>:<slot>:missed|items`, ' +
              '`inspection-finding:<run>:<i>`, `report:<plan>:<covers>`, `staffing:short|unqualified|agreement|record|training:<id>:<period>`, ' +
              '`event:<id>:<rule>`). Null on manual lines.',
            example: 'ticket:GD-20250930-01',
          }),
          trace: {
            type: 'array',
            items: { type: 'string' },
            description: 'Detected lines: why the deduction applies, one Chinese sentence per entry (deadlines, holidays skipped, pauses). Empty on manual lines.',
            example: ['工单 #GD-20250930-01（高）：解决时限 4 小时（工作时间），实际 8 小时 30 分钟，超时（截止 2025-10-09 10:30，2025-10-09 15:00 解决）', '2025-10-01 至 2025-10-08 国庆节、中秋节假期不计时'],
          },
          status: { type: 'string', enum: ['active', 'withdrawn'] },
          recordedBy: nullable({ type: 'integer', description: 'User id of the recorder; for a detected line, the user whose write ran the detector.' }),
          createdAt: dateTime('When recorded.'),
          withdrawnReason: nullable({
            type: 'string',
            description: 'Null while active; the key is absent from the 201 answer of the create. Detection withdrawals start with 重新检测：.',
          }),
          withdrawnBy: nullable({ type: 'integer', description: 'User id; null while active; the key is absent from the 201 answer of the create.' }),
          withdrawnAt: nullable(dateTime('When withdrawn.')),
        },
      },
      LedgerLineCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['period', 'item', 'units', 'reason'],
        properties: {
          period: { type: 'integer', minimum: 1, description: 'Period number; must exist and be neither signed nor locked.' },
          item: { type: 'integer', minimum: 1, description: 'Item number in the contract\'s template version; not a rating item.' },
          rule: nullable({ type: 'string', maxLength: 8, description: 'Rule code; may be omitted (or null/empty) only when the item has a single rule.' }),
          units: decimalInput('Units counted, > 0 and ≤ 100000; whole when the rule counts whole units.', 2, '2'),
          reason: { type: 'string', minLength: 1, maxLength: 4000 },
          occurredAt: { type: 'string', format: 'date-time', description: 'ISO 8601 time of the event.' },
          evidence: nullable({ type: 'string', maxLength: 20000, description: 'Evidence / trace text; empty stored as null.' }),
        },
      },
      Rating: {
        type: 'object',
        description: 'A user rating (用户评价) of a rated item for a period: level 1-5, 5 = best.',
        required: ['id', 'period', 'item', 'level', 'rater', 'note', 'status', 'recordedBy', 'createdAt', 'withdrawnAt'],
        properties: {
          id: { type: 'integer' },
          period: { type: 'integer' },
          item: { type: 'integer', example: 28 },
          level: { type: 'integer', minimum: 1, maximum: 5 },
          rater: nullable({ type: 'string', description: 'Who rated (评价人/部门).' }),
          note: nullable({ type: 'string' }),
          status: { type: 'string', enum: ['active', 'withdrawn'] },
          recordedBy: nullable({ type: 'integer' }),
          createdAt: dateTime('When recorded.'),
          withdrawnReason: nullable({ type: 'string', description: 'Null while active; the key is absent from the 201 answer of the create.' }),
          withdrawnAt: nullable(dateTime('When withdrawn.')),
        },
      },
      RatingCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['period', 'item', 'level'],
        properties: {
          period: { type: 'integer', minimum: 1 },
          item: { type: 'integer', minimum: 1, description: 'A rating item of the contract\'s template version.' },
          level: { type: 'integer', minimum: 1, maximum: 5, description: '1-5, 5 = best.' },
          rater: nullable({ type: 'string', maxLength: 100 }),
          note: nullable({ type: 'string', maxLength: 4000 }),
        },
      },
      Penalty: {
        type: 'object',
        description: 'A contract-clause penalty (相应扣款) assigned to an installment: money, separate from the score.',
        required: [
          'id', 'installment', 'clause', 'clauseName', 'amount', 'percent', 'units', 'reason', 'status', 'recordedBy',
          'approvedAt', 'createdAt', 'withdrawnAt',
        ],
        properties: {
          id: { type: 'integer' },
          installment: { type: 'integer', description: 'Installment number it is deducted from.' },
          clause: { type: 'string', description: 'Clause code.', example: 'late-performance' },
          clauseName: nullable({ type: 'string', example: '迟延履行误期违约金' }),
          amount: money('Penalty amount.', '10876.41'),
          percent: nullable({
            type: 'string',
            description: 'Percent of the contract total the amount represents ("0.09" = 0.09%), for percentage-based clauses; null for fixed clauses or when not a short exact decimal.',
            example: '0.09',
          }),
          units: nullable({ type: 'integer', description: 'Days / violations / occurrences; null for percent_range.' }),
          reason: { type: 'string' },
          status: { type: 'string', enum: ['proposed', 'approved', 'withdrawn'], description: 'proposed (待审批) → approved (已审批) or withdrawn (已撤销). Only approved penalties are deducted.' },
          recordedBy: nullable({ type: 'integer' }),
          approvedBy: nullable({ type: 'integer', description: 'User id of the approver; null until approved; the key is absent from the 201 answer of the create.' }),
          approvedAt: nullable(dateTime('When approved.')),
          createdAt: dateTime('When recorded.'),
          withdrawnReason: nullable({ type: 'string', description: 'Null unless withdrawn; the key is absent from the 201 answer of the create.' }),
          withdrawnAt: nullable(dateTime('When withdrawn.')),
        },
      },
      PenaltyCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['installment', 'clause', 'reason'],
        properties: {
          installment: { type: 'integer', minimum: 1, description: 'Installment to deduct from; must exist and not be paid.' },
          clause: { type: 'string', maxLength: 64, description: 'Code of a clause in the contract\'s catalogue.' },
          amount: {
            anyOf: [{ type: 'string' }, { type: 'number' }],
            description: 'percent_range only, instead of percent: yuan, at most 2 decimals, within the clause range.',
            example: '2500000.00',
          },
          percent: {
            anyOf: [{ type: 'string' }, { type: 'number' }],
            description: 'percent_range only, instead of amount: percent of the contract total ("25" = 25%), at most 6 decimals, within the clause range.',
            example: '25',
          },
          units: { type: 'integer', minimum: 1, maximum: 100000, description: 'per_day: days; per_violation: violations; fixed: occurrences (default 1). Not for percent_range.' },
          reason: { type: 'string', minLength: 1, maxLength: 4000 },
        },
      },

      // ---- scorecard ----
      ScorecardLine: {
        type: 'object',
        description: 'An active ledger line as shown on the scorecard.',
        required: ['id', 'rule', 'units', 'points', 'reason', 'occurredAt', 'evidence', 'source', 'sourceKey', 'trace', 'recordedBy', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          rule: { type: 'string' },
          units: { type: 'string', description: 'As in LedgerLine.units.', example: '2' },
          points: points('Points of the line.', '0.20'),
          reason: { type: 'string' },
          occurredAt: nullable(dateTime('When the event happened.')),
          evidence: nullable({ type: 'string' }),
          source: { type: 'string', enum: ['manual', 'sla', 'inspection', 'report', 'staffing', 'event', 'objection'], description: 'As in LedgerLine.source.' },
          sourceKey: nullable({ type: 'string', description: 'As in LedgerLine.sourceKey; null on manual lines.' }),
          trace: { type: 'array', items: { type: 'string' }, description: 'As in LedgerLine.trace; empty on manual lines.' },
          recordedBy: nullable({ type: 'integer' }),
          createdAt: dateTime('When recorded.'),
        },
      },
      ScorecardRating: {
        type: 'object',
        required: ['id', 'level', 'rater', 'note', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          level: { type: 'integer', minimum: 1, maximum: 5 },
          rater: nullable({ type: 'string' }),
          note: nullable({ type: 'string' }),
          createdAt: dateTime('When recorded.'),
        },
      },
      ScorecardItem: {
        type: 'object',
        description: 'One item of the period\'s scorecard.',
        required: [
          'number', 'category', 'name', 'kind', 'maxPoints', 'rawDeduction', 'deduction', 'score', 'capped', 'rated', 'ratingCount',
          'ratingMean', 'lines', 'ratings',
        ],
        properties: {
          number: { type: 'integer' },
          category: { type: 'string', description: '分类' },
          name: { type: 'string', description: '指标名称' },
          kind: { type: 'string', enum: ['per_unit', 'rating'] },
          maxPoints: points('Max points (分值).', '3.00'),
          rawDeduction: points('Uncapped sum of the item\'s deductions (rating deduction plus any lines).', '0.60'),
          deduction: points('Deduction capped at maxPoints.', '0.60'),
          score: points('maxPoints − deduction.', '2.40'),
          capped: { type: 'boolean', description: 'rawDeduction exceeded maxPoints (扣完为止).' },
          rated: { type: 'boolean', description: 'False only for a rating item with no rating this period (未评价, no deduction).' },
          ratingCount: { type: 'integer', description: 'Active ratings of the item this period.' },
          ratingMean: nullable({ type: 'string', description: 'Mean level, 2 decimals (informational; the deduction uses the exact mean); null when not rated.', example: '4.50' }),
          lines: { type: 'array', items: ref('ScorecardLine') },
          ratings: { type: 'array', items: ref('ScorecardRating') },
        },
      },
      ScorecardCategory: {
        type: 'object',
        description: 'Totals of one category (分类) of items.',
        required: ['category', 'maxPoints', 'rawDeduction', 'deduction', 'score'],
        properties: {
          category: { type: 'string', example: '资源配备' },
          maxPoints: points('Σ max points.', '9.00'),
          rawDeduction: points('Σ uncapped deductions.', '0.60'),
          deduction: points('Σ capped deductions.', '0.60'),
          score: points('Σ item scores.', '8.40'),
        },
      },
      Scorecard: {
        type: 'object',
        description: 'The quarterly scorecard (季度考核表) of a period, computed from the active lines and ratings.',
        required: [
          'contractId', 'period', 'status', 'templateVersion', 'items', 'categories', 'maxPoints', 'rawTotalDeduction', 'totalDeduction',
          'score', 'interviewThreshold', 'interviewRequired',
        ],
        properties: {
          contractId: { type: 'integer' },
          period: ref('Period'),
          status: { type: 'string', enum: ['draft', 'published', 'signed', 'locked'], description: 'Same as period.status.' },
          templateVersion: { type: 'integer', description: 'Version the period is scored with.' },
          items: { type: 'array', items: ref('ScorecardItem') },
          categories: { type: 'array', items: ref('ScorecardCategory') },
          maxPoints: points('Σ max points (100.00 for a valid template).', '100.00'),
          rawTotalDeduction: points('Σ uncapped item deductions.', '3.50'),
          totalDeduction: points('Σ capped item deductions: the period\'s contribution to 当期累计扣分.', '3.50'),
          score: points('Period score = maxPoints − totalDeduction.', '96.50'),
          interviewThreshold: points('The contract\'s interview threshold (约谈分数线).', '95.00'),
          interviewRequired: { type: 'boolean', description: 'score strictly below interviewThreshold: an interview (约谈) is required.' },
        },
      },

      // ---- payments ----
      PaymentPeriod: {
        type: 'object',
        description: 'Score of one period as used by the payments (and in `GET /contracts/{id}`\'s `scores`).',
        required: ['number', 'label', 'status', 'score', 'totalDeduction', 'interviewRequired'],
        properties: {
          number: { type: 'integer' },
          label: { type: 'string', example: '第1季度（2025-01-01 至 2025-03-31）' },
          status: { type: 'string', enum: ['draft', 'published', 'signed', 'locked'] },
          score: nullable(points('Period score; null for a vendor while the period is a draft.', '98.00')),
          totalDeduction: nullable(points('Capped total deduction of the period; null for a vendor while the period is a draft.', '2.00')),
          interviewRequired: { type: 'boolean', description: 'Score strictly below the interview threshold; false for a vendor while the period is a draft.' },
        },
      },
      PaymentInstallment: {
        type: 'object',
        description: 'One installment line of the payment schedule: 应付金额 = 比例 × 合同总金额 × 系数 − 相应扣款.',
        required: [
          'number', 'name', 'ratio', 'deductible', 'baseAmount', 'periods', 'accumulatedDeduction', 'factor', 'grossAmount', 'penalties',
          'pendingPenalties', 'carriedIn', 'carriedOut', 'payable', 'final', 'paymentStatus', 'invoiceDate', 'paidDate', 'withheld',
        ],
        properties: {
          number: { type: 'integer' },
          name: { type: 'string' },
          ratio: { type: 'string', description: 'Share of the contract total (比例), at least 2 places.', example: '0.40' },
          deductible: { type: 'boolean' },
          baseAmount: money('比例 × 合同总金额, rounded half-up to the fen (display; the payable uses the exact value).', '4833960.00'),
          periods: { type: 'array', items: { type: 'integer' }, example: [1, 2] },
          accumulatedDeduction: nullable(points('当期累计扣分: Σ capped total deductions of the feeding periods (0.00 when not deductible). Null when withheld.', '3.50')),
          factor: {
            type: 'string',
            nullable: true,
            description: 'Factor (系数) = 1 − 当期累计扣分 × 点值, never below 0; exact decimal string with at least 2 places ("1.00" when not deductible). Null when withheld.',
            example: '0.972',
          },
          grossAmount: nullable(money('比例 × 合同总金额 × 系数, rounded half-up to the fen once. Null when withheld.', '4698609.12')),
          penalties: money('Approved penalties assigned to this installment (相应扣款).', '0.00'),
          pendingPenalties: nullable(money('Proposed, not yet approved penalties assigned to it (not deducted). Null for vendors: a penalty awaiting approval is not shown to them.', '0.00')),
          carriedIn: nullable(money('Penalties carried over from the previous installment. Null when withheld.', '0.00')),
          carriedOut: nullable(money('Penalties this installment could not absorb, carried into the next one. Null when withheld.', '0.00')),
          payable: nullable(money('Amount payable (应付金额) = max(0, grossAmount − penalties − carriedIn). Null when withheld.', '4698609.12')),
          final: { type: 'boolean', description: 'True once every feeding period is signed or locked; until then the figures are provisional.' },
          paymentStatus: { type: 'string', enum: ['pending', 'invoiced', 'paid'] },
          invoiceDate: nullable(date('Invoice received.', '2025-07-10')),
          paidDate: nullable(date('Paid.', '2025-07-25')),
          withheld: {
            type: 'boolean',
            description:
              'Vendor view only: true when a feeding period (of this or an earlier installment) is still a draft; the figures that depend on ' +
              'it are then null. Always false for other roles.',
          },
        },
      },
      PaymentTotals: {
        type: 'object',
        required: ['baseAmount', 'grossAmount', 'penalties', 'payable', 'uncollected'],
        properties: {
          baseAmount: money('Σ baseAmount.'),
          grossAmount: nullable(money('Σ grossAmount; null when an installment is withheld (vendor view).', '11949549.12')),
          penalties: money('Σ approved penalties.', '0.00'),
          payable: nullable(money('Σ payable; null when an installment is withheld (vendor view).', '11949549.12')),
          uncollected: nullable(money('Penalties no installment could absorb (carried out of the last one); null when an installment is withheld.', '0.00')),
        },
      },
      Payments: {
        type: 'object',
        description: 'The contract\'s payment schedule, computed from its terms, period deductions and approved penalties.',
        required: ['contractId', 'totalAmount', 'pointRate', 'periods', 'installments', 'totals'],
        properties: {
          contractId: { type: 'integer' },
          totalAmount: money('Contract total (合同总金额).'),
          pointRate: { type: 'string', description: 'Point rate (点值) per point, exact decimal string.', example: '0.008' },
          periods: { type: 'array', items: ref('PaymentPeriod') },
          installments: { type: 'array', items: ref('PaymentInstallment') },
          totals: ref('PaymentTotals'),
        },
      },
      PaymentStatusUpdate: {
        type: 'object',
        additionalProperties: false,
        required: ['paymentStatus'],
        properties: {
          paymentStatus: { type: 'string', enum: ['pending', 'invoiced', 'paid'] },
          invoiceDate: nullable(date('Invoice received. Omitted or null: keep the current one (cleared when pending).', '2025-07-10')),
          paidDate: nullable(date('Required when paid; must be absent or null otherwise.', '2025-07-25')),
        },
      },

      // ---- audit ----
      AuditEntry: {
        type: 'object',
        description: 'One audit-log entry: who did what, when, with the entity before and after.',
        required: ['id', 'at', 'userId', 'username', 'action', 'entity', 'entityId', 'contractId', 'before', 'after'],
        properties: {
          id: { type: 'integer' },
          at: dateTime('When.'),
          userId: nullable({ type: 'integer', description: 'Null for the system itself (bootstrap, migrations).' }),
          username: nullable({ type: 'string' }),
          action: {
            type: 'string',
            description:
              'user.create, user.update, user.password, vendor.create, vendor.update, template.create, contract.create, contract.update, ' +
              'ledger.add, ledger.withdraw, ledger.reduce, rating.add, rating.withdraw, penalty.add, penalty.approve, penalty.withdraw, ' +
              'period.publish, period.acknowledge, period.sign, period.reopen, objection.file, objection.resolve, interview.record, ' +
              'file.upload, submission.create, submission.confirm, submission.reject, ' +
              'installment.payment_status, calendar.import, calendar.set_day, sla_policy.put, ' +
              'tickets.upsert, inspection_plan.create, inspection.record, inspection.update, report_plan.create, report.submit, positions.put, ' +
              'people.upsert, event.record, event.withdraw, import_mapping.put, import.<kind> (tickets, inspections, report_submissions, people), ' +
              'detection.<source> (sla, inspection, report, staffing, event; only when lines were added, withdrawn or retraced).',
            example: 'ledger.add',
          },
          entity: { type: 'string', example: 'ledger_line' },
          entityId: nullable({ type: 'string', description: 'Id of the entity, as text (the version number for templates).' }),
          contractId: nullable({ type: 'integer' }),
          before: nullable({ type: 'object', description: 'The entity before the change, as serialised by the API; null for creations.' }),
          after: nullable({ type: 'object', description: 'The entity after the change, as serialised by the API.' }),
        },
      },

      // ---- sign-off workflow ----
      SignRequest: {
        type: 'object',
        additionalProperties: false,
        properties: {
          confirmEarly: {
            type: 'boolean',
            default: false,
            description: 'Sign although the objection window still runs and the vendor has not acknowledged (提前签署).',
          },
        },
      },
      ReopenRequest: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: { reason: { type: 'string', minLength: 1, maxLength: 4000, description: 'Why the signed period is reopened; trimmed. Sent to the vendor.' } },
      },
      StandingFigures: {
        type: 'object',
        description: 'The figures a reopening may change (computed for an admin: never withheld).',
        required: ['score', 'totalDeduction', 'periods', 'installments', 'payableTotal'],
        properties: {
          score: points('The reopened period\'s score.', '96.50'),
          totalDeduction: points('The reopened period\'s capped total deduction.', '3.50'),
          periods: {
            type: 'array',
            items: {
              type: 'object',
              required: ['number', 'score'],
              properties: { number: { type: 'integer' }, score: points('Period score.', '98.00') },
            },
          },
          installments: {
            type: 'array',
            items: {
              type: 'object',
              required: ['number', 'name', 'payable'],
              properties: { number: { type: 'integer' }, name: { type: 'string' }, payable: money('Amount payable.', '4698609.12') },
            },
          },
          payableTotal: money('Σ payable of all installments.', '11949549.12'),
        },
      },
      ReopenPreview: {
        type: 'object',
        description: 'What reopening the period would change (a dry run; nothing was written).',
        required: ['period', 'before', 'after', 'payableDifference'],
        properties: {
          period: { type: 'integer', description: 'The period number.', example: 1 },
          before: ref('StandingFigures'),
          after: ref('StandingFigures'),
          payableDifference: {
            type: 'string',
            pattern: '^-?\\d+\\.\\d{2}$',
            description: 'after.payableTotal − before.payableTotal in yuan, signed, exactly 2 places.',
            example: '-19335.84',
          },
        },
      },
      ReopenResult: {
        description: 'The reopened period (its fields at the top level, status `draft`), the reason and the figures before and after.',
        allOf: [
          ref('Period'),
          {
            type: 'object',
            required: ['reason', 'before', 'after', 'payableDifference'],
            properties: {
              reason: { type: 'string' },
              before: ref('StandingFigures'),
              after: ref('StandingFigures'),
              payableDifference: { type: 'string', pattern: '^-?\\d+\\.\\d{2}$', description: 'after.payableTotal − before.payableTotal, signed.', example: '-19335.84' },
            },
          },
        ],
      },

      // ---- objections ----
      Objection: {
        type: 'object',
        description: 'A vendor\'s objection (异议) to one ledger line of a published period. One per line.',
        required: [
          'id', 'contractId', 'period', 'lineId', 'reason', 'attachments', 'status', 'filedBy', 'filedAt', 'decision', 'resolutionReason',
          'resolvedBy', 'resolvedAt', 'originalUnits', 'resolvedUnits', 'replacementLineId', 'version',
        ],
        properties: {
          id: { type: 'integer' },
          contractId: { type: 'integer' },
          period: { type: 'integer', description: 'Period number of the line.' },
          lineId: { type: 'integer', description: 'The ledger line objected to.' },
          line: {
            allOf: [ref('LedgerLine')],
            description: 'The line as it stands now (withdrawn once withdrawn or reduced). Present in every answer, except to a vendor while the objection\'s period is a draft again (reopened).',
          },
          reason: { type: 'string', description: 'The vendor\'s reason.' },
          attachments: { type: 'array', items: { type: 'integer' }, description: 'File ids (`GET /files/{id}`).' },
          status: {
            type: 'string',
            enum: ['open', 'upheld', 'reduced', 'withdrawn'],
            description: 'open (待处理) → upheld (维持原扣分), reduced (核减) or withdrawn (撤销该扣分).',
          },
          filedBy: nullable({ type: 'integer', description: 'User id of the vendor user.' }),
          filedAt: dateTime('When filed.'),
          decision: nullable({ type: 'string', enum: ['uphold', 'reduce', 'withdraw', null], description: 'Null while open.' }),
          resolutionReason: nullable({ type: 'string' }),
          resolvedBy: nullable({ type: 'integer' }),
          resolvedAt: nullable(dateTime('When resolved.')),
          originalUnits: { type: 'string', description: 'The line\'s units when the objection was filed (format as LedgerLine.units).', example: '2' },
          resolvedUnits: nullable({
            type: 'string',
            description: 'Units after the decision: unchanged when upheld, the new units when reduced, "0" when withdrawn; null while open.',
            example: '1',
          }),
          replacementLineId: nullable({ type: 'integer', description: 'The new line (source `objection`) when reduced; else null.' }),
          version: { type: 'integer', description: 'Send it with the resolution to refuse a stale decision.' },
        },
      },
      ObjectionCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['reason'],
        properties: {
          reason: { type: 'string', minLength: 1, maxLength: 4000, description: 'Why the line is wrong; trimmed.' },
          attachments: {
            type: 'array',
            maxItems: 20,
            uniqueItems: true,
            default: [],
            items: { type: 'integer', minimum: 1 },
            description: 'Ids of files uploaded to this contract.',
          },
        },
      },
      ObjectionResolve: {
        type: 'object',
        additionalProperties: false,
        required: ['decision', 'reason'],
        properties: {
          decision: { type: 'string', enum: ['uphold', 'reduce', 'withdraw'] },
          units: decimalInput('Required for `reduce`: the new units, > 0 and below the line\'s units; whole when the rule counts whole units.', 2, '1'),
          reason: { type: 'string', minLength: 1, maxLength: 4000, description: 'Why; trimmed. Sent to the vendor.' },
          version: { type: 'integer', minimum: 0, description: 'The objection\'s `version` you read; 409 when it changed since. Optional.' },
        },
      },

      // ---- interviews ----
      Interview: {
        type: 'object',
        description: 'An interview (约谈) held because a period scored below the contract\'s interview threshold. One per period.',
        required: ['id', 'period', 'date', 'attendees', 'outcome', 'recordedBy', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          period: { type: 'integer' },
          date: date('When the interview was held.', '2025-07-15'),
          attendees: { type: 'string' },
          outcome: { type: 'string', description: 'What was agreed (整改措施).' },
          recordedBy: nullable({ type: 'integer' }),
          createdAt: dateTime('When recorded.'),
        },
      },
      InterviewCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['period', 'date', 'attendees', 'outcome'],
        properties: {
          period: { type: 'integer', minimum: 1, description: 'A published, signed or locked period scoring below the threshold, without an interview yet.' },
          date: date('Not before the period\'s start.', '2025-07-15'),
          attendees: { type: 'string', minLength: 1, maxLength: 2000 },
          outcome: { type: 'string', minLength: 1, maxLength: 8000 },
        },
      },

      // ---- notifications, files, submissions ----
      Notification: {
        type: 'object',
        required: ['id', 'contractId', 'kind', 'message', 'link', 'read', 'readAt', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          contractId: nullable({ type: 'integer' }),
          kind: {
            type: 'string',
            description:
              'period.published, period.acknowledged, period.signed, period.reopened, objection.filed, objection.resolved, interview.recorded, ' +
              'submission.created, submission.confirm, submission.reject.',
            example: 'period.published',
          },
          message: { type: 'string', description: 'In Chinese.', example: '2025年税务信息系统运维服务项目「第1季度」的考核评分已发布，如有异议请于 2025-04-14 前提出' },
          link: nullable({ type: 'string', description: 'Path of the web page concerned (not an API path).', example: '/contracts/1/periods/1' }),
          read: { type: 'boolean' },
          readAt: nullable(dateTime('When marked read.')),
          createdAt: dateTime('When created.'),
        },
      },
      MarkReadResult: {
        type: 'object',
        required: ['updated'],
        properties: { updated: { type: 'integer', description: 'Notifications marked read by this request.' } },
      },
      StoredFile: {
        type: 'object',
        description: 'An uploaded attachment of a contract.',
        required: ['id', 'contractId', 'name', 'size', 'mime', 'sha256', 'uploadedBy', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          contractId: { type: 'integer' },
          name: { type: 'string', description: 'File name as uploaded, without directories, at most 200 characters.', example: '局方暂缓通知.pdf' },
          size: { type: 'integer', description: 'Bytes.' },
          mime: { type: 'string', description: 'Type the client declared (informational; downloads are always application/octet-stream).', example: 'application/pdf' },
          sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
          uploadedBy: nullable({ type: 'integer' }),
          createdAt: dateTime('When uploaded.'),
        },
      },
      EvidenceSubmission: {
        type: 'object',
        description: 'Evidence the vendor submitted; counts only once confirmed.',
        required: [
          'id', 'contractId', 'kind', 'kindName', 'payload', 'attachments', 'status', 'submittedBy', 'submittedAt', 'reviewedAt', 'version',
        ],
        properties: {
          id: { type: 'integer' },
          contractId: { type: 'integer' },
          kind: { type: 'string', enum: ['report_submission', 'inspection_run', 'person'] },
          kindName: { type: 'string', description: '报告提交, 巡检记录 or 人员变更.', example: '报告提交' },
          payload: { type: 'object', description: 'As submitted.' },
          attachments: { type: 'array', items: { type: 'integer' }, description: 'File ids.' },
          status: { type: 'string', enum: ['pending', 'confirmed', 'rejected'] },
          submittedBy: nullable({ type: 'integer' }),
          submittedAt: dateTime('When submitted.'),
          reviewNote: nullable({ type: 'string', description: 'The reviewer\'s note (required when rejected); null until reviewed. The key is absent from the 201 answer of the submit.' }),
          reviewedBy: nullable({ type: 'integer', description: 'Null until reviewed. The key is absent from the 201 answer of the submit.' }),
          reviewedAt: nullable(dateTime('When reviewed.')),
          version: { type: 'integer' },
        },
      },
      EvidenceSubmissionCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'payload'],
        properties: {
          kind: { type: 'string', enum: ['report_submission', 'inspection_run', 'person'] },
          payload: {
            description: 'By kind: report_submission a ReportSubmissionCreate, inspection_run an InspectionRunCreate, person a PersonInput (400 paths `payload.<field>`).',
            anyOf: [ref('ReportSubmissionCreate'), ref('InspectionRunCreate'), ref('PersonInput')],
          },
          attachments: {
            type: 'array',
            maxItems: 20,
            uniqueItems: true,
            default: [],
            items: { type: 'integer', minimum: 1 },
            description: 'Ids of files uploaded to this contract.',
          },
        },
      },
      SubmissionReview: {
        type: 'object',
        additionalProperties: false,
        required: ['decision'],
        properties: {
          decision: { type: 'string', enum: ['confirm', 'reject'] },
          note: nullable({ type: 'string', maxLength: 4000, description: 'Required (non-empty) for reject; trimmed. Sent to the vendor.' }),
        },
      },
      SubmissionReviewResult: {
        description: 'The reviewed submission and, on confirm, what recording the evidence answered.',
        allOf: [
          ref('EvidenceSubmission'),
          {
            type: 'object',
            required: ['result'],
            properties: {
              result: {
                type: 'object',
                nullable: true,
                description:
                  'Null on reject. On confirm, the answer of the route the evidence went through: report_submission as `POST /report-submissions` ' +
                  '(a ReportSubmission with `detection`), inspection_run as `POST /inspections` (an InspectionRun with `detection`), person as ' +
                  '`POST /people` (an UpsertResult: counts and `detection`).',
                required: ['detection'],
                properties: { detection: ref('DetectionResult') },
              },
            },
          },
        ],
      },

      // ---- working calendar ----
      CalendarDay: {
        type: 'object',
        description: 'A day that differs from the Mon-Fri default: a day off (holiday) or a make-up working day (workday, 调休).',
        required: ['date', 'kind', 'name'],
        properties: {
          date: date('Local date.', '2025-10-01'),
          kind: { type: 'string', enum: ['holiday', 'workday'], description: 'holiday (休): a day off; workday (班): a make-up working day.' },
          name: { type: 'string', example: '国庆节' },
        },
      },
      CalendarYearSummary: {
        type: 'object',
        required: ['year', 'source'],
        properties: {
          year: { type: 'integer', example: 2025 },
          source: { type: 'string', description: 'Where the year\'s data comes from.', example: 'bundled (chinese-days 1.5.7)' },
        },
      },
      CalendarYear: {
        type: 'object',
        description: 'One year of the working calendar.',
        required: ['year', 'source', 'days', 'workingDays'],
        properties: {
          year: { type: 'integer', example: 2025 },
          source: { type: 'string', example: 'bundled (chinese-days 1.5.7)' },
          days: { type: 'array', items: ref('CalendarDay'), description: 'Holidays and make-up days, in date order.' },
          workingDays: { type: 'integer', description: 'Working days of the year (Mon-Fri, minus holidays, plus make-up days).', example: 248 },
        },
      },
      CalendarYearImport: {
        type: 'object',
        additionalProperties: false,
        required: ['days'],
        properties: {
          source: { type: 'string', maxLength: 200, default: '管理员导入', description: 'Where the data comes from; trimmed.' },
          days: {
            type: 'array',
            maxItems: 366,
            description: 'Every holiday and make-up day of the year (dates in the year, unique); an empty list means a plain Mon-Fri year.',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['date', 'kind', 'name'],
              properties: {
                date: date('A date of the year.', '2027-01-01'),
                kind: { type: 'string', enum: ['holiday', 'workday'] },
                name: { type: 'string', minLength: 1, maxLength: 50 },
              },
            },
          },
        },
      },
      CalendarDayUpdate: {
        type: 'object',
        additionalProperties: false,
        required: ['kind'],
        properties: {
          kind: { type: 'string', enum: ['holiday', 'workday', 'default'], description: 'default: back to Mon-Fri work, weekends off.' },
          name: nullable({ type: 'string', maxLength: 50, description: 'Required for holiday and workday; ignored for default.' }),
        },
      },
      CalendarYearWithDetection: {
        description: 'A calendar year as stored, and the re-detection of every contract that followed the change.',
        allOf: [
          ref('CalendarYear'),
          {
            type: 'object',
            required: ['detection'],
            properties: {
              detection: {
                type: 'object',
                required: ['contracts', 'failed'],
                properties: {
                  contracts: { type: 'integer', description: 'Contracts re-examined (each in its own transaction).', example: 3 },
                  failed: {
                    type: 'array',
                    description: 'Contracts whose detection failed (e.g. another year missing); the calendar change itself stands.',
                    items: {
                      type: 'object',
                      required: ['contractId', 'message'],
                      properties: { contractId: { type: 'integer' }, message: { type: 'string' } },
                    },
                  },
                },
              },
            },
          },
        ],
      },

      // ---- detection ----
      DetectionSummary: {
        type: 'object',
        description: 'What one detector run changed in the ledger.',
        required: ['added', 'withdrawn', 'retraced', 'unchanged', 'skippedLocked'],
        properties: {
          added: { type: 'integer', description: 'Lines added (including re-added lines whose numbers changed).' },
          withdrawn: { type: 'integer', description: 'Lines withdrawn: evidence no longer holds, numbers changed, or a duplicate.' },
          retraced: { type: 'integer', description: 'Lines whose reason or trace was rewritten in place (same period, rule and units).' },
          unchanged: { type: 'integer', description: 'Lines confirmed as they are.' },
          skippedLocked: { type: 'integer', description: 'Proposals falling in a signed or locked period, not written.' },
        },
      },
      DetectionResult: {
        type: 'object',
        description:
          'One summary per detector the write re-ran (only those keys are present): sla (tickets), inspection, report, staffing, event. ' +
          'Detected lines have `source` = the detector and a `sourceKey` naming the evidence.',
        properties: {
          sla: ref('DetectionSummary'),
          inspection: ref('DetectionSummary'),
          report: ref('DetectionSummary'),
          staffing: ref('DetectionSummary'),
          event: ref('DetectionSummary'),
        },
      },

      // ---- SLA policy and tickets ----
      WorkingInterval: {
        type: 'object',
        additionalProperties: false,
        required: ['start', 'end'],
        properties: {
          start: { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', example: '08:00' },
          end: { type: 'string', pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$', description: '"24:00" allowed.', example: '17:30' },
        },
      },
      SlaLevel: {
        type: 'object',
        description: 'A severity level (严重程度) with its limits.',
        required: ['code', 'name', 'responseMinutes', 'resolutionMinutes', 'clock'],
        properties: {
          code: { type: 'string', description: 'The value tickets give as `severity`.', example: '高' },
          name: nullable({ type: 'string', example: '紧急' }),
          responseMinutes: nullable({ type: 'integer', description: 'Response limit in minutes of the level\'s clock; null: not assessed.', example: 30 }),
          resolutionMinutes: nullable({ type: 'integer', description: 'Resolution limit; null: not assessed.', example: 240 }),
          clock: {
            type: 'string',
            enum: ['working', 'calendar'],
            description: 'working: only working hours of working days count (holidays off, make-up days on); calendar: every minute counts.',
          },
        },
      },
      SlaPolicy: {
        type: 'object',
        description: 'The SLA policy of a contract.',
        required: ['workingHours', 'levels', 'itemByTicketType', 'ruleByTicketType', 'pauseReasons', 'version'],
        properties: {
          workingHours: { type: 'array', items: ref('WorkingInterval'), description: 'Working intervals of every working day, local time.' },
          levels: { type: 'array', items: ref('SlaLevel') },
          itemByTicketType: {
            type: 'object',
            additionalProperties: { type: 'integer' },
            description: 'Ticket type → item number (derived from ruleByTicketType); `default` for other types.',
            example: { 故障: 10, 需求: 26, default: 4 },
          },
          ruleByTicketType: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'Ticket type → rule code of the line a breach writes; `default` for other types.',
            example: { 故障: '10a', 需求: '26a', default: '4a' },
          },
          pauseReasons: { type: 'array', items: { type: 'string' }, description: 'Reasons a ticket pause may give (暂停原因).' },
          version: { type: 'integer', description: '0 on creation, +1 on each replace.' },
        },
      },
      SlaPolicyInput: {
        type: 'object',
        additionalProperties: false,
        required: ['levels'],
        properties: {
          workingHours: {
            type: 'array',
            minItems: 1,
            maxItems: 6,
            items: ref('WorkingInterval'),
            default: [{ start: '08:00', end: '17:30' }],
            description: 'Sorted, non-overlapping, start < end.',
          },
          levels: {
            type: 'array',
            minItems: 1,
            maxItems: 20,
            description: 'Codes unique.',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'responseMinutes', 'resolutionMinutes', 'clock'],
              properties: {
                code: { type: 'string', minLength: 1, maxLength: 50 },
                name: nullable({ type: 'string', maxLength: 50, description: 'Empty stored as null.' }),
                responseMinutes: nullable({ type: 'integer', minimum: 1, maximum: 525600, description: 'Required key; null: no response limit.' }),
                resolutionMinutes: nullable({ type: 'integer', minimum: 1, maximum: 525600, description: 'Required key; null: no resolution limit; ≥ responseMinutes.' }),
                clock: { type: 'string', enum: ['working', 'calendar'] },
              },
            },
          },
          itemByTicketType: {
            type: 'object',
            additionalProperties: { anyOf: [{ type: 'integer' }, { type: 'string', maxLength: 8 }] },
            description:
              'Ticket type (≤ 50 characters) → item number (an item with exactly one per-unit rule) or rule code (a per-unit rule). ' +
              '`default` applies to other types (4a when missing). Omitted: {"故障": 10, "需求": 26, "default": 4}.',
            example: { 故障: 10, 需求: '26a', default: 4 },
          },
          pauseReasons: {
            type: 'array',
            maxItems: 50,
            uniqueItems: true,
            items: { type: 'string', minLength: 1, maxLength: 100 },
            default: ['等待局方确认', '等待第三方厂商处理', '等待用户反馈', '局方要求暂缓'],
          },
        },
      },
      TicketPause: {
        type: 'object',
        required: ['start', 'end', 'reason', 'confirmed'],
        properties: {
          start: dateTime('Pause start.'),
          end: nullable(dateTime('Pause end; null while paused.')),
          reason: { type: 'string', example: '等待用户反馈' },
          confirmed: { type: 'boolean', description: 'Confirmed by the bureau: only confirmed pauses stop the clock.' },
        },
      },
      Ticket: {
        type: 'object',
        description: 'A ticket (工单) of the contract.',
        required: ['id', 'externalId', 'system', 'type', 'severity', 'title', 'createdAt', 'respondedAt', 'resolvedAt', 'pauses'],
        properties: {
          id: { type: 'integer' },
          externalId: { type: 'string', description: 'The ticket number in the bureau\'s system, unique within the contract.', example: 'GD-20250930-01' },
          system: nullable({ type: 'string', example: '电子税务局' }),
          type: nullable({ type: 'string', description: 'Ticket type; selects the rule (ruleByTicketType).', example: '故障' }),
          severity: { type: 'string', description: 'A level code of the SLA policy.', example: '高' },
          title: nullable({ type: 'string' }),
          createdAt: dateTime('When the ticket was opened (not when the record was stored).'),
          respondedAt: nullable(dateTime('First response.')),
          resolvedAt: nullable(dateTime('Resolution; null while open.')),
          pauses: { type: 'array', items: ref('TicketPause') },
        },
      },
      TicketPage: {
        type: 'object',
        required: ['total', 'items'],
        properties: {
          total: { type: 'integer', description: 'Tickets of the contract.' },
          items: { type: 'array', items: ref('Ticket') },
        },
      },
      TicketInput: {
        type: 'object',
        additionalProperties: false,
        required: ['externalId', 'severity', 'createdAt'],
        properties: {
          externalId: {
            anyOf: [{ type: 'string', minLength: 1, maxLength: 100 }, { type: 'number' }],
            description: 'Ticket number; a number is stored as text. Unique within the body; an existing one is updated.',
            example: 'GD-20250930-01',
          },
          system: nullable({ type: 'string', maxLength: 200 }),
          type: nullable({ type: 'string', maxLength: 50, description: 'e.g. 故障, 需求; selects the rule.' }),
          severity: { type: 'string', minLength: 1, maxLength: 50, description: 'A level code of the policy.' },
          title: nullable({ type: 'string', maxLength: 500 }),
          createdAt: instantInput('When the ticket was opened.'),
          respondedAt: nullable(instantInput('First response; not before createdAt.')),
          resolvedAt: nullable(instantInput('Resolution; not before createdAt nor respondedAt.')),
          pauses: {
            type: 'array',
            maxItems: 50,
            default: [],
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['start', 'reason'],
              properties: {
                start: instantInput('Pause start; not before createdAt.'),
                end: nullable(instantInput('Pause end; not before start; null or omitted while paused.')),
                reason: { type: 'string', minLength: 1, maxLength: 100, description: 'One of the policy\'s pauseReasons.' },
                confirmed: { type: 'boolean', default: false, description: 'Confirmed by the bureau; unconfirmed pauses do not stop the clock.' },
              },
            },
          },
        },
      },
      UpsertResult: {
        type: 'object',
        description: 'Counts of an upsert by external id, and what the detectors changed.',
        required: ['imported', 'updated', 'unchanged', 'detection'],
        properties: {
          imported: { type: 'integer', description: 'New records.' },
          updated: { type: 'integer', description: 'Existing records whose content changed.' },
          unchanged: { type: 'integer', description: 'Existing records with the same content.' },
          detection: ref('DetectionResult'),
        },
      },
      TicketSla: {
        type: 'object',
        description: 'SLA figures of a ticket, evaluated at `evaluatedAt` with the current policy and calendar.',
        required: [
          'level', 'clock', 'responseMinutes', 'resolutionMinutes', 'responseDeadline', 'resolutionDeadline', 'responseElapsedMinutes',
          'resolutionElapsedMinutes', 'responseElapsed', 'resolutionElapsed', 'breached', 'firstMissedDeadline', 'open', 'holidays',
          'makeupDays', 'pausesCounted', 'pausesIgnored', 'trace', 'evaluatedAt', 'ledgerLine',
        ],
        properties: {
          level: { type: 'string', example: '高' },
          clock: { type: 'string', enum: ['working', 'calendar'] },
          responseMinutes: nullable({ type: 'integer', example: 30 }),
          resolutionMinutes: nullable({ type: 'integer', example: 240 }),
          responseDeadline: nullable(dateTime('Response deadline; null when there is no limit, or while a confirmed open pause holds the clock.')),
          resolutionDeadline: nullable(dateTime('Resolution deadline; null likewise.')),
          responseElapsedMinutes: nullable({ type: 'number', description: 'Minutes of the level\'s clock until the response (or until now); fractional when instants are not whole minutes.', example: 10 }),
          resolutionElapsedMinutes: nullable({ type: 'number', example: 510 }),
          responseElapsed: nullable({ type: 'string', example: '10 分钟（工作时间）' }),
          resolutionElapsed: nullable({ type: 'string', example: '8 小时 30 分钟（工作时间）' }),
          breached: { type: 'array', items: { type: 'string', enum: ['response', 'resolution'] }, description: 'Limits missed, in this order.', example: ['resolution'] },
          firstMissedDeadline: nullable(dateTime('Earliest missed deadline; its period gets the ledger line.')),
          open: { type: 'boolean', description: 'Not resolved yet.' },
          holidays: { type: 'array', items: ref('CalendarDay'), description: 'Holidays within the clock span (working clock only).' },
          makeupDays: { type: 'array', items: ref('CalendarDay'), description: 'Make-up working days within the span (working clock only).' },
          pausesCounted: {
            type: 'array',
            description: 'Confirmed pauses: the clock stopped.',
            items: { type: 'object', required: ['start', 'end', 'reason'], properties: { start: dateTime('Start.'), end: nullable(dateTime('End.')), reason: { type: 'string' } } },
          },
          pausesIgnored: {
            type: 'array',
            description: 'Unconfirmed pauses: the clock kept running.',
            items: { type: 'object', required: ['start', 'end', 'reason'], properties: { start: dateTime('Start.'), end: nullable(dateTime('End.')), reason: { type: 'string' } } },
          },
          trace: {
            type: 'array',
            items: { type: 'string' },
            description: 'Why, one Chinese sentence per entry (the same text as the ledger line\'s trace).',
            example: [
              '工单 #GD-20250930-01（高）：解决时限 4 小时（工作时间），实际 8 小时 30 分钟，超时（截止 2025-10-09 10:30，2025-10-09 15:00 解决）',
              '2025-10-01 至 2025-10-08 国庆节、中秋节假期不计时',
            ],
          },
          evaluatedAt: dateTime('When evaluated (now).'),
          ledgerLine: nullable({
            type: 'object',
            description: 'The active SLA ledger line of this ticket; null when none.',
            required: ['id', 'period', 'rule'],
            properties: { id: { type: 'integer' }, period: { type: 'integer' }, rule: { type: 'string', example: '10a' } },
          }),
        },
      },
      TicketDetail: {
        allOf: [
          ref('Ticket'),
          {
            type: 'object',
            required: ['sla'],
            properties: {
              sla: {
                allOf: [ref('TicketSla')],
                nullable: true,
                description: 'Null when the contract has no SLA policy or the ticket\'s severity is not a level of it.',
              },
            },
          },
        ],
      },

      // ---- inspections ----
      InspectionPlan: {
        type: 'object',
        description: 'An inspection plan (巡检计划).',
        required: ['id', 'name', 'system', 'frequency', 'dates', 'deadlineTime', 'checklist', 'findingLimitMinutes', 'activeFrom', 'activeTo', 'status'],
        properties: {
          id: { type: 'integer' },
          name: { type: 'string', example: '电子税务局日常巡检' },
          system: nullable({ type: 'string' }),
          frequency: { type: 'string', enum: ['workday', 'weekly', 'monthly', 'quarterly', 'dates'], description: 'workday: every working day; dates: the listed dates.' },
          dates: { type: 'array', items: { type: 'string', format: 'date' }, description: 'For `dates` plans.' },
          deadlineTime: nullable({ type: 'string', description: 'HH:mm by which a daily or dated run is due; null: end of day.', example: '10:00' }),
          checklist: { type: 'array', items: { type: 'string' }, description: 'Items every run must check.' },
          findingLimitMinutes: { type: 'integer', description: 'Working minutes to handle a finding.', example: 570 },
          activeFrom: nullable(date('First day the plan applies; null: contract start.')),
          activeTo: nullable(date('Last day; null: contract end.')),
          status: { type: 'string', enum: ['active', 'retired'], description: 'Only active plans are detected; no route retires a plan yet.' },
        },
      },
      InspectionPlanCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'frequency', 'checklist'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'Imports find the plan by this name (or id).' },
          system: nullable({ type: 'string', maxLength: 200 }),
          frequency: { type: 'string', enum: ['workday', 'weekly', 'monthly', 'quarterly', 'dates'] },
          dates: { type: 'array', maxItems: 1000, uniqueItems: true, default: [], items: { type: 'string', format: 'date' }, description: 'Required (non-empty) for `dates`.' },
          deadlineTime: nullable({ type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', description: 'HH:mm.' }),
          checklist: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 } },
          findingLimitMinutes: { type: 'integer', minimum: 1, maximum: 525600, default: 570, description: 'Working minutes (570 = one 08:00-17:30 day).' },
          activeFrom: nullable(date('First day.')),
          activeTo: nullable(date('Last day, not before activeFrom.', '2026-10-31')),
        },
      },
      InspectionFinding: {
        type: 'object',
        required: ['description', 'handledAt'],
        properties: {
          description: { type: 'string', example: '/data 分区使用率 92%' },
          handledAt: nullable(dateTime('When handled; null while not handled.')),
        },
      },
      InspectionRun: {
        type: 'object',
        description: 'An inspection run (巡检记录).',
        required: ['id', 'planId', 'externalId', 'performedAt', 'performer', 'itemsChecked', 'findings'],
        properties: {
          id: { type: 'integer' },
          planId: { type: 'integer' },
          externalId: nullable({ type: 'string', example: 'XJ-20251103-01' }),
          performedAt: dateTime('When performed.'),
          performer: { type: 'string', example: '张工' },
          itemsChecked: { type: 'array', items: { type: 'string' } },
          findings: { type: 'array', items: ref('InspectionFinding') },
        },
      },
      InspectionRunCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['planId', 'performedAt', 'performer'],
        properties: {
          planId: { type: 'integer', minimum: 1, description: 'A plan of this contract.' },
          externalId: nullable({
            anyOf: [{ type: 'string', maxLength: 100 }, { type: 'number' }],
            description: 'Optional run number; an existing one of the contract is replaced.',
          }),
          performedAt: instantInput('When performed.', '2025-11-03T09:20:00+08:00'),
          performer: { type: 'string', minLength: 1, maxLength: 100 },
          itemsChecked: { type: 'array', maxItems: 200, uniqueItems: true, default: [], items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Each on the plan\'s checklist.' },
          findings: {
            type: 'array',
            maxItems: 100,
            default: [],
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['description'],
              properties: {
                description: { type: 'string', minLength: 1, maxLength: 2000 },
                handledAt: nullable(instantInput('When handled; not before performedAt.', '2025-11-03T11:00:00+08:00')),
              },
            },
          },
        },
      },
      InspectionRunPage: {
        type: 'object',
        required: ['total', 'items'],
        properties: { total: { type: 'integer' }, items: { type: 'array', items: ref('InspectionRun') } },
      },

      // ---- reports ----
      ReportPlan: {
        type: 'object',
        description: 'A report plan (报告计划): a periodic report or a report per incident.',
        required: ['id', 'name', 'kind', 'dueWorkingDays', 'eventKinds', 'status'],
        properties: {
          id: { type: 'integer' },
          name: { type: 'string', example: '运维周报' },
          kind: { type: 'string', enum: ['weekly', 'monthly', 'annual', 'per_incident'] },
          dueWorkingDays: { type: 'integer', description: 'Working days after the covered span (or the event) by which the report is due.', example: 1 },
          eventKinds: { type: 'array', items: { type: 'string' }, description: 'per_incident: event kinds that call for a report.' },
          status: { type: 'string', enum: ['active', 'retired'] },
        },
      },
      ReportPlanCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'kind'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200, description: 'Imports find the plan by this name (or id).' },
          kind: { type: 'string', enum: ['weekly', 'monthly', 'annual', 'per_incident'] },
          dueWorkingDays: { type: 'integer', minimum: 0, maximum: 60, description: 'Default: weekly 1, monthly 5, annual 10, per_incident 3.' },
          eventKinds: {
            type: 'array',
            uniqueItems: true,
            default: [],
            items: { type: 'string', enum: ['emergency', 'security_incident', 'release', 'vulnerability', 'supply_chain'] },
            description: 'Required (non-empty) for per_incident.',
          },
        },
      },
      ReportSubmission: {
        type: 'object',
        required: ['id', 'planId', 'covers', 'submittedAt', 'title', 'externalId'],
        properties: {
          id: { type: 'integer' },
          planId: { type: 'integer' },
          covers: { type: 'string', description: 'Normalised: `W<Monday>`, `YYYY-MM`, `YYYY` or `event:<id>`.', example: 'W2025-11-03' },
          submittedAt: dateTime('When submitted.'),
          title: nullable({ type: 'string' }),
          externalId: nullable({ type: 'string' }),
        },
      },
      ReportSubmissionCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['planId', 'covers', 'submittedAt'],
        properties: {
          planId: { type: 'integer', minimum: 1, description: 'A plan of this contract.' },
          covers: {
            type: 'string',
            minLength: 1,
            maxLength: 40,
            description: 'What the report covers: weekly `W<Monday>` or any date of the week; monthly `YYYY-MM` or a date; annual `YYYY` or a date; per_incident `event:<event id>`.',
            example: '2025-11-03',
          },
          submittedAt: instantInput('When submitted.', '2025-11-10T09:00:00+08:00'),
          title: nullable({ type: 'string', maxLength: 300 }),
          externalId: nullable({ anyOf: [{ type: 'string', maxLength: 100 }, { type: 'number' }], description: 'Optional; an existing one of the contract is replaced.' }),
        },
      },

      // ---- staffing ----
      Position: {
        type: 'object',
        description: 'A required position (岗位要求) of the contract.',
        required: ['id', 'role', 'count', 'qualifications', 'toleranceWorkingDays'],
        properties: {
          id: { type: 'integer' },
          role: { type: 'string', example: '驻场工程师' },
          count: { type: 'integer', description: 'People required.', example: 3 },
          qualifications: { type: 'array', items: { type: 'string' }, description: 'Qualifications every holder needs.' },
          toleranceWorkingDays: { type: 'integer', description: 'A gap shorter than this many consecutive working days is a normal replacement.', example: 10 },
        },
      },
      PositionInput: {
        type: 'object',
        additionalProperties: false,
        required: ['role', 'count'],
        properties: {
          role: { type: 'string', minLength: 1, maxLength: 100, description: 'People are matched to positions by this text.' },
          count: { type: 'integer', minimum: 1, maximum: 1000 },
          qualifications: { type: 'array', maxItems: 50, uniqueItems: true, default: [], items: { type: 'string', minLength: 1, maxLength: 100 } },
          toleranceWorkingDays: { type: 'integer', minimum: 1, maximum: 120, default: 10 },
        },
      },
      Person: {
        type: 'object',
        description: 'A person of the vendor\'s staff roster (人员名册).',
        required: ['id', 'externalId', 'name', 'role', 'startDate', 'endDate', 'qualifications', 'securityAgreement', 'noCriminalRecord', 'securityTrainingDate'],
        properties: {
          id: { type: 'integer' },
          externalId: { type: 'string', example: 'E-0012' },
          name: { type: 'string', example: '李明' },
          role: { type: 'string', example: '驻场工程师' },
          startDate: date('First day on duty (到岗).', '2025-11-01'),
          endDate: nullable(date('Last day on duty (离岗); null while on duty.', '2026-03-31')),
          qualifications: { type: 'array', items: { type: 'string' } },
          securityAgreement: { type: 'boolean', description: 'Signed the security and confidentiality agreement (安全保密协议).' },
          noCriminalRecord: { type: 'boolean', description: 'Provided a no-criminal-record certificate (无犯罪记录证明).' },
          securityTrainingDate: nullable(date('Security training (安全培训).', '2025-11-05')),
        },
      },
      PersonInput: {
        type: 'object',
        additionalProperties: false,
        required: ['externalId', 'name', 'role', 'startDate', 'securityAgreement', 'noCriminalRecord'],
        properties: {
          externalId: { anyOf: [{ type: 'string', minLength: 1, maxLength: 100 }, { type: 'number' }], description: 'Staff number; an existing one is updated.' },
          name: { type: 'string', minLength: 1, maxLength: 100 },
          role: { type: 'string', minLength: 1, maxLength: 100, description: 'Matches a position\'s role.' },
          startDate: date('First day on duty.', '2025-11-01'),
          endDate: nullable(date('Last day on duty; not before startDate.', '2026-03-31')),
          qualifications: { type: 'array', maxItems: 50, uniqueItems: true, default: [], items: { type: 'string', minLength: 1, maxLength: 100 } },
          securityAgreement: { type: 'boolean' },
          noCriminalRecord: { type: 'boolean' },
          securityTrainingDate: nullable(date('Security training.', '2025-11-05')),
        },
      },

      // ---- events ----
      Event: {
        type: 'object',
        description: 'An event recorded for the contract.',
        required: ['id', 'kind', 'externalId', 'occurredAt', 'system', 'title', 'details', 'status', 'withdrawnReason', 'recordedBy', 'suggestedPenaltyClause'],
        properties: {
          id: { type: 'integer' },
          kind: { type: 'string', enum: EVENT_KIND_ENUM },
          externalId: nullable({ type: 'string' }),
          occurredAt: dateTime('When it happened.'),
          system: nullable({ type: 'string' }),
          title: { type: 'string' },
          details: { type: 'object', description: 'Kind-specific fields as validated on input (times as UTC ISO strings, defaults filled in).' },
          status: { type: 'string', enum: ['active', 'withdrawn'], description: 'Withdrawn events are ignored by the detectors.' },
          withdrawnReason: nullable({ type: 'string' }),
          recordedBy: nullable({ type: 'integer' }),
          suggestedPenaltyClause: nullable({
            type: 'string',
            description: '`security-incident` for a network/data security incident, `supply-chain-incident` for a 20a supply-chain event; else null. A hint only.',
            example: 'security-incident',
          }),
        },
      },
      EventCreate: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'occurredAt', 'title'],
        properties: {
          kind: { type: 'string', enum: EVENT_KIND_ENUM },
          occurredAt: instantInput('When it happened.', '2025-11-12T14:05:00+08:00'),
          title: { type: 'string', minLength: 1, maxLength: 500 },
          system: nullable({ type: 'string', maxLength: 200 }),
          externalId: nullable({
            anyOf: [{ type: 'string', maxLength: 100 }, { type: 'number' }],
            description: 'Optional reference; for onsite_planned, what onsite_visit.details.plannedRef names.',
          }),
          details: {
            description: 'Kind-specific fields; the schema is chosen by `kind` (unknown keys refused).',
            default: {},
            anyOf: [
              ref('ReleaseDetails'), ref('EmergencyDetails'), ref('SecurityIncidentDetails'), ref('VulnerabilityDetails'),
              ref('VulnerabilityReportDetails'), ref('SupplyChainDetails'), ref('TurnoverDisruptionDetails'), ref('OnsitePlannedDetails'),
              ref('OnsiteVisitDetails'),
            ],
          },
        },
      },
      ReleaseDetails: {
        type: 'object',
        additionalProperties: false,
        description: 'kind `release` (系统升级/版本发布): 6a, 6b, 7a.',
        properties: {
          plannedAt: nullable(instantInput('When it was due to be completed.')),
          completedAt: nullable(instantInput('When completed; null: not yet.')),
          complete: { type: 'boolean', default: true, description: 'false: the release was incomplete (6a).' },
          postReleaseIssue: { type: 'boolean', default: false },
          issueHandledInTime: { type: 'boolean', default: true, description: 'With postReleaseIssue, false gives 6b.' },
          newProblemCaused: { type: 'boolean', default: false },
          newProblemResolvedInTime: { type: 'boolean', default: true, description: 'With newProblemCaused, false gives 7a.' },
          note: { type: 'string', maxLength: 2000 },
        },
      },
      EmergencyDetails: {
        type: 'object',
        additionalProperties: false,
        description: 'kind `emergency` (应急事件): 8a, 8b.',
        properties: {
          limitMinutes: nullable({ type: 'integer', minimum: 1, maximum: 525600, description: 'Handling limit in calendar minutes after occurredAt; null: not assessed.' }),
          handledAt: nullable(instantInput('When handled; null: not yet.')),
          missingSteps: { type: 'array', maxItems: 50, default: [], items: { type: 'string', minLength: 1, maxLength: 200 }, description: 'Required steps skipped; one 8b unit each.' },
          note: { type: 'string', maxLength: 2000 },
        },
      },
      SecurityIncidentDetails: {
        type: 'object',
        additionalProperties: false,
        required: ['category'],
        description: 'kind `security_incident`: 17a (incident, 信息安全事故) or 18a (network_data, 网络与数据安全事件).',
        properties: {
          category: { type: 'string', enum: ['incident', 'network_data'] },
          note: { type: 'string', maxLength: 2000 },
        },
      },
      VulnerabilityDetails: {
        type: 'object',
        additionalProperties: false,
        description: 'kind `vulnerability` (安全漏洞 found by the bureau): 12a unless reported beforehand with the same identifier.',
        properties: {
          identifier: nullable({ type: 'string', maxLength: 100, example: 'CVE-2025-12345' }),
          foundBy: nullable({ type: 'string', maxLength: 100 }),
          note: { type: 'string', maxLength: 2000 },
        },
      },
      VulnerabilityReportDetails: {
        type: 'object',
        additionalProperties: false,
        required: ['identifier', 'reason'],
        description: 'kind `vulnerability_report`: the vendor reported (报备) a vulnerability beforehand; no line.',
        properties: {
          identifier: { type: 'string', minLength: 1, maxLength: 100, example: 'CVE-2025-12345' },
          reason: { type: 'string', minLength: 1, maxLength: 2000, description: 'Why it is reported / the mitigation.' },
        },
      },
      SupplyChainDetails: {
        type: 'object',
        additionalProperties: false,
        required: ['rule'],
        description: 'kind `supply_chain` (供应链): 19a or 20a.',
        properties: {
          rule: { type: 'string', enum: ['19a', '20a'] },
          note: { type: 'string', maxLength: 2000 },
        },
      },
      TurnoverDisruptionDetails: {
        type: 'object',
        additionalProperties: false,
        description: 'kind `turnover_disruption` (人员变动影响运维): 3a.',
        properties: { note: { type: 'string', maxLength: 2000 } },
      },
      OnsitePlannedDetails: {
        type: 'object',
        additionalProperties: false,
        required: ['dueDate', 'persons'],
        description: 'kind `onsite_planned` (现场服务计划): 33a for the persons not provided by dueDate.',
        properties: {
          dueDate: date('Local date by whose end the service is due.', '2025-12-31'),
          persons: { type: 'integer', minimum: 1, maximum: 1000, description: 'Person-visits (人次) planned.' },
        },
      },
      OnsiteVisitDetails: {
        type: 'object',
        additionalProperties: false,
        required: ['persons'],
        description: 'kind `onsite_visit` (现场服务记录): counts toward a plan; no line itself. Needs plannedId or plannedRef.',
        properties: {
          plannedId: { type: 'integer', minimum: 1, description: 'Id of an onsite_planned event of this contract.' },
          plannedRef: { type: 'string', maxLength: 100, description: 'externalId of the onsite_planned event (not checked on input).' },
          persons: { type: 'integer', minimum: 1, maximum: 1000 },
          note: { type: 'string', maxLength: 2000 },
        },
      },

      // ---- imports ----
      ColumnMapping: {
        type: 'object',
        description: 'Field name of the import kind → header text in the file (≤ 200 characters; blank: a header equal to the field name).',
        additionalProperties: { type: 'string', maxLength: 200 },
        example: { external_id: '工单编号', severity: '优先级', created_at: '创建时间' },
      },
      ImportMapping: {
        type: 'object',
        required: ['kind', 'fields', 'required', 'mapping'],
        properties: {
          kind: { type: 'string', enum: ['tickets', 'inspections', 'report_submissions', 'people'] },
          fields: {
            type: 'array',
            items: { type: 'string' },
            description:
              `The fields the kind reads. tickets: ${IMPORT_COLUMNS.tickets.fields.join(', ')}; inspections: ${IMPORT_COLUMNS.inspections.fields.join(', ')}; ` +
              `report_submissions: ${IMPORT_COLUMNS.report_submissions.fields.join(', ')}; people: ${IMPORT_COLUMNS.people.fields.join(', ')}.`,
          },
          required: {
            type: 'array',
            items: { type: 'string' },
            description:
              `Fields whose column must be present. tickets: ${IMPORT_COLUMNS.tickets.required.join(', ')}; inspections: ${IMPORT_COLUMNS.inspections.required.join(', ')}; ` +
              `report_submissions: ${IMPORT_COLUMNS.report_submissions.required.join(', ')}; people: ${IMPORT_COLUMNS.people.required.join(', ')}.`,
          },
          mapping: ref('ColumnMapping'),
        },
      },
      ImportResult: {
        type: 'object',
        description: 'A successful import.',
        required: ['rows', 'imported', 'updated', 'unchanged', 'detection'],
        properties: {
          rows: { type: 'integer', description: 'Data rows read.' },
          imported: { type: 'integer', description: 'New records.' },
          updated: { type: 'integer', description: 'Existing records whose content changed.' },
          unchanged: { type: 'integer', description: 'Existing records with the same content.' },
          detection: ref('DetectionResult'),
        },
        example: { rows: 2, imported: 2, updated: 0, unchanged: 0, detection: { sla: { added: 1, withdrawn: 0, retraced: 0, unchanged: 0, skippedLocked: 0 } } },
      },
    },
  },
} as const;
