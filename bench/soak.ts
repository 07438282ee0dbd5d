/**
 * Soak: the household paths at a steady rate for a long time (10 minutes by default), with the
 * server's memory after a garbage collection sampled along the way. A leak that a 10-second load
 * test cannot see shows up here as a heap that keeps climbing.
 *
 *   npm run bench -- soak                        10 minutes
 *   SOAK_SECONDS=30 npm run bench -- soak        a quick try
 *
 * It runs only when asked for by name: ten minutes is too long for the default `npm run bench`.
 * It starts its own server, with `--expose-gc` and bench/memory-probe.ts loaded, so that the
 * heap figures are the server's own rather than guesses from outside.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon, { type Result } from 'autocannon'
import { atLeast, atMost, fmt, printTable, type TargetCheck } from './report.ts'
import { startServer, type BenchServer } from './server.ts'

const DEFAULT_SECONDS = 600
const WARMUP_SECONDS = 5
/** Requests per second on each path: together about what one busy district sends at peak. */
const PATHS = [
  { name: 'GET /api/v1/verify/<token>', path: (token: string) => `/api/v1/verify/${token}`, rate: 40 },
  { name: 'GET /v/<token>', path: (token: string) => `/v/${token}`, rate: 40 },
  { name: 'GET /', path: () => '/', rate: 20 },
] as const
const CONNECTIONS_PER_PATH = 4
/** After warm-up, a heap that grows more than this over the run is a leak, not noise. */
const TARGETS = { heapGrowthBytes: 16 * 1024 * 1024, rssGrowthBytes: 64 * 1024 * 1024, achievedRateRatio: 0.9 }

interface MemorySample {
  atSeconds: number
  rss: number
  heapUsed: number
  heapTotal: number
  external: number
  afterGc: boolean
}

interface SectionResult {
  figures: Record<string, unknown>
  targets: TargetCheck[]
}

export async function soak(_context: { server: BenchServer }): Promise<SectionResult> {
  if (!process.argv.slice(2).includes('soak')) {
    console.log('\nSoak: skipped (ten minutes); run it with `npm run bench -- soak`, or SOAK_SECONDS=30 for a short one.')
    return { figures: { skipped: true }, targets: [] }
  }
  const seconds = soakSeconds()
  const server = await startServer({ nodeArgs: ['--expose-gc', '--import', './bench/memory-probe.ts'] })
  try {
    const targets = PATHS.map((entry) => ({ ...entry, url: `${server.baseUrl}${entry.path(server.passToken)}` }))
    const load = (duration: number) =>
      Promise.all(targets.map((target) => autocannon({ url: target.url, connections: CONNECTIONS_PER_PATH, overallRate: target.rate, duration })))

    console.log(`\nSoak: ${seconds} s at ${fmt.int(sum(PATHS.map((entry) => entry.rate)))} req/s (${PATHS.map((entry) => `${entry.rate} × ${entry.name}`).join(', ')}), after ${WARMUP_SECONDS} s of warm-up`)
    await load(WARMUP_SECONDS)
    const start = performance.now()
    const samples: MemorySample[] = [await sampleMemory(server, 0)]
    const running = load(seconds)
    const interval = Math.max(5, Math.floor(seconds / 10))
    let finished = false
    void running.finally(() => (finished = true))
    // Sample along the way: a steady climb and a one-off step look alike in before/after alone.
    while (!finished) {
      const next = start + (samples.length * interval * 1000)
      await Promise.race([running, sleep(Math.max(0, next - performance.now()))])
      if (!finished) samples.push(await sampleMemory(server, (performance.now() - start) / 1000))
    }
    const results = await running
    samples.push(await sampleMemory(server, (performance.now() - start) / 1000))

    const first = samples[0]!
    const last = samples.at(-1)!
    printTable(
      `Soak load (${seconds} s, ${CONNECTIONS_PER_PATH} connections per path, steady rate)`,
      ['path', 'asked req/s', 'achieved req/s', 'requests', 'p50', 'p99', 'max', 'non-2xx/err/timeout'],
      targets.map((target, index) => loadRow(target.name, target.rate, results[index]!)),
    )
    printTable(
      'Server memory after a garbage collection',
      ['at', 'rss', 'heap used', 'heap total', 'external'],
      samples.map((sample) => [`${sample.atSeconds.toFixed(0)} s`, mib(sample.rss), mib(sample.heapUsed), mib(sample.heapTotal), mib(sample.external)]),
    )
    const heapGrowth = last.heapUsed - first.heapUsed
    const rssGrowth = last.rss - first.rss
    const failures = sum(results.map((result) => result.non2xx + result.errors + result.timeouts))
    const achieved = sum(results.map((result) => result.requests.total)) / seconds
    const asked = sum(PATHS.map((entry) => entry.rate))
    console.log(`Heap used ${mib(first.heapUsed)} → ${mib(last.heapUsed)} (${signedMib(heapGrowth)}); RSS ${mib(first.rss)} → ${mib(last.rss)} (${signedMib(rssGrowth)})${last.afterGc ? '' : '  (no gc: figures are noisy)'}`)

    return {
      figures: {
        seconds,
        askedRequestsPerSec: asked,
        achievedRequestsPerSec: achieved,
        paths: targets.map((target, index) => ({ name: target.name, ...loadFigures(results[index]!) })),
        memory: samples,
        heapGrowthBytes: heapGrowth,
        rssGrowthBytes: rssGrowth,
      },
      targets: [
        atMost('soak: non-2xx, errors and timeouts', failures, 0, fmt.int),
        atLeast('soak: achieved ÷ asked rate', achieved / asked, TARGETS.achievedRateRatio, fmt.percent),
        atMost('soak: heap growth after GC', heapGrowth, TARGETS.heapGrowthBytes, fmt.bytes),
        atMost('soak: RSS growth', rssGrowth, TARGETS.rssGrowthBytes, fmt.bytes),
      ],
    }
  } finally {
    await server.stop()
  }
}

function soakSeconds(): number {
  const raw = process.env.SOAK_SECONDS
  if (raw === undefined || raw === '') return DEFAULT_SECONDS
  const seconds = Number(raw)
  if (!Number.isInteger(seconds) || seconds < 10) throw new Error(`SOAK_SECONDS must be a whole number of seconds, at least 10; got "${raw}"`)
  return seconds
}

/** Asks the server's probe for a sample (SIGUSR2) and waits for the file it writes. */
async function sampleMemory(server: BenchServer, atSeconds: number): Promise<MemorySample> {
  if (server.pid === undefined) throw new Error('The soak server has no pid')
  const path = join(server.dataDir, 'memory.json')
  const previous = await readSample(path)
  process.kill(server.pid, 'SIGUSR2')
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    const sample = await readSample(path)
    if (sample && sample.sample !== previous?.sample) {
      const { rss, heapUsed, heapTotal, external, afterGc } = sample
      return { atSeconds, rss, heapUsed, heapTotal, external, afterGc }
    }
    await sleep(50)
  }
  throw new Error('The server did not answer the memory probe within 15 s (is bench/memory-probe.ts loaded?)')
}

async function readSample(path: string): Promise<(Omit<MemorySample, 'atSeconds'> & { sample: number }) | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Omit<MemorySample, 'atSeconds'> & { sample: number }
  } catch {
    return null
  }
}

function loadFigures(result: Result) {
  return {
    requests: result.requests.total,
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }
}

function loadRow(name: string, rate: number, result: Result): string[] {
  const figures = loadFigures(result)
  return [
    name,
    fmt.int(rate),
    fmt.int(figures.requestsPerSec),
    fmt.int(figures.requests),
    fmt.ms(figures.p50Ms),
    fmt.ms(figures.p99Ms),
    fmt.ms(figures.maxMs),
    `${fmt.int(figures.non2xx)}/${fmt.int(figures.errors)}/${fmt.int(figures.timeouts)}`,
  ]
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`
}

function signedMib(bytes: number): string {
  return `${bytes >= 0 ? '+' : '−'}${mib(Math.abs(bytes))}`
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0)
}
