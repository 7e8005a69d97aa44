import type { Config } from '../config/config.ts';
import { PostgresStore } from './postgres-store.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

/** The Store the configuration names (not yet initialised). */
export function createStore(database: Config['database']): Store {
  if (database.kind === 'sqlite')
    return new SqliteStore({ path: database.path, synchronous: database.synchronous });
  return new PostgresStore({ url: database.url });
}
