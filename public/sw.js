// The installed app's service worker (DESIGN §10.1), served at /sw.js so its scope is the whole
// origin. The route puts `const SHELL = { version, urls, networkFirst, offline }` in front of this
// file; the version comes from the shell's content hashes, so a deploy that changes any of it
// installs a new cache and deletes the old one.
/* global SHELL */

const PREFIX = 'cek-petugas-shell-'
const CACHE = PREFIX + SHELL.version
const SHELL_URLS = new Set(SHELL.urls)
const NETWORK_FIRST = new Set(SHELL.networkFirst)
// Responses vary by Accept-Encoding, which neither the cached request nor a page's request shows.
const MATCH = { ignoreVary: true }

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
  if (request.method === 'GET' && SHELL_URLS.has(path)) {
    event.respondWith(NETWORK_FIRST.has(path) ? networkFirst(request) : cacheFirst(request))
  } else if (request.mode === 'navigate') {
    // Every other page needs our server (a verdict, a door check): offline, say so clearly.
    event.respondWith(fetch(request).catch(() => offlinePage()))
  }
})

function cacheFirst(request) {
  return caches.match(request, MATCH).then((cached) => cached || fetch(request).catch(() => (request.mode === 'navigate' ? offlinePage() : Response.error())))
}

function networkFirst(request) {
  return fetch(request).catch(() => caches.match(request, MATCH).then((cached) => cached || Response.error()))
}

function offlinePage() {
  return caches.match(SHELL.offline, MATCH).then((cached) => cached || new Response('Offline', { status: 503, headers: { 'Content-Type': 'text/plain; charset=utf-8' } }))
}
