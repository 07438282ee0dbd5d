// The installed app's service worker (DESIGN §10.1), served at /sw.js so its scope is the whole
// origin. The route puts `const SHELL = { version, urls, networkFirst, offline }` in front of this
// file; the version comes from the shell's content hashes, so a deploy that changes any of it
// installs a new cache and deletes the old one.
//
// The offline check (DESIGN §12): the JWKS and every status list a scan needed are kept fresh
// while online, with the server's time of the latest fetch; a scan (a navigation to /v/<token>)
// that cannot reach us is answered with the cached check page, which judges the token from them.
/* global SHELL */

const PREFIX = 'cek-petugas-shell-'
const CACHE = PREFIX + SHELL.version
const SHELL_URLS = new Set(SHELL.urls)
const NETWORK_FIRST = new Set(SHELL.networkFirst)
// Responses vary by Accept-Encoding, which neither the cached request nor a page's request shows.
const MATCH = { ignoreVary: true }
/** Status lists and the server time outlive a shell version: a deploy must not cost the offline check its lists. */
const DATA = 'cek-petugas-data'
const JWKS = '/.well-known/jwks.json'
/** The latest Date header of a JWKS or list response, never moved back; public/offline-verifier.js reads it. */
const SERVER_TIME = '/app/server-time'
const TOKEN_PATH = /^\/v\/([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/
/** A scan whose verdict page has not come within this long is checked offline: a weak signal is no signal. */
const SCAN_TIMEOUT_MS = 10000

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.urls))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith(PREFIX) && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  const path = url.pathname + url.search
  const scanned = request.method === 'GET' && request.mode === 'navigate' ? TOKEN_PATH.exec(url.pathname) : null
  if (request.method === 'GET' && url.pathname.startsWith('/status/')) {
    event.respondWith(networkFirst(request, DATA))
  } else if (request.method === 'GET' && SHELL_URLS.has(path)) {
    event.respondWith(NETWORK_FIRST.has(path) ? networkFirst(request, CACHE) : cacheFirst(request))
    // Opening the app: lists past their ttl and the keys are fetched again while there is a signal.
    if (request.mode === 'navigate' && url.pathname === '/app') event.waitUntil(refreshKept())
  } else if (scanned) {
    event.respondWith(verdictOrOfflineCheck(request))
    event.waitUntil(keepForOffline(scanned[2]))
  } else if (request.mode === 'navigate') {
    // Every other page needs our server (a verdict, a door check): offline, say so clearly.
    event.respondWith(fetch(request).catch(() => offlinePage()))
  }
})

function cacheFirst(request) {
  return caches.match(request, MATCH).then((cached) => cached || fetch(request).catch(() => (request.mode === 'navigate' ? offlinePage() : Response.error())))
}

function networkFirst(request, cacheName) {
  return fetchAndKeep(request, cacheName).catch(() => caches.match(request, MATCH).then((cached) => cached || Response.error()))
}

/** A fresh copy from our server (past the HTTP cache), kept in `cacheName`; its Date header moves the server time on. */
function fetchAndKeep(request, cacheName) {
  return fetch(request, { cache: 'no-cache' }).then((response) => {
    if (!response.ok) return response
    const copy = response.clone()
    return caches
      .open(cacheName)
      .then((cache) => cache.put(request, copy))
      .then(() => noteServerTime(Date.parse(response.headers.get('Date') || '')))
      .then(() => response)
  })
}

let serverTimeWrites = Promise.resolve()

/** Keeps the latest server time seen; writes one after another, so an older one never wins. */
function noteServerTime(at) {
  if (!Number.isFinite(at)) return serverTimeWrites
  serverTimeWrites = serverTimeWrites
    .then(() => caches.open(DATA))
    .then((cache) =>
      cache
        .match(SERVER_TIME)
        .then((kept) => (kept ? kept.json() : { at: 0 }))
        .then((kept) => (at > kept.at ? cache.put(SERVER_TIME, new Response(JSON.stringify({ at }), { headers: { 'Content-Type': 'application/json' } })) : undefined)),
    )
    .catch(() => {})
  return serverTimeWrites
}

/** The verdict page from our server; with no network (or none in time), the offline check, at the same address. */
function verdictOrOfflineCheck(request) {
  const online = fetch(request)
  const timeout = new Promise((resolve, reject) => setTimeout(() => reject(new Error('no verdict in time')), SCAN_TIMEOUT_MS))
  return Promise.race([online, timeout]).catch(() => caches.match(SHELL.check, MATCH).then((cached) => cached || offlinePage()))
}

/** The claims of a token, unverified: only to learn which status list it needs. */
function unverifiedClaims(payloadSegment) {
  try {
    return JSON.parse(atob(payloadSegment.replace(/-/g, '+').replace(/_/g, '/')))
  } catch {
    return null
  }
}

/** Every scan online fetches the keys and the scanned token's list again, so the next check offline knows what this one knew. */
function keepForOffline(payloadSegment) {
  const claims = unverifiedClaims(payloadSegment)
  const uri = claims && claims.status && claims.status.status_list && claims.status.status_list.uri
  const lists = typeof uri === 'string' && uri.startsWith(self.location.origin + '/status/') ? [fetchAndKeep(new Request(uri), DATA)] : []
  return Promise.all([fetchAndKeep(new Request(JWKS), CACHE), ...lists]).catch(() => {})
}

/** On opening the app: the keys, and each kept list older than its ttl. */
function refreshKept() {
  return caches
    .open(DATA)
    .then((cache) => cache.keys().then((requests) => Promise.all(requests.map((request) => cache.match(request).then((response) => ({ request, response }))))))
    .then((kept) => {
      const lists = kept.filter(({ request, response }) => response && new URL(request.url).pathname.startsWith('/status/'))
      return Promise.all(lists.map(({ request, response }) => isPastTtl(response).then((stale) => (stale ? fetchAndKeep(request, DATA) : undefined))))
    })
    .then(() => fetchAndKeep(new Request(JWKS), CACHE))
    .catch(() => {})
}

/** Whether a kept list was fetched longer ago than its own `ttl` claim says it may be kept (900 s when it says nothing). */
function isPastTtl(response) {
  const fetchedAt = Date.parse(response.headers.get('Date') || '')
  return response
    .clone()
    .text()
    .then((jwt) => {
      const claims = unverifiedClaims(jwt.split('.')[1] || '')
      const ttl = claims && typeof claims.ttl === 'number' ? claims.ttl : 900
      return !Number.isFinite(fetchedAt) || Date.now() - fetchedAt > ttl * 1000
    })
}

function offlinePage() {
  return caches.match(SHELL.offline, MATCH).then((cached) => cached || new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }))
}
