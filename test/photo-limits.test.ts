import { eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { officers } from '../db/schema.ts'
import { generateAvatarPng } from '../src/demo/avatar.ts'
import { inspectPhoto } from '../src/officers/photos.ts'
import { createTestApp, givenOfficer, PUBLIC_URL } from './helpers.ts'
import { jpegDeclaring, pngDeclaring, webpExtendedDeclaring, webpLosslessDeclaring } from './support/images.ts'
import { givenUser, signIn, type Browser } from './support/session.ts'

type TestApp = Awaited<ReturnType<typeof createTestApp>>

async function adminWithOfficer() {
  const app = await createTestApp()
  const admin = await givenUser(app, 'admin', null)
  const officer = await givenOfficer(app.services, { photo: false })
  return { app, browser: await signIn(app, admin.username), officer }
}

function uploadPhoto(app: TestApp, browser: Browser, employeeNo: string, bytes: Uint8Array, lang?: 'en') {
  const form = new FormData()
  form.set('_csrf', browser.csrf)
  form.set('photo', new Blob([new Uint8Array(bytes)]), 'photo')
  return app.request(`/admin/officers/${employeeNo}/photo${lang ? `?lang=${lang}` : ''}`, { method: 'POST', body: form, headers: { origin: PUBLIC_URL, cookie: browser.cookies } })
}

async function photoIdOf(app: TestApp, officerId: number): Promise<string | null> {
  return (await app.db.select().from(officers).where(eq(officers.id, officerId)).get())!.photoId
}

describe('POST /admin/officers/:employeeNo/photo refuses images too large to decode', () => {
  it('refuses a small PNG that decodes to 30000×30000, in Bahasa Indonesia and in English, and keeps no photo', async () => {
    const { app, browser, officer } = await adminWithOfficer()
    const bomb = pngDeclaring(30000, 30000)
    expect(bomb.length).toBeLessThan(200 * 1024)
    const refused = await uploadPhoto(app, browser, officer.employeeNo, bomb)
    expect(refused.status).toBe(422)
    expect(await refused.text()).toContain('Foto paling besar 4096 × 4096 piksel')
    const english = await uploadPhoto(app, browser, officer.employeeNo, bomb, 'en')
    expect(english.status).toBe(422)
    expect(await english.text()).toContain('A photo may be at most 4096 × 4096 pixels')
    expect(await photoIdOf(app, officer.id)).toBeNull()
  })

  it.each([
    ['a JPEG', jpegDeclaring(20000, 3000)],
    ['an extended WebP', webpExtendedDeclaring(30000, 30000)],
    ['a lossless WebP', webpLosslessDeclaring(16000, 200)],
    ['a PNG one pixel too tall', pngDeclaring(100, 4097)],
  ])('refuses %s whose header declares a side over 4096 pixels', async (_name, bytes) => {
    const { app, browser, officer } = await adminWithOfficer()
    const refused = await uploadPhoto(app, browser, officer.employeeNo, bytes)
    expect(refused.status).toBe(422)
    expect(await refused.text()).toContain('4096 × 4096 piksel')
    expect(await photoIdOf(app, officer.id)).toBeNull()
  })

  it.each([
    ['a real PNG avatar', generateAvatarPng(7)],
    ['a phone-sized JPEG', jpegDeclaring(3024, 4032)],
    ['a 4096×4096 PNG', pngDeclaring(4096, 4096)],
    ['a WebP', webpLosslessDeclaring(600, 800)],
  ])('accepts %s and serves it to households', async (_name, bytes) => {
    const { app, browser, officer } = await adminWithOfficer()
    const accepted = await uploadPhoto(app, browser, officer.employeeNo, bytes)
    expect(accepted.status).toBe(303)
    const photoId = await photoIdOf(app, officer.id)
    expect(photoId).not.toBeNull()
    expect((await app.request(`/photos/${photoId}`)).status).toBe(200)
  })

  it('refuses a file whose header is cut short before its size, as not a photo', async () => {
    const { app, browser, officer } = await adminWithOfficer()
    const refused = await uploadPhoto(app, browser, officer.employeeNo, pngDeclaring(100, 100).subarray(0, 20))
    expect(refused.status).toBe(422)
    expect(await refused.text()).toContain('bukan foto JPEG, PNG atau WebP')
  })
})

describe('inspectPhoto', () => {
  it('reads each format’s size from its header', () => {
    expect(inspectPhoto(pngDeclaring(640, 480))).toEqual({ ok: true, contentType: 'image/png', width: 640, height: 480 })
    expect(inspectPhoto(jpegDeclaring(1200, 1600))).toEqual({ ok: true, contentType: 'image/jpeg', width: 1200, height: 1600 })
    expect(inspectPhoto(webpExtendedDeclaring(300, 200))).toEqual({ ok: true, contentType: 'image/webp', width: 300, height: 200 })
    expect(inspectPhoto(webpLosslessDeclaring(16, 9))).toEqual({ ok: true, contentType: 'image/webp', width: 16, height: 9 })
  })

  it('never throws on hostile bytes', () => {
    for (let length = 0; length < 64; length++) {
      for (const start of [pngDeclaring(1, 1), jpegDeclaring(1, 1), webpExtendedDeclaring(1, 1)]) {
        expect(() => inspectPhoto(start.subarray(0, length))).not.toThrow()
      }
    }
    expect(inspectPhoto(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]))).toEqual({ ok: false, problem: 'photoInvalid' })
  })
})
