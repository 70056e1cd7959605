// Quality-table templates, versioned. A version is immutable once created; admins make a
// new one by copying an existing version and editing its items.
import { TemplateRow } from '../../models';
import { TemplateDefinition, TemplateItem, validateTemplate } from '../../scoring/template';
import { badRequest, notFound } from '../errors';
import { Joi, validate } from '../validate';
import { Actor, audit, Ctx, iso, requireRole } from './context';

// Versions never change after creation, so caching them per process is safe with several
// instances: a cached version is the same in every process.
const cache = new WeakMap<object, Map<number, TemplateDefinition>>();

export async function loadTemplate(ctx: Ctx, version: number): Promise<TemplateDefinition> {
  let byVersion = cache.get(ctx.db);
  if (!byVersion) cache.set(ctx.db, (byVersion = new Map()));
  const hit = byVersion.get(version);
  if (hit) return hit;
  const row = (await ctx.db.models.Template.findOne({ where: { version }, raw: true })) as unknown as TemplateRow | null;
  if (!row) throw notFound(`质量表第 ${version} 版不存在`);
  const def = JSON.parse(row.definition) as TemplateDefinition;
  def.version = row.version;
  def.name = row.name;
  byVersion.set(version, def);
  return def;
}

export async function latestTemplateVersion(ctx: Ctx): Promise<number> {
  const v = (await ctx.db.models.Template.max('version')) as number | null;
  if (!v) throw notFound('尚未配置质量表');
  return v;
}

function summary(row: TemplateRow) {
  const def = JSON.parse(row.definition) as TemplateDefinition;
  return {
    version: row.version,
    name: row.name,
    basedOn: row.basedOn,
    itemCount: def.items.length,
    createdAt: iso(row.createdAt),
  };
}

export async function listTemplates(ctx: Ctx) {
  const rows = (await ctx.db.models.Template.findAll({ order: [['version', 'ASC']], raw: true })) as unknown as TemplateRow[];
  return rows.map(summary);
}

export async function getTemplate(ctx: Ctx, version: number) {
  const def = await loadTemplate(ctx, version);
  const row = (await ctx.db.models.Template.findOne({ where: { version }, raw: true })) as unknown as TemplateRow;
  return { ...summary(row), source: def.source ?? null, items: def.items };
}

const ruleSchema = Joi.object({
  code: Joi.string().trim().max(8).required(),
  kind: Joi.string().valid('per_unit', 'rating').required(),
  points: Joi.alternatives().try(Joi.string().trim(), Joi.number()).required().custom((v) => String(v)),
  unit: Joi.string().trim().max(10).required(),
  description: Joi.string().trim().max(500).allow('').default(''),
  wholeUnits: Joi.boolean().default(true),
});
const itemSchema = Joi.object({
  number: Joi.number().integer().min(1).max(999).required(),
  category: Joi.string().trim().max(50).required(),
  name: Joi.string().trim().max(100).required(),
  description: Joi.string().trim().max(2000).allow('').default(''),
  maxPoints: Joi.alternatives().try(Joi.string().trim(), Joi.number()).required().custom((v) => String(v)),
  criteria: Joi.string().trim().max(4000).allow('').default(''),
  explicitCap: Joi.boolean().default(false),
  rules: Joi.array().items(ruleSchema).min(1).required(),
});
const createSchema = Joi.object({
  basedOn: Joi.number().integer().min(1).required(),
  name: Joi.string().trim().min(1).max(200).required(),
  source: Joi.string().trim().max(500).allow('', null),
  items: Joi.array().items(itemSchema).min(1),
});

export async function createTemplate(ctx: Ctx, actor: Actor, body: unknown) {
  requireRole(actor, 'admin');
  const input = validate<{ basedOn: number; name: string; source?: string | null; items?: TemplateItem[] }>(createSchema, body);
  const base = await loadTemplate(ctx, input.basedOn).catch(() => {
    throw badRequest(`作为基础的第 ${input.basedOn} 版不存在`, [{ path: 'basedOn', message: '版本不存在' }]);
  });
  const items = (input.items ?? base.items).map((it) => ({ ...it, rules: it.rules.map((r) => ({ ...r })) }));
  items.sort((a, b) => a.number - b.number);
  const { Template } = ctx.db.models;
  return ctx.db.sequelize.transaction(async (t) => {
    const version = (((await Template.max('version', { transaction: t })) as number | null) ?? 0) + 1;
    const def: TemplateDefinition = { version, name: input.name, source: input.source || base.source, items };
    const issues = validateTemplate(def);
    if (issues.length) throw badRequest(issues[0].message, issues);
    await Template.create(
      { version, name: input.name, basedOn: input.basedOn, definition: JSON.stringify(def), createdBy: actor.id || null },
      { transaction: t },
    );
    await audit(ctx, t, actor, {
      action: 'template.create',
      entity: 'template',
      entityId: version,
      after: { version, name: input.name, basedOn: input.basedOn, itemCount: items.length },
    });
    return version;
  }).then((version) => getTemplate(ctx, version));
}
