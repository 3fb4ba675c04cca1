/**
 * Liveness: this node's incarnation, its heartbeat, the reaper, purges and healing.
 *
 * - A node is known by `nodeId` plus an incarnation (Redis TIME in µs at
 *   registration). Every scope write carries it and is refused unless it is the node's
 *   live incarnation, so the writes of a node declared dead cannot land.
 * - Each tick (every `heartbeatIntervalMs`, on a connection whose offline queue is
 *   off, so a stale heartbeat is never replayed) heartbeats and reaps in one script:
 *   any node may flip a silent node from alive to dead, exactly once, queueing a purge
 *   that any node can run or finish (purges are idempotent: they remove only rows of
 *   incarnations at most the dead one). A gap in reaper runs (a Redis stall or
 *   restart) grants one timeout of grace first.
 * - A tick that finds this node fenced, or the store emptied (a restart without
 *   persistence), registers a new incarnation, purges the old one, re-asserts this
 *   node's slice of every scope — re-creating the groups it knows after a data loss —
 *   and resyncs every replica.
 * - A node that cannot heartbeat for most of the timeout stops calling its replicas
 *   current; the tick after it can again resyncs them. Idle replicas are compared with
 *   Redis's sequence number on every tick, so a lost last event is found too.
 */
import { randomUUID } from "node:crypto";
import { list, run, text } from "./connection.js";
import { FENCE, GRACE, HEARTBEATS, NODES, nodeScopes, PURGES, REAPED_AT, STORE, scopeKeys } from "./keys.js";
import type { RedisBackend } from "./redis-backend.js";
import { PURGE_SCOPE, REGISTER, TICK, UNREGISTER } from "./scripts.js";

const CLUSTER_KEYS = [NODES, HEARTBEATS, FENCE, PURGES, STORE, GRACE, REAPED_AT];

export class Liveness {
  /** The live incarnation of this node; "" before registration. */
  incarnation = "";
  /** How many incarnations this process has registered. */
  incarnations = 0;
  /** Nodes alive at the last tick. */
  liveNodes: ReadonlySet<string> = new Set();
  // The store token seen at registration: another one means Redis lost its data.
  #store = "";

  get store(): string {
    return this.#store;
  }
  #lastBeatAtMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  #checking = false;
  #reincarnating: Promise<void> | null = null;
  readonly #purging = new Map<string, Promise<void>>();
  readonly #probes = new Map<string, () => void>();

  constructor(readonly backend: RedisBackend) {}

  /** False once the heartbeat has failed for most of the timeout. */
  get isHealthy(): boolean {
    return Date.now() - this.#lastBeatAtMs < 0.8 * this.backend.nodeTimeoutMs;
  }

  async start(): Promise<void> {
    await this.#register();
    await this.#purgeOwn();
    await this.tick();
    this.#timer = setInterval(() => void this.tick(), this.backend.heartbeatIntervalMs);
    this.#timer.unref();
  }

  /** Starts ticking again after `stop` (a pause ends). */
  resume(): void {
    if (this.#timer !== null || this.backend.isClosed) return;
    this.#timer = setInterval(() => void this.tick(), this.backend.heartbeatIntervalMs);
    this.#timer.unref();
    void this.tick();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (const resolve of this.#probes.values()) resolve();
  }

  async tick(): Promise<void> {
    const b = this.backend;
    if (this.#ticking || b.isClosed) return;
    this.#ticking = true;
    try {
      const stallMs = Math.max(b.nodeTimeoutMs / 2, 3 * b.heartbeatIntervalMs);
      const reply = list(
        await run(b.heartbeat, TICK, CLUSTER_KEYS, [b.nodeId, this.incarnation, b.nodeTimeoutMs, stallMs]),
      );
      if (reply[0] !== "ok" || text(reply[1]) !== this.#store) {
        void this.reincarnate(this.incarnation).catch(b.report);
        return;
      }
      this.#lastBeatAtMs = Date.now();
      this.liveNodes = new Set(list(reply[3]).map(text));
      for (const entry of list(reply[2])) void this.purge(text(entry)).catch(b.report);
      void this.#tailCheck();
    } catch (error) {
      b.report(error);
      if (!this.isHealthy) for (const replica of b.replicas.values()) replica.isCurrent = false;
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Registers a new incarnation unless `failed` is no longer the live one (then the one
   * that replaced it has re-asserted everything already). Concurrent calls share a run.
   */
  reincarnate(failed: string): Promise<void> {
    if (this.#reincarnating !== null) return this.#reincarnating;
    if (failed !== this.incarnation || this.backend.isClosed) return Promise.resolve();
    this.#reincarnating = this.#reincarnate().finally(() => {
      this.#reincarnating = null;
    });
    return this.#reincarnating;
  }

  async #reincarnate(): Promise<void> {
    const b = this.backend;
    for (const replica of b.replicas.values()) replica.isCurrent = false;
    const lost = await this.#register();
    await this.#purgeOwn();
    await Promise.all(
      [...b.replicas.values()].map(async (replica) => {
        await b.assertSlice(replica, lost);
        await b.resync(replica);
      }),
    );
  }

  /** Removes every row of a dead incarnation (`node\nincarnation`), scope by scope. */
  purge(entry: string): Promise<void> {
    let purging = this.#purging.get(entry);
    if (purging === undefined) {
      purging = this.#purge(entry).finally(() => this.#purging.delete(entry));
      this.#purging.set(entry, purging);
    }
    return purging;
  }

  async #purge(entry: string): Promise<void> {
    const b = this.backend;
    const [node = "", incarnation = ""] = entry.split("\n");
    for (const id of await b.cmd.smembers(nodeScopes(node))) {
      const keys = scopeKeys(id);
      await run(b.cmd, PURGE_SCOPE, b.scopeKeyList(keys, node), b.scopeArgs(keys, node, incarnation));
    }
    await b.cmd.srem(PURGES, entry);
  }

  /** Shutdown: leave the cluster and remove this node's rows at once. */
  async leave(): Promise<void> {
    this.stop();
    if (this.incarnation === "") return;
    const b = this.backend;
    const entry = `${b.nodeId}\n${this.incarnation}`;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(1_000, 2 * b.heartbeatIntervalMs));
    });
    const leaving = (async () => {
      await run(b.cmd, UNREGISTER, CLUSTER_KEYS, [b.nodeId, this.incarnation]);
      await this.#purge(entry);
    })();
    leaving.catch(() => undefined); // after the deadline nobody waits; the reaper finishes
    try {
      await Promise.race([leaving, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The events connection came back: prove the resubscription, then resync everything. */
  async afterEventsReconnect(): Promise<void> {
    const b = this.backend;
    if (!b.isStarted || b.isClosed) return;
    for (const replica of b.replicas.values()) replica.isCurrent = false;
    const id = randomUUID();
    let seen = false;
    const arrived = new Promise<void>((resolve) => this.#probes.set(id, resolve));
    void arrived.then(() => {
      seen = true;
    });
    for (let attempt = 0; attempt < 50 && !seen && !b.isClosed; attempt++) {
      await b.selfProbe(id).catch(b.report);
      await Promise.race([arrived, sleep(Math.min(100, b.heartbeatIntervalMs))]);
    }
    this.#probes.delete(id);
    if (b.isClosed) return;
    if (!seen) b.report(new Error("the events subscription was not confirmed after a reconnect"));
    await Promise.all([...b.replicas.values()].map((r) => b.resync(r))).catch(b.report);
  }

  /** The command connection came back: re-assert this node's slices and resync. */
  async afterCommandsReconnect(): Promise<void> {
    const b = this.backend;
    if (!b.isStarted || b.isClosed || this.#reincarnating !== null) return;
    await Promise.all(
      [...b.replicas.values()].map(async (replica) => {
        await b.assertSlice(replica, false);
        await b.resync(replica);
      }),
    ).catch(b.report);
  }

  onSelfProbe(id: string): void {
    this.#probes.get(id)?.();
  }

  async #register(): Promise<boolean> {
    const b = this.backend;
    const reply = list(await run(b.cmd, REGISTER, CLUSTER_KEYS, [b.nodeId, b.nodeTimeoutMs, randomUUID()]));
    this.incarnation = text(reply[0]);
    const store = text(reply[1]);
    const lost = this.#store !== "" && store !== this.#store;
    this.#store = store;
    this.incarnations++;
    this.#lastBeatAtMs = Date.now();
    return lost;
  }

  // Registering again purges this node's previous incarnations at once.
  async #purgeOwn(): Promise<void> {
    const prefix = `${this.backend.nodeId}\n`;
    const own = (await this.backend.cmd.smembers(PURGES)).filter((e) => e.startsWith(prefix));
    await Promise.all(own.map((entry) => this.purge(entry)));
  }

  async #tailCheck(): Promise<void> {
    const b = this.backend;
    if (this.#checking) return;
    this.#checking = true;
    try {
      const idle = [];
      for (const replica of b.replicas.values()) {
        const provisionalEnded = replica.provisionalUntilMs > 0 && Date.now() > replica.provisionalUntilMs;
        if (!replica.isCurrent || provisionalEnded) {
          if (!replica.isSyncing && this.#reincarnating === null) void b.resync(replica).catch(b.report);
        } else if (!replica.sawEvent) idle.push(replica);
        replica.sawEvent = false;
      }
      if (idle.length === 0) return;
      const pipeline = b.cmd.pipeline();
      for (const replica of idle) pipeline.hmget(replica.keys.meta, "epoch", "seq");
      const replies = (await pipeline.exec()) ?? [];
      idle.forEach((replica, i) => {
        const [error, value] = replies[i] ?? [null, null];
        if (error !== null || !Array.isArray(value)) return;
        const [epoch, seq] = value as (string | null)[];
        if (epoch !== replica.epoch || Number(seq ?? 0) > replica.cursor) {
          void b.resync(replica).catch(b.report);
        }
      });
    } catch (error) {
      b.report(error);
    } finally {
      this.#checking = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
