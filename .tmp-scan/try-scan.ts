import { launchChromium, phoneContext, watchCspViolations } from '../test/support/browser.ts'
import { startServer } from '../test/support/processes.ts'
import { tempDir } from '../test/helpers.ts'
import { writeQrVideo, fakeCameraArgs } from '../test/support/camera.ts'
import { join } from 'node:path'
const dir = tempDir('try')
const server = await startServer(dir.path)
while (!/\/v\//.test(server.output())) await new Promise((r) => setTimeout(r, 100))
const m = /(http\S+\/v\/[A-Za-z0-9_.-]+)/.exec(server.output())!
const video = join(dir.path, 'qr.y4m')
writeQrVideo(video, process.argv[2] ?? m[1]!)
const browser = await launchChromium(fakeCameraArgs(video))
const context = await phoneContext(browser)
await context.grantPermissions(['camera'], { origin: server.url })
const page = await context.newPage()
const v = watchCspViolations(page)
page.on('console', (msg) => console.log('console', msg.text()))
const t0 = Date.now()
await page.goto(`${server.url}/scan`)
await page.getByRole('button', { name: 'Nyalakan kamera' }).click()
await page.waitForFunction(() => location.pathname.startsWith('/v/') || !document.querySelector('[data-scan-refused]')!.hasAttribute('hidden'), null, { timeout: 20000 }).catch((e) => console.log('timeout', e.message))
console.log(Date.now() - t0, page.url().slice(0, 60), await page.locator('main').getAttribute('data-verdict'))
console.log(await page.locator('[data-scan-status]').textContent().catch(() => ''))
await page.screenshot({ path: '.tmp-scan/shot.png' })
console.log('csp', v)
await browser.close(); await server.stop(); dir.remove()
