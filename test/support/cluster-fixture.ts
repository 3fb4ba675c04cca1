/**
 * A cluster of node processes for one test, and a model of what its actors did.
 *
 * Every membership change a test makes goes through a Cluster method that performs it
 * on a node and records it in the model (the groups that exist, and which actor of
 * which node is in each). `converged()` then waits until every running node's replica,
 * and Redis itself (read straight from its keys), equal that model — the "every live
 * replica equal to Redis and to what the actors did" ending of every process test.
 *
 * It is deliberately not clever: it never repairs a node or retries a command; a
 * failure is reported with the last mismatch it saw, so the test says what diverged.
 */
import { deepStrictEqual } from "node:assert/strict";
import { after, before } from "node:test";
import type { Redis } from "ioredis";
import type { Scope } from "../../src/index.js";
import { eventually, freshScope } from "./helpers.js";
import { killAllNodes, NodeProcess, type StartOptions } from "./node-process.js";
import { RedisServer, type RedisServerOptions, redisSkipReason } from "./redis-server.js";
import { readGroups, readMembers, withRedis } from "./redis-state.js";
import { FAST, type Timings } from "./timings.js";

export class Cluster {
  readonly scope: Scope = freshScope("proc");
  readonly nodes = new Map<string, NodeProcess>();
  /** group → actorId → hosting node id: what the actors did. */
  readonly model = new Map<string, Map<string, string>>();
  /** Every group ever named, so a deleted one is checked to be gone. */
  readonly named = new Set<string>();

  private constructor(
    readonly redisUrl: string,
    readonly timings: Timings,
  ) {}

  static async start(
    redisUrl: string,
    nodeIds: readonly string[],
    timings: Timings = FAST,
  ): Promise<Cluster> {
    // A test that failed half-way left its nodes running, and this one reuses their ids.
    await killAllNodes();
    const cluster = new Cluster(redisUrl, timings);
    await Promise.all(nodeIds.map((id) => cluster.startNode(id)));
    return cluster;
  }

  /** Starts (or starts again, with a new process) a node with the cluster's timings. */
  async startNode(
    nodeId: string,
    timings: Partial<Timings> = {},
    options: StartOptions = {},
  ): Promise<NodeProcess> {
    const node = await NodeProcess.start(
      { nodeId, redis: this.redisUrl, ...this.timings, ...timings },
      options,
    );
    this.nodes.set(nodeId, node);
    return node;
  }

  node(nodeId: string): NodeProcess {
    const node = this.nodes.get(nodeId);
    if (node === undefined) throw new Error(`no node ${nodeId}`);
    return node;
  }

  /** The nodes whose replicas must match: running and not paused. */
  get running(): NodeProcess[] {
    return [...this.nodes.values()].filter((node) => node.isAlive && !node.isPaused);
  }

  /**
   * Creates a group on one node and waits until every running node's replica has it:
   * replicas follow Redis asynchronously, and a join on a node that has not seen the
   * group yet is refused (GroupNotFoundError) by design — as a create is, with
   * GroupAlreadyExistsError, on a node that has not yet seen the group's delete.
   */
  async createGroup(nodeId: string, group: string): Promise<void> {
    await this.node(nodeId).request({ op: "createGroup", scope: this.scope, group });
    this.model.set(group, new Map());
    this.named.add(group);
    await this.#everyNodeSees(group, true);
  }

  #everyNodeSees(group: string, exists: boolean): Promise<void> {
    return eventually(`every running node to see group ${group} ${exists ? "made" : "deleted"}`, async () => {
      for (const node of this.running) {
        const view = await node.request({ op: "view", scope: this.scope, groups: [group] });
        if ((view[group] !== null) !== exists) return `${node.nodeId} does not`;
      }
      return null;
    });
  }

  /** Deletes a group on one node and waits until no running node's replica has it. */
  async deleteGroup(nodeId: string, group: string): Promise<void> {
    await this.node(nodeId).request({ op: "deleteGroup", scope: this.scope, group });
    this.model.delete(group);
    await this.#everyNodeSees(group, false);
  }

  async spawn(nodeId: string, ...actorIds: string[]): Promise<void> {
    for (const actorId of actorIds)
      await this.node(nodeId).request({ op: "spawn", scope: this.scope, actorId });
  }

  /** Joins an actor hosted by `nodeId` (spawned before); `visible` waits for every replica. */
  async join(
    nodeId: string,
    group: string,
    actorId: string,
    visible = false,
    topics?: string[],
  ): Promise<void> {
    await this.node(nodeId).request(
      { op: "join", scope: this.scope, group, actorId, visible, ...(topics !== undefined && { topics }) },
      30_000,
    );
    this.recordJoin(nodeId, group, actorId);
  }

  /** Records in the model a join the test made some other way (a scheduled join, a rejected visible join). */
  recordJoin(nodeId: string, group: string, actorId: string): void {
    const members = this.model.get(group);
    if (members === undefined) throw new Error(`the model has no group ${group}`);
    members.set(actorId, nodeId);
  }

  async leave(nodeId: string, group: string, actorId: string): Promise<void> {
    await this.node(nodeId).request({ op: "leave", scope: this.scope, group, actorId });
    this.model.get(group)?.delete(actorId);
  }

  async stopActor(nodeId: string, actorId: string): Promise<void> {
    await this.node(nodeId).request({ op: "stopActor", scope: this.scope, actorId });
    for (const members of this.model.values()) if (members.get(actorId) === nodeId) members.delete(actorId);
  }

  /** The node's actors are gone with it (a crash): removes them from the model. */
  forgetNode(nodeId: string): void {
    for (const members of this.model.values()) {
      for (const [actorId, host] of members) if (host === nodeId) members.delete(actorId);
    }
  }

  /** Members the model expects in a group, sorted. */
  expected(group: string): string[] {
    return [...(this.model.get(group)?.keys() ?? [])].sort();
  }

  /** Members of a group hosted by one node, per the model. */
  hostedBy(nodeId: string, group: string): string[] {
    return [...(this.model.get(group) ?? [])].filter(([, host]) => host === nodeId).map(([id]) => id);
  }

  /** Null when every running replica and Redis equal the model; otherwise what differs. */
  async mismatch(): Promise<string | null> {
    const groups = [...this.named].sort();
    const wantGroups = [...this.model.keys()].sort();
    const want: Record<string, string[] | null> = {};
    for (const group of groups) want[group] = this.model.has(group) ? this.expected(group) : null;
    const inRedis = await readGroups(this.redisUrl, this.scope);
    if (!sameList(inRedis, wantGroups)) return `Redis has groups ${inRedis}, the actors made ${wantGroups}`;
    for (const group of wantGroups) {
      const members = await readMembers(this.redisUrl, this.scope, group);
      if (!sameList(members, want[group] ?? []))
        return `Redis has ${group}=${members}, expected ${want[group]}`;
    }
    for (const node of this.running) {
      const view = await node.request({ op: "view", scope: this.scope, groups }, 5_000);
      try {
        deepStrictEqual(view, want);
      } catch {
        return `node ${node.nodeId} sees ${JSON.stringify(view)}, expected ${JSON.stringify(want)}`;
      }
      const listed = await node.request({ op: "groups", scope: this.scope }, 5_000);
      if (!sameList(listed, wantGroups))
        return `node ${node.nodeId} lists groups ${listed}, expected ${wantGroups}`;
    }
    return null;
  }

  /** Waits until every running replica and Redis equal what the actors did. */
  async converged(timeoutMs = 10_000): Promise<void> {
    try {
      await eventually(
        "every running replica and Redis to equal the model",
        () => this.mismatch(),
        timeoutMs,
      );
    } catch (error) {
      // What the nodes printed (their background errors) is the first clue to why.
      const outputs = [...this.nodes.values()].map(
        (node) => `--- ${node.nodeId}:\n${node.output.slice(-2_000)}`,
      );
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${outputs.join("\n")}`);
    }
  }

  /** `left` events a node saw for the given actors since `sinceMs` (evictions, when none were asked for). */
  async leftEvents(nodeId: string, actorIds: readonly string[], sinceMs = 0): Promise<string[]> {
    const events = await this.node(nodeId).request({ op: "events", tenantId: this.scope.tenantId });
    return events
      .filter((e) => e.type === "left" && e.atMs >= sinceMs && actorIds.includes(e.actorId ?? ""))
      .map((e) => `${e.group}/${e.actorId}@${e.nodeId}`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((node) => node.shutdown()));
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Lets a fault last: a fault's duration, never a wait for an outcome. */
export function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Undefined when multi-process tests can run; otherwise why not (said loudly). */
export function clusterSkipReason(): string | undefined {
  return redisSkipReason();
}

/** A test file's own redis-server, and admin commands run on it. */
interface FileRedis {
  readonly server: RedisServer;
  /** Runs `run` on a short-lived connection to the server (withRedis), closed afterwards. */
  admin<T>(run: (client: Redis) => Promise<T>): Promise<T>;
}

/**
 * A redis-server of this test file's own: started before its tests (unless Redis tests
 * are skipped), and after them every node process is killed and the server stopped.
 */
export function redisForThisFile(options: RedisServerOptions = {}): FileRedis {
  let server: RedisServer | undefined;
  before(async () => {
    if (clusterSkipReason() === undefined) server = await RedisServer.start(options);
  });
  after(async () => {
    await killAllNodes();
    await server?.stop();
  });
  const started = (): RedisServer => {
    if (server === undefined) throw new Error("the file's redis-server has not started");
    return server;
  };
  return {
    get server(): RedisServer {
      return started();
    },
    admin: (run) => withRedis(started().url, run),
  };
}
