import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestApp, listen } from './helpers.ts'

const MiB = 1024 * 1024
/** Far more than any route takes; a server that read it all would answer only after the last byte. */
const HUGE_BODY = 64 * MiB
/** What the socket buffers between client and server can hold before the sender has to wait. */
const IN_FLIGHT_ALLOWANCE = 16 * MiB

interface Answer {
  status: number
  contentType: string
  body: string
  /** Bytes the client had been able to send when the answer arrived. */
  sentBeforeAnswer: number
}

/**
 * Streams `total` bytes to `path`, each chunk only once the socket has room (backpressure), and
 * stops as soon as the server answers. Without `contentLength` the body goes chunked.
 */
function sendHugeBody(base: string, path: string, options: { contentType: string; contentLength?: number; total: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base)
    const headers: Record<string, string> = { 'content-type': options.contentType }
    if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength)
    const req = httpRequest(url, { method: 'POST', headers })
    let sent = 0
    let answered = false
    const chunk = Buffer.alloc(64 * 1024, 'a')
    const pump = () => {
      while (!answered && sent < options.total) {
        sent += chunk.length
        if (!req.write(chunk)) return void req.once('drain', pump)
      }
      if (!answered) req.end()
    }
    req.on('response', (res) => {
      answered = true
      const sentBeforeAnswer = sent
      const parts: Buffer[] = []
      res.on('data', (part: Buffer) => parts.push(part))
      res.on('end', () => {
        req.destroy()
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(parts).toString('utf8'), sentBeforeAnswer })
      })
    })
    // The server may close the connection on a body it refused; that is not a failure here.
    req.on('error', (error) => (answered ? undefined : reject(error)))
    pump()
  })
}

describe('request bodies are bounded before anything reads them', () => {
  let server: { url: string; close: () => Promise<void> }

  beforeAll(async () => {
    server = await listen((await createTestApp()).app)
  })
  afterAll(() => server.close())

  it('refuses a huge chunked body to POST /logout with 413 and the calm error page, without reading it', async () => {
    const answer = await sendHugeBody(server.url, '/logout', { contentType: 'application/x-www-form-urlencoded', total: HUGE_BODY })
    expect(answer.status).toBe(413)
    expect(answer.contentType).toContain('text/html')
    expect(answer.body).toContain('Data terlalu besar')
    expect(answer.body).not.toMatch(/at .*\.ts:\d+/)
    expect(answer.sentBeforeAnswer).toBeLessThan(IN_FLIGHT_ALLOWANCE)
  })

  it('refuses a huge chunked body to the JSON report API with a JSON 413, without reading it', async () => {
    const answer = await sendHugeBody(server.url, '/api/v1/reports', { contentType: 'application/json', total: HUGE_BODY })
    expect(answer.status).toBe(413)
    expect(answer.contentType).toContain('application/json')
    expect((JSON.parse(answer.body) as { error: string }).error).toBeTruthy()
    expect(answer.sentBeforeAnswer).toBeLessThan(IN_FLIGHT_ALLOWANCE)
  })

  it('refuses a body announced as 600 MiB by its Content-Length before a byte of it is read', async () => {
    const answer = await sendHugeBody(server.url, '/logout', { contentType: 'application/x-www-form-urlencoded', contentLength: 600 * MiB, total: 600 * MiB })
    expect(answer.status).toBe(413)
    expect(answer.sentBeforeAnswer).toBeLessThan(IN_FLIGHT_ALLOWANCE)
  })

  it.each([
    ['the home page', '/'],
    ['a verdict page', '/v/anything'],
    ['a photo upload without a session', '/admin/officers/EMP-1/photo'],
    ['a route that does not exist', '/nowhere'],
  ])('bounds a chunked body on %s too', async (_name, path) => {
    const answer = await sendHugeBody(server.url, path, { contentType: 'multipart/form-data; boundary=x', total: HUGE_BODY })
    expect(answer.status).toBe(413)
    expect(answer.sentBeforeAnswer).toBeLessThan(IN_FLIGHT_ALLOWANCE)
  })
})
