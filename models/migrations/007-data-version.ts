// The data version pages cache their figures by (services/readcache.ts): a counter raised
// after every committed write, with a random epoch so a recreated database never matches
// figures cached for the old one; and each user's session epoch, raised when their password
// changes, which ends their other sessions.
import crypto from 'node:crypto';
import { DataTypes, QueryInterface } from 'sequelize';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.createTable('data_version', {
    id: { type: DataTypes.INTEGER, primaryKey: true, allowNull: false },
    epoch: { type: DataTypes.STRING(32), allowNull: false },
    v: { type: DataTypes.BIGINT, allowNull: false },
  });
  await qi.bulkInsert('data_version', [{ id: 1, epoch: crypto.randomBytes(8).toString('hex'), v: 0 }]);
  await qi.addColumn('users', 'session_epoch', { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.removeColumn('users', 'session_epoch');
  await qi.dropTable('data_version');
}
