// autocannon ships no types and @types/autocannon is not a dependency; this declares only the
// part of its programmatic API the bench uses.
declare module 'autocannon' {
  interface Options {
    url: string
    connections?: number
    duration?: number
    pipelining?: number
    timeout?: number
    headers?: Record<string, string>
    method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
    body?: string
    /** Replaces `[<id>]` in the request with a unique id per request. */
    idReplacement?: boolean
    /** Responses whose body differs from this are counted in `mismatches`. */
    expectBody?: string
    /** Requests per second across all connections: a steady rate instead of as fast as possible. */
    overallRate?: number
  }

  interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p97_5: number
    p99: number
  }

  interface Result {
    duration: number
    errors: number
    timeouts: number
    mismatches: number
    non2xx: number
    resets: number
    statusCodeStats: Record<string, { count: number }>
    latency: Histogram
    requests: Histogram & { sent: number }
    throughput: Histogram
  }

  /** The returned tracker is also thenable; the bench only awaits it. */
  function autocannon(options: Options): PromiseLike<Result>

  export type { Options, Result }
  export default autocannon
}
