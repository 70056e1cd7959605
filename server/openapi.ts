// OpenAPI 3.0.3 description of the JSON API served under /api/v1 (served itself at
// GET /api/v1/openapi.json). Hand-written from routes/api.ts and services/*.ts: the joi
// schemas there are the request bodies, the serialize* functions the response shapes.
// Keep it in step with the code when a route, a schema or a serializer changes.

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

const nullable = <T extends object>(schema: T) => ({ ...schema, nullable: true });

const idProp = (description: string) => ({ type: 'integer', minimum: 1, description, example: 1 });

const ROLE_ENUM = ['admin', 'manager', 'vendor', 'finance'];

/** Standard error responses of an authenticated operation. */
const authErrors = {
  '400': resp('BadRequest'),
  '401': resp('Unauthorized'),
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
      '**Number conventions** (no binary floats anywhere):',
      '- Money is a decimal string in yuan (元) with exactly 2 places, e.g. `"12084900.00"` (stored exactly in fen 分).',
      '- Points (分) are decimal strings with exactly 2 places, e.g. `"3.50"`.',
      '- Ratios and rates are decimal strings, e.g. installment ratio `"0.40"`, point rate (点值, share of an installment',
      '  deducted per point) `"0.008"`.',
      '- Fields named `*Percent` and the penalty `percent` are percents of the contract total: `"25"` = 25%, `"0.03"` = 0.03%.',
      '- In request bodies, decimals may be given as strings (preferred) or JSON numbers.',
      '- Dates are `YYYY-MM-DD`; timestamps ISO 8601 in UTC.',
      '',
      '**Authentication**: `POST /auth/token` with username and password returns an opaque bearer token (valid for',
      'TOKEN_TTL_HOURS, default 12 h). Send it as `Authorization: Bearer <token>` on every other request.',
      '',
      '**Roles**:',
      '- `admin`: everything.',
      '- `manager` (bureau contract manager): creates vendors and contracts, records ledger lines, ratings and penalties,',
      '  approves penalties, signs periods, reads the audit log. Cannot manage users or templates, nor set payment status.',
      '- `finance`: reads contracts, ledgers, scorecards and payments of all contracts; the only write is an installment\'s',
      '  payment status. Cannot read users or the audit log.',
      '- `vendor` (服务商 user, bound to one vendor): read-only, and only its own vendor\'s contracts; any other contract',
      '  (or vendor) is answered 404 as if it did not exist. Write routes answer 403.',
      'Each operation lists its roles in its description and in `x-roles`. The role check comes before body validation,',
      'so a caller without the role gets 403 even for an invalid body.',
      '',
      '**Errors** always have the shape `{"error": {"code", "message", "details": [{"path", "message"}]}}`; messages are',
      'in Chinese. Codes: `invalid_input` / `invalid_json` (400), `unauthorized` (401), `forbidden` (403), `not_found`',
      '(404), `conflict` (409), `too_large` (413, body over 1 MB), `internal` (500).',
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
    { name: 'assessment', description: 'Quarterly scorecards (季度考核) and signing' },
    { name: 'payments', description: 'Installment payments (付款) and payment status' },
    { name: 'audit', description: 'Audit log (审计日志)' },
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
          'listed period exists and feeds at most one installment; each clause is complete for its kind; templateVersion and vendorId exist.',
          '409 when the contract code exists.',
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
        summary: 'One contract with its periods, installments and penalty clauses',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others are answered 404).',
        'x-roles': ROLE_ENUM,
        responses: {
          '200': { description: 'The contract.', content: json(ref('Contract')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '404': resp('NotFound'),
          '500': resp('InternalError'),
        },
      },
    },
    '/contracts/{id}/ledger': {
      parameters: [param('ContractId')],
      get: {
        tags: ['ledger'],
        operationId: 'listLedgerLines',
        summary: 'List the contract\'s ledger lines (扣分记录), active and withdrawn',
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). Ordered by id. Unknown query parameters are refused (400).',
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
          'withdrawn, or when it was changed concurrently.',
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
        description: 'Roles: admin, manager, finance; vendor only for its own vendor\'s contracts (others 404). Ordered by id. Unknown query parameters are refused (400).',
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
          '(the raw, uncapped sum is shown too); score = max points − Σ capped deductions. 404 when the period does not exist.',
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
    '/contracts/{id}/periods/{n}/sign': {
      parameters: [param('ContractId'), param('PeriodNumber')],
      post: {
        tags: ['assessment'],
        operationId: 'signPeriod',
        summary: 'The bureau signs (签署) a period: from then on its lines and ratings never change',
        description:
          'Roles: admin, manager. No request body. Moves the period from `draft` or `published` to `signed`. 404 when the period does not ' +
          'exist; 409 when it is already signed or locked.',
        'x-roles': ['admin', 'manager'],
        responses: {
          '200': { description: 'The signed period.', content: json(ref('Period')) },
          '400': resp('BadRequest'),
          '401': resp('Unauthorized'),
          '403': resp('Forbidden'),
          '404': resp('NotFound'),
          '409': resp('Conflict'),
          '500': resp('InternalError'),
        },
      },
    },
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
    '/audit': {
      get: {
        tags: ['audit'],
        operationId: 'listAudit',
        summary: 'Audit log (审计日志), newest first',
        description:
          'Roles: admin, manager. Every write appends an entry in the same transaction: who, when, what, and the entity before/after. ' +
          'Unknown query parameters are refused (400).',
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
              description: 'Entity types written today: user, vendor, template, contract, ledger_line, rating, penalty, period, installment.',
            },
          },
          {
            name: 'limit',
            in: 'query',
            required: false,
            description: 'Maximum number of entries.',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
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
        description: 'Request body over 1 MB (`too_large`).',
        content: json(ref('Error'), { error: { code: 'too_large', message: '请求体过大', details: [] } }),
      },
      InternalError: {
        description: 'Unexpected server error (`internal`); details are logged, not returned.',
        content: json(ref('Error'), { error: { code: 'internal', message: '服务器内部错误', details: [] } }),
      },
    },
    schemas: {
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
                enum: ['invalid_input', 'invalid_json', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'too_large', 'internal'],
                description: 'Machine-readable code: 400 invalid_input / invalid_json, 401 unauthorized, 403 forbidden, 404 not_found, 409 conflict, 413 too_large, 500 internal.',
              },
              message: { type: 'string', description: 'Human-readable message in Chinese (the first detail\'s message for validation errors).' },
              details: { type: 'array', items: ref('ErrorDetail'), description: 'Per-field problems; empty when not field-related.' },
            },
          },
        },
      },
      ErrorDetail: {
        type: 'object',
        required: ['path', 'message'],
        properties: {
          path: { type: 'string', description: 'Where the problem is, e.g. `totalAmount`, `installments[0].ratio`, `id`, `(body)`.' },
          message: { type: 'string', description: 'Message in Chinese.' },
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

      // ---- vendors ----
      Vendor: {
        type: 'object',
        description: 'A vendor (服务商), the contractor of O&M contracts.',
        required: ['id', 'name', 'creditCode', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          name: { type: 'string', example: '广西壹零贰肆信息技术有限公司' },
          creditCode: nullable({ type: 'string', pattern: '^[0-9A-Z]{18}$', description: 'Unified social credit code (统一社会信用代码).', example: '91450100MA5K000001' }),
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
        required: ['number', 'label', 'startDate', 'endDate', 'partial', 'status', 'templateVersion', 'signedAt'],
        properties: {
          number: { type: 'integer', minimum: 1, example: 1 },
          label: { type: 'string', example: '第1季度（2025-01-01 至 2025-03-31）' },
          startDate: date('First day.'),
          endDate: date('Last day (inclusive).', '2025-03-31'),
          partial: { type: 'boolean', description: 'Shorter than a full quarter (不足一季度).' },
          status: {
            type: 'string',
            enum: ['draft', 'published', 'signed', 'locked'],
            description: 'draft (草稿) → published (已发布给服务商) → signed (已签署) → locked (已锁定). Signed and locked periods refuse ledger and rating writes. The API sets only draft (on creation) and signed.',
          },
          templateVersion: { type: 'integer', description: 'The quality-table version this period is scored with.' },
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
          'version', 'createdAt', 'periods', 'installments', 'penaltyClauses',
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
          interviewsBeforeTermination: { type: 'integer', description: 'Interviews after which a further low quarter gives the right to terminate (可提前终止合同). Stored; not used by any route yet.' },
          objectionWindowDays: { type: 'integer', description: 'Working days the vendor has to object to a published scorecard (异议期). Stored; not used by any route yet.' },
          version: { type: 'integer', description: 'Optimistic-lock version of the contract row.' },
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
          installments: { type: 'array', minItems: 1, maxItems: 24, items: ref('InstallmentInput') },
          penaltyClauses: {
            type: 'array',
            maxItems: 100,
            items: ref('PenaltyClauseInput'),
            description: 'Clause catalogue, codes unique. Omitted: the default catalogue (seed 002 contract 6.4-6.6, 10.2, 11.2, 14.2).',
          },
        },
      },

      // ---- ledger, ratings, penalties ----
      LedgerLine: {
        type: 'object',
        description: 'A deduction line (扣分记录) of the ledger. Never deleted: withdrawn with a reason.',
        required: [
          'id', 'period', 'item', 'rule', 'units', 'points', 'reason', 'occurredAt', 'evidence', 'source', 'status', 'recordedBy',
          'createdAt', 'withdrawnAt',
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
          evidence: nullable({ type: 'string', description: 'Evidence / trace text.' }),
          source: { type: 'string', description: 'Origin of the line; `manual` for lines recorded through the API.', example: 'manual' },
          status: { type: 'string', enum: ['active', 'withdrawn'] },
          recordedBy: nullable({ type: 'integer', description: 'User id of the recorder.' }),
          createdAt: dateTime('When recorded.'),
          withdrawnReason: nullable({ type: 'string', description: 'Null while active; the key is absent from the 201 answer of the create.' }),
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
        required: ['id', 'rule', 'units', 'points', 'reason', 'occurredAt', 'evidence', 'source', 'recordedBy', 'createdAt'],
        properties: {
          id: { type: 'integer' },
          rule: { type: 'string' },
          units: { type: 'string', description: 'As in LedgerLine.units.', example: '2' },
          points: points('Points of the line.', '0.20'),
          reason: { type: 'string' },
          occurredAt: nullable(dateTime('When the event happened.')),
          evidence: nullable({ type: 'string' }),
          source: { type: 'string' },
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
        description: 'Score of one period as used by the payments.',
        required: ['number', 'status', 'score', 'totalDeduction', 'interviewRequired'],
        properties: {
          number: { type: 'integer' },
          status: { type: 'string', enum: ['draft', 'published', 'signed', 'locked'] },
          score: points('Period score.', '98.00'),
          totalDeduction: points('Capped total deduction of the period.', '2.00'),
          interviewRequired: { type: 'boolean' },
        },
      },
      PaymentInstallment: {
        type: 'object',
        description: 'One installment line of the payment schedule: 应付金额 = 比例 × 合同总金额 × 系数 − 相应扣款.',
        required: [
          'number', 'name', 'ratio', 'deductible', 'baseAmount', 'periods', 'accumulatedDeduction', 'factor', 'grossAmount', 'penalties',
          'pendingPenalties', 'carriedIn', 'carriedOut', 'payable', 'final', 'paymentStatus', 'invoiceDate', 'paidDate',
        ],
        properties: {
          number: { type: 'integer' },
          name: { type: 'string' },
          ratio: { type: 'string', description: 'Share of the contract total (比例), at least 2 places.', example: '0.40' },
          deductible: { type: 'boolean' },
          baseAmount: money('比例 × 合同总金额, rounded half-up to the fen (display; the payable uses the exact value).', '4833960.00'),
          periods: { type: 'array', items: { type: 'integer' }, example: [1, 2] },
          accumulatedDeduction: points('当期累计扣分: Σ capped total deductions of the feeding periods (0.00 when not deductible).', '3.50'),
          factor: {
            type: 'string',
            description: 'Factor (系数) = 1 − 当期累计扣分 × 点值, never below 0; exact decimal string with at least 2 places ("1.00" when not deductible).',
            example: '0.972',
          },
          grossAmount: money('比例 × 合同总金额 × 系数, rounded half-up to the fen once.', '4698609.12'),
          penalties: money('Approved penalties assigned to this installment (相应扣款).', '0.00'),
          pendingPenalties: money('Proposed, not yet approved penalties assigned to it (not deducted).', '0.00'),
          carriedIn: money('Penalties carried over from the previous installment.', '0.00'),
          carriedOut: money('Penalties this installment could not absorb, carried into the next one.', '0.00'),
          payable: money('Amount payable (应付金额) = max(0, grossAmount − penalties − carriedIn).', '4698609.12'),
          final: { type: 'boolean', description: 'True once every feeding period is signed or locked; until then the figures are provisional.' },
          paymentStatus: { type: 'string', enum: ['pending', 'invoiced', 'paid'] },
          invoiceDate: nullable(date('Invoice received.', '2025-07-10')),
          paidDate: nullable(date('Paid.', '2025-07-25')),
        },
      },
      PaymentTotals: {
        type: 'object',
        required: ['baseAmount', 'grossAmount', 'penalties', 'payable', 'uncollected'],
        properties: {
          baseAmount: money('Σ baseAmount.'),
          grossAmount: money('Σ grossAmount.', '11949549.12'),
          penalties: money('Σ approved penalties.', '0.00'),
          payable: money('Σ payable.', '11949549.12'),
          uncollected: money('Penalties no installment could absorb (carried out of the last one).', '0.00'),
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
            description: 'user.create, vendor.create, template.create, contract.create, ledger.add, ledger.withdraw, rating.add, rating.withdraw, penalty.add, penalty.approve, penalty.withdraw, period.sign, installment.payment_status.',
            example: 'ledger.add',
          },
          entity: { type: 'string', example: 'ledger_line' },
          entityId: nullable({ type: 'string', description: 'Id of the entity, as text (the version number for templates).' }),
          contractId: nullable({ type: 'integer' }),
          before: nullable({ type: 'object', description: 'The entity before the change, as serialised by the API; null for creations.' }),
          after: nullable({ type: 'object', description: 'The entity after the change, as serialised by the API.' }),
        },
      },
    },
  },
} as const;
