// In-app notifications (the vendor learns a period was published, the manager that an
// objection was filed ...) and uploaded files (attachments of objections and of evidence the
// vendor submits). Files are stored under DATA_DIR/files by their SHA-256, so a name from a
// client never becomes a path.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Op, QueryTypes, Transaction } from 'sequelize';
import { FileRow, NotificationRow, UserRow } from '../../models';
import { badRequest, notFound } from '../errors';
import { Joi, validate } from '../validate';
import { Actor, audit, Ctx, iso, now, requireRole } from './context';
import { loadVisibleBundle } from './contracts';
import { DATA_VERSION_SQL } from './readcache';

export interface NewNotification {
  contractId?: number | null;
  kind: string;
  message: string;
  link?: string | null;
}

export async function notify(ctx: Ctx, t: Transaction, userId: number, n: NewNotification): Promise<void> {
  await ctx.db.models.Notification.create(
    { userId, contractId: n.contractId ?? null, kind: n.kind, message: n.message, link: n.link ?? null },
    { transaction: t },
  );
}

/** Every active user of the vendor. */
export async function notifyVendorUsers(ctx: Ctx, t: Transaction, vendorId: number, n: NewNotification): Promise<void> {
  const users = (await ctx.db.models.User.findAll({ where: { vendorId, role: 'vendor', active: true }, raw: true, transaction: t })) as unknown as UserRow[];
  for (const u of users) await notify(ctx, t, u.id, n);
}

/**
 * The contract's manager; when the contract names none, every active manager (someone must
 * learn of an objection or a submission).
 */
export async function notifyManager(ctx: Ctx, t: Transaction, bundle: { contract: { id: number; managerId: number | null } }, n: NewNotification): Promise<void> {
  const ids = new Set<number>();
  if (bundle.contract.managerId) ids.add(bundle.contract.managerId);
  if (!ids.size) {
    const managers = (await ctx.db.models.User.findAll({ where: { role: 'manager', active: true }, raw: true, transaction: t })) as unknown as UserRow[];
    managers.forEach((m) => ids.add(m.id));
  }
  for (const userId of ids) await notify(ctx, t, userId, { contractId: bundle.contract.id, ...n });
}

export function serializeNotification(n: NotificationRow) {
  return { id: n.id, contractId: n.contractId, kind: n.kind, message: n.message, link: n.link, read: !!n.readAt, readAt: iso(n.readAt), createdAt: iso(n.createdAt) };
}

const listSchema = Joi.object({ unread: Joi.boolean().default(false), limit: Joi.number().integer().min(1).max(500).default(100) });

export async function listNotifications(ctx: Ctx, actor: Actor, query: unknown = {}) {
  const q = validate<{ unread: boolean; limit: number }>(listSchema, query ?? {});
  const where: Record<string, unknown> = { userId: actor.id };
  if (q.unread) where.readAt = null;
  const rows = (await ctx.db.models.Notification.findAll({ where, order: [['id', 'DESC']], limit: q.limit, raw: true })) as unknown as NotificationRow[];
  return rows.map(serializeNotification);
}

/**
 * What every page needs first, in one query: the data version (see readcache.ts) and the
 * user's unread notifications for the header.
 */
export async function versionAndUnread(ctx: Ctx, userId: number): Promise<{ version: string; unread: number }> {
  const [row] = await ctx.db.sequelize.query<{ v: string | null; n: number | string }>(
    `SELECT (${DATA_VERSION_SQL}) AS v, (SELECT COUNT(*) FROM notifications WHERE user_id = :userId AND read_at IS NULL) AS n`,
    { type: QueryTypes.SELECT, replacements: { userId } },
  );
  return { version: String(row?.v ?? ''), unread: Number(row?.n ?? 0) };
}

/** Shown in the header of every page: one plain indexed query. */
export async function unreadCount(ctx: Ctx, actor: Actor): Promise<number> {
  const [row] = await ctx.db.sequelize.query<{ n: number | string }>(
    'SELECT COUNT(*) AS n FROM notifications WHERE user_id = :userId AND read_at IS NULL',
    { type: QueryTypes.SELECT, replacements: { userId: actor.id } },
  );
  return Number(row?.n ?? 0);
}

/** Marks one notification (or all, when id is null) of the actor as read. */
export async function markRead(ctx: Ctx, actor: Actor, id: number | null): Promise<{ updated: number }> {
  const where: Record<string, unknown> = { userId: actor.id, readAt: null };
  if (id !== null) where.id = id;
  const [updated] = await ctx.db.models.Notification.update({ readAt: now(ctx) }, { where });
  if (id !== null && updated === 0 && !(await ctx.db.models.Notification.findOne({ where: { id, userId: actor.id } }))) {
    throw notFound('通知不存在');
  }
  return { updated };
}

// ---- files -------------------------------------------------------------------------------

export interface UploadedFile {
  path: string;
  originalname: string;
  size: number;
  mimetype: string;
}

const ALLOWED = /\.(pdf|png|jpe?g|gif|webp|txt|csv|xlsx?|docx?|zip|eml|msg)$/i;

export function filesDir(ctx: Ctx): string {
  return path.join(ctx.config.dataDir, 'files');
}

/** A file's name as shown: no directories, no control characters, at most 200 characters. */
export function cleanFileName(name: string): string {
  // multer gives latin1-decoded names; browsers send UTF-8 bytes
  let n = name;
  try {
    const utf8 = Buffer.from(name, 'latin1').toString('utf8');
    if (!utf8.includes('\uFFFD')) n = utf8;
  } catch {
    /* keep as given */
  }
  n = n.replace(/^.*[\\/]/, '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (n || 'file').slice(-200);
}

export function serializeFile(f: FileRow) {
  return { id: f.id, contractId: f.contractId, name: f.name, size: f.size, mime: f.mime, sha256: f.sha256, uploadedBy: f.uploadedBy, createdAt: iso(f.createdAt) };
}

/** Stores an uploaded attachment for a contract the actor can see (vendors: their own). */
export async function saveFile(ctx: Ctx, actor: Actor, contractId: number, file: UploadedFile | undefined) {
  // attachments belong to objections and evidence: written by vendors, managers and admins
  requireRole(actor, 'vendor', 'manager', 'admin');
  await loadVisibleBundle(ctx, actor, contractId);
  if (!file) throw badRequest('请选择要上传的文件', [{ path: 'file', message: '缺少文件' }]);
  const name = cleanFileName(file.originalname);
  if (!ALLOWED.test(name)) {
    throw badRequest('只接受 PDF、图片、文本、Office 文档、ZIP 或邮件文件', [{ path: 'file', message: '文件类型不支持' }]);
  }
  if (file.size === 0) throw badRequest('文件为空', [{ path: 'file', message: '文件为空' }]);
  const hash = await new Promise<string>((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file.path).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
  const dir = filesDir(ctx);
  fs.mkdirSync(dir, { recursive: true });
  const target = path.join(dir, hash);
  if (!fs.existsSync(target)) {
    // copied under a temporary name and renamed: a crash mid-copy never leaves a truncated
    // file under the content's name (which later uploads of the same content would trust)
    const tmp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    fs.copyFileSync(file.path, tmp);
    fs.renameSync(tmp, target);
  }
  return ctx.db.sequelize.transaction(async (t) => {
    const row = (await ctx.db.models.File.create(
      { contractId, sha256: hash, name, size: file.size, mime: file.mimetype || 'application/octet-stream', uploadedBy: actor.id || null },
      { transaction: t },
    )).get({ plain: true }) as FileRow;
    await audit(ctx, t, actor, { action: 'file.upload', entity: 'file', entityId: row.id, contractId, after: serializeFile(row) });
    return serializeFile(row);
  });
}

export async function filesOf(ctx: Ctx, contractId: number, ids: number[], t?: Transaction) {
  if (!ids.length) return [];
  const rows = (await ctx.db.models.File.findAll({ where: { id: { [Op.in]: ids }, contractId }, raw: true, transaction: t })) as unknown as FileRow[];
  return rows.map(serializeFile);
}

/** A stored file the actor may download: its row and its path on disk. */
export async function openFile(ctx: Ctx, actor: Actor, fileId: number) {
  const row = (await ctx.db.models.File.findByPk(fileId, { raw: true })) as unknown as FileRow | null;
  if (!row) throw notFound('文件不存在');
  await loadVisibleBundle(ctx, actor, row.contractId);
  if (!/^[0-9a-f]{64}$/.test(row.sha256)) throw notFound('文件不存在');
  const p = path.join(filesDir(ctx), row.sha256);
  if (!fs.existsSync(p)) throw notFound('文件内容已丢失，请联系管理员');
  return { file: serializeFile(row), path: p };
}
