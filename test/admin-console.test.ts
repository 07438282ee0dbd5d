import { eq, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { auditLog, credentials, officers } from '../db/schema.ts'
import { addUnit } from '../src/officers/officers.ts'
import { generateAvatarPng } from '../src/demo/avatar.ts'
import { createTestApp, givenOfficer, givenPass, PUBLIC_URL, verdictOf } from './helpers.ts'
import { givenUser, PASSWORD, signIn, submitLogin, type Browser } from './support/session.ts'
import { jpegDeclaring } from './support/images.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

async function adminWorld() {
  const app = await createTestApp()
  await addUnit(app.db, { code: 'UID-JTY', name: 'UID Jawa Tengah & DIY', level: 'UID' })
  await addUnit(app.db, { code: 'ULP-JTB', name: 'ULP Jatibarang', level: 'ULP', parentCode: 'UID-JTY' })
  const admin = await givenUser(app, 'admin', null, 'admin-utama')
  const supervisorOfficer = await givenOfficer(app.services, { unitCode: 'UP3-MTG', roleTitle: 'Supervisor' })
  const supervisor = await givenUser(app, 'supervisor', supervisorOfficer, 'spv-menteng')
  const near = await givenOfficer(app.services, { unitCode: 'ULP-CKN', name: 'Dekat Sekali' })
  const far = await givenOfficer(app.services, { unitCode: 'ULP-JTB', name: 'Jauh Sekali' })
  return { app, admin, supervisor, near, far }
}

/** Posts multipart/form-data like a browser form with enctype="multipart/form-data". */
function postMultipart(app: TestApp, browser: Browser, path: string, fields: Record<string, string | Blob>, filename = 'upload.bin') {
  const form = new FormData()
  form.set('_csrf', browser.csrf)
  for (const [name, value] of Object.entries(fields)) {
    if (value instanceof Blob) form.set(name, value, filename)
    else form.set(name, value)
  }
  return app.request(path, { method: 'POST', body: form, headers: { origin: PUBLIC_URL, cookie: browser.cookies } })
}

describe('admin console roles', () => {
  it('keeps officers and households out, and supervisors out of keys, users and audit', async () => {
    const { app, supervisor } = await adminWorld()
    expect((await app.request('/admin/officers')).headers.get('location')).toBe('/login')
    const officerUser = await givenUser(app, 'officer', await givenOfficer(app.services))
    const officerBrowser = await signIn(app, officerUser.username)
    expect((await officerBrowser.get('/admin/officers')).status).toBe(403)
    const spv = await signIn(app, supervisor.username)
    expect((await spv.get('/admin/officers')).status).toBe(200)
    for (const path of ['/admin/keys', '/admin/users', '/admin/audit', '/admin/officers/import']) expect((await spv.get(path)).status, path).toBe(403)
    expect((await spv.post('/admin/keys/rotate', {})).status).toBe(403)
  })

  it('sends an admin to the console after login', async () => {
    const { app, admin } = await adminWorld()
    const { res } = await submitLogin(app, admin.username, PASSWORD)
    expect(res.headers.get('location')).toBe('/admin')
  })
})

describe('/admin/officers', () => {
  it('lists and searches officers; a supervisor sees only their unit and below', async () => {
    const { app, admin, supervisor, near, far } = await adminWorld()
    const adminView = await (await (await signIn(app, admin.username)).get('/admin/officers?q=Sekali')).text()
    expect(adminView).toContain(near.employeeNo)
    expect(adminView).toContain(far.employeeNo)
    const spv = await signIn(app, supervisor.username)
    const spvView = await (await spv.get('/admin/officers')).text()
    expect(spvView).toContain(near.employeeNo)
    expect(spvView).not.toContain(far.employeeNo)
    expect((await spv.get(`/admin/officers/${far.employeeNo}`)).status).toBe(404)
    expect((await spv.post(`/admin/officers/${far.employeeNo}/suspend`, { reason: 'x' })).status).toBe(404)
    const search = await (await spv.get('/admin/officers?q=%25')).text()
    expect(search).not.toContain(near.employeeNo)
  })

  it('adds an officer, and refuses bad fields with a message and no change', async () => {
    const { app, admin } = await adminWorld()
    const browser = await signIn(app, admin.username)
    const added = await browser.post('/admin/officers/new', { employeeNo: 'NEW-0001', name: 'Rina Marlina', roleTitle: 'Cater', employer: 'PLN', unitCode: 'ULP-CKN' })
    expect(added.status).toBe(303)
    expect(await (await browser.get(added.headers.get('location')!)).text()).toContain('Petugas ditambahkan')
    const bad = await browser.post('/admin/officers/new', { employeeNo: 'NEW 0002 <b>', name: 'X', roleTitle: '', employer: '', unitCode: 'ULP-CKN' })
    expect(bad.status).toBe(422)
    expect(await bad.text()).toContain('Nomor induk 3–24 karakter')
    const duplicate = await browser.post('/admin/officers/new', { employeeNo: 'NEW-0001', name: 'Someone', roleTitle: '', employer: '', unitCode: 'ULP-CKN' })
    expect(await duplicate.text()).toContain('sudah terdaftar')
    expect(await app.db.select().from(officers).where(eq(officers.employeeNo, 'NEW-0001')).all()).toHaveLength(1)
  })

  it('suspends with a reason: the household page turns red and the officer’s session ends; reactivates', async () => {
    const { app, admin, near } = await adminWorld()
    const pass = await givenPass(app.services, { officer: near })
    const nearUser = await givenUser(app, 'officer', near)
    const nearBrowser = await signIn(app, nearUser.username)
    const browser = await signIn(app, admin.username)
    const noReason = await browser.post(`/admin/officers/${near.employeeNo}/suspend`, { reason: '  ' })
    expect(noReason.status).toBe(422)
    expect(verdictOf(await (await app.request(`/v/${pass.token}`)).text())).toBe('valid')
    expect((await browser.post(`/admin/officers/${near.employeeNo}/suspend`, { reason: 'Meminta uang tunai' })).status).toBe(303)
    expect(verdictOf(await (await app.request(`/v/${pass.token}`)).text())).toBe('officer_suspended')
    expect((await nearBrowser.get('/officer')).status).toBe(303)
    expect((await browser.post(`/admin/officers/${near.employeeNo}/reactivate`, { passes: 'restore' })).status).toBe(303)
    expect(verdictOf(await (await app.request(`/v/${pass.token}`)).text())).toBe('valid')
    const actions = (await app.db.select().from(auditLog).all()).map((row) => `${row.actor} ${row.action}`)
    expect(actions).toContain('admin-utama officer.suspended')
  })

  it('accepts a PNG or JPEG photo checked by its bytes, and refuses other files and oversize ones', async () => {
    const { app, admin, near } = await adminWorld()
    const browser = await signIn(app, admin.username)
    const path = `/admin/officers/${near.employeeNo}/photo`
    const png = await postMultipart(app, browser, path, { photo: new Blob([new Uint8Array(generateAvatarPng(3))], { type: 'image/png' }) }, 'me.png')
    expect(png.status).toBe(303)
    const jpeg = await postMultipart(app, browser, path, { photo: new Blob([new Uint8Array(jpegDeclaring(64, 64))], { type: 'image/jpeg' }) }, 'me.jpg')
    expect(jpeg.status).toBe(303)
    const photoId = (await app.db.select().from(officers).where(eq(officers.id, near.id)).get())!.photoId
    const served = await app.request(`/photos/${photoId}`)
    expect(served.headers.get('content-type')).toBe('image/jpeg')

    const disguised = await postMultipart(app, browser, path, { photo: new Blob(['<script>alert(1)</script>'], { type: 'image/png' }) }, 'evil.png')
    expect(disguised.status).toBe(422)
    expect(await disguised.text()).toContain('bukan foto JPEG, PNG atau WebP')
    const gif = await postMultipart(app, browser, path, { photo: new Blob(['GIF89a....'], { type: 'image/gif' }) }, 'a.gif')
    expect(gif.status).toBe(422)
    const huge = await postMultipart(app, browser, path, { photo: new Blob([new Uint8Array(3 * 1024 * 1024).fill(0xff)], { type: 'image/jpeg' }) }, 'big.jpg')
    expect(huge.status).toBe(413)
    expect((await app.db.select().from(officers).where(eq(officers.id, near.id)).get())!.photoId).toBe(photoId)
  })

  it('previews a CSV import naming every bad row, imports nothing until confirmed, then all of it', async () => {
    const { app, admin } = await adminWorld()
    const browser = await signIn(app, admin.username)
    const before = (await app.db.select().from(officers).all()).length
    const bad = 'employee_no,name,role_title,employer,unit_code\nCSV-0001,Ani Wijaya,Cater,PLN,ULP-CKN\nCSV 0002,Budi,Cater,PLN,ULP-CKN\nCSV-0003,Citra,Cater,PLN,NO-SUCH-UNIT\nCSV-0001,Dup,Cater,PLN,ULP-CKN\n'
    const preview = await postMultipart(app, browser, '/admin/officers/import', { file: new Blob([bad], { type: 'text/csv' }) }, 'officers.csv')
    expect(preview.status).toBe(422)
    const html = await preview.text()
    expect(html).toContain('3 baris bermasalah')
    expect(html).toContain('data-line="3" data-ok="false"')
    expect(html).toContain('Kode unit tidak dikenal')
    expect(html).toContain('muncul dua kali')
    expect(html).not.toContain('action="/admin/officers/import/confirm"')
    expect((await app.db.select().from(officers).all()).length).toBe(before)

    const good = 'employee_no,name,role_title,employer,unit_code\r\nCSV-0001,"Wijaya, Ani",Cater,PLN,ULP-CKN\r\nCSV-0002,Budi Utomo,Yantek,"PT Mitra ""Daya""",ULP-CKN\r\n'
    const ok = await postMultipart(app, browser, '/admin/officers/import', { file: new Blob([good], { type: 'text/csv' }) }, 'officers.csv')
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('Impor 2 petugas')
    expect((await app.db.select().from(officers).all()).length).toBe(before)
    // A tampered confirm is checked again and refused whole.
    expect((await browser.post('/admin/officers/import/confirm', { csv: bad })).status).toBe(422)
    expect((await app.db.select().from(officers).all()).length).toBe(before)
    const confirmed = await browser.post('/admin/officers/import/confirm', { csv: good })
    expect(confirmed.status).toBe(303)
    expect((await app.db.select().from(officers).all()).length).toBe(before + 2)
    expect((await app.db.select().from(officers).where(eq(officers.employeeNo, 'CSV-0002')).get())!.employer).toBe('PT Mitra "Daya"')
  })
})

describe('/admin/keys', () => {
  it('rotates; marks a key compromised only after its id is typed, and its tokens turn red at once', async () => {
    const { app, admin, near } = await adminWorld()
    const pass = await givenPass(app.services, { officer: near })
    const browser = await signIn(app, admin.username)
    const [oldKey] = await app.services.keys.list()
    expect((await browser.post('/admin/keys/rotate', {})).status).toBe(303)
    const jwks = (await (await app.request('/.well-known/jwks.json')).json()) as { keys: unknown[] }
    expect(jwks.keys).toHaveLength(2)
    expect(await (await browser.get(`/admin/keys/${oldKey!.kid}/compromise`)).text()).toContain('Ketik ID kunci')
    const wrong = await browser.post(`/admin/keys/${oldKey!.kid}/compromise`, { confirmKid: 'nope' })
    expect(wrong.status).toBe(422)
    expect(verdictOf(await (await app.request(`/v/${pass.token}`)).text())).toBe('valid')
    expect((await browser.post(`/admin/keys/${oldKey!.kid}/compromise`, { confirmKid: oldKey!.kid })).status).toBe(303)
    expect(verdictOf(await (await app.request(`/v/${pass.token}`)).text())).toBe('key_revoked')
    const page = await (await browser.get('/admin/keys')).text()
    expect(page).toContain(`data-kid="${oldKey!.kid}" data-state="compromised"`)
  })
})

describe('/admin/users', () => {
  it('adds, disables (ending sessions), re-enables, resets a password and changes a role', async () => {
    const { app, admin, near } = await adminWorld()
    const browser = await signIn(app, admin.username)
    expect((await browser.post('/admin/users', { username: 'rina', role: 'officer', officer: near.employeeNo, password: 'sandi-baru-yang-panjang' })).status).toBe(303)
    const weak = await browser.post('/admin/users', { username: 'lemah', role: 'officer', officer: near.employeeNo, password: 'pendek' })
    expect(await weak.text()).toContain('paling sedikit 12 karakter')
    const rina = await signIn(app, 'rina', 'sandi-baru-yang-panjang')
    expect((await browser.post('/admin/users/rina/disable', {})).status).toBe(303)
    expect((await rina.get('/officer')).status).toBe(303)
    expect((await submitLogin(app, 'rina', 'sandi-baru-yang-panjang')).res.status).toBe(401)
    await browser.post('/admin/users/rina/enable', {})
    await browser.post('/admin/users/rina/password', { password: 'sandi-lain-yang-panjang' })
    expect((await submitLogin(app, 'rina', 'sandi-baru-yang-panjang')).res.status).toBe(401)
    expect((await submitLogin(app, 'rina', 'sandi-lain-yang-panjang')).res.status).toBe(303)
    await browser.post('/admin/users/rina/role', { role: 'supervisor' })
    expect(await (await browser.get('/admin/users')).text()).toMatch(/data-username="rina"[\s\S]*?Supervisor/)
    const self = await browser.post(`/admin/users/${admin.username}/disable`, {})
    expect(self.status).toBe(409)
    expect((await browser.get('/admin/users')).status).toBe(200)
  })
})

describe('/admin/audit', () => {
  it('lists actions newest first and reports a row edited in the database', async () => {
    const { app, admin, near } = await adminWorld()
    const browser = await signIn(app, admin.username)
    await browser.post(`/admin/officers/${near.employeeNo}/suspend`, { reason: 'uji' })
    const page = await (await browser.get('/admin/audit?verify=1')).text()
    expect(page).toContain('Rantai utuh')
    expect(page).toContain('officer.suspended')
    await app.db.rows(sql`update audit_log set actor = 'nobody' where id = 2`)
    expect(await (await browser.get('/admin/audit?verify=1')).text()).toContain('Rantai RUSAK di baris 2')
    const filtered = await (await browser.get('/admin/audit?action=officer.suspended')).text()
    expect(filtered).not.toContain('<code>pass.issued</code>')
  })
})

describe('credentials stay consistent', () => {
  it('an officer suspended through the console cannot be issued a pass', async () => {
    const { app, admin, near } = await adminWorld()
    const browser = await signIn(app, admin.username)
    await browser.post(`/admin/officers/${near.employeeNo}/suspend`, { reason: 'uji' })
    await expect(givenPass(app.services, { officer: near })).rejects.toThrow(/suspended/)
    expect(await app.db.select().from(credentials).all()).toHaveLength(0)
  })
})
