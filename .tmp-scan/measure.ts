import { launchChromium } from '../test/support/browser.ts'
import { startServer } from '../test/support/processes.ts'
import { tempDir } from '../test/helpers.ts'
const dir = tempDir('measure')
const server = await startServer(dir.path)
while (!/\/v\//.test(server.output())) await new Promise((r) => setTimeout(r, 100))
const m = /\/v\/([A-Za-z0-9_.-]+)/.exec(server.output())
const url = `${server.url}/v/${m![1]}`
const browser = await launchChromium()
const context = await browser.newContext({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true })
const page = await context.newPage()
const cdp = await context.newCDPSession(page)
await cdp.send('Network.enable')
await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
const sizes = new Map<string, number>()
const urls = new Map<string, string>()
cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url))
cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength))
await page.goto(url, { waitUntil: 'load' })
await page.waitForTimeout(500)
let total = 0
for (const [id, n] of sizes) { total += n; console.log(n, urls.get(id)?.slice(0, 90)) }
console.log('total', total)
console.log(await page.evaluate(() => performance.getEntriesByType('resource').map((r) => [(r as PerformanceResourceTiming).name.slice(-40), (r as PerformanceResourceTiming & { renderBlockingStatus?: string }).renderBlockingStatus, (r as PerformanceResourceTiming).transferSize])))
await browser.close(); await server.stop(); dir.remove()
