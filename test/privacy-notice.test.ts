import { describe, expect, it } from 'vitest'
import { fillCount, messagesFor, type PageLang } from '../src/i18n/index.ts'
import { RIGHTS } from '../src/privacy/notice.ts'
import { createTestApp } from './helpers.ts'

/** Every language of the household pages; a new one is one more entry here. */
const LANGUAGES: readonly PageLang[] = ['id', 'en', 'jv', 'su']

/** UU PDP Art. 21(1) items a–g, and the controller's identity and contact, as the page's sections name them. */
const ART21_SECTIONS = ['controller', 'legality', 'purposes data-types', 'retention', 'processing-period', 'rights'] as const

const PRIVACY = { controller: 'PT PLN (Persero) Uji', dpoEmail: 'dpo@pln.example', dpoPhone: '(021) 555-0100' }
const RETENTION = { scans: 30, reportDetails: 120, outbox: 3 }

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

function sectionOf(html: string, name: string): string {
  const start = html.indexOf(`data-art21="${name}"`)
  expect(start, `section ${name}`).toBeGreaterThan(-1)
  const end = html.indexOf('data-art21="', start + 12)
  return html.slice(start, end === -1 ? undefined : end)
}

describe('GET /privasi and /privacy', () => {
  for (const lang of LANGUAGES) {
    it(`covers every item of UU PDP Art. 21 in ${lang}, with the configured controller, DPO and periods`, async () => {
      const app = await createTestApp({ config: { privacy: PRIVACY, retention: RETENTION } })
      const res = await app.request(`/privasi?lang=${lang}`)
      expect(res.status).toBe(200)
      const html = await res.text()
      const t = messagesFor(lang)
      const p = t.privacy
      expect(html).toContain(`<html lang="${lang}">`)
      for (const name of ART21_SECTIONS) sectionOf(html, name)
      const has = (section: string, text: string) => expect(sectionOf(html, section)).toContain(escapeHtml(text))

      has('controller', PRIVACY.controller)
      has('controller', PRIVACY.dpoEmail)
      has('controller', PRIVACY.dpoPhone)
      for (const line of [p.basis.publicTask, p.basis.consent, p.basis.contract, p.basis.legitimate]) has('legality', line)
      for (const group of ['household', 'reporter', 'officer', 'staff'] as const) {
        expect(sectionOf(html, 'purposes data-types')).toContain(`data-group="${group}"`)
        for (const line of [...p.groups[group].purposes, ...p.groups[group].data, p.groups[group].basis]) has('purposes data-types', line)
      }
      has('retention', fillCount(p.retention.scans, RETENTION.scans))
      has('retention', fillCount(p.retention.reportDetails, RETENTION.reportDetails))
      has('retention', fillCount(p.retention.outbox, RETENTION.outbox))
      for (const line of [p.retention.sessions, p.retention.throttle, p.retention.passes, p.retention.visitPassword, p.retention.audit]) has('retention', line)
      for (const days of [RETENTION.scans, RETENTION.reportDetails, RETENTION.outbox]) expect(sectionOf(html, 'retention')).toContain(String(days))
      has('processing-period', p.period.text)
      for (const right of RIGHTS) {
        expect(sectionOf(html, 'rights')).toContain(`data-right="${right}"`)
        has('rights', p.rights[right].name)
        has('rights', p.rights[right].text)
      }
      for (const line of [p.how.tracking, p.how.dpo, p.how.pln123]) has('rights', line)
      expect(sectionOf(html, 'rights')).toContain('href="tel:123"')
    })
  }

  it('is English at /privacy and Indonesian at /privasi, unless ?lang= says otherwise', async () => {
    const app = await createTestApp()
    const langOf = async (path: string, cookie?: string) => /<html lang="([a-z]+)"/.exec(await (await app.request(path, cookie ? { headers: { cookie } } : {})).text())?.[1]
    expect(await langOf('/privacy')).toBe('en')
    expect(await langOf('/privasi')).toBe('id')
    expect(await langOf('/privacy?lang=id')).toBe('id')
    expect(await langOf('/privasi?lang=en')).toBe('en')
    // A visitor who chose English elsewhere still gets the Indonesian notice at its Indonesian address.
    expect(await langOf('/privasi', 'lang=en')).toBe('id')
    expect(await langOf('/privasi', 'lang=jv')).toBe('jv')
  })

  it('says how to reach the DPO through PLN 123 when no DPO contact is configured', async () => {
    const app = await createTestApp({ config: { privacy: { controller: 'PT PLN (Persero)', dpoEmail: null, dpoPhone: null } } })
    const html = await (await app.request('/privasi')).text()
    expect(sectionOf(html, 'controller')).toContain(escapeHtml(messagesFor('id').privacy.controller.dpoFallback))
    expect(sectionOf(html, 'controller')).not.toContain('Email:')
  })

  it('is linked from the footer of household and staff pages', async () => {
    const app = await createTestApp()
    for (const [path, href] of [
      ['/', '/privasi'],
      ['/scan', '/privasi'],
      ['/login', '/privasi'],
      ['/?lang=en', '/privacy'],
    ] as const) {
      const html = await (await app.request(path)).text()
      const footer = html.slice(html.indexOf('<footer'))
      expect(footer, path).toContain(`href="${href}"`)
    }
  })
})

describe('the report form', () => {
  it("links the privacy notice beside the optional details it asks for", async () => {
    const app = await createTestApp()
    const res = await app.postForm('/reports', {})
    expect(res.status).toBe(303)
    const page = await (await app.request(res.headers.get('location')!)).text()
    const details = page.slice(page.indexOf('id="details-title"'))
    expect(details).toContain(`<a href="/privasi">${escapeHtml(messagesFor('id').privacy.reportLink)}</a>`)
  })
})
