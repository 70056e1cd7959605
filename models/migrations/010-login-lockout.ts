// Sign-in lockout per account, kept in the database so that it holds across every app
// instance sharing it (the per-address limiter of the sign-in page is per process):
// failed_logins counts consecutive wrong passwords (raised atomically, failed_logins + 1),
// locked_until is set when it reaches the limit; a successful sign-in, an admin's password
// reset or re-activation clear both (server/services/users.ts).
import { DataTypes, QueryInterface } from 'sequelize';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.addColumn('users', 'failed_logins', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
  await qi.addColumn('users', 'locked_until', { type: DataTypes.DATE, allowNull: true });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('users', 'locked_until');
  await qi.removeColumn('users', 'failed_logins');
}
