import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { desc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditLog } from '../db/schema.ts'
import { tempDir } from './helpers.ts'
import { runCli, startServer, type RunningServer } from './support/processes.ts'
import { openDataDirDatabase } from './support/test-database.ts'

let server: RunningServer
let dir: ReturnType<typeof tempDir>

beforeAll(async () => {
  dir = tempDir('areas')
  // On loopback the server seeds its demo data, the demo areas among them (kecamatan Menteng → ULP Cikini).
  server = await startServer(dir.path)
})

afterAll(async () => {
  await server?.stop()
  dir?.remove()
})

function csvFile(name: string, text: string): string {
  const path = join(dir.path, name)
  writeFileSync(path, text)
  return path
}

/** Runs a CLI command with --json and checks the contract: one JSON object on stdout. */
async function cliJson(args: string[]): Promise<{ code: number; json: Record<string, unknown>; stderr: string }> {
  const result = await runCli([...args, '--json'], server.env)
  const lines = result.stdout.trim().split('\n')
  expect(lines, `stdout: ${result.stdout}\nstderr: ${result.stderr}`).toHaveLength(1)
  return { code: result.code, json: JSON.parse(lines[0]!) as Record<string, unknown>, stderr: result.stderr }
}

type ListedArea = { kelurahan: string; kecamatan: string; city: string; unit: string }

async function listedAreas(): Promise<ListedArea[]> {
  const { code, json } = await cliJson(['area', 'list'])
  expect(code).toBe(0)
  return json.areas as ListedArea[]
}

describe('npm run cli -- area import / area list', () => {
  it('lists the demo areas as one JSON object', async () => {
    const areas = await listedAreas()
    expect(areas).toContainEqual({ kelurahan: 'Cikini', kecamatan: 'Menteng', city: 'Kota Jakarta Pusat', unit: 'ULP-CKN' })
    expect(areas).toContainEqual({ kelurahan: 'Gondangdia', kecamatan: 'Menteng', city: 'Kota Jakarta Pusat', unit: 'ULP-CKN' })
    expect(Object.keys(areas[0]!).sort()).toEqual(['city', 'kecamatan', 'kelurahan', 'unit'])
  })

  it('imports a valid file, counting new and changed rows, audited; again it changes nothing', async () => {
    const file = csvFile('jakarta.csv', 'unit_code,kelurahan,kecamatan,city\r\nUP3-MTG,Kwitang,Senen,Kota Jakarta Pusat\r\nUP3-MTG,Kel. Cikini,Kec. Menteng,Kota Jakarta Pusat\r\n')
    const first = await cliJson(['area', 'import', file])
    expect(first.code).toBe(0)
    expect(first.json).toEqual({ rows: 2, inserted: 1, updated: 1, unchanged: 0 })
    const areas = await listedAreas()
    expect(areas).toContainEqual({ kelurahan: 'Kwitang', kecamatan: 'Senen', city: 'Kota Jakarta Pusat', unit: 'UP3-MTG' })
    // "Kel. Cikini" of "Kec. Menteng" is the demo's Cikini: updated in place, not added beside it.
    expect(areas.filter((area) => area.kecamatan.endsWith('Menteng') && area.kelurahan.endsWith('Cikini'))).toEqual([
      { kelurahan: 'Kel. Cikini', kecamatan: 'Kec. Menteng', city: 'Kota Jakarta Pusat', unit: 'UP3-MTG' },
    ])

    const again = await cliJson(['area', 'import', file])
    expect(again.json).toEqual({ rows: 2, inserted: 0, updated: 0, unchanged: 2 })
    expect(await listedAreas()).toEqual(areas)

    const db = await openDataDirDatabase(dir.path)
    try {
      const rows = await db.select().from(auditLog).where(eq(auditLog.action, 'area.imported')).orderBy(desc(auditLog.id))
      expect(rows).toHaveLength(2)
      expect(rows[1]).toMatchObject({ actor: 'cli', subject: 'unit_areas' })
      expect(JSON.parse(rows[1]!.details)).toEqual({ rows: 2, inserted: 1, updated: 1, unchanged: 0 })
    } finally {
      await db.close()
    }
    const plain = await runCli(['area', 'import', file], server.env)
    expect(plain.code).toBe(0)
    expect(plain.stdout.trim().split('\n').at(-1)).toBe('Imported 2 areas: 0 new, 0 changed, 2 unchanged')
  })

  it('refuses the whole file for one bad row, names each bad line, and changes nothing', async () => {
    const before = await listedAreas()
    const file = csvFile(
      'bad.csv',
      ['kelurahan,kecamatan,city,unit_code', 'Senen,Senen,Kota Jakarta Pusat,UP3-MTG', 'Bungur,Senen,Kota Jakarta Pusat,ULP-NOPE', ',Senen,Kota Jakarta Pusat,UP3-MTG', 'Senen,Senen,Kota Jakarta Pusat,UP3-MTG'].join('\n'),
    )
    const { code, json, stderr } = await cliJson(['area', 'import', file])
    expect(code).not.toBe(0)
    expect(json.code).toBe('area_rows_refused')
    expect(json.error).toBe('3 of 4 rows refused, nothing imported: line 3: unknown unit "ULP-NOPE"; line 4: kelurahan is empty; line 5: repeats the place of line 2')
    expect(stderr.trim().split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1)
    expect(await listedAreas()).toEqual(before)
  })

  it('refuses a file without the four columns, and one it cannot read, with a one-line error', async () => {
    const header = await cliJson(['area', 'import', csvFile('header.csv', 'kelurahan,kecamatan,unit\nSenen,Senen,UP3-MTG\n')])
    expect(header.code).not.toBe(0)
    expect(header.json.error).toBe('The first line must name the columns kelurahan,kecamatan,city,unit_code')
    const quote = await cliJson(['area', 'import', csvFile('quote.csv', 'kelurahan,kecamatan,city,unit_code\n"Senen,Senen,Kota,UP3-MTG\n')])
    expect(quote.json.error).toMatch(/^The file is not valid CSV \(line 2/)
    const missing = await cliJson(['area', 'import', join(dir.path, 'nope.csv')])
    expect(missing.code).not.toBe(0)
    expect(missing.json.error).toMatch(/^Cannot read .*nope\.csv: ENOENT$/)
  })
})
