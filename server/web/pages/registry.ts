// Page modules beyond the dashboard and the contract/scorecard pages, registered in order.
import { Router } from 'express';
import { Ctx } from '../../services/context';
import { registerFinancePages } from './finance';
import { registerExportPages } from './exports';
import { registerAdminPages } from './admin';
import { registerSetupPages } from './setup';
import { registerEvidencePages } from './evidence';
import { registerImportPages } from './imports';
import { registerSubmissionPages } from './submissions';
import { registerLedgerPages } from './ledger';

export function registerExtraPages(r: Router, ctx: Ctx): void {
  registerFinancePages(r, ctx);
  registerExportPages(r, ctx);
  registerAdminPages(r, ctx);
  registerSetupPages(r, ctx);
  registerEvidencePages(r, ctx);
  registerImportPages(r, ctx);
  registerSubmissionPages(r, ctx);
  registerLedgerPages(r, ctx);
}
