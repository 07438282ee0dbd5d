import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/**
 * Runs axe-core in the page as it is now and fails on any serious or critical violation, naming
 * the rule and the elements. Minor and moderate findings are returned for the caller to see.
 */
export async function expectNoSeriousAxeViolations(page: Page, label: string): Promise<{ minorOrModerate: string[] }> {
  const results = await new AxeBuilder({ page }).analyze()
  const describe = (violation: (typeof results.violations)[number]) =>
    `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`
  const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
  expect(serious.map(describe), `axe on ${label}`).toEqual([])
  return { minorOrModerate: results.violations.map(describe) }
}

/** Presses Tab until the element matching `selector` has focus, as a keyboard user would; fails after `maxPresses`. */
export async function tabTo(page: Page, selector: string, maxPresses = 40): Promise<number> {
  for (let presses = 1; presses <= maxPresses; presses++) {
    await page.keyboard.press('Tab')
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return presses
  }
  throw new Error(`${selector} never received focus after ${maxPresses} presses of Tab`)
}
