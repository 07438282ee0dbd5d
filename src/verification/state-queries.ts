import { eq, getTableColumns, sql } from 'drizzle-orm'
import { credentials, officers } from '../../db/schema.ts'
import { prepareUnitLineage } from '../officers/scope.ts'
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
  const byId = query().where(eq(credentials.id, sql.placeholder('id'))).prepare()
  const byCode = query().where(eq(credentials.shortCode, sql.placeholder('code'))).prepare()
  const lineage = prepareUnitLineage(db)
  // The unit is read with the credential, so that one remembered answer holds both.
  const withUnit = <T extends { officer: { unitCode: string | null } }>(row: T | undefined) => (row ? { ...row, unit: lineage(row.officer.unitCode) } : undefined)
  return {
    byId: { get: (params: { id: string }) => withUnit(byId.get(params)) },
    byCode: { get: (params: { code: string }) => withUnit(byCode.get(params)) },
  }
}

export type StateQueries = ReturnType<typeof prepareStateQueries>

export type StateRow = NonNullable<ReturnType<StateQueries['byId']['get']>>
