// Vendors (服务商).
import { VendorRow } from '../../models';
import { conflict, notFound } from '../errors';
import { Joi, validate } from '../validate';
import { Actor, audit, Ctx, iso, requireRole } from './context';

export function serializeVendor(v: VendorRow) {
  return { id: v.id, name: v.name, creditCode: v.creditCode, version: v.version, createdAt: iso(v.createdAt) };
}

const schema = Joi.object({
  name: Joi.string().trim().min(1).max(200).required(),
  // 统一社会信用代码: 18 characters of digits and upper-case letters
  creditCode: Joi.string().trim().uppercase().pattern(/^[0-9A-Z]{18}$/, '18 位统一社会信用代码').allow(null, ''),
});

export async function createVendor(ctx: Ctx, actor: Actor, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ name: string; creditCode?: string | null }>(schema, body);
  const { Vendor } = ctx.db.models;
  if (await Vendor.findOne({ where: { name: input.name } })) {
    throw conflict(`服务商「${input.name}」已存在`, [{ path: 'name', message: '服务商名称已存在' }]);
  }
  return ctx.db.sequelize.transaction(async (t) => {
    const row = await Vendor.create({ name: input.name, creditCode: input.creditCode || null }, { transaction: t });
    const vendor = serializeVendor(row.get({ plain: true }));
    await audit(ctx, t, actor, { action: 'vendor.create', entity: 'vendor', entityId: vendor.id, after: vendor });
    return vendor;
  });
}

export async function listVendors(ctx: Ctx, actor: Actor) {
  const where = actor.role === 'vendor' ? { id: actor.vendorId ?? -1 } : {};
  const rows = (await ctx.db.models.Vendor.findAll({ where, order: [['id', 'ASC']], raw: true })) as unknown as VendorRow[];
  return rows.map(serializeVendor);
}

export async function getVendor(ctx: Ctx, actor: Actor, id: number) {
  if (actor.role === 'vendor' && actor.vendorId !== id) throw notFound('服务商不存在');
  const row = (await ctx.db.models.Vendor.findByPk(id, { raw: true })) as unknown as VendorRow | null;
  if (!row) throw notFound('服务商不存在');
  return serializeVendor(row);
}

const updateSchema = Joi.object({
  name: Joi.string().trim().min(1).max(200),
  creditCode: Joi.string().trim().uppercase().pattern(/^[0-9A-Z]{18}$/, '18 位统一社会信用代码').allow(null, ''),
  // the version the editor read: a stale one is refused (409) instead of overwriting someone's change
  version: Joi.number().integer().min(0).required(),
});

/** Renames a vendor or changes its credit code; optimistic on `version`. */
export async function updateVendor(ctx: Ctx, actor: Actor, id: number, body: unknown) {
  requireRole(actor, 'admin', 'manager');
  const input = validate<{ name?: string; creditCode?: string | null; version: number }>(updateSchema, body);
  const { Vendor } = ctx.db.models;
  const before = (await Vendor.findByPk(id, { raw: true })) as unknown as VendorRow | null;
  if (!before) throw notFound('服务商不存在');
  const stale = () => conflict('该服务商已被他人修改，请刷新后重试', [{ path: 'version', message: '数据已过期，请刷新后重试' }]);
  if (input.version !== before.version) throw stale();
  const name = input.name ?? before.name;
  const creditCode = input.creditCode !== undefined ? input.creditCode || null : before.creditCode;
  if (name !== before.name && (await Vendor.findOne({ where: { name } }))) {
    throw conflict(`服务商「${name}」已存在`, [{ path: 'name', message: '服务商名称已存在' }]);
  }
  return ctx.db.sequelize.transaction(async (t) => {
    const [n] = await Vendor.update({ name, creditCode, version: before.version + 1 }, { where: { id, version: before.version }, transaction: t });
    if (n !== 1) throw stale();
    const row = (await Vendor.findByPk(id, { raw: true, transaction: t })) as unknown as VendorRow;
    const vendor = serializeVendor(row);
    await audit(ctx, t, actor, { action: 'vendor.update', entity: 'vendor', entityId: id, before: serializeVendor(before), after: vendor });
    return vendor;
  });
}
