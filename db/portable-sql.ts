import { sql, type SQL, type SQLWrapper } from 'drizzle-orm'
import type { Engine } from './database.ts'

// The few SQL functions the two engines spell differently. Hand-written SQL elsewhere uses only
// what both read the same way (docs/architecture.md, "SQL for both engines").

/** The values of `expression` in a group, joined with commas (in no set order). */
export function commaList(engine: Engine, expression: SQLWrapper): SQL {
  return engine === 'postgres' ? sql`string_agg(${expression}, ',')` : sql`group_concat(${expression})`
}
