import { eq, sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { outboxDeliveries, reportCategories, reports } from '../db/schema.ts'
import { messagesFor } from '../src/i18n/index.ts'
import { REPORT_CSV_COLUMNS, reportCsvChunks } from '../src/reports/export.ts'
import { NO_REPORT_FILTERS, reportFilterSql } from '../src/reports/filters.ts'
import { createTestApp, PUBLIC_URL } from './helpers.ts'
import { givenReport } from './support/reports.ts'
import { openDatabase } from '../db/client.ts'

// Issue 13: "Apa yang terjadi?" takes several answers (scams combine demands), on the form, in
// the JSON API and in the 123 payload; refused input is answered in the page's language, beside
// its field, with nothing changed; the confirmation and the first error are where the user looks.

type TestApp = Awaited<ReturnType<typeof createTestApp>>
const id = messagesFor('id')
const en = messagesFor('en')

/** Files a one-tap report over the JSON API; answers where its tracking page is. */
async function givenFiledReport(app: TestApp, body: Record<string, unknown> = { code: 'ABCD2345' }) {
  const res = await postJson(app, body)
  expect(res.status).toBe(201)
  const { ticket, trackingUrl } = (await res.json()) as { ticket: string; trackingUrl: string }
  const location = trackingUrl.slice(PUBLIC_URL.length)
  const key = new URL(trackingUrl).searchParams.get('k') ?? ''
  return { ticket, key, location }
}

function postJson(app: TestApp, body: unknown) {
  return app.request('/api/v1/reports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

/** The details form as a browser sends it: each checked box is one more `category` field. */
function postDetails(app: TestApp, path: string, fields: [string, string][], headers: Record<string, string> = {}) {
  return app.request(path, {
    method: 'POST',
    body: new URLSearchParams(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, ...headers },
  })
}

async function storedCategories(app: TestApp, ticket: string) {
  const [report] = await app.db.select().from(reports).where(eq(reports.ticket, ticket)).all()
  const rows = await app.db.select({ category: reportCategories.category }).from(reportCategories).where(eq(reportCategories.reportId, report!.id)).all()
  return { category: report!.category, all: rows.map((row) => row.category).sort(), revision: report!.revision }
}

async function payloads(app: TestApp) {
  const rows = await app.db.select().from(outboxDeliveries).all()
  return rows.map((row) => (JSON.parse(row.payload) as { type: string; data: { category: string | null; categories: string[] } }))
}

function checkedCategories(html: string): string[] {
  return [...html.matchAll(/<input type="checkbox" name="category" value="([a-z_]+)" checked=""/g)].map((match) => match[1]!)
}

function summaryOf(html: string): string {
  return /<textarea id="evidence-summary"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1] ?? ''
}

describe('several answers to "Apa yang terjadi?" on the details form', () => {
  it('stores every box checked, keeps the first in catalog order as the report’s category, and shows them all on the tracking page', async () => {
    const app = await createTestApp()
    const { ticket, key, location } = await givenFiledReport(app)
    const res = await postDetails(app, `/r/${ticket}/details`, [['k', key], ['category', 'threat'], ['category', 'money'], ['phone', '0812 3456 7890']])
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe(`${location}&saved=1#details-saved`)
    expect(await storedCategories(app, ticket)).toEqual({ category: 'money', all: ['money', 'threat'], revision: 2 })

    const html = await (await app.request(location)).text()
    expect(checkedCategories(html)).toEqual(['money', 'threat'])
    expect(summaryOf(html)).toContain(`${id.report.summary.category}: ${id.report.categories.money}, ${id.report.categories.threat}`)
    const whatsapp = decodeURIComponent(/href="https:\/\/wa\.me\/\d+\?text=([^"]+)"/.exec(html)?.[1] ?? '')
    expect(whatsapp).toContain(`${id.report.categories.money}, ${id.report.categories.threat}`)
  })

  it('sends the update to 123 with `category` as before and every answer in `categories`', async () => {
    const app = await createTestApp()
    const { ticket, key } = await givenFiledReport(app)
    await postDetails(app, `/r/${ticket}/details`, [['k', key], ['category', 'otp'], ['category', 'apk_link'], ['category', 'otp']])
    const [created, updated] = await payloads(app)
    expect(created?.data).toMatchObject({ category: null, categories: [] })
    expect(updated).toMatchObject({ type: 'report.updated', data: { category: 'otp', categories: ['otp', 'apk_link'] } })
  })

  it('replaces the answers when the household changes them, and saves nothing new when nothing changed', async () => {
    const app = await createTestApp()
    const { ticket, key } = await givenFiledReport(app)
    await postDetails(app, `/r/${ticket}/details`, [['k', key], ['category', 'money'], ['category', 'threat']])
    await postDetails(app, `/r/${ticket}/details`, [['k', key], ['category', 'threat'], ['category', 'money']])
    expect(await storedCategories(app, ticket)).toEqual({ category: 'money', all: ['money', 'threat'], revision: 2 })
    expect(await payloads(app)).toHaveLength(2)

    await postDetails(app, `/r/${ticket}/details`, [['k', key], ['category', 'ktp_photo']])
    expect(await storedCategories(app, ticket)).toEqual({ category: 'ktp_photo', all: ['ktp_photo'], revision: 3 })
    await postDetails(app, `/r/${ticket}/details`, [['k', key]])
    expect(await storedCategories(app, ticket)).toEqual({ category: null, all: [], revision: 4 })
    expect((await payloads(app)).at(-1)?.data).toMatchObject({ category: null, categories: [] })
  })

  it('refuses an answer that is not in the list, in the page’s language, beside the answers, keeping what was typed and changing nothing', async () => {
    const app = await createTestApp()
    const { ticket, key } = await givenFiledReport(app)
    for (const [lang, t] of [['id', id], ['en', en]] as const) {
      const res = await postDetails(app, `/r/${ticket}/details?lang=${lang}`, [['k', key], ['category', 'money'], ['category', 'bayar<script>'], ['note', 'catatan saya']])
      expect(res.status).toBe(400)
      const html = await res.text()
      expect(html).toContain(`<p id="category-error" class="error" role="alert">${t.report.problems.unknown_category}</p>`)
      expect(html).toMatch(/<fieldset class="choices" aria-describedby="category-error">/)
      expect(html).not.toContain('bayar<script>')
      expect(checkedCategories(html)).toEqual(['money'])
      expect(html).toContain('catatan saya')
    }
    expect(await storedCategories(app, ticket)).toEqual({ category: null, all: [], revision: 1 })
    expect(await payloads(app)).toHaveLength(1)
  })
})

describe('POST /api/v1/reports with several answers', () => {
  it('takes `categories` as an array, `category` as before, and both together', async () => {
    const app = await createTestApp()
    const many = await givenFiledReport(app, { code: 'ABCD2345', categories: ['threat', 'money', 'threat'] })
    expect(await storedCategories(app, many.ticket)).toMatchObject({ category: 'money', all: ['money', 'threat'] })
    const one = await givenFiledReport(app, { code: 'ABCD2345', category: 'otp' })
    expect(await storedCategories(app, one.ticket)).toMatchObject({ category: 'otp', all: ['otp'] })
    const both = await givenFiledReport(app, { code: 'ABCD2345', category: 'other', categories: ['apk_link'] })
    expect(await storedCategories(app, both.ticket)).toMatchObject({ category: 'apk_link', all: ['apk_link', 'other'] })

    const created = (await payloads(app)).map((payload) => [payload.data.category, payload.data.categories])
    expect(created).toEqual([
      ['money', ['money', 'threat']],
      ['otp', ['otp']],
      ['apk_link', ['apk_link', 'other']],
    ])
    const page = await (await app.request(many.location)).text()
    expect(checkedCategories(page)).toEqual(['money', 'threat'])
  })

  it('refuses unknown answers and answers of the wrong type with a message, and files nothing', async () => {
    const app = await createTestApp()
    const unknown = await postJson(app, { code: 'ABCD2345', categories: ['money', 'transfer'] })
    expect(unknown.status).toBe(400)
    expect(await unknown.json()).toEqual({ error: 'unknown_category', message: id.report.problems.unknown_category })
    for (const categories of ['money', [1], [null], { 0: 'money' }, Array.from({ length: 21 }, () => 'money')]) {
      const res = await postJson(app, { code: 'ABCD2345', categories })
      expect(res.status, JSON.stringify(categories)).toBe(400)
      expect(await res.json()).toEqual({ error: 'invalid_fields', message: id.report.requestProblems.invalid_fields })
    }
    expect(await app.db.select().from(reports).all()).toEqual([])
    expect(await app.db.select().from(reportCategories).all()).toEqual([])
  })
})

describe('the console’s category filter', () => {
  it('finds a report by any of its answers, and older reports by their one category, through the report_categories index', async () => {
    const app = await createTestApp()
    const { ticket } = await givenFiledReport(app, { code: 'ABCD2345', categories: ['money', 'threat'] })
    const older = await givenReport(app, { category: 'threat' })
    await givenReport(app, { category: 'otp' })
    const ticketsFor = async (category: 'money' | 'threat' | 'otp' | 'apk_link') =>
      (await app.db.select({ ticket: reports.ticket }).from(reports).where(reportFilterSql({ ...NO_REPORT_FILTERS, category }, null)).all()).map((row) => row.ticket).sort()
    expect(await ticketsFor('threat')).toEqual([ticket, older.ticket].sort())
    expect(await ticketsFor('money')).toEqual([ticket])
    expect(await ticketsFor('apk_link')).toEqual([])

    // SQLite's plan for the same statement text (the schema's indexes are the same on both engines).
    const plan = await openDatabase(':memory:').rows<{ detail: string }>(sql`explain query plan select id from reports where ${reportFilterSql({ ...NO_REPORT_FILTERS, category: 'threat' }, null)}`)
    expect(plan.map((row) => row.detail).join('\n')).toContain('report_categories_category')
  })
})

describe('the CSV export', () => {
  it('lists every answer in the category column, in catalog order, and an older report’s one category as before', async () => {
    const app = await createTestApp()
    const { ticket } = await givenFiledReport(app, { code: 'ABCD2345', categories: ['threat', 'money'] })
    const older = await givenReport(app, { category: 'otp', createdAt: app.clock.now() - 1000 })
    const headings = Object.fromEntries(REPORT_CSV_COLUMNS.map((column) => [column, column])) as Record<(typeof REPORT_CSV_COLUMNS)[number], string>
    let text = ''
    for await (const chunk of reportCsvChunks(app.db, { filters: NO_REPORT_FILTERS, scope: null, headings })) text += chunk
    const rows = text.replace(/^\uFEFF/, '').trim().split('\r\n').map((line) => [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((match) => match[1]!))
    const categoryOf = (wanted: string) => rows.find((row) => row[0] === wanted)?.[REPORT_CSV_COLUMNS.indexOf('category')]
    expect(categoryOf(ticket)).toBe('money, threat')
    expect(categoryOf(older.ticket)).toBe('otp')
  })
})

describe('where the confirmation and the errors appear', () => {
  it('puts the focus on the first refused field, with our message beside it, and the form never asks the browser to validate', async () => {
    const app = await createTestApp()
    const { ticket, key } = await givenFiledReport(app)
    const res = await postDetails(app, `/r/${ticket}/details`, [['k', key], ['note', 'x'.repeat(1001)], ['phone', '+1 555 0100']])
    expect(res.status).toBe(400)
    const html = await res.text()
    expect(html).toMatch(/<form method="post" action="\/r\/LPR-[^"]+\/details"[^>]*\bnovalidate=""/)
    expect(html.match(/\sautofocus=""/g)).toHaveLength(1)
    expect(html).toMatch(/<textarea id="report-note"[^>]*aria-invalid="true" aria-describedby="note-error" autofocus=""/)
    // Each message sits between its label and its field.
    const phoneLabel = html.indexOf('for="report-phone"')
    expect(html.indexOf('id="phone-error"')).toBeGreaterThan(phoneLabel)
    expect(html.indexOf('id="phone-error"')).toBeLessThan(html.indexOf('id="report-phone"'))
  })

  it('puts the confirmation right under "Simpan detail", focused when the page opens, on the page and in the htmx fragment', async () => {
    const app = await createTestApp()
    const { ticket, key, location } = await givenFiledReport(app)
    const saved = await (await app.request(`${location}&saved=1`)).text()
    const button = saved.indexOf(`>${id.report.saveButton}</button>`)
    const confirmation = saved.indexOf('<p id="details-saved" class="answer green" role="status" tabindex="-1" autofocus=""')
    expect(button).toBeGreaterThan(0)
    expect(confirmation).toBeGreaterThan(button)
    expect(saved.slice(button, confirmation)).not.toContain('<label')

    const fragment = await (await postDetails(app, `/r/${ticket}/details`, [['k', key], ['category', 'money']], { 'hx-request': 'true' })).text()
    expect(fragment).toMatch(/^<section id="report-ticket"/)
    expect(fragment).toContain('id="details-saved"')
    expect(fragment.match(/\sautofocus=""/g)).toHaveLength(1)
    const refused = await postDetails(app, `/r/${ticket}/details`, [['k', key], ['phone', '12345']], { 'hx-request': 'true' })
    expect(refused.status).toBe(400)
    const refusedHtml = await refused.text()
    expect(refusedHtml).not.toContain('id="details-saved"')
    expect(refusedHtml).toMatch(/<input id="report-phone"[^>]*autofocus=""/)
  })

  it('tells htmx to inject no styles of its own, which the CSP would refuse', async () => {
    const app = await createTestApp()
    const { location } = await givenFiledReport(app)
    const html = await (await app.request(location)).text()
    const config = /<meta name="htmx-config" content="([^"]+)"/.exec(html)?.[1]?.replace(/&quot;/g, '"')
    expect(JSON.parse(config ?? 'null')).toEqual({ includeIndicatorCSS: false, defaultSettleDelay: 0 })
    expect(html.indexOf('name="htmx-config"')).toBeLessThan(html.indexOf('vendor/htmx.min.js'))
  })
})
