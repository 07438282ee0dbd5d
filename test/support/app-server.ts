import { serve, type ServerType } from '@hono/node-server'
import { createApp } from '../../src/app.tsx'
import { createUser } from '../../src/auth/users.ts'
import { seedDemoData } from '../../src/demo/seed.ts'
import type { Services } from '../../src/services.ts'
import { givenUnitTree, tempDir, testConfig, type TestClock } from '../helpers.ts'
import { freePort } from './processes.ts'
import { openDataDirDatabase } from './test-database.ts'

/** WIB is UTC+7 all year. */
export function wib(date: string, time: string): number {
  return Date.parse(`${date}T${time}:00+07:00`)
}

export interface AppServer {
  url: string
  services: Services
  clock: TestClock
  /** Adds a signed-in-able officer account for `employeeNo`. */
  givenOfficerLogin(username: string, password: string, employeeNo: string): Promise<void>
  close(): Promise<void>
}

/**
 * The real app over real HTTP on 127.0.0.1, on a temporary DATA_DIR, with an injected clock:
 * browser tests that depend on the time of day run at the moment they choose, never at the
 * wall clock's. `demo` fills it with the demo units, officers and sign-ins.
 */
export async function startAppServer(clock: TestClock, options: { demo?: boolean } = {}): Promise<AppServer> {
  const dir = tempDir('app-server')
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const db = await openDataDirDatabase(dir.path)
  const { app, services } = createApp({ db, config: testConfig({ port, publicUrl: url, dataDir: dir.path }), clock })
  if (options.demo) await seedDemoData(services)
  else await givenUnitTree(services)
  const server = await new Promise<ServerType>((resolve) => {
    const started: ServerType = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(started))
  })
  return {
    url,
    services,
    clock,
    givenOfficerLogin: async (username, password, employeeNo) => {
      await createUser(db, clock, { username, password, role: 'officer', officerEmployeeNo: employeeNo })
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      // A browser keeps idle connections open; they must not hold the close up.
      if ('closeAllConnections' in server) server.closeAllConnections()
      await closed
      await db.close()
      dir.remove()
    },
  }
}
