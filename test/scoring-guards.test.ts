// Inputs the API never produces must fail loudly in the pure core, not skew a total.
import { expect } from 'chai';
import { rational } from '../scoring/decimal';
import { computePayments } from '../scoring/payments';
import { computeScorecard, ratingDeduction } from '../scoring/scorecard';
import { TEMPLATE_V1 } from '../scoring/template-v1';

const settings = { interviewThreshold: 9500 };

describe('scoring guards', () => {
  it('refuses rating levels outside 1-5', () => {
    expect(() => ratingDeduction(20, [6])).to.throw(RangeError);
    expect(() => ratingDeduction(20, [0])).to.throw(RangeError);
    expect(() => ratingDeduction(20, [2.5])).to.throw(RangeError);
    expect(() => ratingDeduction(20, [])).to.throw(RangeError);
    expect(() =>
      computeScorecard(TEMPLATE_V1, [], [{ id: 1, itemNumber: 29, level: 6, status: 'active' }], settings),
    ).to.throw(RangeError);
  });

  it('refuses lines and ratings for items the table does not have', () => {
    expect(() =>
      computeScorecard(TEMPLATE_V1, [{ id: 7, itemNumber: 34, ruleCode: '34a', units: 100, points: 10, status: 'active' }], [], settings),
    ).to.throw(/item 34/);
    expect(() => computeScorecard(TEMPLATE_V1, [], [{ id: 1, itemNumber: 40, level: 3, status: 'active' }], settings)).to.throw(/item 40/);
  });

  it('keeps an item score within 0..max even with a negative adjustment line', () => {
    const sc = computeScorecard(
      TEMPLATE_V1,
      [{ id: 1, itemNumber: 4, ruleCode: '4a', units: -100, points: -10, status: 'active' }],
      [],
      settings,
    );
    const item4 = sc.items.find((i) => i.number === 4)!;
    expect(item4.rawDeduction).to.equal(-10);
    expect(item4.deduction).to.equal(0);
    expect(item4.score).to.equal(400);
    expect(sc.score).to.equal(10000);
  });

  it('refuses a penalty on an installment the contract does not have', () => {
    expect(() =>
      computePayments(
        100000n,
        rational(8n, 1000n),
        [{ number: 1, name: '全款', ratio: rational(1n), deductible: true, periods: [1] }],
        new Map(),
        [{ installmentNumber: 2, amountFen: 100n }],
      ),
    ).to.throw(/installment 2/);
  });
});
