/**
 * The options of a node in a cluster over Redis, their defaults and their checks, and
 * what `inspect()` reports. Kept apart from the backend so the composition root and
 * tests can name them cheaply.
 */
import { InvalidArgumentError, type ProcessGroupError } from "../../errors.js";
import { isValidPrefix } from "./keys.js";

/** How a node joins a cluster over Redis: where Redis is, and the cluster's timings and limits. */
export interface RedisClusterOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0`; the database number is part of the deployment. */
  readonly redis: string;
  /**
   * Names every key and channel of this deployment: deployments with different prefixes
   * share nothing on one Redis. 1–64 of letters, digits, `_.-`. Default: `chorus`.
   */
  readonly prefix?: string;
  /** How often this node heartbeats, reaps and checks idle views. Default: 1 000. */
  readonly heartbeatIntervalMs?: number;
  /** A node silent this long is declared dead and its memberships removed. Default: 5 000. */
  readonly nodeTimeoutMs?: number;
  /** How long `joinGroup(…, { visible: "cluster" })` waits. Default: twice `nodeTimeoutMs`. */
  readonly joinVisibilityTimeoutMs?: number;
  /**
   * The longest any call waits for Redis (an unreachable Redis included): then it
   * rejects with BackendUnavailableError. Default: 5 000.
   */
  readonly commandTimeoutMs?: number;
  /** Largest JSON-encoded message a publish may carry. Default: 1 MiB. */
  readonly maxPayloadBytes?: number;
  /**
   * Messages for other nodes held while Redis is unreachable, in bytes; past it a
   * publish rejects with BackendUnavailableError. Default: 16 MiB.
   */
  readonly maxOfflineBytes?: number;
  /** Hears every background failure, with its code. Default: written to stderr, rate-limited. */
  readonly onError?: (error: ProcessGroupError) => void;
}

export type ClusterSettings = Required<Omit<RedisClusterOptions, "onError">> &
  Pick<RedisClusterOptions, "onError">;

const KEYS: readonly (keyof RedisClusterOptions)[] = [
  "redis",
  "prefix",
  "heartbeatIntervalMs",
  "nodeTimeoutMs",
  "joinVisibilityTimeoutMs",
  "commandTimeoutMs",
  "maxPayloadBytes",
  "maxOfflineBytes",
  "onError",
];

/** Checks the options like arguments (nothing unknown, every value in range) and fills defaults. */
export function clusterSettings(options: unknown): ClusterSettings {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("cluster", "must be an object");
  }
  checkKeys(options, KEYS, "cluster");
  const o = options as RedisClusterOptions;
  if (typeof o.redis !== "string" || !/^rediss?:\/\//.test(o.redis)) {
    throw new InvalidArgumentError("cluster.redis", "must be a redis:// or rediss:// URL");
  }
  if (o.prefix !== undefined && !isValidPrefix(o.prefix)) {
    throw new InvalidArgumentError("cluster.prefix", "must be 1-64 of letters, digits, '_', '.' and '-'");
  }
  if (o.onError !== undefined && typeof o.onError !== "function") {
    throw new InvalidArgumentError("cluster.onError", "must be a function");
  }
  for (const name of [
    "heartbeatIntervalMs",
    "nodeTimeoutMs",
    "joinVisibilityTimeoutMs",
    "commandTimeoutMs",
    "maxPayloadBytes",
    "maxOfflineBytes",
  ] as const) {
    const value = o[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new InvalidArgumentError(`cluster.${name}`, "must be a positive integer");
    }
  }
  const heartbeatIntervalMs = o.heartbeatIntervalMs ?? 1_000;
  const nodeTimeoutMs = o.nodeTimeoutMs ?? 5_000;
  if (nodeTimeoutMs < 2 * heartbeatIntervalMs) {
    throw new InvalidArgumentError("cluster.nodeTimeoutMs", "must be at least twice heartbeatIntervalMs");
  }
  return {
    redis: o.redis,
    prefix: o.prefix ?? "chorus",
    heartbeatIntervalMs,
    nodeTimeoutMs,
    joinVisibilityTimeoutMs: o.joinVisibilityTimeoutMs ?? 2 * nodeTimeoutMs,
    commandTimeoutMs: o.commandTimeoutMs ?? 5_000,
    maxPayloadBytes: o.maxPayloadBytes ?? 1024 * 1024,
    maxOfflineBytes: o.maxOfflineBytes ?? 16 * 1024 * 1024,
    ...(o.onError !== undefined && { onError: o.onError }),
  };
}

/** Refuses a key the options do not know: a typo must not pass for a default. */
export function checkKeys(options: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(`${what}.${key}`, `is not an option (known: ${known.join(", ")})`);
    }
  }
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
  /** Batches dropped as duplicates, and batches that never arrived (gaps in their numbering). */
  readonly duplicateWireMessages: number;
  readonly missingWireMessages: number;
  /** Messages the command connection lost (at most once: never sent again). */
  readonly lostWireMessages: number;
  readonly scopes: readonly {
    readonly scope: string;
    readonly cursor: number;
    readonly isCurrent: boolean;
    /** Keeping members of nodes that have not re-asserted since a data loss, until the grace ends. */
    readonly isProvisional: boolean;
  }[];
}
