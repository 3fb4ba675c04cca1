/**
 * RedisBackend: the multi-node backend. Each node owns the memberships of the actors
 * it hosts (the `pg` model) and states them absolutely in Redis through one Lua script
 * per change (scripts.ts); Redis orders each scope's changes with a sequence number;
 * every node keeps a replica of the scopes it touches (replica.ts), so reads and the
 * recipients of a publish need no round trip; messages travel on one channel per
 * group, the publishes of one turn of the event loop coalesced (outbox.ts, inbox.ts).
 *
 * Liveness: every node heartbeats into a sorted set with Redis's clock and reaps
 * (liveness.ts). A node that finds itself fenced or the store emptied registers a new
 * incarnation, re-asserts its slice of every scope and resyncs its replicas.
 *
 * Four connections, each named `chorus:<node>:<role>`: `cmd` (scripts, snapshots and
 * outgoing messages: one connection, and the outbox flushed before every script, so
 * Redis sees this node's publishes and changes in the order they were made),
 * `events` (scope change events and this node's control channel), `messages` (the
 * group channels of its members) — separate, so a message flood that trips Redis's
 * pub/sub output limit cannot cut membership events — and `heartbeat`, whose offline
 * queue is off so a stale heartbeat is never replayed.
 *
 * Background failures never throw into the caller: they go to `onError` and count in
 * `inspect().errors`.
 */
import type { Redis } from "ioredis";
import {
  BackendUnavailableError,
  GroupAlreadyExistsError,
  GroupNotFoundError,
  type Scope,
} from "../../errors.js";
import { type GroupRecord, localMemberships, type MembershipRecord } from "../../groups/remote-changes.js";
import type { ScopeGroups } from "../../groups/scope-groups.js";
import { type NodeId, scopeKey } from "../../names.js";
import type { RemoteMessage, Replication } from "../replication.js";
import { connect, list, pairs, run, text } from "./connection.js";
import { Control } from "./control.js";
import { GroupChannels } from "./group-channels.js";
import { Inbox } from "./inbox.js";
import {
  barrierChannel,
  ctlChannel,
  GRACE,
  NODES,
  nodeScopes,
  type ScopeKeys,
  STORE,
  scopeKeys,
} from "./keys.js";
import { Liveness } from "./liveness.js";
import type { ClusterInspection, RedisClusterOptions } from "./options.js";
import { Outbox } from "./outbox.js";
import { parseEvent, ScopeReplica, type Snapshot } from "./replica.js";
import {
  ASSERT_SLICE,
  CREATE_GROUP,
  DELETE_GROUP,
  type Script,
  SNAPSHOT,
  WRITE_MEMBERSHIP,
} from "./scripts.js";
import { parseSnapshot } from "./snapshot.js";

export type { ClusterInspection, RedisClusterOptions };

// How long a catch-up waits for the scope's events before reading a snapshot instead.
const CATCH_UP_WAIT_MS = 250;

export class RedisBackend implements Replication {
  readonly nodeId: NodeId;
  readonly heartbeatIntervalMs: number;
  readonly nodeTimeoutMs: number;
  readonly #visibilityTimeoutMs: number;
  readonly #onError: ((error: Error) => void) | undefined;
  readonly cmd: Redis;
  readonly #events: Redis;
  readonly #messages: Redis;
  readonly heartbeat: Redis;
  readonly #outbox: Outbox;
  readonly #channels: GroupChannels;
  readonly #control: Control;
  readonly liveness: Liveness;
  readonly replicas = new Map<string, ScopeReplica>();
  readonly #opening = new Map<string, Promise<void>>();
  readonly #byChannel = new Map<string, ScopeReplica>();
  readonly #url: string;
  #closing = false;
  #started = false;
  #errors = 0;
  // Scope scripts sent and not yet answered (an actor's stop is written in the background).
  #inFlight = 0;
  readonly #inbox: Inbox;
  resyncs = 0;

  constructor(nodeId: NodeId, options: RedisClusterOptions) {
    this.nodeId = nodeId;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
    this.nodeTimeoutMs = options.nodeTimeoutMs ?? 5_000;
    this.#visibilityTimeoutMs = options.joinVisibilityTimeoutMs ?? 2 * this.nodeTimeoutMs;
    this.#onError = options.onError;
    const url = options.redis;
    this.#url = url.replace(/\/\/[^@/]*@/, "//***@"); // no password in messages
    this.cmd = connect(url, nodeId, "cmd");
    this.#events = connect(url, nodeId, "events");
    this.#messages = connect(url, nodeId, "messages");
    this.heartbeat = connect(url, nodeId, "heartbeat", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    for (const conn of [this.cmd, this.#events, this.#messages, this.heartbeat]) {
      conn.on("error", this.report);
    }
    this.#channels = new GroupChannels(this.#messages, this.report);
    this.#inbox = new Inbox(this, this.cmd);
    this.#outbox = new Outbox(nodeId, this.cmd, options.maxPayloadBytes ?? 1024 * 1024, this.report);
    this.liveness = new Liveness(this);
    this.#control = new Control(this);
  }

  get isClosed(): boolean {
    return this.#closing;
  }

  /** Reports a background failure; never throws. */
  readonly report = (error: unknown): void => {
    this.#errors++;
    if (this.#closing) return;
    const err = error instanceof Error ? error : new Error(String(error));
    try {
      this.#onError?.(err);
    } catch {
      // a throwing error hook must not break the backend's own loops
    }
  };

  async start(): Promise<void> {
    try {
      await Promise.all([this.cmd, this.#events, this.#messages, this.heartbeat].map((c) => c.connect()));
    } catch (error) {
      throw new BackendUnavailableError(`cannot reach Redis at ${this.#url}: ${String(error)}`, {
        cause: error,
      });
    }
    this.#events.on("message", (channel: string, raw: string) => this.#onEventsMessage(channel, raw));
    this.#messages.on("message", (channel: string, raw: string) => this.#inbox.onMessage(channel, raw));
    await this.#events.subscribe(ctlChannel(this.nodeId));
    await this.#messages.subscribe(barrierChannel(this.nodeId));
    await this.liveness.start();
    // After the first connection, every reconnect repairs what may have been lost.
    this.#events.on("ready", () => void this.liveness.afterEventsReconnect());
    this.cmd.on("ready", () => void this.liveness.afterCommandsReconnect());
    this.#started = true;
  }

  get isStarted(): boolean {
    return this.#started;
  }

  openScope(core: ScopeGroups): Promise<void> {
    const id = core.key;
    let opening = this.#opening.get(id);
    if (opening === undefined) {
      opening = this.#open(core, id).catch((error: unknown) => {
        this.#opening.delete(id);
        throw error;
      });
      this.#opening.set(id, opening);
    }
    return opening;
  }

  async #open(core: ScopeGroups, id: string): Promise<void> {
    const keys = scopeKeys(id);
    const replica = new ScopeReplica(core, keys, this);
    // Subscribe first, then snapshot: an event of a change made after the snapshot can
    // then never be missed, only buffered and applied past the snapshot's number.
    this.#byChannel.set(keys.events, replica);
    this.replicas.set(id, replica);
    try {
      await this.#events.subscribe(keys.events);
      await this.resync(replica);
    } catch (error) {
      this.#byChannel.delete(keys.events);
      this.replicas.delete(id);
      throw error;
    }
  }

  resync(replica: ScopeReplica): Promise<void> {
    this.resyncs++;
    return replica.resync();
  }

  async catchUp(scope: Scope): Promise<void> {
    const replica = this.#replica(scope);
    const [epoch, seq] = await this.cmd.hmget(replica.keys.meta, "epoch", "seq");
    if (epoch == null) return; // the scope has no keys: nothing to catch up with
    // The events are normally milliseconds behind; a snapshot only if they do not come.
    if (await replica.reached(epoch, Number(seq ?? 0), CATCH_UP_WAIT_MS)) return;
    await this.resync(replica);
  }

  async createGroup(scope: Scope, record: GroupRecord): Promise<void> {
    const replica = this.#replica(scope);
    const reply = await this.#scopeScript(replica, CREATE_GROUP, [
      record.name,
      record.createdAtMs,
      JSON.stringify(record.labels),
    ]);
    if (reply[0] === "exists") throw new GroupAlreadyExistsError(record.name, scope);
    this.#noteGroup(replica, text(reply[3]), record);
  }

  async deleteGroup(scope: Scope, name: string): Promise<void> {
    const replica = this.#replica(scope);
    await this.#scopeScript(replica, DELETE_GROUP, [name]);
    this.groupGone(replica, name);
  }

  async writeMembership(scope: Scope, record: MembershipRecord, visible = false): Promise<void> {
    const replica = this.#replica(scope);
    const groupEpoch = replica.groups.get(record.group)?.epoch ?? "";
    const args = [
      record.group,
      groupEpoch,
      record.actorId,
      record.count,
      record.topics.join(","),
      visible ? this.nodeId : "",
    ];
    // Listen on the group's channel from the first local join on (in parallel with the
    // write); the join resolves only once the SUBSCRIBE is confirmed.
    const channel = replica.keys.groupChannelPrefix + record.group;
    let subscribed: Promise<void> | undefined;
    if (record.count > 0) {
      subscribed = this.#channels.add(channel, record.actorId);
      subscribed.catch(() => undefined); // awaited below; this only marks it handled meanwhile
    } else {
      this.#channels.remove(channel, record.actorId);
    }
    const reply = await this.#scopeScript(replica, WRITE_MEMBERSHIP, args, "covered");
    if (reply[0] === "nogroup") {
      if (record.count <= 0) return; // the group went, and the membership with it
      this.#channels.remove(channel, record.actorId);
      throw new GroupNotFoundError(record.group, scope);
    }
    await subscribed;
    if (reply[0] !== "ok" || !visible) return;
    const holders = new Map(pairs(reply[3]));
    const join = {
      group: record.group,
      actorId: record.actorId,
      epoch: text(reply[1]),
      seq: Number(reply[2]),
    };
    await this.#control.visibility.await(scope, replica.keys.id, join, holders, this.#visibilityTimeoutMs);
  }

  encode(scope: Scope, message: RemoteMessage): string {
    return this.#outbox.encode(scope, message);
  }

  forward(scope: Scope, group: string, encoded: string): void {
    // Always through Redis, even when the replica shows no remote member: it may not
    // show yet a member that joined elsewhere a moment ago, whose node is subscribed.
    // Redis drops a message nobody subscribes to; this node drops its own echo.
    const replica = this.replicas.get(scopeKey(scope));
    const prefix = replica?.keys.groupChannelPrefix ?? scopeKeys(scope).groupChannelPrefix;
    this.#outbox.send(encoded, prefix + group);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#control.visibility.close();
    this.#outbox.flush();
    try {
      await this.liveness.leave();
    } finally {
      this.#outbox.close();
      for (const conn of [this.cmd, this.#events, this.#messages, this.heartbeat]) {
        conn.disconnect(false);
      }
    }
  }

  /** Stops heartbeating, as a long pause would (tests); the returned function resumes. */
  pauseHeartbeat(): () => void {
    this.liveness.stop();
    return () => this.liveness.resume();
  }

  /** Drops every connection and timer without telling Redis (a crash, for tests). */
  crash(): void {
    this.#closing = true;
    this.#control.visibility.close();
    this.#outbox.close();
    this.liveness.stop();
    for (const conn of [this.cmd, this.#events, this.#messages, this.heartbeat]) {
      conn.disconnect(false);
    }
  }

  /**
   * True when every replica this node holds is current and at Redis's sequence number
   * (read now), and no outgoing message is queued: a barrier for tests.
   */
  async isSettled(): Promise<boolean> {
    this.#outbox.flush();
    const replicas = [...this.replicas.values()];
    if (this.#inFlight > 0 || replicas.some((r) => !r.isCurrent)) return false;
    const metas = await Promise.all(replicas.map((r) => this.cmd.hmget(r.keys.meta, "epoch", "seq")));
    return replicas.every((r, i) => metas[i]?.[0] === r.epoch && Number(metas[i]?.[1] ?? 0) <= r.cursor);
  }

  /**
   * Resolves true once every message Redis had taken for this node's group channels
   * before the call has been handed to the local members (a barrier for tests: call it
   * after every publishing node's `isSettled` has answered). False after `timeoutMs`.
   */
  messageBarrier(timeoutMs = 5_000): Promise<boolean> {
    return this.#inbox.barrier(timeoutMs);
  }

  inspect(): ClusterInspection {
    return {
      nodeId: this.nodeId,
      incarnation: this.liveness.incarnation,
      incarnations: this.liveness.incarnations,
      resyncs: this.resyncs,
      errors: this.#errors,
      wireMessages: this.#outbox.stats.wireMessages,
      forwardedMessages: this.#outbox.stats.messages,
      receivedWireMessages: this.#inbox.received,
      scopes: [...this.replicas.values()].map((r) => ({
        scope: r.keys.id,
        cursor: r.cursor,
        isCurrent: r.isCurrent,
        isProvisional: r.provisionalUntilMs > 0,
      })),
    };
  }

  // --- for the replicas and liveness ---

  async snapshot(keys: ScopeKeys): Promise<Snapshot> {
    const reply = list(
      await run(
        this.cmd,
        SNAPSHOT,
        [...this.scopeKeyList(keys, this.nodeId), STORE, GRACE],
        [...this.scopeArgs(keys, this.nodeId, this.liveness.incarnation), "1", this.liveness.store],
      ),
    );
    if (reply[0] === "store") {
      // Redis lost its data (or it is another store): re-assert first, then read.
      void this.liveness.reincarnate(this.liveness.incarnation).catch(this.report);
      throw new Error("the Redis store changed; this node re-registers before reading it");
    }
    return parseSnapshot(reply);
  }

  groupGone(replica: ScopeReplica, name: string): void {
    this.#channels.drop(replica.keys.groupChannelPrefix + name);
  }

  acknowledge(to: string, replica: ScopeReplica): void {
    this.#control.acknowledge(to, replica);
  }

  /** Re-states this node's whole slice of a scope (after a reconnect, a fence or data loss). */
  async assertSlice(replica: ScopeReplica, recreateGroups: boolean): Promise<void> {
    const groups = recreateGroups ? [...replica.groups.values()] : [];
    const args: (string | number)[] = [recreateGroups ? "1" : "0", groups.length];
    for (const g of groups)
      args.push(g.record.name, g.epoch, g.record.createdAtMs, JSON.stringify(g.record.labels));
    for (const m of localMemberships(replica.core)) {
      const epoch = replica.groups.get(m.group)?.epoch;
      if (epoch !== undefined) args.push(m.group, epoch, m.actorId, m.count, m.topics.join(","));
    }
    // Called while re-incarnating: a fence here waits for the next tick's new incarnation.
    const reply = await this.#scopeScript(replica, ASSERT_SLICE, args, "fail");
    if (reply[0] === "fenced") throw new Error(`node ${this.nodeId} was fenced while re-asserting`);
  }

  scopeKeyList(keys: ScopeKeys, node: string): string[] {
    return [keys.meta, keys.groups, keys.holders, NODES, nodeScopes(node)];
  }

  scopeArgs(keys: ScopeKeys, node: string, incarnation: string): string[] {
    return [node, incarnation, keys.meta.slice(0, -"meta".length), keys.id];
  }

  // Runs a mutation as the current incarnation. Fenced: a new incarnation re-asserts
  // this node's whole state (which includes this change), so a write is done once that
  // has finished; a create or delete is then sent again.
  async #scopeScript(
    replica: ScopeReplica,
    script: Script,
    args: readonly (string | number)[],
    onFence: "retry" | "covered" | "fail" = "retry",
  ): Promise<unknown[]> {
    for (;;) {
      this.#outbox.flush(); // publishes made before this change reach Redis before it
      const incarnation = this.liveness.incarnation;
      this.#inFlight++;
      let reply: unknown[];
      try {
        reply = list(
          await run(this.cmd, script, this.scopeKeyList(replica.keys, this.nodeId), [
            ...this.scopeArgs(replica.keys, this.nodeId, incarnation),
            ...args,
          ]),
        );
      } finally {
        this.#inFlight--;
      }
      if (reply[0] !== "fenced" || this.#closing || onFence === "fail") return reply;
      await this.liveness.reincarnate(incarnation);
      if (onFence === "covered") return reply;
    }
  }

  #replica(scope: Scope): ScopeReplica {
    const replica = this.replicas.get(scopeKey(scope));
    if (replica === undefined) throw new Error(`scope ${scopeKey(scope)} was used before it was opened`);
    return replica;
  }

  #noteGroup(replica: ScopeReplica, epoch: string, record: GroupRecord): void {
    // The event may have been applied already; either way the replica knows the epoch now.
    if (!replica.groups.has(record.name)) replica.groups.set(record.name, { epoch, record });
  }

  #onEventsMessage(channel: string, raw: string): void {
    try {
      const replica = this.#byChannel.get(channel);
      if (replica !== undefined) {
        const event = parseEvent(raw);
        if (event === null || !replica.onEvent(event)) void this.resync(replica).catch(this.report);
        return;
      }
      if (channel === ctlChannel(this.nodeId)) this.#control.onMessage(raw);
    } catch (error) {
      this.report(error);
    }
  }

  /** Sends this node a probe on its own control channel (proves the events subscription). */
  selfProbe(id: string): Promise<number> {
    return this.#control.selfProbe(id);
  }
}
