// The quality table (服务质量情况表) as versioned data, and its validation.
// A template version is immutable once created; a contract is bound to one version and a
// signed period keeps the version it was scored with.
import { parsePoints, isDecimal } from './decimal';

/** per_unit: points × units counted; rating: users rate 1-5 (5 = best), deduction (5 − mean) × step. */
export type RuleKind = 'per_unit' | 'rating';

export interface TemplateRule {
  /** `<item><letter>` in the seed's order: 5a, 5b, 5c. */
  code: string;
  kind: RuleKind;
  /** Points per unit for per_unit rules; the step between levels (级差) for rating rules. */
  points: string;
  /** Chinese unit label shown next to the count: 人, 次, 项, 步, 份, 人次, 级. */
  unit: string;
  /** What the rule deducts for, in Chinese (one clause of the 评分标准). */
  description: string;
  /** Whether units must be whole numbers (true for every rule of version 1). */
  wholeUnits: boolean;
}

export interface TemplateItem {
  number: number;
  /** 分类 */
  category: string;
  /** 指标名称 */
  name: string;
  /** 指标描述 */
  description: string;
  /** 分值, decimal string */
  maxPoints: string;
  /** 评分标准, the original text */
  criteria: string;
  rules: TemplateRule[];
  /** true where the text itself says 扣完为止; every item is capped at its max regardless. */
  explicitCap?: boolean;
}

export interface TemplateDefinition {
  version: number;
  name: string;
  /** Where the table comes from (document and lines). */
  source?: string;
  items: TemplateItem[];
}

export interface ValidationIssue {
  path: string;
  message: string;
}

export const RATING_LEVELS = 5;

/**
 * Validates a template definition. Returns every problem found (empty when valid):
 * max points summing to 100, rules with points > 0, rating items whose step × 5 = max,
 * unique item numbers and rule codes of the form `<item><letter>`.
 */
export function validateTemplate(def: TemplateDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (!Array.isArray(def.items) || def.items.length === 0) {
    return [{ path: 'items', message: '指标列表不能为空' }];
  }
  let total = 0;
  const numbers = new Set<number>();
  def.items.forEach((item, i) => {
    const at = `items[${i}]`;
    if (!Number.isInteger(item.number) || item.number < 1) {
      issues.push({ path: `${at}.number`, message: '序号必须是正整数' });
    } else if (numbers.has(item.number)) {
      issues.push({ path: `${at}.number`, message: `序号 ${item.number} 重复` });
    }
    numbers.add(item.number);
    if (!item.name || !String(item.name).trim()) issues.push({ path: `${at}.name`, message: '指标名称不能为空' });
    if (!item.category || !String(item.category).trim()) issues.push({ path: `${at}.category`, message: '分类不能为空' });
    let maxH = NaN;
    if (!isDecimal(item.maxPoints, 2) || (maxH = parsePoints(item.maxPoints)) <= 0) {
      issues.push({ path: `${at}.maxPoints`, message: '分值必须是大于 0 的数，最多两位小数' });
    } else {
      total += maxH;
    }
    if (!Array.isArray(item.rules) || item.rules.length === 0) {
      issues.push({ path: `${at}.rules`, message: '每个指标至少需要一条评分规则' });
      return;
    }
    const kinds = new Set(item.rules.map((r) => r.kind));
    if (kinds.has('rating') && item.rules.length !== 1) {
      issues.push({ path: `${at}.rules`, message: '评级类指标只能有一条评分规则' });
    }
    const codes = new Set<string>();
    item.rules.forEach((rule, j) => {
      const rat = `${at}.rules[${j}]`;
      const expected = `${item.number}${String.fromCharCode(97 + j)}`;
      if (rule.code !== expected) {
        issues.push({ path: `${rat}.code`, message: `规则编号应为 ${expected}（序号加字母，按顺序）` });
      }
      if (codes.has(rule.code)) issues.push({ path: `${rat}.code`, message: `规则编号 ${rule.code} 重复` });
      codes.add(rule.code);
      if (rule.kind !== 'per_unit' && rule.kind !== 'rating') {
        issues.push({ path: `${rat}.kind`, message: '规则类型必须是 per_unit（按次/按人）或 rating（1-5 级评价）' });
      }
      if (!isDecimal(rule.points, 2) || parsePoints(rule.points) <= 0) {
        issues.push({ path: `${rat}.points`, message: '扣分分值必须大于 0，最多两位小数' });
      } else if (rule.kind === 'rating' && Number.isFinite(maxH) && parsePoints(rule.points) * RATING_LEVELS !== maxH) {
        issues.push({
          path: `${rat}.points`,
          message: `评级类指标的级差 × 5 必须等于分值（${rule.points} × 5 ≠ ${item.maxPoints}）`,
        });
      }
      if (!rule.unit || !String(rule.unit).trim()) issues.push({ path: `${rat}.unit`, message: '计量单位不能为空' });
    });
  });
  if (total !== 10000) {
    issues.push({ path: 'items', message: `各指标分值合计必须为 100，当前为 ${(total / 100).toFixed(2)}` });
  }
  return issues;
}

/** Finds the rule a ledger line names; `code` may be omitted for single-rule items. */
export function findRule(def: TemplateDefinition, itemNumber: number, code?: string | null) {
  const item = def.items.find((it) => it.number === itemNumber);
  if (!item) return { item: undefined, rule: undefined };
  if (code === undefined || code === null || code === '') {
    return { item, rule: item.rules.length === 1 ? item.rules[0] : undefined };
  }
  return { item, rule: item.rules.find((r) => r.code === code) };
}

export function isRatingItem(item: TemplateItem): boolean {
  return item.rules.length === 1 && item.rules[0].kind === 'rating';
}
