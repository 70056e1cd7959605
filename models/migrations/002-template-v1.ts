// Ships version 1 of the quality table (seed 002's 33 items) as data. Later versions are
// created by admins through the API; this one is inserted once and never changed.
import { QueryInterface } from 'sequelize';
import { TEMPLATE_V1 } from '../../scoring/template-v1';

export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const now = new Date();
  await qi.bulkInsert('templates', [
    {
      version: 1,
      name: TEMPLATE_V1.name,
      based_on: null,
      definition: JSON.stringify(TEMPLATE_V1),
      created_by: null,
      created_at: now,
      updated_at: now,
    },
  ]);
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  await qi.bulkDelete('templates', { version: 1 });
}
