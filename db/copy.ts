import { count, getTableColumns, getTableName, is, sql, type Column } from 'drizzle-orm'
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Db, Transaction } from './database.ts'
import * as schema from './schema.ts'

/** Rows read and written per statement; PostgreSQL takes at most 65,535 parameters in one. */
const COPY_BATCH_ROWS = 500

export interface TableCount {
  table: string
  source: number
  target: number
}

export class CopyRefused extends Error {}

/**
 * Copies every row of every table from `source` (SQLite) to `target` (a newly migrated, empty PostgreSQL database),
 * in one transaction of the target: a copy that fails leaves the target as empty as it was. Tables
 * go parents first (by their foreign keys) and a table that refers to itself row by row
 * (units to their parent unit) parents first too; identity columns then continue after the
 * copied ids. Answers the row counts of both sides, table by table, read after the commit.
 *
 * Nothing should write to the source meanwhile: stop the server first (docs/deploy.md).
 */
export async function copyDatabase(source: Db, target: Db): Promise<TableCount[]> {
  if (source.engine !== 'sqlite') throw new CopyRefused('db copy moves a SQLite database (DATA_DIR) to PostgreSQL: run it without DATABASE_URL')
  if (target.engine !== 'postgres') throw new CopyRefused('db copy --to takes a postgres:// URL')
  const tables = tablesParentsFirst()
  for (const table of tables) {
    if ((await countRows(target, table)) > 0) throw new CopyRefused(`The target database already holds data (table ${getTableName(table)}); copy only into an empty database`)
  }
  await target.transaction(async (tx) => {
    for (const table of tables) {
      const selfReference = selfReferenceOf(table)
      const rows = selfReference ? parentsFirst([...sourceRows(source, table)], selfReference) : sourceRows(source, table)
      let batch: Record<string, unknown>[] = []
      for (const row of rows) {
        batch.push(row)
        if (batch.length === COPY_BATCH_ROWS) {
          await tx.insert(table).values(batch)
          batch = []
        }
      }
      if (batch.length > 0) await tx.insert(table).values(batch)
    }
    for (const table of tables) await continueIdentity(tx, table)
  })
  const counts: TableCount[] = []
  for (const table of tables) counts.push({ table: getTableName(table), source: await countRows(source, table), target: await countRows(target, table) })
  return counts
}

async function countRows(db: Db, table: SQLiteTable): Promise<number> {
  const [row] = await db.select({ n: count() }).from(table)
  return row?.n ?? 0
}

/**
 * The table's rows as drizzle inserts them (by field name), streamed from the SQLite file: a
 * cursor of better-sqlite3, so a table of millions of scans never sits in memory. The stored
 * values are the driver values both engines keep (db/postgres.ts).
 */
function* sourceRows(source: Db, table: SQLiteTable): Generator<Record<string, unknown>> {
  const fields = Object.entries(getTableColumns(table)).map(([field, column]) => [field, column.name] as const)
  const statement = source.$client.prepare(`select * from "${getTableName(table)}" order by rowid`)
  for (const stored of statement.iterate() as IterableIterator<Record<string, unknown>>) {
    yield Object.fromEntries(fields.map(([field, name]) => [field, stored[name]]))
  }
}

/** The app's tables, each after every table it refers to. */
function tablesParentsFirst(): SQLiteTable[] {
  const all = (Object.values(schema) as unknown[]).filter((value): value is SQLiteTable => is(value, SQLiteTable))
  const placed = new Set<SQLiteTable>()
  const ordered: SQLiteTable[] = []
  const place = (table: SQLiteTable, path: SQLiteTable[]) => {
    if (placed.has(table)) return
    if (path.includes(table)) throw new Error(`Foreign keys form a cycle through ${getTableName(table)}`)
    for (const key of getTableConfig(table).foreignKeys) {
      const parent = key.reference().foreignTable as SQLiteTable
      if (parent !== table) place(parent, [...path, table])
    }
    placed.add(table)
    ordered.push(table)
  }
  for (const table of all) place(table, [])
  return ordered
}

/** The field names of a foreign key from a table to itself (e.g. units.parent_code to units.code). */
function selfReferenceOf(table: SQLiteTable): { child: string; parent: string } | null {
  const key = getTableConfig(table).foreignKeys.find((candidate) => candidate.reference().foreignTable === table)
  if (!key) return null
  const { columns, foreignColumns } = key.reference()
  const fieldOf = (column: Column) => Object.entries(getTableColumns(table)).find(([, candidate]) => candidate === column)![0]
  return { child: fieldOf(columns[0]!), parent: fieldOf(foreignColumns[0]!) }
}

/** Rows ordered so that each comes after the row it refers to. */
function parentsFirst(rows: Record<string, unknown>[], reference: { child: string; parent: string }): Record<string, unknown>[] {
  const placed = new Set<unknown>()
  const ordered: Record<string, unknown>[] = []
  let waiting = rows
  while (waiting.length > 0) {
    const ready = waiting.filter((row) => row[reference.child] === null || placed.has(row[reference.child]) || !rows.some((other) => other[reference.parent] === row[reference.child]))
    if (ready.length === 0) throw new Error('Rows refer to each other in a cycle')
    for (const row of ready) {
      ordered.push(row)
      placed.add(row[reference.parent])
    }
    waiting = waiting.filter((row) => !ready.includes(row))
  }
  return ordered
}

/** PostgreSQL's identity sequence goes on after the highest copied id. */
async function continueIdentity(tx: Transaction, table: SQLiteTable): Promise<void> {
  const id = getTableConfig(table).columns.find((column) => column.primary && column.columnType === 'SQLiteInteger' && (column as unknown as { autoIncrement?: boolean }).autoIncrement)
  if (!id) return
  const name = getTableName(table)
  await tx.rows(sql`select setval(pg_get_serial_sequence(${`"${name}"`}, ${id.name}), coalesce((select max(${sql.identifier(id.name)}) from ${sql.identifier(name)}), 0) + 1, false)`)
}
