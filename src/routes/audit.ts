import { Hono } from 'hono'
import { latestCheckpoint } from '../audit/checkpoints.ts'
import type { AppEnv } from '../http/env.ts'
import { householdRateLimit } from './household/verify.tsx'

/**
 * `GET /audit/checkpoint`: the audit log's latest signed checkpoint (DESIGN §13), for witnesses
 * and anyone who keeps a copy to catch a rollback later. Public on purpose: it names no row.
 */
export function auditRoutes() {
  const app = new Hono<AppEnv>()
  app.use('/audit/*', householdRateLimit)

  app.get('/audit/checkpoint', async (c) => {
    c.header('Access-Control-Allow-Origin', '*')
    c.header('Cross-Origin-Resource-Policy', 'cross-origin')
    // A new one is signed within a second of new rows: a cached copy would hide that.
    c.header('Cache-Control', 'no-store')
    const checkpoint = await latestCheckpoint(c.get('services'))
    if (!checkpoint) return c.json({ error: 'no_checkpoint_yet' }, 404)
    c.header('Content-Type', 'text/plain; charset=utf-8')
    return c.body(checkpoint.note)
  })

  return app
}
