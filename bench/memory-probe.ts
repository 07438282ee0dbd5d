/**
 * Loaded into the soak's server (`node --import tsx --expose-gc --import ./bench/memory-probe.ts`):
 * on SIGUSR2 it collects garbage and writes `process.memoryUsage()` to `$DATA_DIR/memory.json`,
 * so the bench reads the server's own heap figures without a route for them in the app.
 */
import { renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const target = join(process.env.DATA_DIR ?? '.', 'memory.json')
let sample = 0

process.on('SIGUSR2', () => {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  sample++
  // Written whole, then renamed: the bench never reads half a file.
  writeFileSync(`${target}.tmp`, JSON.stringify({ sample, afterGc: typeof gc === 'function', ...process.memoryUsage() }))
  renameSync(`${target}.tmp`, target)
})
