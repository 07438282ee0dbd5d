import { request, type IncomingHttpHeaders } from 'node:http'

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The bytes as sent: never decompressed, unlike fetch(). */
  body: Buffer
}

/** GET through node:http; `newConnection` opens a connection of its own instead of a pooled one. */
export function rawGet(url: string, options: { headers?: Record<string, string>; newConnection?: boolean } = {}): Promise<RawResponse> {
  const headers = { ...options.headers, ...(options.newConnection ? { connection: 'close' } : {}) }
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: options.newConnection ? false : undefined, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)))
    req.end()
  })
}
