// Formatting helpers available in every view as `fmt` (dates, money, statuses in Chinese).
import { ApiError } from '../errors';
import { beijingTime, yuanText } from '../display';

const ROLE: Record<string, string> = { admin: '系统管理员', manager: '合同管理员（采购人）', vendor: '服务商', finance: '财务' };
const PERIOD_STATUS: Record<string, string> = { draft: '草稿', published: '已发布待确认', signed: '已签署', locked: '已锁定' };
const OBJECTION_STATUS: Record<string, string> = { open: '待处理', upheld: '维持原扣分', reduced: '已核减', withdrawn: '已撤销扣分' };
const PAYMENT_STATUS: Record<string, string> = { pending: '未收票', invoiced: '已收票', paid: '已支付' };
const SOURCE: Record<string, string> = {
  manual: '人工记录', sla: '工单时限', inspection: '巡检', report: '报告', staffing: '人员', event: '事件', objection: '异议核减',
};

/** Local (Beijing) date and time of an ISO instant. */
function dateTime(v: string | Date | null | undefined): string {
  return beijingTime(v);
}

function date(v: string | Date | null | undefined): string {
  return dateTime(v).slice(0, 10);
}

/** "12084900.00" → "¥12,084,900.00" (text in, text out: no binary floats). */
const yuan = yuanText;

export const fmt = {
  role: (r: string) => ROLE[r] ?? r,
  periodStatus: (s: string) => PERIOD_STATUS[s] ?? s,
  objectionStatus: (s: string) => OBJECTION_STATUS[s] ?? s,
  paymentStatus: (s: string) => PAYMENT_STATUS[s] ?? s,
  source: (s: string) => SOURCE[s] ?? s,
  dateTime,
  date,
  yuan,
  /** "1234567" fen-free integer counts with separators */
  count: (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','),
  isApiError: (e: unknown) => e instanceof ApiError,
};
export type Fmt = typeof fmt;
