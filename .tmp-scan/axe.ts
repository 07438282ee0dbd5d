import { AxeBuilder } from '@axe-core/playwright'
import { launchChromium, phoneContext } from '../test/support/browser.ts'
import { startServer } from '../test/support/processes.ts'
import { tempDir } from '../test/helpers.ts'
const dir = tempDir('axe')
const server = await startServer(dir.path)
while (!/suspended officer/.test(server.output())) await new Promise((r) => setTimeout(r, 100))
const out = server.output()
const pass = /(http\S+\/v\/[A-Za-z0-9_.-]+)/.exec(out)![1]!
const red = /suspended officer \(shows red\): (\S+)/.exec(out)![1]!
const browser = await launchChromium()
const context = await phoneContext(browser)
const page = await context.newPage()
async function check(url: string) {
  await page.goto(url)
  const r = await new AxeBuilder({ page }).analyze()
  for (const v of r.violations) console.log(url.slice(-50), v.impact, v.id, v.help, v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '))
  console.log(url.slice(-40), 'violations', r.violations.length, 'incomplete', r.incomplete.map((i) => i.id).join(','))
}
for (const u of ['/', '/scan', '/scan?lang=en', '/?lang=id', '/login']) await check(server.url + u)
await check(pass); await check(red); await check(server.url + '/v/abc.def.ghi')
await page.goto(server.url + '/login')
await page.getByLabel('Nama pengguna').fill('siti')
await page.getByLabel('Kata sandi').fill('demo-petugas-2026')
await page.getByRole('button', { name: 'Masuk' }).click()
await page.waitForURL(/officer/)
for (const u of ['/officer', '/officer/passes', '/officer/passes/new', '/officer/badge']) await check(server.url + u)
await page.goto(server.url + '/officer/passes/new')
await page.getByLabel(/ID pelanggan/).fill('532100098765')
await page.getByLabel('Tujuan kunjungan').selectOption('GANTI_METER')
await page.getByRole('button', { name: 'Buat dan tampilkan QR' }).click()
await page.waitForURL(/live$/)
const live = page.url()
await check(live)
await check(live.replace(/live$/, 'print'))
await browser.close(); await server.stop(); dir.remove()
