/**
 * ActorSystem: one node. The composition root — it builds the actor runtime, the
 * groups of every scope and the backend chosen from its options, and wires them
 * together; nothing else in the project constructs these.
 *
 * Without `cluster` it is embedded: one process, nothing else installed. With
 * `cluster: { redis }` (through `ActorSystem.start`, which waits until the node has
 * joined) its groups are shared with every other node on the same Redis.
 */
import type { Behaviour } from "./actors/actor-cell.js";
import type { ActorRef } from "./actors/actor-ref.js";
import { ActorRuntime, type MailboxOptions, type SpawnOptions } from "./actors/runtime.js";
import { ClusteredGroups } from "./cluster/clustered-groups.js";
import { RedisBackend, type RedisClusterOptions } from "./cluster/redis/redis-backend.js";
import { InvalidArgumentError, type Scope, SystemStoppedError } from "./errors.js";
import { EmbeddedGroups, type HandleHost } from "./groups/embedded-groups.js";
import type { ProcessGroups } from "./groups/process-groups.js";
import { Scopes } from "./groups/scopes.js";
import { type NodeId, validateNodeId, validateScope } from "./names.js";

export interface ActorSystemOptions {
  /** This node's id, unique in its cluster: 1–128 of letters, digits, `-_.:`. Default: `local`. */
  readonly nodeId?: NodeId;
  /** Mailbox settings for actors that do not give their own. Default: 1 024, `drop-newest`. */
  readonly defaultMailbox?: MailboxOptions;
  /** Hears every error a behaviour throws or rejects with, whatever the actor's policy. */
  readonly onActorError?: (error: unknown, actor: ActorRef) => void;
  /** The clock for `createdAt`. Default: `Date.now`. */
  readonly clock?: () => number;
  /** Join a cluster over Redis (only through `ActorSystem.start`). Default: embedded. */
  readonly cluster?: RedisClusterOptions;
}

export type { RedisClusterOptions };

// Set only while `start` constructs a clustered system.
let starting = false;
// Each clustered system's backend, for `clusterBackendOf` (tests and diagnostics).
const backends = new WeakMap<ActorSystem, RedisBackend>();

/** The Redis backend of a clustered system (for tests and diagnostics); undefined if embedded. */
export function clusterBackendOf(system: ActorSystem): RedisBackend | undefined {
  return backends.get(system);
}

export class ActorSystem implements AsyncDisposable {
  readonly nodeId: NodeId;
  readonly #runtime: ActorRuntime;
  // The Redis backend of a clustered system; null when embedded.
  readonly #backend: RedisBackend | null = null;
  readonly #groups: Scopes<ProcessGroups>;
  #stopped = false;
  #shutdown: Promise<void> | null = null;

  constructor(options: ActorSystemOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new InvalidArgumentError("ActorSystem options", "must be an object");
    }
    const nodeId = options.nodeId ?? "local";
    validateNodeId(nodeId);
    for (const hook of ["clock", "onActorError"] as const) {
      if (options[hook] !== undefined && typeof options[hook] !== "function") {
        throw new InvalidArgumentError(hook, "must be a function");
      }
    }
    this.nodeId = nodeId;
    this.#runtime = new ActorRuntime({
      nodeId,
      ...(options.defaultMailbox && { defaultMailbox: options.defaultMailbox }),
      ...(options.onActorError && { onActorError: options.onActorError }),
    });
    const clock = options.clock ?? Date.now;
    const system = this;
    const handleHost: HandleHost = {
      nodeId,
      get isStopped() {
        return system.#stopped;
      },
    };
    // Embedded or clustered is chosen here, once: the handles of every scope are of that kind.
    let backend: RedisBackend | null = null;
    if (options.cluster !== undefined) {
      if (!starting) {
        throw new InvalidArgumentError(
          "cluster",
          "a clustered system is made with `await ActorSystem.start(options)`",
        );
      }
      backend = new RedisBackend(nodeId, validateCluster(options.cluster));
      backends.set(this, backend);
      this.#backend = backend;
    }
    const host = { nodeId, runtime: this.#runtime, now: clock };
    this.#groups =
      backend === null
        ? new Scopes<ProcessGroups>({ ...host, makeHandle: (core) => new EmbeddedGroups(core, handleHost) })
        : new Scopes<ClusteredGroups>({
            ...host,
            makeHandle: (core) => new ClusteredGroups(core, backend, handleHost),
            actorLeft: (handle, cell, groups) => handle.actorLeft(cell, groups),
          });
  }

  /**
   * Makes a node and, with `cluster`, joins it to the cluster: resolves once it is
   * registered, heartbeating and subscribed. Rejects (closing everything it opened)
   * if Redis cannot be reached.
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
  spawn<M = unknown>(options: SpawnOptions, behaviour: Behaviour<M>): ActorRef<M> {
    if (this.#stopped) throw new SystemStoppedError(this.nodeId);
    return this.#runtime.spawn(options, behaviour);
  }

  /** The handle of one scope's groups. The same scope always gives the same handle. */
  groups(scope: Scope): ProcessGroups {
    if (this.#stopped) throw new SystemStoppedError(this.nodeId);
    return this.#groups.handle(validateScope(scope));
  }

  /** True once `shutdown` has been called. */
  get isStopped(): boolean {
    return this.#stopped;
  }

  /**
   * Stops every actor (each leaves its groups), ends every watch, and releases the
   * backend. Idempotent: every call returns the same promise.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#close();
    return this.#shutdown;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #close(): Promise<void> {
    this.#runtime.close();
    this.#stopped = true;
    this.#groups.clear();
    await this.#backend?.close();
  }
}

function validateCluster(options: unknown): RedisClusterOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("cluster", "must be an object");
  }
  const o = options as RedisClusterOptions;
  if (typeof o.redis !== "string" || !/^rediss?:\/\//.test(o.redis)) {
    throw new InvalidArgumentError("cluster.redis", "must be a redis:// or rediss:// URL");
  }
  const positive = (name: string, value: number | undefined): void => {
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new InvalidArgumentError(`cluster.${name}`, "must be a positive integer");
    }
  };
  positive("heartbeatIntervalMs", o.heartbeatIntervalMs);
  positive("nodeTimeoutMs", o.nodeTimeoutMs);
  positive("joinVisibilityTimeoutMs", o.joinVisibilityTimeoutMs);
  positive("maxPayloadBytes", o.maxPayloadBytes);
  const heartbeat = o.heartbeatIntervalMs ?? 1_000;
  if ((o.nodeTimeoutMs ?? 5_000) < 2 * heartbeat) {
    throw new InvalidArgumentError("cluster.nodeTimeoutMs", "must be at least twice heartbeatIntervalMs");
  }
  return { ...o };
}
