import type { Config } from '../config/config.ts';
import { AppError } from '../errors.ts';
import { SqliteStore } from './sqlite-store.ts';
import type { Store } from './store.ts';

/** The Store the configuration names (not yet initialised). */
export function createStore(database: Config['database']): Store {
  if (database.kind === 'sqlite')
    return new SqliteStore({ path: database.path, synchronous: database.synchronous });
  throw new AppError('UNAVAILABLE', 'PostgreSQL storage is not available yet in this build');
}
