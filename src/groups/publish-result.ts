/**
 * PublishResult: who a publish addressed. The counts are computed with the publish;
 * the id list and the per-node table are built only if someone reads them, so a
 * publish to a large group pays nothing for a result nobody looks at.
 */
import type { ActorId, NodeId } from "../names.js";

/**
 * Who a publish addressed, as the group's audience describes it. Audiences are never
 * changed once built, so reading one later gives what the publish saw.
 */
interface Addressed {
  readonly ids: readonly ActorId[];
  readonly remote: ReadonlyMap<NodeId, number>;
}

/**
 * Who a publish addressed: what `publishToGroup` resolves with. Addressed is not yet
 * delivered: a member whose mailbox is full may drop the message, and delivery to
 * other nodes is at most once.
 *
 * @hideconstructor
 */
export class PublishResult {
  #recipients: readonly ActorId[] | null = null;
  #perNode: Readonly<Record<NodeId, number>> | null = null;
  readonly #audience: Addressed;
  readonly #nodeId: NodeId;

  constructor(
    /** Members addressed on this node. */
    readonly localCount: number,
    /** Members addressed on other nodes. */
    readonly remoteCount: number,
    nodeId: NodeId,
    audience: Addressed,
  ) {
    this.#nodeId = nodeId;
    this.#audience = audience;
  }

  /** The ids of every member addressed, each once. */
  get recipients(): readonly ActorId[] {
    // The ids array is a shared, immutable cache of the group; hand out a frozen copy.
    this.#recipients ??= Object.freeze([...this.#audience.ids]);
    return this.#recipients;
  }

  /** Members addressed per node id, this node included when it had any. */
  get perNode(): Readonly<Record<NodeId, number>> {
    if (this.#perNode === null) {
      const table: Record<NodeId, number> = {};
      if (this.localCount > 0) table[this.#nodeId] = this.localCount;
      for (const [node, count] of this.#audience.remote) if (count > 0) table[node] = count;
      this.#perNode = Object.freeze(table);
    }
    return this.#perNode;
  }

  /** The result as plain data, `{ recipients, localCount, remoteCount, perNode }`, for logs and replies. */
  toJSON(): object {
    return {
      recipients: this.recipients,
      localCount: this.localCount,
      remoteCount: this.remoteCount,
      perNode: this.perNode,
    };
  }
}
