import { createHash, randomBytes } from 'node:crypto'
import * as ed from '@noble/ed25519'

/**
 * C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys, and the C2SP
 * tlog-checkpoint body it carries (https://c2sp.org/tlog-checkpoint). Byte for byte what Go's
 * golang.org/x/mod/sumdb/note writes; test/audit-merkle.test.ts checks its published examples.
 */

/** Signature type 0x01: Ed25519 (signed-note §"Signature types"). */
const ED25519 = 0x01
const SIGNATURE_PREFIX = '\u2014 '

export interface NoteVerifier {
  name: string
  /** 4 bytes. */
  keyId: Uint8Array
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array
}

export interface NoteSigner extends NoteVerifier {
  /** 32-byte Ed25519 seed. */
  secretKey: Uint8Array
}

/** A key name is non-empty and has no whitespace and no "+" (signed-note). */
export function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name)
}

/** The first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key). */
export function noteKeyId(name: string, publicKey: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(name, 'utf8').update(Buffer.from([0x0a, ED25519])).update(publicKey).digest()
  return new Uint8Array(digest.subarray(0, 4))
}

export function keyIdHex(keyId: Uint8Array): string {
  return Buffer.from(keyId).toString('hex')
}

/** `<name>+<hex key ID>+<base64(0x01 ‖ public key)>`: the verifier key a third party configures. */
export function formatVerifierKey(verifier: Pick<NoteVerifier, 'name' | 'publicKey'>): string {
  return `${verifier.name}+${keyIdHex(noteKeyId(verifier.name, verifier.publicKey))}+${Buffer.concat([Buffer.from([ED25519]), verifier.publicKey]).toString('base64')}`
}

/** `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 ‖ seed)>`: Go's note signer key, the key file's contents. */
export function formatSignerKey(signer: Pick<NoteSigner, 'name' | 'secretKey' | 'publicKey'>): string {
  return `PRIVATE+KEY+${signer.name}+${keyIdHex(noteKeyId(signer.name, signer.publicKey))}+${Buffer.concat([Buffer.from([ED25519]), signer.secretKey]).toString('base64')}`
}

export function parseVerifierKey(text: string): NoteVerifier {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text.trim())
  if (!match) throw new Error('A verifier key is <name>+<8 hex digits>+<base64>')
  const [, name, idHex, encoded] = match as unknown as [string, string, string, string]
  const raw = Buffer.from(encoded, 'base64')
  if (raw.length !== 33 || raw[0] !== ED25519) throw new Error('Only Ed25519 verifier keys are known')
  const publicKey = new Uint8Array(raw.subarray(1))
  if (keyIdHex(noteKeyId(name, publicKey)) !== idHex) throw new Error('The verifier key ID does not match its name and key')
  return { name, keyId: noteKeyId(name, publicKey), publicKey }
}

export async function parseSignerKey(text: string): Promise<NoteSigner> {
  const match = /^PRIVATE\+KEY\+([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(text.trim())
  if (!match) throw new Error('A signer key is PRIVATE+KEY+<name>+<8 hex digits>+<base64>')
  const [, name, idHex, encoded] = match as unknown as [string, string, string, string]
  const raw = Buffer.from(encoded, 'base64')
  if (raw.length !== 33 || raw[0] !== ED25519) throw new Error('Only Ed25519 signer keys are known')
  const secretKey = new Uint8Array(raw.subarray(1))
  const publicKey = await ed.getPublicKeyAsync(secretKey)
  const keyId = noteKeyId(name, publicKey)
  if (keyIdHex(keyId) !== idHex) throw new Error('The signer key ID does not match its name and key')
  return { name, keyId, publicKey, secretKey }
}

export async function generateSigner(name: string): Promise<NoteSigner> {
  if (!isKeyName(name)) throw new Error(`"${name}" cannot name a note key (no spaces, no "+")`)
  const secretKey = new Uint8Array(randomBytes(32))
  const publicKey = await ed.getPublicKeyAsync(secretKey)
  return { name, keyId: noteKeyId(name, publicKey), publicKey, secretKey }
}

/** The text (ending in a newline), a blank line, and one signature line. */
export async function signNote(text: string, signer: NoteSigner): Promise<string> {
  if (!text.endsWith('\n') || text.includes('\n\n')) throw new Error('A note text ends in a newline and has no blank line')
  const signature = await ed.signAsync(Buffer.from(text, 'utf8'), signer.secretKey)
  return `${text}\n${SIGNATURE_PREFIX}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`
}

export interface NoteSignature {
  name: string
  keyId: string
  /** A known verifier of that name and key ID accepted the signature. */
  verified: boolean
}

export interface OpenedNote {
  text: string
  signatures: NoteSignature[]
}

/** Splits a note and checks each signature line against the known verifiers; null when malformed. */
export async function openNote(note: string, verifiers: readonly NoteVerifier[]): Promise<OpenedNote | null> {
  const split = note.lastIndexOf('\n\n')
  if (split < 0 || !note.endsWith('\n')) return null
  const text = note.slice(0, split + 1)
  const lines = note.slice(split + 2, -1).split('\n')
  const signatures: NoteSignature[] = []
  for (const line of lines) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/]+=*)$/u.exec(line)
    if (!match) return null
    const [, name, encoded] = match as unknown as [string, string, string]
    const blob = Buffer.from(encoded, 'base64')
    if (blob.length < 5) return null
    const keyId = blob.subarray(0, 4)
    const known = verifiers.find((v) => v.name === name && Buffer.compare(v.keyId, keyId) === 0)
    const verified = known !== undefined && blob.length === 68 && (await ed.verifyAsync(blob.subarray(4), Buffer.from(text, 'utf8'), known.publicKey).catch(() => false))
    signatures.push({ name, keyId: keyIdHex(keyId), verified })
  }
  return { text, signatures }
}

export interface CheckpointBody {
  origin: string
  treeSize: number
  /** Base64 of the 32-byte root. */
  rootHash: string
}

export function formatCheckpointBody(body: CheckpointBody): string {
  return `${body.origin}\n${body.treeSize}\n${body.rootHash}\n`
}

/** The first three lines of a checkpoint's text; extension lines are allowed and ignored. Null when malformed. */
export function parseCheckpointBody(text: string): CheckpointBody | null {
  const lines = text.split('\n')
  const [origin, size, root] = lines
  if (origin === undefined || size === undefined || root === undefined || lines.length < 4 || lines.at(-1) !== '') return null
  if (origin === '' || !/^(0|[1-9][0-9]{0,15})$/.test(size) || !/^[A-Za-z0-9+/]{43}=$/.test(root)) return null
  const treeSize = Number(size)
  if (!Number.isSafeInteger(treeSize)) return null
  return { origin, treeSize, rootHash: root }
}
