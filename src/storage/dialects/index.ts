import type { Dialect, Engine } from './dialect.js';
import { postgres } from './postgres.js';
import { sqlite } from './sqlite.js';

export type { Connection, Dialect, Engine, Executor, Fence, SQLiteConnection } from './dialect.js';

/** The dialect of each engine: the store picks its own by the engine of the database it is given. */
export const DIALECTS = { sqlite, postgres } as const satisfies Record<Engine, Dialect>;
