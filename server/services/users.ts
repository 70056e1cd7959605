// Users, roles and API tokens.
import { Op, QueryTypes } from 'sequelize';
import { ROLES, Role, UserRow } from '../../models';
import { beijingTime } from '../display';
import { ApiError, badRequest, conflict, invalidField, notFound, unauthorized } from '../errors';
import { generatePassword, hashPassword, hashToken, newToken, verifyPassword } from '../passwords';
import { Joi, validate } from '../validate';
import { Actor, audit, Ctx, iso, now, requireRole, SYSTEM } from './context';

export function serializeUser(u: UserRow) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    vendorId: u.vendorId,
    active: !!u.active,
    createdAt: iso(u.createdAt),
  };
}

const createSchema = Joi.object({
  username: Joi.string().trim().min(2).max(64).pattern(/^[A-Za-z0-9_.@-]+$/, '字母、数字、_ . @ -').required(),
  password: Joi.string().min(10).max(200).required(),
  role: Joi.string().valid(...ROLES).required(),
  vendorId: Joi.number().integer().min(1).allow(null),
  displayName: Joi.string().trim().max(100).allow('', null),
});

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  vendorId?: number | null;
  displayName?: string | null;
}

export async function createUser(ctx: Ctx, actor: Actor, body: unknown) {
  requireRole(actor, 'admin');
  const input = validate<CreateUserInput>(createSchema, body);
  const { User, Vendor } = ctx.db.models;
  if (input.role === 'vendor') {
    if (!input.vendorId) throw invalidField('vendorId', '服务商用户必须绑定一个服务商（vendorId）');
    if (!(await Vendor.findByPk(input.vendorId))) throw invalidField('vendorId', '服务商不存在');
  } else if (input.vendorId) {
    throw invalidField('vendorId', '只有服务商用户可以绑定服务商');
  }
  if (await User.findOne({ where: { username: input.username } })) {
    throw conflict(`用户名 ${input.username} 已存在`, [{ path: 'username', message: '用户名已存在' }]);
  }
  const passwordHash = await hashPassword(input.password, ctx.config.argon2MemoryKiB);
  return ctx.db.sequelize.transaction(async (t) => {
    const row = await User.create(
      {
        username: input.username,
        passwordHash,
        role: input.role,
        vendorId: input.role === 'vendor' ? input.vendorId : null,
        displayName: input.displayName || null,
        active: true,
      },
      { transaction: t },
    );
    const user = serializeUser(row.get({ plain: true }));
    await audit(ctx, t, actor, { action: 'user.create', entity: 'user', entityId: user.id, after: user });
    return user;
  });
}

export async function listUsers(ctx: Ctx, actor: Actor) {
  requireRole(actor, 'admin');
  const rows = (await ctx.db.models.User.findAll({ order: [['id', 'ASC']], raw: true })) as unknown as UserRow[];
  return rows.map(serializeUser);
}

/**
 * On first start with no users: creates the admin from ADMIN_USERNAME / ADMIN_PASSWORD, or
 * with a generated password that is returned so the caller can print it once.
 */
export async function bootstrapAdmin(ctx: Ctx): Promise<{ username: string; generatedPassword: string | null } | null> {
  const count = await ctx.db.models.User.count();
  if (count > 0) return null;
  const password = ctx.config.adminPassword ?? generatePassword();
  try {
    await createUser(ctx, SYSTEM, {
      username: ctx.config.adminUsername,
      password: password.length >= 10 ? password : badPassword(),
      role: 'admin',
      displayName: '系统管理员',
    });
  } catch (e) {
    // another instance starting at the same moment on the same empty database created it first
    const duplicate = (e instanceof ApiError && e.status === 409) || (e as { name?: string })?.name === 'SequelizeUniqueConstraintError';
    if (duplicate && (await ctx.db.models.User.count()) > 0) return null;
    throw e;
  }
  return { username: ctx.config.adminUsername, generatedPassword: ctx.config.adminPassword ? null : password };
}

function badPassword(): never {
  throw badRequest('ADMIN_PASSWORD 至少需要 10 个字符');
}

const tokenSchema = Joi.object({
  username: Joi.string().max(64).required(),
  password: Joi.string().max(200).required(),
});

/** How long an account stays locked after LOGIN_MAX_FAILURES consecutive wrong passwords. */
export const LOCKOUT_MINUTES = 15;
const BAD_CREDENTIALS = '用户名或密码错误';

/**
 * A hash of a password nobody has, verified when the username is unknown (or the account is
 * locked) so that every refused sign-in costs one argon2 verification: the answer's timing
 * does not tell an unknown username from a wrong password. One per memory cost.
 */
const dummyHashes = new Map<number, Promise<string>>();
function dummyHash(memoryKiB: number): Promise<string> {
  let h = dummyHashes.get(memoryKiB);
  if (!h) {
    h = hashPassword(generatePassword(), memoryKiB);
    dummyHashes.set(memoryKiB, h);
    h.catch(() => dummyHashes.delete(memoryKiB));
  }
  return h;
}

/** The account's lock end, or null when it is not locked now. */
function lockedUntil(user: Pick<UserRow, 'lockedUntil'>, at: Date): Date | null {
  if (!user.lockedUntil) return null;
  const until = new Date(user.lockedUntil);
  return until.getTime() > at.getTime() ? until : null;
}

function accountLocked(until: Date): ApiError {
  return new ApiError(423, 'account_locked', `该账户因连续多次密码错误已被锁定，请于 ${beijingTime(until)}（北京时间）后再试，或联系管理员重置密码`);
}

/**
 * Counts a wrong password of an existing account: failed_logins + 1 in one statement (so
 * concurrent attempts on several instances all count) and, the attempt that reaches the
 * limit, locks the account for LOCKOUT_MINUTES and audits it. A lock that has run out starts
 * the count again. Unknown usernames (userId null) run the same statements on no row, so
 * both cost the same.
 */
async function recordFailure(ctx: Ctx, user: UserRow | null, from: LoginSource): Promise<void> {
  const at = now(ctx);
  const limit = Math.max(1, ctx.config.loginMaxFailures);
  const until = new Date(at.getTime() + LOCKOUT_MINUTES * 60_000);
  const id = user?.id ?? -1;
  const q = ctx.db.sequelize;
  await q.transaction(async (t) => {
    // a lock that has run out: counting starts again
    await q.query('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = :id AND locked_until IS NOT NULL AND locked_until <= :at', {
      replacements: { id, at }, transaction: t,
    });
    await q.query('UPDATE users SET failed_logins = failed_logins + 1 WHERE id = :id AND locked_until IS NULL', {
      replacements: { id }, transaction: t,
    });
    // only the attempt that reaches the limit sets the lock (the others find it set)
    const changed = await q.query('UPDATE users SET locked_until = :until WHERE id = :id AND locked_until IS NULL AND failed_logins >= :limit', {
      replacements: { id, until, limit }, transaction: t, type: QueryTypes.BULKUPDATE,
    });
    if (!user || Number(changed) !== 1) return;
    await audit(ctx, t, SYSTEM, {
      action: 'user.lock', entity: 'user', entityId: user.id,
      after: { username: user.username, failedLogins: limit, lockedUntil: until.toISOString(), ...(from.ip ? { ip: from.ip } : {}) },
    });
  });
}

export interface LoginSource {
  /** the client's address, recorded with a lock */
  ip?: string;
}

/**
 * The active user with this username and password (the web sign-in and API tokens share it).
 * Wrong passwords are counted per account: after LOGIN_MAX_FAILURES in a row the account is
 * locked for LOCKOUT_MINUTES (423 `account_locked`, even with the right password). Unknown
 * usernames, wrong passwords and deactivated accounts all answer 401 用户名或密码错误 after
 * one argon2 verification; only an existing account that is locked hears that it is.
 */
export async function authenticate(ctx: Ctx, body: unknown, from: LoginSource = {}): Promise<UserRow> {
  const { username, password } = validate<{ username: string; password: string }>(tokenSchema, body);
  const row = await ctx.db.models.User.findOne({ where: { username } });
  const user = row?.get({ plain: true }) as UserRow | undefined;
  const locked = user ? lockedUntil(user, now(ctx)) : null;
  // one argon2 verification whatever the case: a locked account's or an unknown username's
  // against a hash nobody's password matches (and a locked account's password is never tried)
  const ok = await verifyPassword(user && !locked ? user.passwordHash : await dummyHash(ctx.config.argon2MemoryKiB), password);
  if (locked) throw accountLocked(locked);
  if (!user || !ok) {
    // unknown usernames run the same statements on no row
    await recordFailure(ctx, user ?? null, from);
    // this attempt may have been the one that locked the account (or a concurrent one did)
    const after = (await ctx.db.models.User.findByPk(user?.id ?? -1, { attributes: ['lockedUntil'], raw: true })) as unknown as Pick<UserRow, 'lockedUntil'> | null;
    const nowLocked = after ? lockedUntil(after, now(ctx)) : null;
    if (nowLocked) throw accountLocked(nowLocked);
    throw unauthorized(BAD_CREDENTIALS);
  }
  if (!user.active) throw unauthorized(BAD_CREDENTIALS);
  if (Number(user.failedLogins ?? 0) !== 0 || user.lockedUntil) {
    // a successful sign-in ends the run of failures
    await ctx.db.sequelize.query('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = :id', { replacements: { id: user.id } });
  }
  return user;
}

export async function actorForUser(ctx: Ctx, userId: number): Promise<(Actor & { displayName: string | null; sessionEpoch: number }) | null> {
  const user = (await ctx.db.models.User.findByPk(userId, { raw: true })) as unknown as UserRow | null;
  if (!user || !user.active) return null;
  return { id: user.id, username: user.username, role: user.role, vendorId: user.vendorId, displayName: user.displayName, sessionEpoch: Number(user.sessionEpoch ?? 0) };
}

const passwordSchema = Joi.object({
  currentPassword: Joi.string().max(200).required(),
  newPassword: Joi.string().min(10).max(200).required(),
  confirmPassword: Joi.any().valid(Joi.ref('newPassword')).messages({ 'any.only': '两次输入的新密码不一致' }),
});

/** A user changes their own password; API tokens issued before stay valid until they expire. */
export async function changePassword(ctx: Ctx, actor: Actor, body: unknown) {
  const input = validate<{ currentPassword: string; newPassword: string }>(passwordSchema, body);
  const { User } = ctx.db.models;
  const user = (await User.findByPk(actor.id, { raw: true })) as unknown as UserRow | null;
  if (!user) throw unauthorized();
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) throw invalidField('currentPassword', '当前密码不正确');
  if (input.currentPassword === input.newPassword) throw invalidField('newPassword', '新密码不能与当前密码相同');
  const passwordHash = await hashPassword(input.newPassword, ctx.config.argon2MemoryKiB);
  // a new session epoch ends the user's other signed-in sessions (the caller keeps its own)
  const sessionEpoch = Number(user.sessionEpoch ?? 0) + 1;
  await ctx.db.sequelize.transaction(async (t) => {
    await User.update({ passwordHash, sessionEpoch }, { where: { id: actor.id }, transaction: t });
    await audit(ctx, t, actor, { action: 'user.password', entity: 'user', entityId: actor.id });
  });
  return { ok: true, sessionEpoch };
}

const updateSchema = Joi.object({
  role: Joi.string().valid(...ROLES),
  vendorId: Joi.number().integer().min(1).allow(null),
  displayName: Joi.string().trim().max(100).allow('', null),
  active: Joi.boolean(),
  password: Joi.string().min(10).max(200).allow('', null),
});

/** An admin changes a user's role, vendor, name, active flag, or sets a new password. */
export async function updateUser(ctx: Ctx, actor: Actor, userId: number, body: unknown) {
  requireRole(actor, 'admin');
  const input = validate<{ role?: Role; vendorId?: number | null; displayName?: string | null; active?: boolean; password?: string | null }>(updateSchema, body);
  const { User, Vendor } = ctx.db.models;
  const before = (await User.findByPk(userId, { raw: true })) as unknown as UserRow | null;
  if (!before) throw notFound('用户不存在');
  const role = input.role ?? before.role;
  const vendorId = role === 'vendor' ? (input.vendorId !== undefined ? input.vendorId : before.vendorId) : null;
  if (role === 'vendor') {
    if (!vendorId) throw invalidField('vendorId', '服务商用户必须绑定一个服务商');
    if (!(await Vendor.findByPk(vendorId))) throw invalidField('vendorId', '服务商不存在');
  } else if (input.vendorId) {
    throw invalidField('vendorId', '只有服务商用户可以绑定服务商');
  }
  if (userId === actor.id && (input.active === false || role !== 'admin')) {
    throw invalidField(input.active === false ? 'active' : 'role', '不能停用自己或取消自己的管理员角色');
  }
  const values: Record<string, unknown> = { role, vendorId };
  if (input.displayName !== undefined) values.displayName = input.displayName || null;
  if (input.active !== undefined) values.active = input.active;
  if (input.password) {
    values.passwordHash = await hashPassword(input.password, ctx.config.argon2MemoryKiB);
    values.sessionEpoch = Number(before.sessionEpoch ?? 0) + 1; // signed-in sessions end
  }
  // a password reset or (re-)activation by an admin also unlocks a locked account
  const unlock = (!!input.password || input.active === true) && (Number(before.failedLogins ?? 0) !== 0 || !!before.lockedUntil);
  if (unlock) {
    values.failedLogins = 0;
    values.lockedUntil = null;
  }
  return ctx.db.sequelize.transaction(async (t) => {
    await User.update(values, { where: { id: userId }, transaction: t });
    if (input.active === false || input.password) await ctx.db.models.ApiToken.destroy({ where: { userId }, transaction: t });
    const after = (await User.findByPk(userId, { raw: true, transaction: t })) as unknown as UserRow;
    await audit(ctx, t, actor, {
      action: 'user.update', entity: 'user', entityId: userId,
      before: serializeUser(before), after: { ...serializeUser(after), passwordChanged: !!input.password, ...(unlock ? { unlocked: true } : {}) },
    });
    return serializeUser(after);
  });
}

export async function issueToken(ctx: Ctx, body: unknown) {
  const user = await authenticate(ctx, body);
  const { ApiToken } = ctx.db.models;
  const { token, hash } = newToken();
  const expiresAt = new Date(Date.now() + ctx.config.tokenTtlHours * 3600_000);
  await ApiToken.create({ userId: user.id, tokenHash: hash, expiresAt });
  // Expired tokens are purged on issue, so the table stays small without a timer.
  await ApiToken.destroy({ where: { expiresAt: { [Op.lt]: new Date() } } });
  return { token, expiresAt: expiresAt.toISOString(), user: serializeUser(user) };
}

/** Resolves a bearer token to the acting user, or null. */
export async function actorForToken(ctx: Ctx, token: string): Promise<Actor | null> {
  const { User, ApiToken } = ctx.db.models;
  const tok = (await ApiToken.findOne({ where: { tokenHash: hashToken(token) }, raw: true })) as unknown as
    | { userId: number; expiresAt: Date | string }
    | null;
  if (!tok || new Date(tok.expiresAt).getTime() <= Date.now()) return null;
  const user = (await User.findByPk(tok.userId, { raw: true })) as unknown as UserRow | null;
  if (!user || !user.active) return null;
  return { id: user.id, username: user.username, role: user.role, vendorId: user.vendorId };
}

export async function revokeToken(ctx: Ctx, token: string): Promise<void> {
  await ctx.db.models.ApiToken.destroy({ where: { tokenHash: hashToken(token) } });
}
