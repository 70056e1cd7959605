// joi validation with Chinese messages, turned into the API's 400 error shape.
import Joi from 'joi';
import { badRequest, ErrorDetail } from './errors';

const zh: Record<string, string> = {
  'any.required': '{{#label}} 为必填项',
  'any.only': '{{#label}} 必须是以下之一：{{#valids}}',
  'any.unknown': '{{#label}} 不允许出现',
  'any.invalid': '{{#label}} 的值无效',
  'object.unknown': '不认识的字段 {{#label}}',
  'object.base': '{{#label}} 必须是对象',
  'object.xor': '{{#peersWithLabels}} 只能填写一个',
  'object.missing': '{{#peersWithLabels}} 至少填写一个',
  'object.oxor': '{{#peersWithLabels}} 只能填写一个',
  'array.base': '{{#label}} 必须是数组',
  'array.min': '{{#label}} 至少需要 {{#limit}} 项',
  'array.max': '{{#label}} 最多 {{#limit}} 项',
  'array.unique': '{{#label}} 有重复的值',
  'array.includesRequiredUnknowns': '{{#label}} 缺少必需的项',
  'string.base': '{{#label}} 必须是文本',
  'string.empty': '{{#label}} 不能为空',
  'string.min': '{{#label}} 至少 {{#limit}} 个字符',
  'string.max': '{{#label}} 最多 {{#limit}} 个字符',
  'string.pattern.base': '{{#label}} 格式不正确',
  'string.pattern.name': '{{#label}} 格式不正确：{{#name}}',
  'number.base': '{{#label}} 必须是数字',
  'number.integer': '{{#label}} 必须是整数',
  'number.min': '{{#label}} 不能小于 {{#limit}}',
  'number.max': '{{#label}} 不能大于 {{#limit}}',
  'number.greater': '{{#label}} 必须大于 {{#limit}}',
  'number.unsafe': '{{#label}} 超出范围',
  'boolean.base': '{{#label}} 必须是 true 或 false',
  'date.base': '{{#label}} 必须是有效的时间',
  'date.format': '{{#label}} 必须是 ISO 8601 时间',
};

/** ['installments', 0, 'ratio'] → 'installments[0].ratio', the style the services use too. */
function joinPath(parts: (string | number)[]): string {
  return parts.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

// Passing `messages` to validate() makes joi compile every message template on every call
// (half the time of a small request); each schema gets its preferences applied once instead.
const prepared = new WeakMap<Joi.Schema, Joi.Schema>();

/**
 * Text no database keeps as given: NUL (SQLite ends the statement at it: a 500; PostgreSQL
 * refuses it, or Sequelize stores a backslash and a zero instead) and half of a UTF-16
 * surrogate pair (not Unicode: PostgreSQL would store U+FFFD instead).
 */
export const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where a value holds unstorable text (strings and object keys), walked without recursion. */
function unstorableText(value: unknown): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  type Node = { v: unknown; parent: Node | null; key: string | number | null };
  const pathOf = (n: Node): string => {
    const parts: (string | number)[] = [];
    for (let x: Node | null = n; x && x.key !== null; x = x.parent) parts.unshift(x.key);
    return joinPath(parts) || '(body)';
  };
  const stack: Node[] = [{ v: value, parent: null, key: null }];
  for (let seen = 0; stack.length && out.length < 20 && seen < 1_000_000; seen++) {
    const n = stack.pop() as Node;
    if (typeof n.v === 'string') {
      if (UNSTORABLE_TEXT.test(n.v)) out.push({ path: pathOf(n), message: `${pathOf(n)} 含有无法保存的字符（NUL 或残缺的 Unicode 代理字符）` });
    } else if (n.v !== null && typeof n.v === 'object') {
      const isArray = Array.isArray(n.v);
      for (const [k, v] of Object.entries(n.v as object)) {
        const child: Node = { v, parent: n, key: isArray ? Number(k) : k };
        if (!isArray && UNSTORABLE_TEXT.test(k)) out.push({ path: pathOf(child), message: '字段名含有无法保存的字符（NUL 或残缺的 Unicode 代理字符）' });
        stack.push(child);
      }
    }
  }
  return out;
}

export function validate<T>(schema: Joi.Schema<T>, value: unknown): T {
  const unstorable = unstorableText(value);
  if (unstorable.length) throw badRequest(unstorable[0].message, unstorable);
  let s = prepared.get(schema) as Joi.Schema<T> | undefined;
  if (!s) {
    s = schema.prefs({ abortEarly: false, messages: zh, errors: { wrap: { label: false } }, convert: true });
    prepared.set(schema, s);
  }
  const { error, value: out } = s.validate(value ?? {});
  if (error) {
    const details = error.details.map((d) => ({ path: joinPath(d.path) || '(body)', message: d.message }));
    throw badRequest(details[0]?.message ?? '输入无效', details);
  }
  return out as T;
}

/** A decimal number given as a string or a JSON number, with at most `places` decimals. */
export const decimalText = (places: number) =>
  Joi.alternatives()
    .try(Joi.string().trim(), Joi.number())
    .custom((v, helpers) => {
      const s = String(v);
      const re = new RegExp(`^\\d+(\\.\\d{1,${places}})?$`);
      if (!re.test(s)) return helpers.message({ custom: `{{#label}} 必须是非负数，最多 ${places} 位小数` });
      return s;
    });

export const dateText = () =>
  Joi.string()
    .pattern(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
    .custom((v, helpers) => {
      const d = new Date(`${v}T00:00:00Z`);
      if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
        return helpers.message({ custom: '{{#label}} 不是有效日期' });
      }
      return v;
    });


/** An instant in JSON: ISO 8601 with an explicit offset (Z or ±hh:mm), never the server's zone. */
export const instantText = () =>
  Joi.string()
    .trim()
    .pattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i, 'ISO 8601 带时区')
    .messages({ 'string.pattern.name': '{{#label}} 必须是带时区的 ISO 8601 时间，例如 2025-10-09T10:00:00+08:00' })
    .custom((v: string, helpers) => {
      const d = new Date(v);
      if (Number.isNaN(d.getTime())) return helpers.message({ custom: '{{#label}} 不是有效时间' });
      return d;
    });

export const idParam = Joi.number().integer().min(1).max(2147483647);

export { Joi };
