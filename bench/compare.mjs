// Server CPU per request of this tree against another checkout of the app, measured alternately in
// one run (the machine's speed drifts, so only same-run ratios mean anything).
//
//   git worktree add /tmp/baseline <rev> && ln -s "$PWD/node_modules" /tmp/baseline/node_modules
//   node bench/compare.mjs api|page|reports|home [rounds=6] [/tmp/baseline]
//
// Both servers run with RATE_LIMIT=off and WORKERS=1 on fresh DATA_DIRs; CPU is read from /proc.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
const trees = { after: join(import.meta.dirname, '..'), before: process.argv[4] ?? '/tmp/baseline' }
const mode = process.argv[2] ?? 'api'
const rounds = Number(process.argv[3] ?? 6)
const servers = {}
let port = 4300
for (const [name, dir] of Object.entries(trees)) {
  const data = mkdtempSync(join(tmpdir(), 'ab-'))
  const p = port++
  const child = spawn('node', ['--import', 'tsx', 'src/server.ts'], { cwd: dir, env: { ...process.env, DATA_DIR: data, PORT: String(p), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${p}`, RATE_LIMIT: 'off', WORKERS: '1' } })
  let log = ''
  child.stdout.on('data', (d) => (log += d))
  child.stderr.on('data', (d) => (log += d))
  await new Promise((resolve, reject) => { const t0 = Date.now(); const t = setInterval(() => { if (/\/v\/\S+/.test(log) && /badge/i.test(log)) { clearInterval(t); resolve() } else if (Date.now() - t0 > 60000) { clearInterval(t); reject(new Error(log)) } }, 200) })
  const token = /\/v\/(\S+)/.exec(log)[1]
  const base = `http://127.0.0.1:${p}`
  const opts = mode === 'api' ? { url: `${base}/api/v1/verify/${token}` }
    : mode === 'page' ? { url: `${base}/v/${token}`, headers: { 'accept-encoding': 'gzip' } }
    : mode === 'reports' ? { url: `${base}/api/v1/reports`, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ category: 'money', note: 'Bench [<id>]: minta transfer', phone: '0812 3456 7890', location: 'Menteng' }), idReplacement: true }
    : { url: `${base}/` }
  servers[name] = { child, opts, data }
}
const cpu = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10_000 }
const results = { after: [], before: [] }
const amount = mode === 'reports' ? 4000 : mode === 'page' ? 5000 : 12000
for (const s of Object.values(servers)) await autocannon({ ...s.opts, connections: 20, amount: 1000 })
for (let round = 0; round < rounds; round++) {
  for (const name of round % 2 ? ['before', 'after'] : ['after', 'before']) {
    const s = servers[name]
    const before = cpu(s.child.pid)
    const r = await autocannon({ ...s.opts, connections: 20, amount })
    const used = cpu(s.child.pid) - before
    if (r.non2xx || r.errors) console.log(name, 'non2xx', r.non2xx, 'errors', r.errors)
    results[name].push(used / r.requests.total)
  }
}
const med = (l) => { const s = [...l].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2 }
for (const [name, list] of Object.entries(results)) console.log(mode, name.padEnd(6), 'µs CPU/request median', med(list).toFixed(0), ' all', list.map((x) => x.toFixed(0)).join(' '))
console.log(mode, 'ratio after/before', (med(results.after) / med(results.before)).toFixed(3), ' per-round ratios', results.after.map((a, i) => (a / results.before[i]).toFixed(2)).join(' '))
for (const s of Object.values(servers)) s.child.kill('SIGINT')
await new Promise((resolve) => setTimeout(resolve, 1000))
for (const s of Object.values(servers)) rmSync(s.data, { recursive: true, force: true })
process.exit(0)
