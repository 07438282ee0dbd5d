import { readFileSync } from 'node:fs'
import { childrenOf } from '../test/support/processes.ts'
import { performance } from 'node:perf_hooks'

/** Linux reports process times in clock ticks; 100 per second on every common kernel. */
const CLOCK_TICKS_PER_SECOND = 100

export interface CpuSpent<T> {
  result: T
  wallSeconds: number
  /** CPU seconds of the server (all threads of its process and of its worker processes), or null where /proc is not available. */
  serverCpuSeconds: number | null
  /** CPU seconds of the PostgreSQL cluster (postmaster and backends) when `databasePid` was given, else null. */
  databaseCpuSeconds: number | null
  /** CPU seconds of this bench process (the load generator runs here). */
  benchCpuSeconds: number
  /** CPU seconds the rest of the machine used meanwhile (other people's work is noise), or null without /proc. */
  otherCpuSeconds: number | null
}

/**
 * Measures CPU time around `work`: on a small machine the load generator and the server share
 * the cores, so req/s alone does not say whether the server or the client was the limit.
 */
export async function measureCpu<T>(serverPid: number | undefined, work: () => PromiseLike<T>, databasePid?: number): Promise<CpuSpent<T>> {
  const machineBefore = machineBusySeconds()
  const serverBefore = serverPid === undefined ? null : processCpuSeconds(serverPid)
  const databaseBefore = databasePid === undefined ? null : processCpuSeconds(databasePid, true)
  const benchBefore = process.cpuUsage()
  const start = performance.now()
  const result = await work()
  const wallSeconds = (performance.now() - start) / 1000
  const bench = process.cpuUsage(benchBefore)
  const serverAfter = serverPid === undefined ? null : processCpuSeconds(serverPid)
  const databaseAfter = databasePid === undefined ? null : processCpuSeconds(databasePid, true)
  const machineAfter = machineBusySeconds()
  const serverCpuSeconds = serverBefore !== null && serverAfter !== null ? serverAfter - serverBefore : null
  const databaseCpuSeconds = databaseBefore !== null && databaseAfter !== null ? databaseAfter - databaseBefore : null
  const benchCpuSeconds = (bench.user + bench.system) / 1e6
  const machineCpuSeconds = machineBefore !== null && machineAfter !== null ? machineAfter - machineBefore : null
  return {
    result,
    wallSeconds,
    serverCpuSeconds,
    databaseCpuSeconds,
    benchCpuSeconds,
    otherCpuSeconds: machineCpuSeconds === null ? null : Math.max(0, machineCpuSeconds - (serverCpuSeconds ?? 0) - (databaseCpuSeconds ?? 0) - benchCpuSeconds),
  }
}

/** Busy time of all cores together, from the first line of /proc/stat (everything but idle and iowait). */
function machineBusySeconds(): number | null {
  try {
    const [, ...ticks] = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/)
    const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number)
    const busy = [user, nice, system, irq, softirq, steal].reduce<number>((total, value) => total + (value ?? NaN), 0)
    return Number.isFinite(busy) ? busy / CLOCK_TICKS_PER_SECOND : null
  } catch {
    return null
  }
}

/**
 * CPU seconds of a process and its live children (the server's workers live as long as it does).
 * `withEnded` adds the children that ended (cutime and cstime): PostgreSQL's backends come and go.
 */
function processCpuSeconds(pid: number, withEnded = false): number | null {
  const own = processStat(pid, withEnded)
  if (!own) return null
  const children = childrenOf(pid).map((child) => processStat(child, false))
  return [own, ...children].reduce((total, stat) => total + (stat?.cpuSeconds ?? 0), 0)
}

function processStat(pid: number, withEnded: boolean): { cpuSeconds: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the parenthesised command name: utime, stime, cutime and cstime are fields 14 to 17 overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const ticks = Number(fields[11]) + Number(fields[12]) + (withEnded ? Number(fields[13]) + Number(fields[14]) : 0)
    return Number.isFinite(ticks) ? { cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND } : null
  } catch {
    return null
  }
}
