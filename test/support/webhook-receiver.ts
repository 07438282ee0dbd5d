import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Webhook } from 'standardwebhooks'

/** One request the receiver got, and what it answered. */
export interface ReceivedWebhook {
  webhookId: string
  timestamp: string
  signature: string
  contentType: string
  body: string
  /** The parsed JSON body. */
  payload: { type: string; timestamp: string; data: Record<string, unknown> & { ticket: string } }
  /** Checked with the `standardwebhooks` package, exactly as the contact centre would. */
  verified: boolean
  verifyError: string | null
  /** 1 for the first request with this webhook-id, 2 for its first retry, … */
  attempt: number
  answer: Behaviour
  /** Whether the answer was actually written back (the sender may have gone meanwhile). */
  answered: boolean
}

/** How to answer: a status, hold the request open (the sender times out), or drop the connection. */
export type Behaviour = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang' | 'drop'

export interface WebhookReceiver {
  url: string
  port: number
  /** `whsec_…`, for CHANNEL123_WEBHOOK_SECRET. */
  secret: string
  received: ReceivedWebhook[]
  /** Requests answered 2xx (the answer was written), per webhook-id. */
  acceptedIds: () => Map<string, ReceivedWebhook[]>
  /** Tickets of the `report.created` messages answered 2xx. */
  deliveredTickets: () => Set<string>
  /** Decides each answer; the default accepts everything with 204. */
  behave: (decide: (message: ReceivedWebhook) => Behaviour) => void
  /** Starts listening again on the same port after close(). */
  listen: () => Promise<void>
  close: () => Promise<void>
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`
}

/**
 * A real HTTP receiver on 127.0.0.1 (port 0 unless given, so "down, then up" can reuse a port).
 * It verifies every signature with the standardwebhooks package.
 */
export async function startWebhookReceiver(options: { port?: number; secret?: string; listen?: boolean } = {}): Promise<WebhookReceiver> {
  const secret = options.secret ?? generateWebhookSecret()
  const verifier = new Webhook(secret)
  const received: ReceivedWebhook[] = []
  const attempts = new Map<string, number>()
  let decide: (message: ReceivedWebhook) => Behaviour = () => ({ status: 204 })
  let server: Server | null = null
  const sockets = new Set<Socket>()
  let port = options.port ?? 0

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const header = (name: string) => String(req.headers[name] ?? '')
      const webhookId = header('webhook-id')
      const attempt = (attempts.get(webhookId) ?? 0) + 1
      attempts.set(webhookId, attempt)
      let verifyError: string | null = null
      try {
        verifier.verify(body, { 'webhook-id': webhookId, 'webhook-timestamp': header('webhook-timestamp'), 'webhook-signature': header('webhook-signature') })
      } catch (error) {
        verifyError = (error as Error).message
      }
      let payload: ReceivedWebhook['payload']
      try {
        payload = JSON.parse(body) as ReceivedWebhook['payload']
      } catch {
        payload = { type: 'unparseable', timestamp: '', data: { ticket: '' } }
      }
      const message: ReceivedWebhook = {
        webhookId,
        timestamp: header('webhook-timestamp'),
        signature: header('webhook-signature'),
        contentType: header('content-type'),
        body,
        payload,
        verified: verifyError === null,
        verifyError,
        attempt,
        answer: { status: 0 },
        answered: false,
      }
      message.answer = decide(message)
      received.push(message)
      if (message.answer === 'hang') return
      if (message.answer === 'drop') {
        req.socket.destroy()
        return
      }
      const { status, headers, body: text, delayMs } = message.answer
      setTimeout(() => {
        if (res.destroyed || req.socket.destroyed) return
        res.writeHead(status, { 'content-type': 'text/plain', ...headers })
        res.end(text ?? '')
        message.answered = true
      }, delayMs ?? 0)
    })
  }

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(handle)
      next.on('connection', (socket) => {
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
      })
      next.once('error', reject)
      next.listen(port, '127.0.0.1', () => {
        port = (next.address() as AddressInfo).port
        server = next
        resolve()
      })
    })

  const close = () =>
    new Promise<void>((resolve) => {
      if (!server) return resolve()
      const closing = server
      server = null
      for (const socket of sockets) socket.destroy()
      closing.close(() => resolve())
    })

  if (options.listen !== false) await listen()
  const accepted = () => received.filter((message) => message.answered && typeof message.answer === 'object' && message.answer.status >= 200 && message.answer.status < 300)

  return {
    get url() {
      return `http://127.0.0.1:${port}/hooks/123`
    },
    get port() {
      return port
    },
    secret,
    received,
    acceptedIds: () => {
      const byId = new Map<string, ReceivedWebhook[]>()
      for (const message of accepted()) byId.set(message.webhookId, [...(byId.get(message.webhookId) ?? []), message])
      return byId
    },
    deliveredTickets: () => new Set(accepted().filter((message) => message.payload.type === 'report.created').map((message) => message.payload.data.ticket)),
    behave: (next) => {
      decide = next
    },
    listen,
    close,
  }
}

/** Polls `condition` until it holds or the deadline passes; the failure names what was awaited. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await condition()) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)
}
