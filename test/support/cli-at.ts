import { vi } from 'vitest'
import { runCli } from '../../src/cli.ts'
import type { Clock } from '../../src/config.ts'
import type { CliResult } from './processes.ts'
import { databaseEnv } from './test-database.ts'

/**
 * Runs a CLI command in this process with an injected clock, as `npm run cli` would run it at
 * that moment: the same code path, parser and output, on the same DATA_DIR as the app under test.
 */
export async function runCliAt(clock: Clock, args: string[], env: Record<string, string>): Promise<CliResult & { json: Record<string, unknown> | null }> {
  const out: string[] = []
  const err: string[] = []
  const log = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(parts.join(' ')))
  const error = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void err.push(parts.join(' ')))
  try {
    const code = await runCli(args, { ...env, ...(await databaseEnv(env)) }, clock)
    const stdout = out.join('\n')
    let json: Record<string, unknown> | null = null
    try {
      json = JSON.parse(stdout) as Record<string, unknown>
    } catch {
      json = null
    }
    return { code, stdout, stderr: err.join('\n'), json }
  } finally {
    log.mockRestore()
    error.mockRestore()
  }
}
