/**
 * A trie of topic patterns, one level per dot-separated segment, with AMQP topic
 * exchange semantics: `*` matches exactly one segment, `#` zero or more.
 *
 * Matching a concrete topic visits only the branches that can match it — the literal
 * child, the `*` child and the `#` child at each level — so its cost depends on the
 * topic and the patterns along its path, never on how many subscribers exist
 * elsewhere. Topics are capped in segments (see names.ts), which bounds the work a
 * pattern with several `#` can cause.
 *
 * A value subscribed with patterns that overlap (`a.*` and `a.#`) is found at several
 * leaves; `collect` reports it once, using a stamp the value carries, so de-duplication
 * costs one comparison and no allocation.
 */

/** A value that can be collected: the trie writes the current match's stamp into it. */
export interface Stamped {
  stamp: number;
}

class TrieNode<T> {
  literal: Map<string, TrieNode<T>> | null = null;
  star: TrieNode<T> | null = null;
  hash: TrieNode<T> | null = null;
  // The values whose pattern ends here.
  values: Set<T> | null = null;

  get isEmpty(): boolean {
    return this.literal === null && this.star === null && this.hash === null && this.values === null;
  }
}

export class TopicTrie<T extends Stamped> {
  readonly #root = new TrieNode<T>();
  #stamp = 0;
  #patterns = 0;

  /** How many (pattern, value) pairs are stored. */
  get size(): number {
    return this.#patterns;
  }

  add(segments: readonly string[], value: T): void {
    let node = this.#root;
    for (const segment of segments) node = child(node, segment, true)!;
    node.values ??= new Set();
    if (!node.values.has(value)) {
      node.values.add(value);
      this.#patterns++;
    }
  }

  remove(segments: readonly string[], value: T): void {
    const path: TrieNode<T>[] = [this.#root];
    let node: TrieNode<T> | null = this.#root;
    for (const segment of segments) {
      node = child(node, segment, false);
      if (node === null) return;
      path.push(node);
    }
    if (!node.values?.delete(value)) return;
    this.#patterns--;
    if (node.values.size === 0) node.values = null;
    // Prune the branch bottom-up while it holds nothing, so churn does not grow the trie.
    for (let i = segments.length; i > 0; i--) {
      const leaf = path[i]!;
      if (!leaf.isEmpty) break;
      unlink(path[i - 1]!, segments[i - 1]!);
    }
  }

  /**
   * Appends to `out` every value with a pattern matching `topic`, each once, and
   * returns how many it appended.
   */
  collect(topic: readonly string[], out: T[]): number {
    const before = out.length;
    const stamp = ++this.#stamp;
    walk(this.#root, topic, 0, out, stamp);
    return out.length - before;
  }
}

function child<T>(node: TrieNode<T>, segment: string, create: boolean): TrieNode<T> | null {
  if (segment === "*") {
    if (node.star === null && create) node.star = new TrieNode();
    return node.star;
  }
  if (segment === "#") {
    if (node.hash === null && create) node.hash = new TrieNode();
    return node.hash;
  }
  let next = node.literal?.get(segment) ?? null;
  if (next === null && create) {
    next = new TrieNode();
    (node.literal ??= new Map()).set(segment, next);
  }
  return next;
}

function unlink<T>(parent: TrieNode<T>, segment: string): void {
  if (segment === "*") parent.star = null;
  else if (segment === "#") parent.hash = null;
  else {
    parent.literal?.delete(segment);
    if (parent.literal?.size === 0) parent.literal = null;
  }
}

// The one traversal. `#` at this level may swallow topic[i..k) for every k ≥ i, so it
// continues the walk from each of those positions below the `#` node.
function walk<T extends Stamped>(
  node: TrieNode<T>,
  topic: readonly string[],
  i: number,
  out: T[],
  stamp: number,
): void {
  const hash = node.hash;
  if (hash !== null) {
    for (let k = i; k <= topic.length; k++) walk(hash, topic, k, out, stamp);
  }
  if (i === topic.length) {
    if (node.values !== null) {
      for (const value of node.values) {
        if (value.stamp !== stamp) {
          value.stamp = stamp;
          out.push(value);
        }
      }
    }
    return;
  }
  const literal = node.literal?.get(topic[i]!);
  if (literal !== undefined) walk(literal, topic, i + 1, out, stamp);
  if (node.star !== null) walk(node.star, topic, i + 1, out, stamp);
}
