import cluster, { type Worker } from 'node:cluster'
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http'
import { serve, type ServerType } from '@hono/node-server'
import QRCode from 'qrcode'
import { connectDatabase, type Db } from '../db/client.ts'
import { createApp } from './app.tsx'
import { AuditKeyError } from './audit/checkpoint-key.ts'
import { startCheckpointSigner } from './audit/checkpoints.ts'
import { startWitnessSender } from './audit/witness.ts'
import { startDeliveryWorker } from './channel/worker.ts'
import { isLoopbackHost, loadConfig, systemClock, type Config } from './config.ts'
import { openCounters, type OpenCounters } from './counters/open.ts'
import { formatShortCode } from './credentials/short-code.ts'
import { DEMO_CUSTOMER_ID, DEMO_LOGINS, disablePublishedDemoLogins, issueDemoCredentials, seedDemoData, type DemoCredentials } from './demo/seed.ts'
import { startPurgeJob } from './privacy/retention.ts'
import { createServices, type Services } from './services.ts'

const WORKER_RESTART_DELAY_MS = 1000
/** How long a stopping server lets requests in flight finish before it cuts their connections. */
const DRAIN_TIMEOUT_MS = 10_000
const WORKER_STOP_TIMEOUT_MS = DRAIN_TIMEOUT_MS + 5000
const WORKER_THREADPOOL_SIZE = 1

// The one file that listens. With WORKERS=1 this process serves HTTP itself; with more, it forks
// that many worker processes sharing the port (one per core), and keeps for itself what must run
// once: migrations, the first signing key, demo data and the 123 channel's delivery worker.
const config = loadConfig()

if (cluster.isPrimary) await runPrimary(config)
else await runWorker(config)

interface Address {
  address: string
  port: number
}

async function runPrimary(config: Config): Promise<void> {
  const db = await connectDatabase(config.database, config.dataDir, (message) => console.error(message))
  const here = config.workers === 1 ? httpServer(config, db, await openCounters(config)) : null
  const services = here?.services ?? createServices({ db, config, clock: systemClock })
  await services.keys.ensureActiveKey()
  try {
    await services.checkpointKey.signer()
  } catch (error) {
    if (!(error instanceof AuditKeyError)) throw error
    console.error(`error: ${error.message}`)
    await db.close()
    process.exit(1)
  }
  const demo = config.demoData ? await prepareDemo(services) : null
  const withdrawnDemoLogins = config.demoData ? [] : await disablePublishedDemoLogins(services)
  // Scam reports go to the 123 channel through the outbox; without a webhook they wait, undelivered.
  const deliveryWorker = config.webhookUrl ? startDeliveryWorker(services) : null
  // Audit checkpoints go to AUDIT_WITNESS_URL from here only, so one sender speaks to it.
  const witnessSender = config.auditWitnessUrl ? startWitnessSender(services) : null
  const pool = here ? null : forkWorkers(config)
  // Once, here: the primary signs the audit checkpoints (src/audit/checkpoints.ts says why in batches).
  const checkpointSigner = startCheckpointSigner(services)
  // Retention (src/privacy/retention.ts): once, here, shortly after start and then every hour.
  const purgeJob = startPurgeJob(services)

  let stopping = false
  const shutdown = async (code = 0) => {
    if (stopping) return
    stopping = true
    // Requests in flight are answered first (they may still write); the database closes last.
    await here?.drain()
    await pool?.stop()
    // A delivery cut short becomes due again for the next start or an `outbox drain`.
    await deliveryWorker?.stop()
    await witnessSender?.stop()
    await purgeJob.stop()
    await here?.release()
    // The last rows written are signed before the database closes.
    await checkpointSigner.stop()
    await db.close()
    process.exit(code)
  }
  process.on('SIGINT', () => shutdown())
  process.on('SIGTERM', () => shutdown())

  let address: Address
  try {
    address = here ? await here.listen() : await pool!.listening
  } catch (error) {
    console.error((error as Error).message)
    return shutdown(1)
  }
  await announce(config, address, deliveryWorker !== null, demo, withdrawnDemoLogins)
}

async function runWorker(config: Config): Promise<void> {
  const db = await connectDatabase(config.database, config.dataDir, (message) => console.error(message))
  const http = httpServer(config, db, await openCounters(config))
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await http.drain()
    await http.release()
    await db.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  // The primary is gone (stopped, or killed): a worker never serves on its own.
  process.on('disconnect', stop)
  await http.listen()
}

/** The web app over HTTP in this process, listening once asked to (after the demo data exists). */
function httpServer(config: Config, db: Db, counters: OpenCounters) {
  const { app, services, verifier } = createApp({ db, config, clock: systemClock, counters: counters.store })
  let server: ServerType | null = null
  const inFlight = new Set<ServerResponse>()
  let draining = false
  return {
    services,
    listen: () =>
      new Promise<Address>((resolve) => {
        server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, resolve)
        server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
          inFlight.add(response)
          if (draining) response.shouldKeepAlive = false
          response.on('close', () => {
            inFlight.delete(response)
            // Its keep-alive connection is idle now; close() waits for every connection.
            if (draining) setImmediate(() => (server as HttpServer | null)?.closeIdleConnections())
          })
        })
      }),
    /** Stops taking connections and waits, at most DRAIN_TIMEOUT_MS, for the requests in flight. */
    drain: () => {
      draining = true
      const current = server as HttpServer | null
      if (!current) return Promise.resolve()
      console.log(`Stopping: ${inFlight.size} request(s) in flight to finish (pid ${process.pid}).`)
      // Answers still to be written end their connection instead of keeping it alive.
      for (const response of inFlight) if (!response.headersSent) response.shouldKeepAlive = false
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          console.error(`Stopping: ${inFlight.size} request(s) still in flight after ${DRAIN_TIMEOUT_MS / 1000} s; closing their connections.`)
          current.closeAllConnections()
        }, DRAIN_TIMEOUT_MS)
        current.close(() => {
          clearTimeout(force)
          resolve()
        })
      })
    },
    /** After drain: what the requests left behind is written, then the counters close. */
    release: async () => {
      await verifier.flushScans()
      await counters.close()
    },
  }
}

/** Forks the HTTP workers; one that dies after it was serving is replaced, one that cannot start stops the server. */
function forkWorkers(config: Config) {
  const count = config.workers
  const workers = new Set<Worker>()
  let stopping = false
  let resolveListening: (address: Address) => void
  let rejectListening: (error: Error) => void
  const listening = new Promise<Address>((resolve, reject) => {
    resolveListening = resolve
    rejectListening = reject
  })
  let ready = 0

  const fork = () => {
    // One process per core already keeps the cores busy; a single libuv thread each (signature
    // checks, password hashing) spares them from fighting the event loops for those cores.
    const worker = cluster.fork({ UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? String(WORKER_THREADPOOL_SIZE) })
    workers.add(worker)
    let served = false
    worker.on('listening', (address) => {
      served = true
      if (++ready === count) resolveListening({ address: address.address ?? config.host, port: address.port })
    })
    worker.on('exit', (code, signal) => {
      workers.delete(worker)
      if (stopping) return
      if (!served && ready < count) {
        rejectListening(new Error(`a worker process could not start (exit ${code ?? signal})`))
        return
      }
      console.error(`Worker ${worker.process.pid} stopped (${signal ?? `exit ${code}`}); starting another.`)
      setTimeout(() => stopping || fork(), WORKER_RESTART_DELAY_MS).unref()
    })
  }
  for (let i = 0; i < count; i++) fork()

  return {
    listening,
    stop: async () => {
      stopping = true
      const exits = [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => worker.process.kill('SIGKILL'), WORKER_STOP_TIMEOUT_MS)
            worker.once('exit', () => {
              clearTimeout(force)
              resolve()
            })
            worker.process.kill('SIGTERM')
          }),
      )
      await Promise.all(exits)
    },
  }
}

async function prepareDemo(services: Services): Promise<{ seeded: boolean; credentials: DemoCredentials }> {
  const seeded = await seedDemoData(services)
  return { seeded, credentials: await issueDemoCredentials(services) }
}

async function announce(config: Config, address: Address, delivering: boolean, demo: { seeded: boolean; credentials: DemoCredentials } | null, withdrawnDemoLogins: string[]): Promise<void> {
  const processes = config.workers === 1 ? '' : ` by ${config.workers} worker processes`
  console.log(`Cek Petugas is listening on http://${address.address}:${address.port}${processes} (public URL ${config.publicUrl})`)
  console.log(`Data: ${config.dataDir}${config.rateLimit ? '' : ' · rate limits OFF'}`)
  if (!delivering) console.log('CHANNEL123_WEBHOOK_URL is not set: scam reports are kept and marked undelivered.')
  if (!demo && !config.production) {
    console.log(
      isLoopbackHost(config.host)
        ? 'No demo data: DEMO=0.'
        : `No demo data: HOST=${config.host} is reachable beyond this machine, so no demo sign-ins were created (their passwords are published). Set DEMO=1 to create them anyway.`,
    )
  }
  if (withdrawnDemoLogins.length > 0) {
    console.log(`Demo sign-ins disabled because they still had their published passwords: ${withdrawnDemoLogins.join(', ')}. Add your own with \`npm run cli -- user add\`.`)
  }
  if (!demo) return
  if (demo.seeded) console.log('Demo data created: units, officers with photos, demo sign-ins.')
  const { pass, badge, suspendedPass } = demo.credentials
  console.log('')
  console.log('Demo visit pass (P2TL, ID pelanggan ' + DEMO_CUSTOMER_ID + '):')
  console.log(`  ${pass.url}`)
  console.log(`  short code: ${formatShortCode(pass.code)}  →  ${config.publicUrl}/c/${pass.code}`)
  console.log(await QRCode.toString(pass.url, { type: 'terminal', small: true, errorCorrectionLevel: 'L' }))
  console.log(`Demo officer badge: ${badge.url}`)
  console.log(`Pass of a suspended officer (shows red): ${config.publicUrl}/c/${suspendedPass.code}`)
  console.log(`Door check (the household's own screen): ${config.publicUrl}/app — the demo household's visit password is set`)
  console.log('')
  console.log(`Demo sign-ins at ${config.publicUrl}/login (demo data only; never in production):`)
  for (const login of DEMO_LOGINS) console.log(`  ${login.username.padEnd(12)} ${login.password.padEnd(22)} ${login.what}`)
}
