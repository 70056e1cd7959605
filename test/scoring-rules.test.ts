// Unit tests of the pure scoring core against the rules (RULES.md) and the seed's 33-item
// table (seed-002-extract.md §1.3-1.8). Expected numbers are derived here, independently of
// scoring/template-v1.ts: SEED below is our own transcription of the seed table.
//
// Units: points are integers in hundredths (350 = 3.50 points), money is bigint fen.
import { expect } from 'chai';
import { parseDecimal, parsePoints, rational } from '../scoring/decimal';
import { TemplateDefinition, validateTemplate, findRule } from '../scoring/template';
import { TEMPLATE_V1 } from '../scoring/template-v1';
import {
  computeScorecard,
  linePoints,
  ratingDeduction,
  ScoredLine,
  ScoredRating,
  Scorecard,
} from '../scoring/scorecard';
import { computePayments, InstallmentTerms, PenaltyCharge, ratiosSumToOne } from '../scoring/payments';
import { computePenalty, DEFAULT_PENALTY_CLAUSES, PenaltyClause } from '../scoring/penalties';
import { generatePeriods } from '../scoring/periods';

// ---- our own transcription of the seed (seed-002-extract.md §1.3 / §1.5) ----------------

type SeedItem =
  | { n: number; cat: string; max: number; rules: [code: string, pts: number][] }
  | { n: number; cat: string; max: number; step: number };

const C1 = '资源配备';
const C2 = '工作质效';
const C3 = '信息安全';
const C4 = '质量把控';
const C5 = '沟通交流';
const C6 = '服务质量';
const C7 = '需求实现情况';
const C8 = '系统使用体验';
const C9 = '罚则条款';

/** Max points and per-unit points in hundredths, as printed in the seed. */
const SEED: SeedItem[] = [
  { n: 1, cat: C1, max: 300, rules: [['1a', 30]] },
  { n: 2, cat: C1, max: 300, rules: [['2a', 30]] },
  { n: 3, cat: C1, max: 300, rules: [['3a', 30]] },
  { n: 4, cat: C2, max: 400, rules: [['4a', 10]] },
  { n: 5, cat: C2, max: 500, rules: [['5a', 50], ['5b', 10], ['5c', 10]] },
  { n: 6, cat: C2, max: 300, rules: [['6a', 10], ['6b', 10]] },
  { n: 7, cat: C2, max: 500, rules: [['7a', 50]] },
  { n: 8, cat: C2, max: 500, rules: [['8a', 40], ['8b', 10]] },
  { n: 9, cat: C2, max: 400, rules: [['9a', 10]] },
  { n: 10, cat: C2, max: 400, rules: [['10a', 10]] },
  { n: 11, cat: C3, max: 300, rules: [['11a', 50]] },
  { n: 12, cat: C3, max: 300, rules: [['12a', 30]] },
  { n: 13, cat: C3, max: 300, rules: [['13a', 30]] },
  { n: 14, cat: C3, max: 300, rules: [['14a', 30]] },
  { n: 15, cat: C3, max: 300, rules: [['15a', 30]] },
  { n: 16, cat: C3, max: 300, rules: [['16a', 20], ['16b', 20]] },
  { n: 17, cat: C3, max: 200, rules: [['17a', 100]] },
  { n: 18, cat: C3, max: 300, rules: [['18a', 50]] },
  { n: 19, cat: C4, max: 200, rules: [['19a', 10]] },
  { n: 20, cat: C4, max: 200, rules: [['20a', 20]] },
  { n: 21, cat: C5, max: 200, rules: [['21a', 20]] },
  { n: 22, cat: C5, max: 200, rules: [['22a', 20], ['22b', 20]] },
  { n: 23, cat: C5, max: 200, rules: [['23a', 20]] },
  { n: 24, cat: C6, max: 200, rules: [['24a', 20]] },
  { n: 25, cat: C6, max: 200, rules: [['25a', 10], ['25b', 10]] },
  { n: 26, cat: C7, max: 400, rules: [['26a', 50]] },
  { n: 27, cat: C7, max: 200, rules: [['27a', 20]] },
  { n: 28, cat: C8, max: 200, step: 40 },
  { n: 29, cat: C8, max: 100, step: 20 },
  { n: 30, cat: C9, max: 100, step: 20 },
  { n: 31, cat: C9, max: 100, step: 20 },
  { n: 32, cat: C9, max: 200, rules: [['32a', 20]] },
  { n: 33, cat: C9, max: 1100, rules: [['33a', 100]] },
];

interface SeedRule {
  item: number;
  code: string;
  pts: number;
  max: number;
}
const SEED_RULES: SeedRule[] = SEED.flatMap((it) =>
  'rules' in it ? it.rules.map(([code, pts]) => ({ item: it.n, code, pts, max: it.max })) : [],
);
const SEED_RATINGS = SEED.filter((it): it is Extract<SeedItem, { step: number }> => 'step' in it);
const seedMax = (n: number) => SEED.find((it) => it.n === n)!.max;

// ---- builders -----------------------------------------------------------------------------

let nextId = 1;
/** One active ledger line of `units` whole units of a rule, points taken from OUR table. */
function line(code: string, units = 1, status: 'active' | 'withdrawn' = 'active'): ScoredLine {
  const r = SEED_RULES.find((x) => x.code === code);
  if (!r) throw new Error(`no seed rule ${code}`);
  return { id: nextId++, itemNumber: r.item, ruleCode: code, units: units * 100, points: units * r.pts, status };
}
function rating(itemNumber: number, level: number, status: 'active' | 'withdrawn' = 'active'): ScoredRating {
  return { id: nextId++, itemNumber, level, status };
}
function ratings(itemNumber: number, levels: number[]): ScoredRating[] {
  return levels.map((l) => rating(itemNumber, l));
}

const SETTINGS = { interviewThreshold: 9500 };
function score(lines: ScoredLine[] = [], rs: ScoredRating[] = [], settings = SETTINGS) {
  return computeScorecard(TEMPLATE_V1, lines, rs, settings);
}
function item(sc: Scorecard<ScoredLine, ScoredRating>, n: number) {
  const it = sc.items.find((x) => x.number === n);
  if (!it) throw new Error(`scorecard has no item ${n}`);
  return it;
}
function clone(def: TemplateDefinition): TemplateDefinition {
  return JSON.parse(JSON.stringify(def)) as TemplateDefinition;
}
/** Only the numbers of a scorecard (no line/rating objects), for determinism checks. */
function numbers(sc: Scorecard<ScoredLine, ScoredRating>) {
  return {
    items: sc.items.map((it) => ({
      number: it.number,
      maxPoints: it.maxPoints,
      rawDeduction: it.rawDeduction,
      deduction: it.deduction,
      score: it.score,
      rated: it.rated,
      ratingCount: it.ratingCount,
      ratingMean: it.ratingMean,
      lineIds: it.lines.map((l) => l.id).sort((a, b) => a - b),
      ratingIds: it.ratings.map((r) => r.id).sort((a, b) => a - b),
    })),
    categories: sc.categories,
    maxPoints: sc.maxPoints,
    rawTotalDeduction: sc.rawTotalDeduction,
    totalDeduction: sc.totalDeduction,
    score: sc.score,
    interviewRequired: sc.interviewRequired,
  };
}

// ===========================================================================================

describe('scoring rules (pure core)', () => {
  describe('1. template v1 matches the seed table', () => {
    it('has 33 items numbered 1..33 in order', () => {
      expect(TEMPLATE_V1.items).to.have.length(33);
      expect(TEMPLATE_V1.items.map((i) => i.number)).to.deep.equal(SEED.map((s) => s.n));
    });

    it('max points of every item are as printed and sum to exactly 100', () => {
      for (const s of SEED) {
        const it = TEMPLATE_V1.items.find((i) => i.number === s.n)!;
        expect(parsePoints(it.maxPoints), `item ${s.n} max`).to.equal(s.max);
      }
      expect(SEED.reduce((sum, s) => sum + s.max, 0)).to.equal(10000);
      expect(TEMPLATE_V1.items.reduce((sum, i) => sum + parsePoints(i.maxPoints), 0)).to.equal(10000);
    });

    it('has the 9 categories as printed (13-18 信息安全, 28-29 系统使用体验, 30-33 罚则条款)', () => {
      for (const s of SEED) {
        expect(TEMPLATE_V1.items.find((i) => i.number === s.n)!.category, `item ${s.n}`).to.equal(s.cat);
      }
      const cats = [...new Set(TEMPLATE_V1.items.map((i) => i.category))];
      expect(cats).to.deep.equal([C1, C2, C3, C4, C5, C6, C7, C8, C9]);
      for (const n of [13, 14, 15, 16, 17, 18]) expect(TEMPLATE_V1.items[n - 1].category).to.equal('信息安全');
      for (const n of [28, 29]) expect(TEMPLATE_V1.items[n - 1].category).to.equal('系统使用体验');
      for (const n of [30, 31, 32, 33]) expect(TEMPLATE_V1.items[n - 1].category).to.equal('罚则条款');
    });

    it('category max points are 9/30/23/4/6/4/6/3/15', () => {
      const sc = score();
      expect(sc.categories.map((c) => [c.category, c.maxPoints])).to.deep.equal([
        [C1, 900],
        [C2, 3000],
        [C3, 2300],
        [C4, 400],
        [C5, 600],
        [C6, 400],
        [C7, 600],
        [C8, 300],
        [C9, 1500],
      ]);
    });

    it('rule codes are exactly the seed codes, in the seed order', () => {
      const expected = SEED.map((s) => ('rules' in s ? s.rules.map((r) => r[0]) : [`${s.n}a`]));
      expect(TEMPLATE_V1.items.map((i) => i.rules.map((r) => r.code))).to.deep.equal(expected);
      const multi = TEMPLATE_V1.items.filter((i) => i.rules.length > 1).map((i) => i.rules.map((r) => r.code).join(' '));
      expect(multi).to.deep.equal(['5a 5b 5c', '6a 6b', '8a 8b', '16a 16b', '22a 22b', '25a 25b']);
    });

    it('40 rules in all; per-unit points of each rule are the seed values', () => {
      expect(TEMPLATE_V1.items.reduce((n, i) => n + i.rules.length, 0)).to.equal(40);
      expect(SEED_RULES.length + SEED_RATINGS.length).to.equal(40);
      for (const r of SEED_RULES) {
        const { rule } = findRule(TEMPLATE_V1, r.item, r.code);
        expect(rule, r.code).to.not.equal(undefined);
        expect(rule!.kind, r.code).to.equal('per_unit');
        expect(parsePoints(rule!.points), r.code).to.equal(r.pts);
      }
    });

    it('items 28-31 are rating items with step 0.4/0.2/0.2/0.2 (step × 5 = max)', () => {
      const steps = [28, 29, 30, 31].map((n) => {
        const it = TEMPLATE_V1.items[n - 1];
        expect(it.rules).to.have.length(1);
        expect(it.rules[0].kind).to.equal('rating');
        return parsePoints(it.rules[0].points);
      });
      expect(steps).to.deep.equal([40, 20, 20, 20]);
      for (const s of SEED_RATINGS) expect(s.step * 5).to.equal(s.max);
      const ratingItems = TEMPLATE_V1.items.filter((i) => i.rules.some((r) => r.kind === 'rating')).map((i) => i.number);
      expect(ratingItems).to.deep.equal([28, 29, 30, 31]);
    });

    it('only items 8 and 23 carry the explicit 扣完为止 cap flag', () => {
      expect(TEMPLATE_V1.items.filter((i) => i.explicitCap).map((i) => i.number)).to.deep.equal([8, 23]);
    });

    it('validateTemplate(TEMPLATE_V1) reports nothing', () => {
      expect(validateTemplate(TEMPLATE_V1)).to.deep.equal([]);
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('2. every per-unit rule (36 rules)', () => {
    it('our table covers 36 per-unit rules', () => {
      expect(SEED_RULES).to.have.length(36);
    });

    for (const r of SEED_RULES) {
      describe(`rule ${r.code} (${r.pts / 100} per unit, item max ${r.max / 100})`, () => {
        const tplRule = () => findRule(TEMPLATE_V1, r.item, r.code).rule!;

        it('linePoints: 1 unit gives the seed points, 3 units give 3×', () => {
          expect(linePoints(tplRule(), 100)).to.equal(r.pts);
          expect(linePoints(tplRule(), 300)).to.equal(3 * r.pts);
        });

        it('one line of 1 unit deducts the seed points from the item', () => {
          const sc = score([line(r.code, 1)]);
          const it = item(sc, r.item);
          expect(it.rawDeduction).to.equal(r.pts);
          expect(it.deduction).to.equal(r.pts);
          expect(it.score).to.equal(r.max - r.pts);
          expect(sc.score).to.equal(10000 - r.pts);
        });

        it('one line of 3 units deducts 3× (capped at the max)', () => {
          const sc = score([line(r.code, 3)]);
          const it = item(sc, r.item);
          expect(it.rawDeduction).to.equal(3 * r.pts);
          expect(it.deduction).to.equal(Math.min(3 * r.pts, r.max));
          expect(it.score).to.equal(r.max - Math.min(3 * r.pts, r.max));
        });

        it('lines exceeding the item max are capped: deduction = max, score 0, raw kept', () => {
          const units = Math.floor(r.max / r.pts) + 1; // strictly more than the max
          const lines = [line(r.code, units - 1), line(r.code, 1)];
          const raw = units * r.pts;
          expect(raw).to.be.greaterThan(r.max);
          const sc = score(lines);
          const it = item(sc, r.item);
          expect(it.rawDeduction).to.equal(raw);
          expect(it.deduction).to.equal(r.max);
          expect(it.score).to.equal(0);
          expect(sc.rawTotalDeduction).to.equal(raw);
          expect(sc.totalDeduction).to.equal(r.max);
          expect(sc.score).to.equal(10000 - r.max);
        });

        it('exactly the max (when reachable in whole units) leaves score 0', () => {
          if (r.max % r.pts !== 0) return; // e.g. 8a: 0.4 does not divide 5
          const sc = score([line(r.code, r.max / r.pts)]);
          expect(item(sc, r.item).deduction).to.equal(r.max);
          expect(item(sc, r.item).score).to.equal(0);
        });
      });
    }

    it('rules without 每 (5c, 8a) still count per occurrence', () => {
      expect(linePoints(findRule(TEMPLATE_V1, 5, '5c').rule!, 400)).to.equal(40);
      expect(linePoints(findRule(TEMPLATE_V1, 8, '8a').rule!, 400)).to.equal(160);
    });

    it('several rules of one item add up and are capped together (5a×8 + 5b×20 = 6.0 → 5.0)', () => {
      const sc = score([line('5a', 8), line('5b', 20)]);
      const it = item(sc, 5);
      expect(it.rawDeduction).to.equal(600);
      expect(it.deduction).to.equal(500);
      expect(it.score).to.equal(0);
    });

    it('several rules of one item below the cap simply add (5a + 5b + 5c = 0.7)', () => {
      const it = item(score([line('5a'), line('5b'), line('5c')]), 5);
      expect(it.rawDeduction).to.equal(70);
      expect(it.deduction).to.equal(70);
      expect(it.score).to.equal(430);
    });

    it('item 8: 8a×12 + 8b×3 = 5.1 → capped 5.0 (扣完为止)', () => {
      const it = item(score([line('8a', 12), line('8b', 3)]), 8);
      expect(it.rawDeduction).to.equal(510);
      expect(it.deduction).to.equal(500);
      expect(it.score).to.equal(0);
    });

    it('multi-rule items capped together for every multi-rule item', () => {
      for (const s of SEED) {
        if (!('rules' in s) || s.rules.length < 2) continue;
        // each rule alone stays below the max, the sum exceeds it
        const lines = s.rules.map(([code, pts]) => line(code, Math.max(1, Math.floor((s.max - 1) / pts))));
        const raw = lines.reduce((sum, l) => sum + l.points, 0);
        expect(raw, `item ${s.n}`).to.be.greaterThan(s.max);
        const it = item(score(lines), s.n);
        expect(it.rawDeduction, `item ${s.n}`).to.equal(raw);
        expect(it.deduction, `item ${s.n}`).to.equal(s.max);
        expect(it.score, `item ${s.n}`).to.equal(0);
      }
    });

    it('a cap on one item does not spill into other items', () => {
      const sc = score([line('17a', 5), line('4a', 1)]);
      expect(item(sc, 17).deduction).to.equal(200);
      expect(item(sc, 4).deduction).to.equal(10);
      expect(sc.totalDeduction).to.equal(210);
      expect(sc.rawTotalDeduction).to.equal(510);
      expect(sc.score).to.equal(9790);
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('3. ratings (items 28-31)', () => {
    for (const s of SEED_RATINGS) {
      it(`item ${s.n}: one rating at each level 1..5 deducts (5 − level) × ${s.step / 100}`, () => {
        for (let level = 1; level <= 5; level++) {
          const it = item(score([], [rating(s.n, level)]), s.n);
          expect(it.rated, `level ${level}`).to.equal(true);
          expect(it.ratingCount).to.equal(1);
          expect(it.deduction, `level ${level}`).to.equal((5 - level) * s.step);
          expect(it.score, `level ${level}`).to.equal(level * s.step);
        }
      });

      it(`item ${s.n}: no rating → 未评价 (rated false), deduction 0, score = max`, () => {
        const it = item(score(), s.n);
        expect(it.rated).to.equal(false);
        expect(it.ratingCount).to.equal(0);
        expect(it.ratingMean).to.equal(null);
        expect(it.deduction).to.equal(0);
        expect(it.rawDeduction).to.equal(0);
        expect(it.score).to.equal(s.max);
      });
    }

    it('level 5 → 0; level 1 → 1.6 for item 28 and 0.8 for item 29', () => {
      expect(item(score([], [rating(28, 5)]), 28).deduction).to.equal(0);
      expect(item(score([], [rating(28, 1)]), 28).deduction).to.equal(160);
      expect(item(score([], [rating(29, 1)]), 29).deduction).to.equal(80);
      expect(item(score([], [rating(29, 5)]), 29).deduction).to.equal(0);
    });

    it('worst ratings on all of 28-31 cost 4.0 points, never the full 5', () => {
      const sc = score([], [rating(28, 1), rating(29, 1), rating(30, 1), rating(31, 1)]);
      expect(sc.totalDeduction).to.equal(400);
      expect(sc.score).to.equal(9600);
    });

    it('item 29 levels [5,4,4]: mean 4.333… → 0.1333… → 0.13', () => {
      const it = item(score([], ratings(29, [5, 4, 4])), 29);
      expect(it.deduction).to.equal(13);
      expect(it.score).to.equal(87);
      expect(it.ratingCount).to.equal(3);
      expect(it.ratingMean).to.equal('4.33');
    });

    it('item 28 levels [4,5]: mean 4.5 → 0.2', () => {
      const it = item(score([], ratings(28, [4, 5])), 28);
      expect(it.deduction).to.equal(20);
      expect(it.ratingMean).to.equal('4.50');
    });

    it('exact half hundredth rounds up: item 29 seven 5s + one 4 → 0.025 → 0.03', () => {
      // mean 39/8 = 4.875; (5 − 4.875) × 0.2 = 0.025 exactly
      expect(item(score([], ratings(29, [5, 5, 5, 5, 5, 5, 5, 4])), 29).deduction).to.equal(3);
      expect(ratingDeduction(20, [5, 5, 5, 5, 5, 5, 5, 4]).deduction).to.equal(3);
    });

    it('exact half hundredth rounds up: item 28 fifteen 5s + one 4 → 0.025 → 0.03', () => {
      const levels = [...Array(15).fill(5), 4];
      expect(item(score([], ratings(28, levels)), 28).deduction).to.equal(3);
    });

    it('item 29 seven 1s + one 2 → 0.775 → 0.78 (half-up, exact mean)', () => {
      expect(item(score([], ratings(29, [1, 1, 1, 1, 1, 1, 1, 2])), 29).deduction).to.equal(78);
    });

    it('rounds once, from the exact mean (item 28 [1,1,1,1,1,1,3] → 1.4857… → 1.49, not 1.48)', () => {
      // rounding the mean to 1.29 first would give (5 − 1.29) × 0.4 = 1.484 → 1.48
      const it = item(score([], ratings(28, [1, 1, 1, 1, 1, 1, 3])), 28);
      expect(it.deduction).to.equal(149);
      expect(it.score).to.equal(51);
    });

    it('ratingDeduction returns the exact mean', () => {
      const { mean, deduction } = ratingDeduction(20, [5, 4, 4]);
      expect(mean).to.deep.equal(rational(13n, 3n));
      expect(deduction).to.equal(13);
    });

    it('withdrawn ratings are ignored', () => {
      const it = item(score([], [rating(29, 1, 'withdrawn'), rating(29, 5)]), 29);
      expect(it.deduction).to.equal(0);
      expect(it.ratingCount).to.equal(1);
      expect(it.rated).to.equal(true);
      expect(it.ratings.map((r) => r.level)).to.deep.equal([5]);
    });

    it('an item with only withdrawn ratings is 未评价', () => {
      const it = item(score([], [rating(30, 1, 'withdrawn'), rating(30, 2, 'withdrawn')]), 30);
      expect(it.rated).to.equal(false);
      expect(it.deduction).to.equal(0);
      expect(it.score).to.equal(100);
    });

    it('ratings of one item do not affect another rating item', () => {
      const sc = score([], [rating(30, 1)]);
      expect(item(sc, 30).deduction).to.equal(80);
      expect(item(sc, 31).rated).to.equal(false);
      expect(item(sc, 31).deduction).to.equal(0);
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('4. scorecard totals, withdrawn lines, interview threshold', () => {
    it('an empty quarter scores 100 with no interview', () => {
      const sc = score();
      expect(sc.score).to.equal(10000);
      expect(sc.maxPoints).to.equal(10000);
      expect(sc.totalDeduction).to.equal(0);
      expect(sc.interviewRequired).to.equal(false);
      for (const it of sc.items) expect(it.score).to.equal(seedMax(it.number));
    });

    it('withdrawn lines are ignored', () => {
      const withdrawn = line('33a', 3, 'withdrawn');
      const active = line('4a', 2);
      const sc = score([withdrawn, active]);
      expect(item(sc, 33).deduction).to.equal(0);
      expect(item(sc, 33).lines).to.deep.equal([]);
      expect(item(sc, 4).deduction).to.equal(20);
      expect(item(sc, 4).lines.map((l) => l.id)).to.deep.equal([active.id]);
      expect(sc.score).to.equal(9980);
    });

    it('withdrawn lines do not count towards a cap', () => {
      const it = item(score([line('17a', 1), line('17a', 5, 'withdrawn')]), 17);
      expect(it.rawDeduction).to.equal(100);
      expect(it.deduction).to.equal(100);
    });

    // A mixed quarter: some items capped, some not, ratings, withdrawn lines.
    const mixed = () => {
      const lines = [
        line('1a', 2), // 0.6
        line('4a', 45), // 4.5 → cap 4
        line('5a', 8),
        line('5b', 20), // 6.0 → cap 5
        line('8a'),
        line('8b', 2), // 0.6
        line('17a', 3), // 3 → cap 2
        line('22b', 1), // 0.2
        line('33a', 2), // 2
        line('33a', 4, 'withdrawn'),
      ];
      const rs = [...ratings(28, [4, 5]), ...ratings(29, [5, 4, 4]), rating(31, 1, 'withdrawn')];
      return { lines, rs };
    };

    it('quarter score = 100 − Σ capped deductions = Σ item scores', () => {
      const { lines, rs } = mixed();
      const sc = score(lines, rs);
      // capped: 0.6 + 4 + 5 + 0.6 + 2 + 0.2 + 2 + 0.2 (28) + 0.13 (29) = 14.73
      expect(sc.totalDeduction).to.equal(1473);
      // raw: 0.6 + 4.5 + 6 + 0.6 + 3 + 0.2 + 2 + 0.2 + 0.13 = 17.23
      expect(sc.rawTotalDeduction).to.equal(1723);
      expect(sc.score).to.equal(10000 - 1473);
      expect(sc.items.reduce((s, it) => s + it.score, 0)).to.equal(sc.score);
      expect(sc.items.reduce((s, it) => s + it.deduction, 0)).to.equal(sc.totalDeduction);
      expect(sc.items.reduce((s, it) => s + it.rawDeduction, 0)).to.equal(sc.rawTotalDeduction);
      for (const it of sc.items) {
        expect(it.score).to.be.at.least(0);
        expect(it.deduction).to.equal(Math.min(it.rawDeduction, it.maxPoints));
        expect(it.score).to.equal(it.maxPoints - it.deduction);
      }
      expect(sc.interviewRequired).to.equal(true);
    });

    it('category subtotals add up to the totals', () => {
      const { lines, rs } = mixed();
      const sc = score(lines, rs);
      expect(sc.categories).to.have.length(9);
      const sum = (k: 'maxPoints' | 'rawDeduction' | 'deduction' | 'score') => sc.categories.reduce((s, c) => s + c[k], 0);
      expect(sum('maxPoints')).to.equal(10000);
      expect(sum('score')).to.equal(sc.score);
      expect(sum('deduction')).to.equal(sc.totalDeduction);
      expect(sum('rawDeduction')).to.equal(sc.rawTotalDeduction);
      for (const c of sc.categories) {
        const its = sc.items.filter((i) => i.category === c.category);
        expect(c.score, c.category).to.equal(its.reduce((s, i) => s + i.score, 0));
        expect(c.deduction, c.category).to.equal(its.reduce((s, i) => s + i.deduction, 0));
        expect(c.maxPoints - c.deduction, c.category).to.equal(c.score);
      }
      const byName = Object.fromEntries(sc.categories.map((c) => [c.category, c]));
      expect(byName[C1].deduction).to.equal(60);
      expect(byName[C2].deduction).to.equal(400 + 500 + 60);
      expect(byName[C2].rawDeduction).to.equal(450 + 600 + 60);
      expect(byName[C3].deduction).to.equal(200);
      expect(byName[C5].deduction).to.equal(20);
      expect(byName[C8].deduction).to.equal(33);
      expect(byName[C9].deduction).to.equal(200);
    });

    it('95.00 exactly: no interview (threshold is strictly below)', () => {
      const sc = score([line('33a', 5)]);
      expect(sc.score).to.equal(9500);
      expect(sc.interviewRequired).to.equal(false);
    });

    it('94.99: interview required', () => {
      // item 29: nineteen 5s + one 4 → (5 − 4.95) × 0.2 = 0.01
      const rs = ratings(29, [...Array(19).fill(5), 4]);
      expect(item(score([], rs), 29).deduction).to.equal(1);
      const sc = score([line('33a', 5)], rs);
      expect(sc.score).to.equal(9499);
      expect(sc.interviewRequired).to.equal(true);
    });

    it('the threshold is a setting', () => {
      const sc = score([line('33a', 5)], [], { interviewThreshold: 9600 });
      expect(sc.interviewRequired).to.equal(true);
      expect(score([line('33a', 3)], [], { interviewThreshold: 9600 }).interviewRequired).to.equal(false);
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('5. template validation', () => {
    it('refuses max points not summing to 100', () => {
      const def = clone(TEMPLATE_V1);
      def.items[32].maxPoints = '10';
      const issues = validateTemplate(def);
      expect(issues).to.have.length(1);
      expect(issues[0].path).to.equal('items');
    });

    it('refuses max points summing above 100', () => {
      const def = clone(TEMPLATE_V1);
      def.items[0].maxPoints = '3.01';
      expect(validateTemplate(def).map((i) => i.path)).to.deep.equal(['items']);
    });

    it('refuses a rule with points 0', () => {
      const def = clone(TEMPLATE_V1);
      def.items[4].rules[1].points = '0';
      expect(validateTemplate(def).map((i) => i.path)).to.deep.equal(['items[4].rules[1].points']);
    });

    it('refuses a rule with negative points', () => {
      const def = clone(TEMPLATE_V1);
      def.items[0].rules[0].points = '-0.3';
      expect(validateTemplate(def).map((i) => i.path)).to.deep.equal(['items[0].rules[0].points']);
    });

    it('refuses a rating step with step × 5 ≠ max', () => {
      const def = clone(TEMPLATE_V1);
      def.items[27].rules[0].points = '0.3'; // item 28, max 2
      expect(validateTemplate(def).map((i) => i.path)).to.deep.equal(['items[27].rules[0].points']);
      const def2 = clone(TEMPLATE_V1);
      def2.items[29].rules[0].points = '0.4'; // item 30, max 1
      expect(validateTemplate(def2).map((i) => i.path)).to.deep.equal(['items[29].rules[0].points']);
    });

    it('refuses rule codes out of order', () => {
      const def = clone(TEMPLATE_V1);
      const r = def.items[4].rules; // 5a 5b 5c → 5b 5a 5c
      [r[0], r[1]] = [r[1], r[0]];
      const paths = validateTemplate(def).map((i) => i.path);
      expect(paths).to.include('items[4].rules[0].code');
      expect(paths).to.include('items[4].rules[1].code');
    });

    it('refuses a rule code that does not name its item', () => {
      const def = clone(TEMPLATE_V1);
      def.items[5].rules[0].code = '5a'; // item 6
      expect(validateTemplate(def).map((i) => i.path)).to.include('items[5].rules[0].code');
    });

    it('refuses a skipped letter (5a 5c)', () => {
      const def = clone(TEMPLATE_V1);
      def.items[4].rules.splice(1, 1);
      expect(validateTemplate(def).map((i) => i.path)).to.deep.equal(['items[4].rules[1].code']);
    });

    it('refuses duplicate item numbers and points with more than 2 decimals', () => {
      const def = clone(TEMPLATE_V1);
      def.items[1].number = 1;
      def.items[1].rules[0].code = '1a';
      expect(validateTemplate(def).map((i) => i.path)).to.include('items[1].number');
      const def2 = clone(TEMPLATE_V1);
      def2.items[0].rules[0].points = '0.333';
      expect(validateTemplate(def2).map((i) => i.path)).to.deep.equal(['items[0].rules[0].points']);
    });

    it('refuses an empty template', () => {
      expect(validateTemplate({ version: 9, name: 'x', items: [] })).to.have.length(1);
    });

    it('does not modify TEMPLATE_V1 (clones are independent)', () => {
      expect(validateTemplate(TEMPLATE_V1)).to.deep.equal([]);
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('6. payments', () => {
    const TOTAL_002 = 1208490000n; // ¥12,084,900.00
    const RATE = parseDecimal('0.008');
    const inst = (number: number, ratio: string, deductible: boolean, periods: number[]): InstallmentTerms => ({
      number,
      name: `第${number}期`,
      ratio: parseDecimal(ratio),
      deductible,
      periods,
    });
    const SCHEDULE_002 = [inst(1, '0.20', false, []), inst(2, '0.40', true, [1, 2]), inst(3, '0.40', true, [3, 4])];

    it('RULES.md worked example: 40% of ¥12,084,900.00, P1 2.0 + P2 1.5 → factor 0.972 → ¥4,698,609.12', () => {
      const s = computePayments(TOTAL_002, RATE, [inst(2, '0.40', true, [1, 2])], new Map([[1, 200], [2, 150]]), []);
      const p = s.installments[0];
      expect(p.baseAmount).to.equal(483396000n);
      expect(p.accumulatedDeduction).to.equal(350);
      expect(p.factor).to.deep.equal(parseDecimal('0.972'));
      expect(p.grossAmount).to.equal(469860912n);
      expect(p.payable).to.equal(469860912n);
      expect(p.carriedOut).to.equal(0n);
    });

    it('seed 002 schedule 20/40/40: the advance is unaffected by points', () => {
      const deductions = new Map([[1, 200], [2, 150], [3, 0], [4, 100]]);
      const s = computePayments(TOTAL_002, RATE, SCHEDULE_002, deductions, []);
      const [a, b, c] = s.installments;
      expect(a.grossAmount).to.equal(241698000n);
      expect(a.payable).to.equal(241698000n);
      expect(a.factor).to.deep.equal(rational(1n));
      expect(a.accumulatedDeduction).to.equal(0);
      expect(b.payable).to.equal(469860912n);
      // P3 0 + P4 1.0 → 1 − 0.008 = 0.992 → 483396000 × 0.992 = 479528832
      expect(c.factor).to.deep.equal(parseDecimal('0.992'));
      expect(c.payable).to.equal(479528832n);
      expect(s.totals.baseAmount).to.equal(TOTAL_002);
      expect(s.totals.payable).to.equal(241698000n + 469860912n + 479528832n);
      expect(s.totals.uncollected).to.equal(0n);
      expect(ratiosSumToOne(SCHEDULE_002.map((i) => i.ratio))).to.equal(true);
    });

    it('a non-deductible installment ignores points even if periods are listed', () => {
      const s = computePayments(TOTAL_002, RATE, [inst(1, '0.20', false, [1, 2])], new Map([[1, 1000]]), []);
      expect(s.installments[0].payable).to.equal(241698000n);
    });

    it('seed 000 30%/70%: the 70% is fed by all four quarters', () => {
      const total = 100000000n; // ¥1,000,000.00
      const sched = [inst(1, '0.30', false, []), inst(2, '0.70', true, [1, 2, 3, 4])];
      const ded = new Map([[1, 100], [2, 50], [3, 200], [4, 150]]); // 5.0 points → 0.96
      const s = computePayments(total, RATE, sched, ded, []);
      expect(s.installments[0].payable).to.equal(30000000n);
      expect(s.installments[1].accumulatedDeduction).to.equal(500);
      expect(s.installments[1].factor).to.deep.equal(parseDecimal('0.96'));
      expect(s.installments[1].payable).to.equal(67200000n);
      // only P4 changes → the 70% changes: 5.5 points → 0.956
      const s2 = computePayments(total, RATE, sched, new Map([...ded, [4, 200]]), []);
      expect(s2.installments[1].payable).to.equal(66920000n);
      expect(ratiosSumToOne(sched.map((i) => i.ratio))).to.equal(true);
    });

    it('seed 004 30/30/40 with only the last installment assessed', () => {
      const total = 100000000n;
      const sched = [inst(1, '0.30', false, []), inst(2, '0.30', false, []), inst(3, '0.40', true, [1, 2, 3, 4])];
      const ded = new Map([[1, 100], [2, 100], [3, 50], [4, 50]]); // 3.0 → 0.976
      const s = computePayments(total, RATE, sched, ded, []);
      expect(s.installments.map((i) => i.payable)).to.deep.equal([30000000n, 30000000n, 39040000n]);
      expect(ratiosSumToOne(sched.map((i) => i.ratio))).to.equal(true);
      expect(ratiosSumToOne([parseDecimal('0.3'), parseDecimal('0.3'), parseDecimal('0.39')])).to.equal(false);
    });

    it('missing period deductions count as 0', () => {
      const s = computePayments(TOTAL_002, RATE, [inst(2, '0.40', true, [1, 2])], new Map([[1, 200]]), []);
      expect(s.installments[0].accumulatedDeduction).to.equal(200);
      // 1 − 0.016 = 0.984 → 483396000 × 0.984 = 475661664
      expect(s.installments[0].payable).to.equal(475661664n);
    });

    it('the factor never goes below 0 (130 points → factor 0, payable 0)', () => {
      const s = computePayments(TOTAL_002, RATE, [inst(2, '0.40', true, [1, 2])], new Map([[1, 6500], [2, 6500]]), []);
      expect(s.installments[0].factor).to.deep.equal(rational(0n));
      expect(s.installments[0].grossAmount).to.equal(0n);
      expect(s.installments[0].payable).to.equal(0n);
    });

    it('125 points → factor exactly 0', () => {
      const s = computePayments(TOTAL_002, RATE, [inst(2, '0.40', true, [1])], new Map([[1, 12500]]), []);
      expect(s.installments[0].factor).to.deep.equal(rational(0n));
      expect(s.installments[0].payable).to.equal(0n);
    });

    it('rounds half-up exactly once per line: 1000 fen × 0.4 × 0.99625 = 398.5 → 399', () => {
      // rate 0.005, 0.75 points → factor 0.99625; 400 × 0.99625 = 398.5 exactly
      const s = computePayments(1000n, parseDecimal('0.005'), [inst(1, '0.4', true, [1])], new Map([[1, 75]]), []);
      expect(s.installments[0].grossAmount).to.equal(399n); // half-even or truncation would give 398
      expect(s.installments[0].payable).to.equal(399n);
    });

    it('does not round the base first: 1001 fen × 0.5 × 0.5 = 250.25 → 250 (not 501 × 0.5 → 251)', () => {
      // 62.5 points × 0.008 = 0.5 → factor 0.5
      const s = computePayments(1001n, RATE, [inst(1, '0.5', true, [1])], new Map([[1, 6250]]), []);
      expect(s.installments[0].baseAmount).to.equal(501n); // display value, rounded
      expect(s.installments[0].grossAmount).to.equal(250n);
    });

    it('half a fen on a non-deductible line rounds up (1001 fen × 0.5 = 500.5 → 501)', () => {
      const s = computePayments(1001n, RATE, [inst(1, '0.5', false, [])], new Map(), []);
      expect(s.installments[0].grossAmount).to.equal(501n);
    });

    describe('penalties (相应扣款) and carry-over', () => {
      const total = 100000000n; // ¥1,000,000.00 → 20,000,000 / 40,000,000 / 40,000,000 fen
      const sched = [inst(1, '0.20', false, []), inst(2, '0.40', true, [1, 2]), inst(3, '0.40', true, [3, 4])];
      const pen = (installmentNumber: number, amountFen: bigint): PenaltyCharge => ({ installmentNumber, amountFen });

      it('a penalty within an installment is subtracted from it', () => {
        const s = computePayments(total, RATE, sched, new Map([[1, 200], [2, 150]]), [pen(2, 1000000n)]);
        // 40,000,000 × 0.972 = 38,880,000 − 1,000,000
        expect(s.installments[1].grossAmount).to.equal(38880000n);
        expect(s.installments[1].penalties).to.equal(1000000n);
        expect(s.installments[1].payable).to.equal(37880000n);
        expect(s.installments[1].carriedOut).to.equal(0n);
      });

      it('penalties larger than an installment: payable 0, excess carried to the next', () => {
        const s = computePayments(total, RATE, sched, new Map(), [pen(1, 15000000n), pen(1, 10000000n)]);
        const [a, b, c] = s.installments;
        expect(a.penalties).to.equal(25000000n);
        expect(a.payable).to.equal(0n);
        expect(a.carriedOut).to.equal(5000000n);
        expect(b.carriedIn).to.equal(5000000n);
        expect(b.penalties).to.equal(0n);
        expect(b.payable).to.equal(35000000n);
        expect(b.carriedOut).to.equal(0n);
        expect(c.carriedIn).to.equal(0n);
        expect(c.payable).to.equal(40000000n);
        expect(s.totals.penalties).to.equal(25000000n);
        expect(s.totals.payable).to.equal(75000000n);
        expect(s.totals.uncollected).to.equal(0n);
      });

      it('a carry larger than the next installment keeps rolling', () => {
        const s = computePayments(total, RATE, sched, new Map(), [pen(1, 70000000n)]);
        expect(s.installments.map((i) => [i.carriedIn, i.payable, i.carriedOut])).to.deep.equal([
          [0n, 0n, 50000000n],
          [50000000n, 0n, 10000000n],
          [10000000n, 30000000n, 0n],
        ]);
        expect(s.totals.uncollected).to.equal(0n);
      });

      it('penalty exactly equal to the installment: payable 0, nothing carried', () => {
        const s = computePayments(total, RATE, sched, new Map(), [pen(1, 20000000n)]);
        expect(s.installments[0].payable).to.equal(0n);
        expect(s.installments[0].carriedOut).to.equal(0n);
        expect(s.installments[1].carriedIn).to.equal(0n);
      });

      it('the last installment cannot absorb: totals.uncollected = excess', () => {
        const s = computePayments(total, RATE, sched, new Map([[3, 100]]), [pen(3, 50000000n)]);
        const c = s.installments[2];
        // 40,000,000 × 0.992 = 39,680,000
        expect(c.grossAmount).to.equal(39680000n);
        expect(c.payable).to.equal(0n);
        expect(c.carriedOut).to.equal(10320000n);
        expect(s.totals.uncollected).to.equal(10320000n);
      });

      it('installments are processed in number order whatever the input order', () => {
        const s = computePayments(total, RATE, [sched[2], sched[0], sched[1]], new Map(), [pen(1, 25000000n)]);
        expect(s.installments.map((i) => i.number)).to.deep.equal([1, 2, 3]);
        expect(s.installments[1].carriedIn).to.equal(5000000n);
      });
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('7. contract-clause penalties', () => {
    const TOTAL = 1208490000n; // ¥12,084,900.00
    const clause = (code: string): PenaltyClause => {
      const c = DEFAULT_PENALTY_CLAUSES.find((x) => x.code === code);
      if (!c) throw new Error(`no clause ${code}`);
      return c;
    };
    const okAmount = (r: ReturnType<typeof computePenalty>) => {
      if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.issues)}`);
      return r.value.amountFen;
    };

    it('the default catalogue has the seed clauses', () => {
      expect(DEFAULT_PENALTY_CLAUSES.map((c) => c.code)).to.deep.equal([
        'security-incident',
        'supply-chain-incident',
        'root-cause-not-found',
        'late-performance',
        'other-breach',
        'termination',
      ]);
    });

    for (const code of ['security-incident', 'supply-chain-incident']) {
      describe(`${code} (20%-30%)`, () => {
        it('accepts the bounds inclusive and values between', () => {
          expect(okAmount(computePenalty(clause(code), TOTAL, { percent: '20' }))).to.equal(241698000n);
          expect(okAmount(computePenalty(clause(code), TOTAL, { percent: '30' }))).to.equal(362547000n);
          expect(okAmount(computePenalty(clause(code), TOTAL, { percent: '25' }))).to.equal(302122500n);
          expect(okAmount(computePenalty(clause(code), TOTAL, { percent: '20.00' }))).to.equal(241698000n);
        });

        it('refuses 19.99% and 30.01%', () => {
          expect(computePenalty(clause(code), TOTAL, { percent: '19.99' }).ok).to.equal(false);
          expect(computePenalty(clause(code), TOTAL, { percent: '30.01' }).ok).to.equal(false);
        });

        it('accepts a yuan amount within the bounds (inclusive), refuses outside', () => {
          expect(okAmount(computePenalty(clause(code), TOTAL, { amount: '2416980.00' }))).to.equal(241698000n);
          expect(okAmount(computePenalty(clause(code), TOTAL, { amount: '3625470.00' }))).to.equal(362547000n);
          expect(okAmount(computePenalty(clause(code), TOTAL, { amount: '3000000' }))).to.equal(300000000n);
          expect(computePenalty(clause(code), TOTAL, { amount: '2416979.99' }).ok).to.equal(false);
          expect(computePenalty(clause(code), TOTAL, { amount: '3625470.01' }).ok).to.equal(false);
        });

        it('reports the percent an amount at a bound represents', () => {
          const r = computePenalty(clause(code), TOTAL, { amount: '2416980.00' });
          expect(r.ok && r.value.percent).to.equal('20');
        });

        it('refuses both amount and percent, and neither', () => {
          expect(computePenalty(clause(code), TOTAL, { amount: '2416980.00', percent: '20' }).ok).to.equal(false);
          expect(computePenalty(clause(code), TOTAL, {}).ok).to.equal(false);
        });
      });
    }

    it('root cause not found: ≤5%, > 0', () => {
      const c = clause('root-cause-not-found');
      expect(okAmount(computePenalty(c, TOTAL, { percent: '5' }))).to.equal(60424500n);
      expect(okAmount(computePenalty(c, TOTAL, { percent: '0.5' }))).to.equal(6042450n);
      expect(okAmount(computePenalty(c, TOTAL, { amount: '604245.00' }))).to.equal(60424500n);
      expect(okAmount(computePenalty(c, TOTAL, { amount: '0.01' }))).to.equal(1n);
      expect(computePenalty(c, TOTAL, { percent: '5.01' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { percent: '0' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { amount: '604245.01' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { amount: '0' }).ok).to.equal(false);
    });

    it('late performance: 0.03% of the total per day', () => {
      const c = clause('late-performance');
      expect(okAmount(computePenalty(c, TOTAL, { units: 1 }))).to.equal(362547n);
      expect(okAmount(computePenalty(c, TOTAL, { units: 10 }))).to.equal(3625470n);
      const r = computePenalty(c, TOTAL, { units: 10 });
      expect(r.ok && r.value.percent).to.equal('0.3');
      expect(computePenalty(c, TOTAL, { units: 0 }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { units: 1.5 }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, {}).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { units: 1, amount: '100' }).ok).to.equal(false);
    });

    it('late performance rounds half-up to the fen', () => {
      // 1,000,000 fen × 0.0003 × 5 = 1500 fen; 5 fen → 0.0015 → 0; 1,667 fen × 0.0003 = 0.5001 → 1
      expect(okAmount(computePenalty(clause('late-performance'), 1000000n, { units: 5 }))).to.equal(1500n);
      expect(okAmount(computePenalty(clause('late-performance'), 1667n, { units: 1 }))).to.equal(1n);
      expect(okAmount(computePenalty(clause('late-performance'), 1666n, { units: 1 }))).to.equal(0n);
    });

    it('other breach: 1% of the total per violation', () => {
      const c = clause('other-breach');
      expect(okAmount(computePenalty(c, TOTAL, { units: 1 }))).to.equal(12084900n);
      expect(okAmount(computePenalty(c, TOTAL, { units: 3 }))).to.equal(36254700n);
      expect(computePenalty(c, TOTAL, { percent: '1' }).ok).to.equal(false);
    });

    it('termination: exactly 20%', () => {
      const c = clause('termination');
      expect(okAmount(computePenalty(c, TOTAL, { percent: '20' }))).to.equal(241698000n);
      expect(okAmount(computePenalty(c, TOTAL, { amount: '2416980.00' }))).to.equal(241698000n);
      expect(computePenalty(c, TOTAL, { percent: '19.99' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { percent: '20.01' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { amount: '2416979.99' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { amount: '2416980.01' }).ok).to.equal(false);
    });

    it('refuses malformed input', () => {
      const c = clause('security-incident');
      expect(computePenalty(c, TOTAL, { amount: '2500000.001' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { amount: '-2500000' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { percent: 'abc' }).ok).to.equal(false);
      expect(computePenalty(c, TOTAL, { percent: '25', units: 1 }).ok).to.equal(false);
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('8. periods', () => {
    const contiguous = (ps: { startDate: string; endDate: string }[]) => {
      for (let i = 1; i < ps.length; i++) {
        const prevEnd = new Date(`${ps[i - 1].endDate}T00:00:00Z`).getTime();
        const start = new Date(`${ps[i].startDate}T00:00:00Z`).getTime();
        expect(start - prevEnd, `${ps[i - 1].endDate} → ${ps[i].startDate}`).to.equal(86400000);
      }
    };

    it('contract quarters 2025-11-01..2026-10-31 → 4 full periods', () => {
      const ps = generatePeriods('2025-11-01', '2026-10-31', 'contract_quarters');
      expect(ps.map((p) => [p.number, p.startDate, p.endDate, p.partial])).to.deep.equal([
        [1, '2025-11-01', '2026-01-31', false],
        [2, '2026-02-01', '2026-04-30', false],
        [3, '2026-05-01', '2026-07-31', false],
        [4, '2026-08-01', '2026-10-31', false],
      ]);
    });

    it('a contract ending mid-quarter gets a partial last period', () => {
      const ps = generatePeriods('2025-11-01', '2026-09-15', 'contract_quarters');
      expect(ps).to.have.length(4);
      expect(ps.slice(0, 3).every((p) => !p.partial)).to.equal(true);
      expect(ps[3]).to.include({ number: 4, startDate: '2026-08-01', endDate: '2026-09-15', partial: true });
      expect(ps[3].label).to.contain('不足一季度');
    });

    it('a contract ending one day into a new quarter gets a one-day partial period', () => {
      const ps = generatePeriods('2025-11-01', '2026-02-01', 'contract_quarters');
      expect(ps.map((p) => [p.startDate, p.endDate, p.partial])).to.deep.equal([
        ['2025-11-01', '2026-01-31', false],
        ['2026-02-01', '2026-02-01', true],
      ]);
    });

    it('calendar quarters 2025-11-01..2026-10-31 → 5 periods, first and last partial', () => {
      const ps = generatePeriods('2025-11-01', '2026-10-31', 'calendar_quarters');
      expect(ps.map((p) => [p.number, p.startDate, p.endDate, p.partial])).to.deep.equal([
        [1, '2025-11-01', '2025-12-31', true],
        [2, '2026-01-01', '2026-03-31', false],
        [3, '2026-04-01', '2026-06-30', false],
        [4, '2026-07-01', '2026-09-30', false],
        [5, '2026-10-01', '2026-10-31', true],
      ]);
      contiguous(ps);
    });

    it('calendar quarters aligned with the contract: no partial periods', () => {
      const ps = generatePeriods('2026-01-01', '2026-12-31', 'calendar_quarters');
      expect(ps).to.have.length(4);
      expect(ps.every((p) => !p.partial)).to.equal(true);
    });

    it('a start on 2025-01-31 does not drift: contiguous, no gaps or overlaps', () => {
      const ps = generatePeriods('2025-01-31', '2026-01-30', 'contract_quarters');
      expect(ps.map((p) => [p.startDate, p.endDate, p.partial])).to.deep.equal([
        ['2025-01-31', '2025-04-29', false],
        ['2025-04-30', '2025-07-30', false],
        ['2025-07-31', '2025-10-30', false],
        ['2025-10-31', '2026-01-30', false],
      ]);
      contiguous(ps);
    });

    it('month-end starts stay anchored to the start date over a long contract', () => {
      for (const start of ['2025-01-31', '2024-11-30', '2023-08-31', '2024-02-29']) {
        const ps = generatePeriods(start, '2027-12-31', 'contract_quarters');
        contiguous(ps);
        expect(ps[0].startDate).to.equal(start);
        expect(ps[ps.length - 1].endDate).to.equal('2027-12-31');
        // the start day-of-month comes back whenever the month has it
        const day = Number(start.slice(8));
        for (const p of ps) {
          const d = Number(p.startDate.slice(8));
          const [y, m] = p.startDate.split('-').map(Number);
          const monthLen = new Date(Date.UTC(y, m, 0)).getUTCDate();
          expect(d, p.startDate).to.equal(Math.min(day, monthLen));
        }
      }
    });

    it('refuses invalid dates and an end before the start', () => {
      expect(() => generatePeriods('2025-02-30', '2026-01-31', 'contract_quarters')).to.throw(RangeError);
      expect(() => generatePeriods('2026-01-01', '2025-12-31', 'contract_quarters')).to.throw(RangeError);
    });
  });

  // -----------------------------------------------------------------------------------------

  describe('9. determinism', () => {
    const build = () => {
      const lines = [
        line('1a', 2),
        line('4a', 45),
        line('5a', 8),
        line('5b', 20),
        line('5c', 1),
        line('8a', 1),
        line('8b', 2),
        line('16a', 3),
        line('16b', 4),
        line('17a', 3),
        line('22a', 1),
        line('25b', 2),
        line('33a', 2),
        line('33a', 1, 'withdrawn'),
      ];
      const rs = [...ratings(28, [4, 5]), ...ratings(29, [5, 4, 4]), ...ratings(30, [1, 1, 2]), rating(31, 3, 'withdrawn')];
      return { lines, rs };
    };

    it('the same input twice gives deep-equal numbers', () => {
      const { lines, rs } = build();
      const a = score(lines, rs);
      const b = score(lines, rs);
      expect(numbers(a)).to.deep.equal(numbers(b));
      expect(a).to.deep.equal(b);
    });

    it('shuffled lines and ratings give the same numbers', () => {
      const { lines, rs } = build();
      const a = numbers(score(lines, rs));
      const perms = [
        (x: number) => x,
        (x: number) => (x * 7 + 3) % 1000,
        (x: number) => -x,
      ];
      for (const key of perms) {
        const sl = [...lines].sort((p, q) => key(p.id) - key(q.id));
        const sr = [...rs].sort((p, q) => key(p.id) - key(q.id));
        expect(numbers(score(sl, sr))).to.deep.equal(a);
      }
    });

    it('does not mutate its inputs', () => {
      const { lines, rs } = build();
      const before = JSON.stringify({ lines, rs, t: TEMPLATE_V1 });
      score(lines, rs);
      expect(JSON.stringify({ lines, rs, t: TEMPLATE_V1 })).to.equal(before);
    });

    it('payments are deterministic too', () => {
      const sched: InstallmentTerms[] = [
        { number: 1, name: 'a', ratio: parseDecimal('0.2'), deductible: false, periods: [] },
        { number: 2, name: 'b', ratio: parseDecimal('0.4'), deductible: true, periods: [1, 2] },
        { number: 3, name: 'c', ratio: parseDecimal('0.4'), deductible: true, periods: [3, 4] },
      ];
      const ded = new Map([[1, 173], [2, 1473], [3, 0], [4, 999]]);
      const pens = [{ installmentNumber: 1, amountFen: 300000000n }];
      const a = computePayments(1208490000n, parseDecimal('0.008'), sched, ded, pens);
      const b = computePayments(1208490000n, parseDecimal('0.008'), [...sched].reverse(), ded, pens);
      expect(a).to.deep.equal(b);
    });
  });
});
