/**
 * The options of a node in a cluster over Redis, and what `inspect()` reports. Kept
 * apart from the backend so the composition root and tests can name them cheaply.
 */

export interface RedisClusterOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly redis: string;
  /** How often this node heartbeats, reaps and checks idle replicas. Default: 1 000. */
  readonly heartbeatIntervalMs?: number;
  /** A node silent this long is declared dead and its memberships removed. Default: 5 000. */
  readonly nodeTimeoutMs?: number;
  /** How long `joinGroup(…, { visible: "cluster" })` waits. Default: twice `nodeTimeoutMs`. */
  readonly joinVisibilityTimeoutMs?: number;
  /** Largest JSON-encoded message a publish may carry. Default: 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Hears every background failure (a lost connection, a failed resync). */
  readonly onError?: (error: Error) => void;
}

/** Counters for tests and metrics. */
export interface ClusterInspection {
  readonly nodeId: string;
  readonly incarnation: string;
  readonly incarnations: number;
  readonly resyncs: number;
  readonly errors: number;
  readonly wireMessages: number;
  readonly forwardedMessages: number;
  /** Wire messages (batches) received on group channels from other nodes. */
  readonly receivedWireMessages: number;
  readonly scopes: readonly {
    readonly scope: string;
    readonly cursor: number;
    readonly isCurrent: boolean;
    /** Keeping members of nodes that have not re-asserted since a data loss, until the grace ends. */
    readonly isProvisional: boolean;
  }[];
}
