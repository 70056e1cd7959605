// Page modules beyond the dashboard and the contract/scorecard pages, registered in order.
import { Router } from 'express';
import { Ctx } from '../../services/context';

export function registerExtraPages(r: Router, ctx: Ctx): void {
  void r;
  void ctx;
}
