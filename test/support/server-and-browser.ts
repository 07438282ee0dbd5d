import type { Browser } from 'playwright-core'
import { tempDir } from '../helpers.ts'
import { launchChromium } from './browser.ts'
import { startServer, type RunningServer } from './processes.ts'

export interface ServerAndBrowser {
  server: RunningServer
  browser: Browser
  /** Closes the browser, stops the server and removes its DATA_DIR. */
  stop: () => Promise<void>
}

/**
 * What a browser test file starts with: the real server (`npm start`'s demo data) on a fresh
 * DATA_DIR, and Debian's Chromium. Whatever started is stopped again if the rest fails.
 */
export async function startServerAndBrowser(name: string, extraEnv: Record<string, string> = {}): Promise<ServerAndBrowser> {
  const dir = tempDir(name)
  let server: RunningServer | undefined
  let browser: Browser | undefined
  const stop = async () => {
    await browser?.close()
    await server?.stop()
    dir.remove()
  }
  try {
    server = await startServer(dir.path, extraEnv)
    browser = await launchChromium()
    return { server, browser, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
