import type { Config } from '../config/config.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

/**
 * The Store the configuration names (not yet initialised). PostgreSQL's module (and the `pg`
 * driver) is loaded only when it is the one named.
 */
export async function createStore(database: Config['database']): Promise<Store> {
  if (database.kind === 'sqlite')
    return new SqliteStore({ path: database.path, synchronous: database.synchronous });
  const { PostgresStore } = await import('./postgres-store.ts');
  return new PostgresStore({ url: database.url });
}
