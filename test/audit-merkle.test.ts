import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  appendLeaf,
  consistencyProof,
  EMPTY_FRONTIER,
  frontierRoot,
  inclusionProof,
  leafHash,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
} from '../src/audit/merkle.ts'
import { formatCheckpointBody, formatSignerKey, formatVerifierKey, generateSigner, openNote, parseCheckpointBody, parseSignerKey, parseVerifierKey, signNote } from '../src/audit/signed-note.ts'

// An independent RFC 6962 §2.1 implementation, written from the RFC's recursive definitions and
// sharing nothing with src/audit/merkle.ts.
const sha256 = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return hash.digest()
}
const rfcLeaf = (rowHashHex: string) => sha256(Buffer.from([0]), Buffer.from(rowHashHex, 'hex'))
const rfcNode = (left: Uint8Array, right: Uint8Array) => sha256(Buffer.from([1]), left, right)
/** The largest power of two smaller than n. */
const rfcSplit = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1)

/** MTH(D[n]) over leaf hashes. */
function rfcMth(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256()
  if (leaves.length === 1) return leaves[0]!
  const k = rfcSplit(leaves.length)
  return rfcNode(rfcMth(leaves.slice(0, k)), rfcMth(leaves.slice(k)))
}

/** PATH(m, D[n]). */
function rfcPath(m: number, leaves: Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) return []
  const k = rfcSplit(leaves.length)
  return m < k ? [...rfcPath(m, leaves.slice(0, k)), rfcMth(leaves.slice(k))] : [...rfcPath(m - k, leaves.slice(k)), rfcMth(leaves.slice(0, k))]
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
function rfcProof(m: number, leaves: Uint8Array[]): Uint8Array[] {
  return rfcSubproof(m, leaves, true)
}

function rfcSubproof(m: number, leaves: Uint8Array[], whole: boolean): Uint8Array[] {
  const n = leaves.length
  if (m === n) return whole ? [] : [rfcMth(leaves)]
  const k = rfcSplit(n)
  return m <= k ? [...rfcSubproof(m, leaves.slice(0, k), whole), rfcMth(leaves.slice(k))] : [...rfcSubproof(m - k, leaves.slice(k), false), rfcMth(leaves.slice(0, k))]
}

/** The root a PATH proves for leaf m of a tree of n, by the same recursion; null when it does not fit. */
function rfcRootFromPath(m: number, n: number, leaf: Uint8Array, path: Uint8Array[]): Uint8Array | null {
  if (n === 1) return path.length === 0 ? leaf : null
  if (path.length === 0) return null
  const k = rfcSplit(n)
  const sibling = path.at(-1)!
  const rest = path.slice(0, -1)
  if (m < k) {
    const left = rfcRootFromPath(m, k, leaf, rest)
    return left && rfcNode(left, sibling)
  }
  const right = rfcRootFromPath(m - k, n - k, leaf, rest)
  return right && rfcNode(sibling, right)
}

/** The old and new roots a PROOF(m, D[n]) implies, by SUBPROOF's recursion; null when it does not fit. */
function rfcRootsFromProof(m: number, n: number, whole: boolean, proof: Uint8Array[], oldRoot: Uint8Array): { old: Uint8Array; new: Uint8Array } | null {
  if (m === n) {
    if (whole) return proof.length === 0 ? { old: oldRoot, new: oldRoot } : null
    return proof.length === 1 ? { old: proof[0]!, new: proof[0]! } : null
  }
  if (proof.length === 0) return null
  const k = rfcSplit(n)
  const sibling = proof.at(-1)!
  const rest = proof.slice(0, -1)
  if (m <= k) {
    const inner = rfcRootsFromProof(m, k, whole, rest, oldRoot)
    return inner && { old: inner.old, new: rfcNode(inner.new, sibling) }
  }
  const inner = rfcRootsFromProof(m - k, n - k, false, rest, oldRoot)
  return inner && { old: rfcNode(sibling, inner.old), new: rfcNode(sibling, inner.new) }
}

function rfcVerifyConsistency(m: number, n: number, proof: Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): boolean {
  const roots = rfcRootsFromProof(m, n, true, proof, oldRoot)
  return roots !== null && Buffer.compare(roots.old, oldRoot) === 0 && Buffer.compare(roots.new, newRoot) === 0
}

const ROW_HASHES = Array.from({ length: 200 }, (_, i) => createHash('sha256').update(`audit row ${i + 1}`).digest('hex'))
const LEAVES = ROW_HASHES.map(rfcLeaf)
const hex = (hash: Uint8Array) => Buffer.from(hash).toString('hex')

describe('the audit Merkle tree (RFC 6962)', () => {
  it('hashes a leaf as SHA-256(0x00 ‖ the row hash bytes) and the empty tree as SHA-256 of nothing', () => {
    expect(hex(leafHash(ROW_HASHES[0]!))).toBe(hex(LEAVES[0]!))
    expect(hex(frontierRoot(EMPTY_FRONTIER))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(() => leafHash('not hex')).toThrow()
  })

  it('has the root of the recursive definition for every size from 1 to 200, appended one leaf at a time', () => {
    let frontier: Frontier = EMPTY_FRONTIER
    for (let n = 1; n <= 200; n++) {
      frontier = appendLeaf(frontier, leafHash(ROW_HASHES[n - 1]!))
      expect(hex(frontierRoot(frontier)), `size ${n}`).toBe(hex(rfcMth(LEAVES.slice(0, n))))
      expect(frontier.roots).toHaveLength(n.toString(2).replaceAll('0', '').length)
    }
    expect(hex(treeHash(LEAVES.slice(0, 77)))).toBe(hex(rfcMth(LEAVES.slice(0, 77))))
  })

  it('makes inclusion proofs equal to PATH that the independent verifier accepts, and accepts PATH', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([n, index]) => {
          const leaves = LEAVES.slice(0, n)
          const root = rfcMth(leaves)
          const ours = inclusionProof(leaves, index)
          const theirs = rfcPath(index, leaves)
          expect(ours.map(hex)).toEqual(theirs.map(hex))
          expect(hex(rfcRootFromPath(index, n, leaves[index]!, ours)!)).toBe(hex(root))
          expect(verifyInclusion(leaves[index]!, index, n, theirs, root)).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('makes consistency proofs equal to PROOF that the independent verifier accepts, and accepts PROOF', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        ([m, n]) => {
          const leaves = LEAVES.slice(0, n)
          const oldRoot = rfcMth(leaves.slice(0, m))
          const newRoot = rfcMth(leaves)
          const ours = consistencyProof(leaves, m)
          const theirs = rfcProof(m, leaves)
          expect(ours.map(hex)).toEqual(theirs.map(hex))
          expect(rfcVerifyConsistency(m, n, ours, oldRoot, newRoot)).toBe(true)
          expect(verifyConsistency(m, n, oldRoot, newRoot, theirs)).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('refuses proofs for another leaf, another root, a shortened path or a tree that is not a prefix', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 200 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 1, max: n - 1 }))),
        ([n, index, m]) => {
          const leaves = LEAVES.slice(0, n)
          const root = rfcMth(leaves)
          const path = rfcPath(index, leaves)
          const other = (index + 1) % n
          expect(verifyInclusion(leaves[other]!, index, n, path, root)).toBe(false)
          expect(verifyInclusion(leaves[index]!, index, n, path.slice(0, -1), root)).toBe(false)
          expect(verifyInclusion(leaves[index]!, index, n, path, rfcMth(leaves.slice(0, n - 1)))).toBe(false)
          expect(verifyInclusion(leaves[index]!, n, n, path, root)).toBe(false)
          const proof = rfcProof(m, leaves)
          // The same rows with one of the first m rewritten: not a prefix of today's tree.
          const rewritten = [...leaves.slice(0, m - 1), rfcLeaf('00'.repeat(32))]
          expect(verifyConsistency(m, n, rfcMth(rewritten), root, proof)).toBe(false)
          expect(verifyConsistency(m, n, rfcMth(leaves.slice(0, m)), rfcMth(leaves.slice(0, n - 1)), proof)).toBe(false)
          expect(verifyConsistency(m, n, rfcMth(leaves.slice(0, m)), root, proof.slice(1))).toBe(false)
        },
      ),
      { numRuns: 200 },
    )
  })
})

describe('signed notes and checkpoints (C2SP signed-note, tlog-checkpoint)', () => {
  // golang.org/x/mod/sumdb/note's example key and note (note.go, note_test.go).
  const GO_SIGNER = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
  const GO_VERIFIER = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
  const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
  const GO_NOTE = `${GO_TEXT}\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`

  it('signs the Go note example byte for byte and derives its key ID and verifier key', async () => {
    const signer = await parseSignerKey(GO_SIGNER)
    expect(formatVerifierKey(signer)).toBe(GO_VERIFIER)
    expect(formatSignerKey(signer)).toBe(GO_SIGNER)
    expect(await signNote(GO_TEXT, signer)).toBe(GO_NOTE)
  })

  it('opens the Go example and the C2SP signed-note example with their verifier keys, and refuses altered ones', async () => {
    const opened = await openNote(GO_NOTE, [parseVerifierKey(GO_VERIFIER)])
    expect(opened).toEqual({ text: GO_TEXT, signatures: [{ name: 'PeterNeumann', keyId: 'c74f20a3', verified: true }] })
    const spec = 'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n'
    const specKey = parseVerifierKey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k')
    expect((await openNote(spec, [specKey]))?.signatures).toEqual([{ name: 'example.com/foo', keyId: '530d903a', verified: true }])
    expect((await openNote(spec.replace('example message', 'exemplary message'), [specKey]))?.signatures[0]?.verified).toBe(false)
    expect((await openNote(GO_NOTE, [specKey]))?.signatures[0]?.verified).toBe(false)
    expect(await openNote('no blank line\n', [specKey])).toBeNull()
    expect(() => parseVerifierKey('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW')).toThrow()
  })

  it('reads the C2SP tlog-checkpoint example and writes a checkpoint body of the same shape', async () => {
    const example =
      'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n'
    const opened = (await openNote(example, []))!
    expect(parseCheckpointBody(opened.text)).toEqual({ origin: 'example.com/behind-the-sofa', treeSize: 20852163, rootHash: 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=' })
    expect(opened.signatures).toEqual([{ name: 'example.com/behind-the-sofa', keyId: '033de0ae', verified: false }])
    expect(formatCheckpointBody({ origin: 'example.com/behind-the-sofa', treeSize: 20852163, rootHash: 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=' })).toBe(opened.text)
    expect(parseCheckpointBody('example.com/log\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')).toBeNull()
    expect(parseCheckpointBody('example.com/log\n12\nnot base64\n')).toBeNull()

    const signer = await generateSigner('cek.example.id/audit')
    const note = await signNote(formatCheckpointBody({ origin: signer.name, treeSize: 3, rootHash: Buffer.from(rfcMth(LEAVES.slice(0, 3))).toString('base64') }), signer)
    expect((await openNote(note, [parseVerifierKey(formatVerifierKey(signer))]))?.signatures[0]?.verified).toBe(true)
  })
})
