/**
 * The conversation between a test and a node process (cluster-node.ts), over Node's
 * IPC channel: one request per command, one response per request, matched by `id`.
 *
 * Only plain JSON crosses the channel. Errors come back by name, code and message
 * (plus the nodes a visible join waited for), so a test can assert on the error class
 * the node saw without sharing objects between processes. This file holds types only,
 * so both sides agree on them at compile time.
 */

export interface WireScope {
  readonly tenantId: string;
  readonly namespace: string;
}

/** What the node process is started with, as JSON in its CHORUS_NODE environment variable. */
export interface NodeConfig {
  readonly nodeId: string;
  /** Redis URL; without it the node runs embedded (one process, used to test this harness). */
  readonly redis?: string;
  readonly heartbeatIntervalMs?: number;
  readonly nodeTimeoutMs?: number;
  readonly joinVisibilityTimeoutMs?: number;
  /** Print every delivery to stdout as `[node] actor received: message` (the example's output). */
  readonly printDeliveries?: boolean;
}

/** What a node does in a fault soak (soak-workload.ts). */
export interface SoakPlan {
  readonly scopes: readonly WireScope[];
  readonly groups: readonly string[];
  readonly actorsPerScope: number;
  readonly opsPerSecond: number;
  readonly publishesPerSecond: number;
}

/** What a node's soak workload did and saw. */
export interface SoakReport {
  readonly joins: number;
  readonly leaves: number;
  /** Joins and leaves that were refused (and so must have changed nothing). */
  readonly refused: number;
  readonly publishes: number;
  readonly refusedPublishes: number;
  readonly deliveries: number;
  /** A publisher's number delivered again to an actor. */
  readonly repeated: number;
  /** A publisher's number delivered after a larger one. */
  readonly outOfOrder: number;
  /** The first few duplicates and overtakings, each as what, where and when, for the log. */
  readonly anomalies: readonly string[];
  /** Promise rejections nobody handled, in the node process, as text. */
  readonly unhandledRejections: readonly string[];
}

/** A message an actor handled, as the actor recorded it. */
export interface DeliveryRecord {
  readonly tenantId: string;
  readonly actorId: string;
  readonly group: string | undefined;
  readonly topic: string | undefined;
  readonly message: unknown;
  /** Wall-clock time of handling, ms (same clock as the test on one machine). */
  readonly atMs: number;
}

/** A membership event the node's scope watch saw. */
export interface EventRecord {
  readonly tenantId: string;
  readonly type: "created" | "deleted" | "joined" | "left" | "updated";
  readonly group: string;
  readonly actorId?: string;
  readonly nodeId?: string;
  readonly atMs: number;
}

/** What publishToGroup returned, flattened. */
interface PublishSummary {
  readonly recipients: readonly string[];
  readonly localCount: number;
  readonly remoteCount: number;
  readonly perNode: Readonly<Record<string, number>>;
}

interface Scoped {
  readonly scope: WireScope;
}

export type Command =
  | ({
      readonly op: "spawn";
      readonly actorId: string;
      /** What it answers an ask with: nothing (default), the message itself, or never. */
      readonly answer?: "echo" | "never";
    } & Scoped)
  | ({ readonly op: "stopActor"; readonly actorId: string } & Scoped)
  | ({ readonly op: "createGroup"; readonly group: string } & Scoped)
  | ({ readonly op: "deleteGroup"; readonly group: string } & Scoped)
  | ({
      readonly op: "join";
      readonly group: string;
      readonly actorId: string;
      readonly topics?: readonly string[];
      readonly visible?: boolean;
    } & Scoped)
  /** Schedules a join on a timer of the node, so it runs whenever the node next gets CPU. */
  | ({
      readonly op: "joinLater";
      readonly group: string;
      readonly actorId: string;
      readonly delayMs: number;
    } & Scoped)
  /** Resolves once every join scheduled by `joinLater` so far has run and settled. */
  | { readonly op: "scheduledSettled" }
  | ({ readonly op: "leave"; readonly group: string; readonly actorId: string } & Scoped)
  | ({
      readonly op: "publish";
      readonly group: string;
      readonly message: unknown;
      readonly topic?: string;
      readonly exclude?: readonly string[];
    } & Scoped)
  /**
   * `count` publishes of `{ from, tag, n }` issued back to back without waiting between
   * them; with `padBytes`, each also carries a `pad` string that long (a flood).
   */
  | ({
      readonly op: "publishMany";
      readonly group: string;
      readonly tag: string;
      readonly count: number;
      readonly padBytes?: number;
    } & Scoped)
  /** getMembers of each group, sorted; null where the group does not exist on this node. */
  | ({ readonly op: "view"; readonly groups: readonly string[] } & Scoped)
  | ({ readonly op: "localMembers"; readonly group: string } & Scoped)
  /** Every group name of the scope, sorted (all pages of listGroups). */
  | ({ readonly op: "groups" } & Scoped)
  | { readonly op: "received"; readonly tenantId: string }
  | { readonly op: "events"; readonly tenantId: string }
  /** Resolves with the node's clock when none of `actorIds` is a member of `group` any more. */
  | ({
      readonly op: "waitGone";
      readonly group: string;
      readonly actorIds: readonly string[];
      readonly timeoutMs: number;
    } & Scoped)
  | { readonly op: "soakStart"; readonly plan: SoakPlan }
  | { readonly op: "soakStop" }
  /** What the soak's actors hold by their resolved calls (`expected`) and by the node's own view (`held`). */
  | { readonly op: "soakHoldings" }
  | { readonly op: "shutdown" };

export type Op = Command["op"];

/** The result type of each command. */
export interface Results {
  spawn: null;
  stopActor: null;
  createGroup: null;
  deleteGroup: null;
  join: null;
  joinLater: null;
  scheduledSettled: null;
  leave: null;
  publish: PublishSummary;
  publishMany: { readonly recipients: readonly string[] };
  view: Record<string, string[] | null>;
  localMembers: string[];
  groups: string[];
  received: DeliveryRecord[];
  events: EventRecord[];
  waitGone: { readonly atMs: number };
  soakStart: null;
  soakStop: SoakReport;
  soakHoldings: {
    readonly expected: Record<string, Record<string, string[]>>;
    readonly held: Record<string, Record<string, string[]>>;
  };
  shutdown: null;
}

export interface WireError {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
  readonly missingNodes?: readonly string[];
}

export type Request = { readonly id: number } & Command;

type Response =
  | { readonly type: "response"; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: "response"; readonly id: number; readonly ok: false; readonly error: WireError };

/** Sent once, when the node has started (or failed to). */
type Hello =
  | { readonly type: "ready"; readonly nodeId: string; readonly pid: number }
  | { readonly type: "failed"; readonly error: WireError };

export type NodeMessage = Response | Hello;
