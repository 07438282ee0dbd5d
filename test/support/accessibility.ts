import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { ARTIFACTS_DIR } from './browser.ts'

/**
 * Runs axe-core in the page as it is now and fails on any serious or critical violation, naming
 * the rule and the elements. Every finding, whatever its impact, is also appended to
 * test-artifacts/axe.jsonl (one line per page) for people reading a CI run.
 */
export async function expectNoSeriousAxeViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze()
  const describe = (violation: (typeof results.violations)[number]) =>
    `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`
  const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
  mkdirSync(ARTIFACTS_DIR, { recursive: true })
  appendFileSync(
    join(ARTIFACTS_DIR, 'axe.jsonl'),
    `${JSON.stringify({ page: label, passes: results.passes.length, violations: results.violations.map(describe), incomplete: results.incomplete.map((item) => item.id) })}\n`,
  )
  expect(serious.map(describe), `axe on ${label}`).toEqual([])
}

/** Presses Tab until the element matching `selector` has focus, as a keyboard user would; fails after `maxPresses`. */
export async function tabTo(page: Page, selector: string, maxPresses = 40): Promise<number> {
  for (let presses = 1; presses <= maxPresses; presses++) {
    await page.keyboard.press('Tab')
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return presses
  }
  throw new Error(`${selector} never received focus after ${maxPresses} presses of Tab`)
}
