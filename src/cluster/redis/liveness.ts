/**
 * Liveness: this node's registration, its heartbeat, the reaper, and purges.
 *
 * - A node is known by `nodeId` plus an incarnation (Redis TIME in µs at
 *   registration). Every scope write carries it and is refused unless it is the
 *   node's live incarnation, so the writes of a node declared dead cannot land.
 * - Registering is refused while another incarnation of the same id still heartbeats
 *   (two processes with one id would split silently): a restart after a crash waits
 *   out the old incarnation's timeout, then retires it and purges its rows.
 * - Each tick (every `heartbeatIntervalMs`, on a connection of its own that never
 *   queues, so a stale heartbeat is never replayed) heartbeats and reaps in one
 *   script: any node may flip a silent node from alive to dead, exactly once, queueing
 *   a purge that any node can run or finish (purges only remove rows of incarnations at
 *   most the dead one). A gap in reaper runs (a Redis stall or restart) grants one
 *   timeout of grace first.
 * - A tick that finds this node fenced, or the store emptied, asks for a recovery:
 *   a new incarnation re-asserts this node's slice of every scope.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { NodeIdInUseError } from "../../errors.js";
import { isNoScript, list, text } from "./connection.js";
import type { KeyLayout } from "./keys.js";
import { COVERED, type CommandLink } from "./link.js";
import { CLEAN_UP, PURGE_SCOPE, REGISTER, type Script, TICK, UNREGISTER } from "./scripts.js";

export interface LivenessHost {
  readonly nodeId: string;
  readonly heartbeatIntervalMs: number;
  readonly nodeTimeoutMs: number;
  readonly keys: KeyLayout;
  readonly link: CommandLink;
  /** The heartbeat connection: no offline queue, no retries. */
  readonly heartbeat: Redis;
  readonly report: (error: unknown) => void;
  /** The store token changed or this incarnation was fenced: this node must recover. */
  onLost(): void;
  /** The heartbeat succeeded or failed (health). */
  onBeat(isHealthy: boolean): void;
  /** After each successful tick: idle views are compared with Redis. */
  afterTick(): void;
}

/** The scope-script arguments a purge of `node` incarnation `incarnation` needs. */
export type PurgeArgs = (
  scopeId: string,
  node: string,
  incarnation: string,
) => {
  keys: string[];
  args: string[];
};

export class Liveness {
  /** The live incarnation of this node; "" before registration. */
  incarnation = "";
  /** How many incarnations this process has registered. */
  incarnations = 0;
  /** Nodes alive at the last tick. */
  liveNodes: ReadonlySet<string> = new Set();
  /** When (performance.now()) the tick that read `liveNodes` began. */
  liveNodesReadAt = 0;
  // The store token seen at registration: another one means Redis lost its data.
  #store = "";
  #lastBeatAtMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  #stopped = false;
  readonly #purging = new Map<string, Promise<void>>();

  constructor(
    readonly host: LivenessHost,
    readonly purgeArgs: PurgeArgs,
  ) {}

  get store(): string {
    return this.#store;
  }

  /** False once the heartbeat has failed for most of the timeout. */
  get isHealthy(): boolean {
    return Date.now() - this.#lastBeatAtMs < 0.8 * this.host.nodeTimeoutMs;
  }

  /** Starts ticking (the node has registered). */
  start(): void {
    this.#stopped = false;
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => void this.tick(), this.host.heartbeatIntervalMs);
    this.#timer.unref();
    void this.tick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Registers a new incarnation, on the link's connection during a recovery. Returns
   * true when Redis lost its data since the last registration. With `waitMs`, a
   * refusal (the id still heartbeats elsewhere) is tried again until then.
   */
  async register(waitMs = 0): Promise<boolean> {
    const { keys, nodeId, nodeTimeoutMs, heartbeatIntervalMs, link } = this.host;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const reply = list(
        await link.direct((conn) =>
          evalsha(conn, REGISTER, keys.clusterKeys, [nodeId, nodeTimeoutMs, randomUUID()]),
        ),
      );
      if (reply[0] === "ok") {
        this.incarnation = text(reply[1]);
        const store = text(reply[2]);
        const lost = this.#store !== "" && store !== this.#store;
        this.#store = store;
        this.incarnations++;
        this.#lastBeatAtMs = Date.now();
        return lost;
      }
      if (Date.now() >= deadline) throw new NodeIdInUseError(nodeId, nodeTimeoutMs);
      await sleep(heartbeatIntervalMs);
    }
  }

  /** True while this incarnation is live in a store with the token it registered in. */
  async isRegistered(): Promise<boolean> {
    if (this.incarnation === "") return false;
    const { keys, nodeId, link } = this.host;
    const [live, store] = await link
      .direct((conn) => conn.pipeline().hget(keys.nodes, nodeId).get(keys.store).exec())
      .then((replies) => (replies ?? []).map(([error, value]) => (error ? null : value)));
    return live === this.incarnation && store === this.#store;
  }

  async tick(): Promise<void> {
    const { host } = this;
    if (this.#ticking || this.#stopped || this.incarnation === "") return;
    this.#ticking = true;
    try {
      const startedAt = performance.now();
      const stallMs = Math.max(host.nodeTimeoutMs / 2, 3 * host.heartbeatIntervalMs);
      const reply = list(
        await evalsha(host.heartbeat, TICK, host.keys.clusterKeys, [
          host.nodeId,
          this.incarnation,
          host.nodeTimeoutMs,
          stallMs,
        ]),
      );
      if (reply[0] !== "ok" || text(reply[1]) !== this.#store) {
        host.onLost();
        return;
      }
      this.#lastBeatAtMs = Date.now();
      host.onBeat(true);
      this.liveNodes = new Set(list(reply[3]).map(text));
      this.liveNodesReadAt = startedAt;
      for (const entry of list(reply[2])) void this.purge(text(entry)).catch(host.report);
      host.afterTick();
    } catch (error) {
      host.report(error);
      host.onBeat(this.isHealthy);
    } finally {
      this.#ticking = false;
    }
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
    const { keys, link } = this.host;
    const [node = "", incarnation = ""] = entry.split("\n");
    const what = `the purge of node '${node}'`;
    const scopes = await link.call((conn) => conn.smembers(keys.nodeScopes(node)), {
      what,
      onInterrupt: "resend",
    });
    if (scopes === COVERED) return;
    for (const scopeId of scopes) {
      const { keys: scriptKeys, args } = this.purgeArgs(scopeId, node, incarnation);
      await link.script(PURGE_SCOPE, scriptKeys, args, { what, onInterrupt: "resend" });
    }
    await link.call((conn) => conn.srem(keys.purges, entry), { what, onInterrupt: "resend" });
  }

  /** Purges this node's own earlier incarnations (registering again retired them). */
  async purgeOwn(): Promise<void> {
    const { keys, nodeId, link } = this.host;
    const prefix = `${nodeId}\n`;
    const own = (await link.direct((conn) => conn.smembers(keys.purges))).filter((e) => e.startsWith(prefix));
    await Promise.all(own.map((entry) => this.purge(entry)));
  }

  /** Shutdown: leaves the cluster and removes this node's rows at once; bounded by `timeoutMs`. */
  async leave(timeoutMs: number): Promise<void> {
    this.stop();
    if (this.incarnation === "" || !this.host.link.isOpen) return;
    const { keys, nodeId, link } = this.host;
    const entry = `${nodeId}\n${this.incarnation}`;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    const what = "leaving the cluster";
    const leaving = (async () => {
      await link.script(UNREGISTER, keys.clusterKeys, [nodeId, this.incarnation], {
        what,
        onInterrupt: "resend",
      });
      // Every pending purge, its own and any a dead node left: the last node out leaves nothing.
      const pending = await link.call((conn) => conn.smembers(keys.purges), { what, onInterrupt: "resend" });
      await Promise.all([entry, ...(pending === COVERED ? [] : pending)].map((e) => this.purge(e)));
      await link.script(CLEAN_UP, keys.clusterKeys, [], { what, onInterrupt: "resend" });
    })();
    leaving.catch(() => undefined); // after the deadline nobody waits; the reaper finishes
    try {
      await Promise.race([leaving, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A script by SHA on a connection of its own, loaded first if Redis forgot it (NOSCRIPT:
 * it ran nothing). Only for calls that are alone on their connection — a tick, or a
 * registration during a recovery — so the retry cannot overtake a newer call.
 */
async function evalsha(
  conn: Redis,
  script: Script,
  keys: readonly string[],
  args: readonly (string | number)[],
) {
  try {
    return await conn.evalsha(script.sha, script.keys, ...keys, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    await conn.script("LOAD", script.lua);
    return conn.evalsha(script.sha, script.keys, ...keys, ...args);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
