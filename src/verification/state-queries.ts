import { eq, getTableColumns, sql } from 'drizzle-orm'
import { credentials, officers } from '../../db/schema.ts'
import { unitLineageLookup } from '../officers/scope.ts'
import type { Services } from '../services.ts'

/** The two lookups of a credential with its officer and unit, prepared once per Verifier. */
export function prepareStateQueries({ db }: Services) {
  // The sealed printed token is for reprints, never for a verdict: not read on every check.
  const { printedTokenSealed: _printedToken, ...credentialColumns } = getTableColumns(credentials)
  const query = () =>
    db
      .select({
        credential: credentialColumns,
        officer: {
          employeeNo: officers.employeeNo,
          name: officers.name,
          roleTitle: officers.roleTitle,
          employer: officers.employer,
          photoId: officers.photoId,
          status: officers.status,
          unitCode: officers.unitCode,
        },
      })
      .from(credentials)
      .innerJoin(officers, eq(officers.id, credentials.officerId))
  // Prepared, unlike most statements: these run on every check that the remembered answers
  // cannot serve, which after any write is most checks, and building this select anew cost about
  // as much CPU as the ES256 signature check (200 µs). They run on the Db, never inside a
  // transaction (there they would wait for it). No `limit`: id and short code are unique, and
  // SQLite ran this join five times slower with a bound `limit ?` (22 µs instead of 4).
  const byId = query().where(eq(credentials.id, sql.placeholder('id'))).prepare()
  const byCode = query().where(eq(credentials.shortCode, sql.placeholder('code'))).prepare()
  const lineage = unitLineageLookup(db)
  // The unit is read with the credential, so that one remembered answer holds both.
  const withUnit = async <T extends { officer: { unitCode: string | null } }>([row]: T[]) => (row ? { ...row, unit: await lineage(row.officer.unitCode) } : undefined)
  return {
    byId: { get: async (params: { id: string }) => withUnit(await byId.execute(params)) },
    byCode: { get: async (params: { code: string }) => withUnit(await byCode.execute(params)) },
  }
}

export type StateQueries = ReturnType<typeof prepareStateQueries>

export type StateRow = NonNullable<Awaited<ReturnType<StateQueries['byId']['get']>>>
