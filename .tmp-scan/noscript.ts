import { launchChromium, phoneContext } from '../test/support/browser.ts'
const browser = await launchChromium()
const context = await phoneContext(browser, { javaScriptEnabled: false })
const page = await context.newPage()
await page.setContent('<p>hi</p><noscript><p id="n">no script here</p></noscript>')
console.log(await page.locator('#n').count(), await page.getByText('no script here').isVisible())
await page.goto('data:text/html,<p>hi</p><noscript><p id="n">no script here</p></noscript>')
console.log(await page.locator('#n').count(), await page.getByText('no script here').isVisible())
await browser.close()
