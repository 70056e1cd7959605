// The home page by role: the manager's (and admin's) dashboard of contracts, the vendor's
// contracts with what awaits them; finance goes to the payment overview.
import { Router } from 'express';
import { Ctx } from '../../services/context';
import { dashboard } from '../../services/dashboard';
import { actorKey, cached } from '../../services/readcache';
import { listNotifications } from '../../services/inbox';
import { actor, page, render } from '../render';

export function registerHomePages(r: Router, ctx: Ctx): void {
  r.get('/', page(async (req, res) => {
    const me = actor(req);
    if (me.role === 'finance') return res.redirect(303, '/finance');
    // figures depend on the time too (due dates, "this week"): a five-minute bucket in the key
    // (any write refreshes them at once through the data version)
    const rows = await cached(ctx, `dashboard:${actorKey(me, true)}:${Math.floor(Date.now() / 300_000)}`, () => dashboard(ctx, me), req.dataVersion);
    const notices = res.locals.unread ? await listNotifications(ctx, me, { unread: true, limit: 8 }) : [];
    render(res, me.role === 'vendor' ? 'home/vendor' : 'home/dashboard', { title: me.role === 'vendor' ? '我的合同' : '工作台', rows, notices });
  }));
}
