/**
 * Every Redis key and channel name of a deployment, in one place; the Lua scripts are
 * given theirs as arguments and spell none of their own.
 *
 * A deployment is a prefix (default `chorus`) on one Redis database: two deployments
 * with different prefixes share nothing, and since pub/sub ignores the database
 * number, channel names carry it too. Per scope `S` (`tenant/namespace`), keys carry the
 * hash tag `{S}` so one script can touch all of them:
 *   P:{S}:meta           hash   epoch (new whenever the scope's keys are created), seq
 *   P:{S}:groups         hash   group → "epoch\ncreatedAtMs\nlabelsJson"
 *   P:{S}:m:<group>      hash   "node\nactor" → "incarnation\ncount\ntopic,topic"
 *   P:{S}:node:<n>       set    "group\nactor" of each row node n owns (a purge is O(its rows))
 *   P:{S}:holders        hash   node → incarnation of each view holder (join visibility)
 *   P:{S}:asserted       hash   node → incarnation that last re-asserted its slice here
 *   P:D:{S}:events       channel the scope's change events, each with its seq
 *   P:D:{S}:g:<group>    channel the group's messages (subscribed by nodes hosting a member)
 * Cluster-wide:
 *   P:nodes              hash   node → incarnation, present while the node is alive
 *   P:hb                 zset   node → last heartbeat, Redis TIME in ms
 *   P:purges             set    "node\nincarnation" purges still to finish
 *   P:node-scopes:<n>    set    scopes where node n has rows or holds a view
 *   P:store              string a token made when the store was (re)born: gone = data lost
 *   P:grace              string Redis ms before which nobody is reaped
 *   P:reaped-at          string Redis ms of the last reaper run (a gap = a stall)
 *   P:D:node:<n>:ctl     channel acks and probes for node n (on the events connection)
 *   P:D:node:<n>:barrier channel node n's message barrier (on the messages connection)
 *   P:D:node:<n>:direct  channel sends and asks to node n's actors, replies to its asks
 * (P is the prefix, D the database number.)
 */

/** The keys and channels of one scope, and the prefixes its scripts append names to. */
export interface ScopeKeys {
  readonly id: string;
  readonly meta: string;
  readonly groups: string;
  readonly holders: string;
  readonly asserted: string;
  /** The prefix of the per-group member hashes: append the group name. */
  readonly membersPrefix: string;
  /** The prefix of the per-node row sets: append the node id. */
  readonly nodeRowsPrefix: string;
  readonly events: string;
  /** The prefix of the per-group message channels: append the group name. */
  readonly groupChannelPrefix: string;
}

const PREFIX = /^[A-Za-z0-9_.-]{1,64}$/;

/** True for a prefix of 1–64 letters, digits and `_.-` (no `{`, `}` or `:`, which shape keys). */
export function isValidPrefix(prefix: unknown): prefix is string {
  return typeof prefix === "string" && PREFIX.test(prefix);
}

export class KeyLayout {
  readonly nodes: string;
  readonly heartbeats: string;
  readonly purges: string;
  readonly store: string;
  readonly grace: string;
  readonly reapedAt: string;
  /** The cluster-wide keys, in the order the cluster scripts receive them. */
  readonly clusterKeys: readonly string[];
  readonly #channels: string;

  constructor(
    readonly prefix: string,
    readonly db: number,
  ) {
    this.nodes = `${prefix}:nodes`;
    this.heartbeats = `${prefix}:hb`;
    this.purges = `${prefix}:purges`;
    this.store = `${prefix}:store`;
    this.grace = `${prefix}:grace`;
    this.reapedAt = `${prefix}:reaped-at`;
    this.clusterKeys = [this.nodes, this.heartbeats, this.purges, this.store, this.grace, this.reapedAt];
    this.#channels = `${prefix}:${db}`;
  }

  /** Scopes where node `node` has rows or holds a view. */
  nodeScopes(node: string): string {
    return `${this.prefix}:node-scopes:${node}`;
  }

  /** Node `node`'s control channel: acks, probes, self-probes. */
  ctl(node: string): string {
    return `${this.#channels}:node:${node}:ctl`;
  }

  /** Node `node`'s message barrier channel. */
  barrier(node: string): string {
    return `${this.#channels}:node:${node}:barrier`;
  }

  /** Node `node`'s direct channel: sends and asks to its actors, replies to its asks. */
  direct(node: string): string {
    return `${this.#channels}:node:${node}:direct`;
  }

  scope(scopeId: string): ScopeKeys {
    const base = `${this.prefix}:{${scopeId}}:`;
    const channels = `${this.#channels}:{${scopeId}}:`;
    return {
      id: scopeId,
      meta: `${base}meta`,
      groups: `${base}groups`,
      holders: `${base}holders`,
      asserted: `${base}asserted`,
      membersPrefix: `${base}m:`,
      nodeRowsPrefix: `${base}node:`,
      events: `${channels}events`,
      groupChannelPrefix: `${channels}g:`,
    };
  }
}
