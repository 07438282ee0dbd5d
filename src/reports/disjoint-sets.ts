/** Union-find over the indexes 0 … size−1, with path compression and union by rank. */
export class DisjointSets {
  readonly #parent: Int32Array
  readonly #rank: Uint8Array

  constructor(size: number) {
    this.#parent = Int32Array.from({ length: size }, (_, index) => index)
    this.#rank = new Uint8Array(size)
  }

  find(index: number): number {
    let root = index
    while (this.#parent[root] !== root) root = this.#parent[root]!
    // Path compression: later finds are near constant time.
    for (let node = index; this.#parent[node] !== root; ) {
      const next = this.#parent[node]!
      this.#parent[node] = root
      node = next
    }
    return root
  }

  union(a: number, b: number): void {
    const rootA = this.find(a)
    const rootB = this.find(b)
    if (rootA === rootB) return
    const rankA = this.#rank[rootA]!
    const rankB = this.#rank[rootB]!
    if (rankA < rankB) this.#parent[rootA] = rootB
    else if (rankA > rankB) this.#parent[rootB] = rootA
    else {
      this.#parent[rootB] = rootA
      this.#rank[rootA] = rankA + 1
    }
  }
}
