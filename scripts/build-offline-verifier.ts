/**
 * Builds public/offline-verifier.js, the installed app's offline check (DESIGN §12), from
 * scripts/offline-verifier/: one minified ES module with only the parts of jose it calls
 * (compactVerify, jwtVerify, importJWK, decodeProtectedHeader, its error classes), which esbuild
 * keeps by tree-shaking jose's browser build. The output is committed, so the server needs no
 * build step; test/offline-verifier.test.ts fails when it is stale.
 *
 *   npm run build:offline-verifier
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { PUBLIC_DIR } from '../views/assets.ts'

export const OFFLINE_VERIFIER_PATH = join(PUBLIC_DIR, 'offline-verifier.js')
const ENTRY = fileURLToPath(new URL('./offline-verifier/page.ts', import.meta.url))
const BANNER = '// Built by scripts/build-offline-verifier.ts from scripts/offline-verifier/ — do not edit. Includes jose (MIT, Filip Skokan).'

/** The bundle's text, exactly as the committed file should read. */
export async function buildOfflineVerifier(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: ['es2022', 'chrome100', 'safari16'],
    charset: 'utf8',
    legalComments: 'none',
    banner: { js: BANNER },
    write: false,
  })
  const [output] = result.outputFiles
  if (!output) throw new Error('esbuild wrote nothing')
  return output.text
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const code = await buildOfflineVerifier()
  writeFileSync(OFFLINE_VERIFIER_PATH, code)
  console.log(`${OFFLINE_VERIFIER_PATH}: ${code.length} bytes`)
}
