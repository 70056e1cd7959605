// The quarter's scorecard as a pure function of (template, contract settings, ledger lines,
// ratings). No database, no clock: the same input always gives the same numbers.
import { mul, parsePoints, rational, roundHalfUp, sub, formatRational, Rational } from './decimal';
import { isRatingItem, RATING_LEVELS, TemplateDefinition, TemplateRule } from './template';

/** A ledger line as the scorecard sees it. Points and units are in hundredths. */
export interface ScoredLine {
  id: number;
  itemNumber: number;
  ruleCode: string;
  units: number;
  points: number;
  status: 'active' | 'withdrawn';
  [extra: string]: unknown;
}

export interface ScoredRating {
  id: number;
  itemNumber: number;
  level: number;
  status: 'active' | 'withdrawn';
  [extra: string]: unknown;
}

export interface ItemScore<L, R> {
  number: number;
  category: string;
  name: string;
  kind: 'per_unit' | 'rating';
  /** hundredths */
  maxPoints: number;
  /** uncapped sum of the item's lines (hundredths) */
  rawDeduction: number;
  /** capped at maxPoints (hundredths) */
  deduction: number;
  score: number;
  /** false only for a rating item with no rating this period (未评价) */
  rated: boolean;
  ratingCount: number;
  /** exact arithmetic mean of the levels, as a decimal string, or null */
  ratingMean: string | null;
  lines: L[];
  ratings: R[];
}

export interface CategoryScore {
  category: string;
  maxPoints: number;
  rawDeduction: number;
  deduction: number;
  score: number;
}

export interface Scorecard<L, R> {
  items: ItemScore<L, R>[];
  categories: CategoryScore[];
  maxPoints: number;
  rawTotalDeduction: number;
  totalDeduction: number;
  score: number;
  interviewRequired: boolean;
}

export interface ScorecardSettings {
  /** hundredths; a score strictly below it requires an interview (约谈). */
  interviewThreshold: number;
}

/** Points of a per-unit line: units × points per unit, in hundredths (rounded half-up). */
export function linePoints(rule: TemplateRule, unitsHundredths: number): number {
  const pts = parsePoints(rule.points);
  return Number(roundHalfUp(rational(BigInt(unitsHundredths) * BigInt(pts), 100n)));
}

/**
 * Deduction of a rating item: (5 − mean level) × step, rounded half-up to 0.01 point once.
 * Returns hundredths. Levels are 1-5, 5 = best.
 */
export function ratingDeduction(stepHundredths: number, levels: number[]): { deduction: number; mean: Rational } {
  if (levels.length === 0) throw new RangeError('ratingDeduction needs at least one rating');
  for (const l of levels) {
    if (!Number.isInteger(l) || l < 1 || l > RATING_LEVELS) throw new RangeError(`rating level must be 1-${RATING_LEVELS}, got ${l}`);
  }
  const sum = levels.reduce((s, l) => s + BigInt(l), 0n);
  const mean = rational(sum, BigInt(levels.length));
  const ded = mul(sub(rational(BigInt(RATING_LEVELS)), mean), rational(BigInt(stepHundredths)));
  return { deduction: Number(roundHalfUp(ded)), mean };
}

export function computeScorecard<L extends ScoredLine, R extends ScoredRating>(
  template: TemplateDefinition,
  lines: readonly L[],
  ratings: readonly R[],
  settings: ScorecardSettings,
): Scorecard<L, R> {
  const known = new Set(template.items.map((it) => it.number));
  const linesByItem = new Map<number, L[]>();
  for (const line of lines) {
    if (line.status !== 'active') continue;
    // A line for an item the table does not have would silently vanish from the total.
    if (!known.has(line.itemNumber)) throw new RangeError(`ledger line ${line.id} names item ${line.itemNumber}, not in table version ${template.version}`);
    let list = linesByItem.get(line.itemNumber);
    if (!list) linesByItem.set(line.itemNumber, (list = []));
    list.push(line);
  }
  const ratingsByItem = new Map<number, R[]>();
  for (const r of ratings) {
    if (r.status !== 'active') continue;
    if (!known.has(r.itemNumber)) throw new RangeError(`rating ${r.id} names item ${r.itemNumber}, not in table version ${template.version}`);
    let list = ratingsByItem.get(r.itemNumber);
    if (!list) ratingsByItem.set(r.itemNumber, (list = []));
    list.push(r);
  }

  const items: ItemScore<L, R>[] = [];
  const categories: CategoryScore[] = [];
  const catIndex = new Map<string, CategoryScore>();
  let maxTotal = 0;
  let rawTotal = 0;
  let capTotal = 0;

  for (const item of [...template.items].sort((a, b) => a.number - b.number)) {
    const maxPoints = parsePoints(item.maxPoints);
    const itemLines = linesByItem.get(item.number) ?? [];
    const itemRatings = ratingsByItem.get(item.number) ?? [];
    const rating = isRatingItem(item);
    let raw = 0;
    let rated = true;
    let ratingMean: string | null = null;
    if (rating) {
      if (itemRatings.length > 0) {
        const r = ratingDeduction(
          parsePoints(item.rules[0].points),
          itemRatings.map((x) => x.level),
        );
        raw = r.deduction;
        ratingMean = formatMean(r.mean);
      } else {
        rated = false;
      }
    }
    // Per-unit lines; a rating item may also carry manual lines (adjustments), counted too.
    for (const line of itemLines) raw += line.points;
    // Capped at the item's max, and never below 0 (an item score stays within 0..max).
    const deduction = Math.max(0, Math.min(raw, maxPoints));
    const score = maxPoints - deduction;
    items.push({
      number: item.number,
      category: item.category,
      name: item.name,
      kind: rating ? 'rating' : 'per_unit',
      maxPoints,
      rawDeduction: raw,
      deduction,
      score,
      rated,
      ratingCount: itemRatings.length,
      ratingMean,
      lines: itemLines,
      ratings: itemRatings,
    });
    let cat = catIndex.get(item.category);
    if (!cat) {
      cat = { category: item.category, maxPoints: 0, rawDeduction: 0, deduction: 0, score: 0 };
      catIndex.set(item.category, cat);
      categories.push(cat);
    }
    cat.maxPoints += maxPoints;
    cat.rawDeduction += raw;
    cat.deduction += deduction;
    cat.score += score;
    maxTotal += maxPoints;
    rawTotal += raw;
    capTotal += deduction;
  }
  const score = maxTotal - capTotal;
  return {
    items,
    categories,
    maxPoints: maxTotal,
    rawTotalDeduction: rawTotal,
    totalDeduction: capTotal,
    score,
    interviewRequired: score < settings.interviewThreshold,
  };
}

/** The mean level shown to 2 decimals (informational; the deduction uses the exact mean). */
function formatMean(mean: Rational): string {
  return formatRational(mean, 2);
}
