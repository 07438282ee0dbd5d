import { createHash } from 'node:crypto'

/**
 * The audit rows as an RFC 6962 Merkle tree (RFC 6962 §2.1, RFC 9162 §2.1): a leaf is
 * SHA-256(0x00 ‖ the row's 32 hash bytes), an inner node SHA-256(0x01 ‖ left ‖ right), the
 * tree of no leaves SHA-256 of nothing. Leaf i is audit row i + 1.
 */
export type Hash = Uint8Array

const LEAF_PREFIX = Buffer.from([0])
const NODE_PREFIX = Buffer.from([1])

/** The leaf of one audit row, from its hex `hash` column. */
export function leafHash(rowHashHex: string): Hash {
  const bytes = Buffer.from(rowHashHex, 'hex')
  if (bytes.length !== 32 || bytes.toString('hex') !== rowHashHex.toLowerCase()) throw new Error('An audit row hash is 64 hex digits')
  return createHash('sha256').update(LEAF_PREFIX).update(bytes).digest()
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest()
}

export const EMPTY_TREE_HASH: Hash = createHash('sha256').digest()

/**
 * The roots of the perfect subtrees that make up a tree of `size` leaves, largest first (one
 * per set bit of the size): all a later tree needs of the earlier rows, so extending the tree
 * by new rows costs O(new rows).
 */
export interface Frontier {
  size: number
  roots: Hash[]
}

export const EMPTY_FRONTIER: Frontier = { size: 0, roots: [] }

/** Appends one leaf; the given frontier is not changed. */
export function appendLeaf(frontier: Frontier, leaf: Hash): Frontier {
  const roots = frontier.roots.slice()
  let hash = leaf
  // Each trailing 1 bit of the old size is a subtree of the new leaf's height to merge with.
  for (let size = frontier.size; size % 2 === 1; size = Math.floor(size / 2)) hash = nodeHash(roots.pop()!, hash)
  roots.push(hash)
  return { size: frontier.size + 1, roots }
}

/** Appends leaves in place (the bulk path of `audit verify`). */
export function extendFrontier(frontier: Frontier, leaf: Hash): void {
  let hash = leaf
  for (let size = frontier.size; size % 2 === 1; size = Math.floor(size / 2)) hash = nodeHash(frontier.roots.pop()!, hash)
  frontier.roots.push(hash)
  frontier.size++
}

export function frontierRoot(frontier: Frontier): Hash {
  const { roots } = frontier
  if (roots.length === 0) return EMPTY_TREE_HASH
  let root = roots[roots.length - 1]!
  for (let i = roots.length - 2; i >= 0; i--) root = nodeHash(roots[i]!, root)
  return root
}

/** MTH(D[0:n]) over leaf hashes. */
export function treeHash(leaves: readonly Hash[]): Hash {
  let frontier = EMPTY_FRONTIER
  for (const leaf of leaves) frontier = appendLeaf(frontier, leaf)
  return frontierRoot(frontier)
}

/** Leaf hashes by index: an array, or PackedLeaves for a whole log. */
export interface LeafList {
  readonly length: number
  at(index: number): Hash | undefined
}

/**
 * Leaf hashes in one growing buffer: a million of them as separate Buffers kept the garbage
 * collector busy for longer than the hashing took (`npm run bench -- audit`, verify --checkpoint).
 */
export class PackedLeaves implements LeafList {
  #bytes = Buffer.alloc(32 * 1024)
  length = 0

  push(leaf: Hash): void {
    if ((this.length + 1) * 32 > this.#bytes.length) {
      const grown = Buffer.alloc(this.#bytes.length * 2)
      this.#bytes.copy(grown)
      this.#bytes = grown
    }
    this.#bytes.set(leaf, this.length * 32)
    this.length++
  }

  at(index: number): Hash | undefined {
    return index >= 0 && index < this.length ? this.#bytes.subarray(index * 32, index * 32 + 32) : undefined
  }
}

/** The largest power of two smaller than n (n > 1): RFC 6962's split point k. */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function rangeHash(leaves: LeafList, start: number, end: number): Hash {
  if (end - start === 1) return leaves.at(start)!
  const k = splitPoint(end - start)
  return nodeHash(rangeHash(leaves, start, start + k), rangeHash(leaves, start + k, end))
}

/** PATH(index, D[0:size]): the inclusion proof of leaf `index`, from the leaf upwards (RFC 6962 §2.1.1). */
export function inclusionProof(leaves: LeafList, index: number, size: number = leaves.length): Hash[] {
  if (!(index >= 0 && index < size && size <= leaves.length)) throw new RangeError(`No leaf ${index} in a tree of ${size}`)
  const path: Hash[] = []
  let start = 0
  let end = size
  // Walk down from the root; the siblings are collected top-down and returned bottom-up.
  while (end - start > 1) {
    const k = splitPoint(end - start)
    if (index < start + k) {
      path.push(rangeHash(leaves, start + k, end))
      end = start + k
    } else {
      path.push(rangeHash(leaves, start, start + k))
      start += k
    }
  }
  return path.reverse()
}

/** PROOF(m, D[0:n]): the consistency proof from the tree of `m` leaves to the one of `n` (RFC 6962 §2.1.2). */
export function consistencyProof(leaves: LeafList, m: number, n: number = leaves.length): Hash[] {
  if (!(m > 0 && m <= n && n <= leaves.length)) throw new RangeError(`No consistency proof from ${m} to ${n}`)
  const proof: Hash[] = []
  let start = 0
  let end = n
  let whole = true
  let target = m
  // SUBPROOF(m, D[start:end], whole), unrolled: `target` is m relative to `start`.
  while (!(target === end - start)) {
    const k = splitPoint(end - start)
    if (target <= k) {
      proof.push(rangeHash(leaves, start + k, end))
      end = start + k
    } else {
      proof.push(rangeHash(leaves, start, start + k))
      start += k
      target -= k
      whole = false
    }
  }
  if (!whole) proof.push(rangeHash(leaves, start, end))
  return proof.reverse()
}

function equalHashes(a: Hash, b: Hash): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` of a tree of `size` leaves with this root? */
export function verifyInclusion(leaf: Hash, index: number, size: number, path: readonly Hash[], root: Hash): boolean {
  if (!(Number.isSafeInteger(index) && Number.isSafeInteger(size) && index >= 0 && index < size)) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of path) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && equalHashes(r, root)
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `first` leaves is a prefix of the one of `second`? */
export function verifyConsistency(first: number, second: number, firstRoot: Hash, secondRoot: Hash, proof: readonly Hash[]): boolean {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second) && first > 0 && first <= second)) return false
  if (first === second) return proof.length === 0 && equalHashes(firstRoot, secondRoot)
  if (proof.length === 0) return false
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof]
  let fn = first - 1
  let sn = second - 1
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  let fr = path[0]!
  let sr = path[0]!
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot)
}

function isPowerOfTwo(n: number): boolean {
  let rest = n
  while (rest > 1 && rest % 2 === 0) rest /= 2
  return rest === 1
}

export function toBase64(hash: Hash): string {
  return Buffer.from(hash).toString('base64')
}

/** A 32-byte hash from standard base64, or null. */
export function fromBase64(text: string): Hash | null {
  if (!/^[A-Za-z0-9+/]{43}=$/.test(text)) return null
  return Buffer.from(text, 'base64')
}
