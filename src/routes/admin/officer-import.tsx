import { Hono, type Context } from 'hono'
import { z } from 'zod'
import { requireRole } from '../../http/access.ts'
import type { AppEnv } from '../../http/env.ts'
import { formFile, formText, validForm } from '../../http/validate.ts'
import { fill, fillCount } from '../../i18n/index.ts'
import { importOfficers, MAX_IMPORT_BYTES, previewImport } from '../../officers/csv-import.ts'
import { ImportPage, type ImportView } from '../../../views/admin/officers.tsx'
import { adminAuth, adminFrame } from './context.ts'

const ImportForm = z.object({ file: formFile })
const ImportConfirmForm = z.object({ csv: formText })

/**
 * /admin/officers/import: a CSV file of officers, previewed row by row, then imported in one go.
 * Importing adds many officers at once, so supervisors may not. Mounted before the officer
 * routes, whose `/:employeeNo` would otherwise take `/import`.
 */
export function adminOfficerImportRoutes() {
  const app = new Hono<AppEnv>()

  app.get('/import', requireRole('admin'), (c) => c.html(<ImportPage frame={adminFrame(c)} view={emptyImport()} />))

  app.post('/import', requireRole('admin'), validForm(ImportForm), async (c) => {
    const { file } = c.req.valid('form')
    const csv = file ? (file.size > MAX_IMPORT_BYTES ? null : await file.text()) : null
    return renderImport(c, csv, file !== null && file.size > MAX_IMPORT_BYTES)
  })

  app.post('/import/confirm', requireRole('admin'), validForm(ImportConfirmForm), async (c) => {
    const auth = adminAuth(c)
    const { db, clock } = c.get('services')
    const { csv } = c.req.valid('form')
    // The file is checked again: what was previewed is not trusted to be what comes back.
    const preview = await previewImport(db, csv)
    if (!preview.ok) return renderImport(c, csv, false)
    const count = await importOfficers(db, clock, preview.rows, auth.user.username)
    return c.redirect(`/admin/officers?imported=${count}`, 303)
  })

  return app
}

async function renderImport(c: Context<AppEnv>, csv: string | null, tooLarge: boolean) {
  const o = c.get('t').admin.officers
  if (csv === null) return c.html(<ImportPage frame={adminFrame(c)} view={{ ...emptyImport(), error: tooLarge ? o.importTooLarge : o.importEmpty }} />, tooLarge ? 413 : 422)
  const preview = await previewImport(c.get('services').db, csv)
  const errors = c.get('t').admin.errors
  const rows = preview.rows.map((row) => ({ ...row, problems: row.problems.map((code) => errors[code] ?? code) }))
  const fileError = preview.ok
    ? null
    : preview.fileProblem === 'malformed'
      ? fill(o.importMalformed, { line: String(preview.line), problem: o.importCsvProblems[preview.problem] })
      : preview.fileProblem === 'too_large'
      ? o.importTooLarge
      : preview.fileProblem === 'bad_header'
        ? o.importBadHeader
        : preview.fileProblem === 'empty'
          ? o.importEmpty
          : fillCount(o.importErrors, rows.filter((row) => row.problems.length > 0).length)
  const view: ImportView = { csv, rows, canConfirm: preview.ok, confirmLabel: fillCount(o.importConfirm, rows.length), error: fileError }
  return c.html(<ImportPage frame={adminFrame(c)} view={view} />, preview.ok ? 200 : 422)
}

function emptyImport(): ImportView {
  return { csv: null, rows: [], canConfirm: false, confirmLabel: '', error: null }
}
