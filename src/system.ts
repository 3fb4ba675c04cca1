/**
 * ActorSystem: one node. The composition root — it builds the actor runtime, the
 * groups of every scope and the backend chosen from its options, and wires them
 * together; nothing else in the project constructs these.
 *
 * Without `cluster` it is embedded: one process, nothing else installed. With
 * `cluster: { redis }` (through `ActorSystem.start`, which waits until the node has
 * joined) its groups are shared with every other node on the same Redis.
 */
import { hostname } from "node:os";
import type { Behaviour } from "./actors/actor-cell.js";
import type { ActorRef } from "./actors/actor-ref.js";
import { NodeCourier } from "./actors/courier.js";
import { MemberRef } from "./actors/member-ref.js";
import { ActorRuntime, type MailboxOptions, type SpawnOptions } from "./actors/runtime.js";
import { ClusteredGroups } from "./cluster/clustered-groups.js";
import { checkKeys, clusterSettings, type RedisClusterOptions } from "./cluster/redis/options.js";
import { RedisBackend } from "./cluster/redis/redis-backend.js";
import { ErrorLog } from "./error-log.js";
import { InvalidArgumentError, SystemStoppedError } from "./errors.js";
import { EmbeddedGroups, type HandleHost } from "./groups/embedded-groups.js";
import type { ProcessGroups } from "./groups/process-groups.js";
import { Scopes } from "./groups/scopes.js";
import {
  type ActorId,
  type NodeId,
  type Scope,
  validateActorId,
  validateNodeId,
  validateScope,
} from "./names.js";
import { type NodeStatus, StatusBoard, type StatusChange, type StatusOptions } from "./status.js";

/** The options of a node, embedded or clustered. Unknown keys are refused. */
export interface ActorSystemOptions {
  /**
   * This node's id, unique in its cluster: 1–128 of letters, digits, `-_.:`. Default:
   * `local` embedded; over Redis, one made unique from the host name, the process id
   * and a random part. A clustered node is refused (NodeIdInUseError) while another
   * live process holds its id.
   */
  readonly nodeId?: NodeId;
  /** Mailbox settings for actors that do not give their own. Default: 1 024, `drop-newest`. */
  readonly defaultMailbox?: MailboxOptions;
  /**
   * Hears every error a behaviour throws or rejects with, whatever the actor's policy.
   * Default: an actor that stops because its behaviour threw is written to stderr.
   */
  readonly onActorError?: (error: unknown, actor: ActorRef) => void;
  /** The clock for `createdAt`: milliseconds since the epoch. Default: `Date.now`. */
  readonly clock?: () => number;
  /** Join a cluster over Redis (only through `ActorSystem.start`). Default: embedded. */
  readonly cluster?: RedisClusterOptions;
}

/** The options of `shutdown`. */
export interface ShutdownOptions {
  /**
   * Let every mailbox empty before the actors stop, for at most `timeoutMs`: group
   * calls and spawns are refused meanwhile, while sends between actors still go
   * through, so conversations in progress can finish. Default: false — queued
   * messages are dropped.
   */
  readonly drain?: boolean;
  /** How long a drain may take. Default: 5 000. */
  readonly timeoutMs?: number;
}

export type { NodeStatus, RedisClusterOptions, StatusChange, StatusOptions };

const OPTIONS = ["nodeId", "defaultMailbox", "onActorError", "clock", "cluster"];
const DRAIN_TIMEOUT_MS = 5_000;

// Set only while `start` constructs a clustered system.
let starting = false;
// Each clustered system's backend, for `clusterBackendOf` (tests and diagnostics).
const backends = new WeakMap<ActorSystem, RedisBackend>();

/** The Redis backend of a clustered system (for tests and diagnostics); undefined if embedded. */
export function clusterBackendOf(system: ActorSystem): RedisBackend | undefined {
  return backends.get(system);
}

/**
 * One node: its actors and the groups of every scope. `new ActorSystem()` is embedded,
 * one process with nothing else installed; `await ActorSystem.start({ cluster })` joins
 * a cluster over Redis (the constructor refuses `cluster`). `await using` shuts it down
 * at the end of the block.
 */
export class ActorSystem implements AsyncDisposable {
  /** This node's id: the one given, else `local` embedded or one made unique over Redis. */
  readonly nodeId: NodeId;
  readonly #runtime: ActorRuntime;
  // The Redis backend of a clustered system; null when embedded.
  readonly #backend: RedisBackend | null = null;
  readonly #groups: Scopes<ProcessGroups>;
  readonly #courier: NodeCourier;
  readonly #status: StatusBoard;
  #stopped = false;
  #shutdown: Promise<void> | null = null;

  constructor(options: ActorSystemOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("ActorSystem options", "must be an object");
    }
    checkKeys(options, OPTIONS, "ActorSystem options");
    for (const hook of ["clock", "onActorError"] as const) {
      if (options[hook] !== undefined && typeof options[hook] !== "function") {
        throw new InvalidArgumentError(hook, "must be a function");
      }
    }
    const clustered = options.cluster !== undefined;
    if (clustered && !starting) {
      throw new InvalidArgumentError(
        "cluster",
        "a clustered system is made with `await ActorSystem.start(options)`",
      );
    }
    const settings = clustered ? clusterSettings(options.cluster) : null;
    const nodeId = options.nodeId ?? (clustered ? uniqueNodeId() : "local");
    validateNodeId(nodeId);
    const clock = options.clock ?? Date.now;
    const now = clock();
    if (typeof now !== "number" || !Number.isFinite(now)) {
      throw new InvalidArgumentError(
        "clock",
        `must return a finite number of milliseconds, not ${String(now)}`,
      );
    }
    this.nodeId = nodeId;
    const errors = new ErrorLog(nodeId, settings?.onError);
    this.#runtime = new ActorRuntime({
      nodeId,
      ...(options.defaultMailbox && { defaultMailbox: options.defaultMailbox }),
      ...(options.onActorError !== undefined
        ? { onActorError: options.onActorError }
        : {
            onStoppedByError: (error: unknown, actor: ActorRef) => errors.actorStopped(String(actor), error),
          }),
    });
    this.#status = new StatusBoard(clustered ? "connecting" : "ready", clustered ? "starting" : "embedded");
    const system = this;
    const handleHost: HandleHost = {
      nodeId,
      get isStopped() {
        return system.#stopped;
      },
    };
    // Embedded or clustered is chosen here, once: the handles of every scope are of that kind.
    if (settings === null) {
      this.#courier = new NodeCourier(this.#runtime, null);
      const host = { nodeId, runtime: this.#runtime, courier: this.#courier, now: clock };
      this.#groups = new Scopes<ProcessGroups>({
        ...host,
        makeHandle: (core) => new EmbeddedGroups(core, handleHost),
      });
      return;
    }
    const backend = new RedisBackend(nodeId, settings, errors, this.#status, this.#runtime);
    backends.set(this, backend);
    this.#backend = backend;
    this.#courier = new NodeCourier(this.#runtime, backend.direct);
    const host = { nodeId, runtime: this.#runtime, courier: this.#courier, now: clock };
    this.#groups = new Scopes<ClusteredGroups>({
      ...host,
      makeHandle: (core) => new ClusteredGroups(core, backend, handleHost),
      actorLeft: (handle, cell, groups) => handle.actorLeft(cell, groups),
    });
  }

  /**
   * Makes a node and, with `cluster`, joins it to the cluster: resolves once it is
   * registered, heartbeating and subscribed. Rejects (closing everything it opened)
   * if Redis cannot be reached, or with NodeIdInUseError if another live process
   * holds the node id (a restart after a crash waits out the old process's timeout).
   */
  static async start(options: ActorSystemOptions = {}): Promise<ActorSystem> {
    starting = true;
    let system: ActorSystem;
    try {
      system = new ActorSystem(options);
    } finally {
      starting = false;
    }
    try {
      await system.#backend?.start();
    } catch (error) {
      await system.shutdown().catch(() => undefined);
      throw error;
    }
    return system;
  }

  /**
   * Starts an actor. `behaviour` gets each message with a context; it may be async, and
   * the next message waits until it settles. Throws InvalidNameError or
   * InvalidArgumentError for bad options, ActorAlreadyExistsError if this node already
   * runs a live actor with that id in that scope.
   */
  spawn<M = unknown, R = unknown>(options: SpawnOptions, behaviour: Behaviour<M, R>): ActorRef<M, R> {
    if (this.#stopped) throw new SystemStoppedError(this.nodeId);
    return this.#runtime.spawn(options, behaviour);
  }

  /** The handle of one scope's groups. The same scope always gives the same handle. */
  groups(scope: Scope): ProcessGroups {
    if (this.#stopped) throw new SystemStoppedError(this.nodeId);
    return this.#groups.handle(validateScope(scope));
  }

  /**
   * An actor by scope, id and node — this node's by default — to send to or ask
   * wherever it lives. Nothing is looked up now: each send or ask finds the actor, and
   * fails with ActorNotFoundError when it is not running there.
   */
  actorAt<M = unknown, R = unknown>(
    scope: Scope,
    id: ActorId,
    nodeId: NodeId = this.nodeId,
  ): MemberRef<M, R> {
    if (this.#stopped) throw new SystemStoppedError(this.nodeId);
    const checked = validateScope(scope);
    validateActorId(id);
    validateNodeId(nodeId);
    return new MemberRef<M, R>(checked, id, nodeId, this.#courier);
  }

  /** True once `shutdown` has been called. */
  get isStopped(): boolean {
    return this.#stopped;
  }

  /**
   * `ready` while everything this node needs works; `degraded` while something is away
   * (Redis unreachable, a subscription not yet back after a reconnect); `connecting`
   * while it starts; `stopped` after shutdown. For health checks.
   */
  get status(): NodeStatus {
    return this.#status.status;
  }

  /**
   * The nodes alive in the cluster as of this node's last heartbeat, sorted; embedded,
   * just this node.
   */
  get liveNodes(): readonly NodeId[] {
    const live = this.#backend?.liveness.liveNodes;
    return live === undefined ? [this.nodeId] : [...live].sort();
  }

  /** The status's changes from now on, until the signal aborts or the node stops. */
  statusChanges(options?: StatusOptions): AsyncIterableIterator<StatusChange> {
    return this.#status.changes(options);
  }

  /**
   * Stops every actor (each leaves its groups), ends every watch, and releases the
   * backend. With `drain`, mailboxes empty first (bounded by `timeoutMs`). Idempotent:
   * every call returns the same promise.
   */
  shutdown(options?: ShutdownOptions): Promise<void> {
    if (this.#shutdown === null) {
      try {
        this.#shutdown = this.#close(checkShutdown(options));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#shutdown;
  }

  /** `shutdown()` with no options, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #close(options: Required<ShutdownOptions>): Promise<void> {
    this.#stopped = true;
    // For health checks, not ready from the moment it starts to go.
    this.#status.set("stopped", "shutting down");
    if (options.drain) await this.#runtime.drained(options.timeoutMs);
    this.#runtime.close();
    this.#groups.clear();
    try {
      await this.#backend?.close();
    } finally {
      this.#status.set("stopped", "shut down"); // when shutdown ran before start finished
    }
  }
}

function checkShutdown(options: ShutdownOptions | undefined): Required<ShutdownOptions> {
  if (options === undefined) return { drain: false, timeoutMs: DRAIN_TIMEOUT_MS };
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("shutdown options", "must be an object");
  }
  checkKeys(options, ["drain", "timeoutMs"], "shutdown options");
  if (options.drain !== undefined && typeof options.drain !== "boolean") {
    throw new InvalidArgumentError("drain", "must be a boolean");
  }
  const timeoutMs = options.timeoutMs ?? DRAIN_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
    throw new InvalidArgumentError("timeoutMs", "must be a non-negative integer");
  }
  return { drain: options.drain ?? false, timeoutMs };
}

/** A node id no other process has: the host, the process id and a random part. */
function uniqueNodeId(): NodeId {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9\-_.]/g, "-")
      .slice(0, 64) || "host";
  return `${host}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}
