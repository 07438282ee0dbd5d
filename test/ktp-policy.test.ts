import { afterEach, describe, expect, it } from 'vitest'
import { openDataDirDatabase } from './support/test-database.ts'
import { credentials, declaredCampaigns } from '../db/schema.ts'
import { messagesFor } from '../src/i18n/index.ts'
import { createTestApp, fixedClock, givenOfficer, PUBLIC_URL, tempDir, testConfig } from './helpers.ts'
import { runCliAt } from './support/cli-at.ts'
import { givenUser, signIn } from './support/session.ts'

const id = messagesFor('id')
const dirs: ReturnType<typeof tempDir>[] = []

afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove()
})

/** 2026-11-23 09:00 WIB is the test clock's start; the window is that day's late morning. */
function passFields(overrides: Record<string, string>) {
  return { customerId: '532100012345', purpose: 'CATAT_METER', ktp: '', workOrder: '', windowStart: '2026-11-23T10:00', windowEnd: '2026-11-23T15:00', ...overrides }
}

async function portal() {
  const app = await createTestApp()
  const officer = await givenOfficer(app.services)
  const browser = await signIn(app, (await givenUser(app, 'officer', officer)).username)
  const passCount = async () => (await app.db.select().from(credentials).all()).length
  return { app, officer, browser, passCount }
}

async function declareCampaign(app: Awaited<ReturnType<typeof createTestApp>>) {
  const now = app.clock.now()
  await app.db.insert(declaredCampaigns).values({ purpose: 'PEMADANAN_DATA', name: 'Pemadanan NIK 2026', unitCode: null, startsAt: now - 1000, endsAt: now + 86_400_000 }).run()
}

describe('the KTP photo policy in the officer portal', () => {
  it.each(['CATAT_METER', 'P2TL', 'GANTI_METER', 'GANGGUAN', 'PASANG_BARU', 'TAMBAH_DAYA', 'GESER_METER'])(
    'refuses "may be photographed" for %s even with a work-order number, says why, and issues nothing',
    async (purpose) => {
      const { browser, passCount } = await portal()
      const res = await browser.post('/officer/passes', passFields({ purpose, ktp: 'photo', workOrder: 'WO/2026/7' }))
      expect(res.status).toBe(422)
      const html = await res.text()
      expect(html).toContain(id.portal.errors.photo_not_allowed!.replace(/"/g, '&quot;'))
      expect(html).toContain('aria-invalid="true"')
      expect(await passCount()).toBe(0)
    },
  )

  it('says so in English too', async () => {
    const { browser } = await portal()
    const res = await browser.post('/officer/passes?lang=en', passFields({ ktp: 'photo', workOrder: 'ABC' }))
    expect(res.status).toBe(422)
    expect(await res.text()).toContain('A KTP may not be photographed for this purpose.')
  })

  it('allows a photo for a name transfer only with a work-order number', async () => {
    const { browser, passCount } = await portal()
    const without = await browser.post('/officer/passes', passFields({ purpose: 'BALIK_NAMA', ktp: 'photo' }))
    expect(without.status).toBe(422)
    expect(await without.text()).toContain(id.portal.errors.photo_needs_work_order)
    expect((await browser.post('/officer/passes', passFields({ purpose: 'BALIK_NAMA', ktp: 'photo', workOrder: 'BN/2026/000123' }))).status).toBe(303)
    expect(await passCount()).toBe(1)
  })

  it('allows a photo for data matching only inside a declared campaign', async () => {
    const { app, browser, passCount } = await portal()
    const outside = await browser.post('/officer/passes', passFields({ purpose: 'PEMADANAN_DATA', ktp: 'photo', workOrder: 'WO/1' }))
    expect(outside.status).toBe(422)
    expect(await outside.text()).toContain(id.portal.errors.photo_needs_campaign)
    await declareCampaign(app)
    expect((await browser.post('/officer/passes', passFields({ purpose: 'PEMADANAN_DATA', ktp: 'photo' }))).status).toBe(303)
    expect(await passCount()).toBe(1)
  })
})

describe('the KTP photo policy in the CLI (pass issue --ktp photo)', () => {
  async function cliApp() {
    const dir = tempDir('ktp-policy')
    dirs.push(dir)
    const clock = fixedClock()
    const app = await createTestApp({ clock, db: await openDataDirDatabase(dir.path), config: { dataDir: dir.path } })
    const env = { DATA_DIR: dir.path, KEK: testConfig().kek!, PUBLIC_URL }
    const issue = (args: string[]) => runCliAt(clock, ['pass', 'issue', '--officer', officer.employeeNo, '--customer', '532100012345', ...args, '--json'], env)
    const officer = await givenOfficer(app.services)
    return { app, issue }
  }

  it('refuses a photo for a meter reading with a work-order number, with a one-line error and its code', async () => {
    const { app, issue } = await cliApp()
    const result = await issue(['--purpose', 'CATAT_METER', '--ktp', 'photo', '--work-order', 'ABC'])
    expect(result.code).toBe(1)
    expect(result.json).toMatchObject({ code: 'photo_not_allowed' })
    expect(result.stderr).toMatch(/^error: A KTP photo is only allowed for BALIK_NAMA \(with a work-order number\) and PEMADANAN_DATA \(inside a declared campaign\)$/)
    expect(await app.db.select().from(credentials).all()).toHaveLength(0)
  })

  it('issues a name-transfer pass with a photo and a work-order number, and refuses one without', async () => {
    const { issue } = await cliApp()
    expect((await issue(['--purpose', 'BALIK_NAMA', '--ktp', 'photo'])).json).toMatchObject({ code: 'photo_needs_work_order' })
    const ok = await issue(['--purpose', 'BALIK_NAMA', '--ktp', 'photo', '--work-order', 'BN/2026/000123'])
    expect(ok.code).toBe(0)
    const payload = JSON.parse(Buffer.from(String(ok.json?.token).split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(payload).toMatchObject({ pur: 'BALIK_NAMA', ktp: 'photo', wo: 'BN/2026/000123' })
  })

  it('refuses a data-matching photo outside a declared campaign and issues it inside one', async () => {
    const { app, issue } = await cliApp()
    expect((await issue(['--purpose', 'PEMADANAN_DATA', '--ktp', 'photo'])).json).toMatchObject({ code: 'photo_needs_campaign' })
    await declareCampaign(app)
    expect((await issue(['--purpose', 'PEMADANAN_DATA', '--ktp', 'photo'])).code).toBe(0)
  })
})
