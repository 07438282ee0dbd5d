import { serve } from '@hono/node-server'
import QRCode from 'qrcode'
import { databasePath, openDatabase } from '../db/client.ts'
import { createApp } from './app.tsx'
import { startDeliveryWorker } from './channel/worker.ts'
import { loadConfig, systemClock } from './config.ts'
import { formatShortCode } from './credentials/short-code.ts'
import { DEMO_CUSTOMER_ID, DEMO_LOGINS, issueDemoCredentials, seedDemoData } from './demo/seed.ts'

const config = loadConfig()
const db = openDatabase(databasePath(config.dataDir))
const { app, services, verifier } = createApp({ db, config, clock: systemClock })
await services.keys.ensureActiveKey()
// Scam reports go to the 123 channel through the outbox; without a webhook they wait, undelivered.
const deliveryWorker = config.webhookUrl ? startDeliveryWorker(services) : null

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, async (info) => {
  console.log(`Cek Petugas is listening on http://${info.address}:${info.port} (public URL ${config.publicUrl})`)
  console.log(`Data: ${config.dataDir}${config.rateLimit ? '' : ' · rate limits OFF'}`)
  if (!deliveryWorker) console.log('CHANNEL123_WEBHOOK_URL is not set: scam reports are kept and marked undelivered.')
  if (!config.demoData) return
  if (await seedDemoData(services)) console.log('Demo data created: units, officers with photos, demo sign-ins.')
  const demo = await issueDemoCredentials(services)
  console.log('')
  console.log('Demo visit pass (P2TL, ID pelanggan ' + DEMO_CUSTOMER_ID + '):')
  console.log(`  ${demo.pass.url}`)
  console.log(`  short code: ${formatShortCode(demo.pass.code)}  →  ${config.publicUrl}/c/${demo.pass.code}`)
  console.log(await QRCode.toString(demo.pass.url, { type: 'terminal', small: true, errorCorrectionLevel: 'L' }))
  console.log(`Demo officer badge: ${demo.badge.url}`)
  console.log(`Pass of a suspended officer (shows red): ${config.publicUrl}/c/${demo.suspendedPass.code}`)
  console.log('')
  console.log(`Demo sign-ins at ${config.publicUrl}/login (demo data only; never in production):`)
  for (const login of DEMO_LOGINS) console.log(`  ${login.username.padEnd(12)} ${login.password.padEnd(22)} ${login.what}`)
})

async function shutdown() {
  server.close()
  // Requests in flight are abandoned; their rows become due again for the next start or a drain.
  await deliveryWorker?.stop()
  verifier.flushScans()
  db.$client.close()
  process.exit(0)
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
