/**
 * The conformance suite's view of a cluster for one test: a fresh scope, actors
 * spawned round-robin over the nodes, and read-backs of every node's view.
 *
 * Everything here goes through the public API and assumes nothing about the backend:
 * an actor is joined and left on the node that hosts it, reads from other nodes come
 * after `settle()`, and deliveries are awaited (never assumed synchronous), so the same
 * tests run on one embedded node and on several nodes over a real bus.
 *
 * Negative checks ("nobody received anything") use a flush: a marker published to a
 * group every peer belongs to, from the same node, after the act under test. By
 * per-publisher FIFO, anything the act delivered arrives before the marker.
 */
import assert from "node:assert/strict";
import {
  type ActorContext,
  type ActorRef,
  type ActorSystem,
  type JoinOptions,
  type ProcessGroup,
  ProcessGroupError,
  type ProcessGroups,
  type Scope,
  type SpawnOptions,
} from "../../src/index.js";
import { eventually, freshScope } from "../support/helpers.js";

/** A cluster of one or more nodes, as a backend's fixture starts it. */
export interface TestCluster {
  readonly nodes: readonly ActorSystem[];
  /** Waits until every node's view has converged; a no-op for one embedded node. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface ClusterFixture {
  /** Why the whole suite is skipped here (say, no redis-server), if it is. */
  readonly skip?: string;
  start(nodeCount: number): Promise<TestCluster>;
}

/** What a test peer received, in order. */
export interface Delivery {
  readonly message: unknown;
  readonly group: string | undefined;
  readonly topic: string | undefined;
}

const FLUSH_GROUP = "zz-flush";

/** A recording actor hosted by one node of the cluster. */
export class Peer {
  constructor(
    readonly ref: ActorRef,
    readonly node: number,
    readonly world: World,
    /** Everything it received, flush markers included. */
    readonly all: readonly Delivery[],
  ) {}

  get id(): string {
    return this.ref.id;
  }

  /** What it received, flush markers left out. */
  get received(): unknown[] {
    return this.all.filter((d) => d.group !== FLUSH_GROUP).map((d) => d.message);
  }

  /** The topics of what it received, flush markers left out. */
  get topics(): (string | undefined)[] {
    return this.all.filter((d) => d.group !== FLUSH_GROUP).map((d) => d.topic);
  }

  /** The scope handle of the node that hosts this actor. */
  get groups(): ProcessGroups {
    return this.world.on(this.node);
  }

  join(group: string, options?: JoinOptions): Promise<void> {
    return this.groups.joinGroup(group, this.ref, options);
  }

  leave(group: string): Promise<void> {
    return this.groups.leaveGroup(group, this.ref);
  }
}

export class World {
  readonly scope: Scope = freshScope("conf");
  readonly peers: Peer[] = [];
  #flushes = 0;
  #flushReady = false;
  readonly #flushMembers = new Set<Peer>();

  constructor(readonly cluster: TestCluster) {}

  get n(): number {
    return this.cluster.nodes.length;
  }

  /** Node k's handle of this test's scope. */
  on(k = 0): ProcessGroups {
    const node = this.cluster.nodes[k];
    assert.ok(node, `no node ${k}`);
    return node.groups(this.scope);
  }

  settle(): Promise<void> {
    return this.cluster.settle();
  }

  /**
   * Spawns a recording actor on node `i % n`, with id `a<i>` unless given; `answer`
   * (default: none) is what its behaviour returns for each message, after recording it.
   */
  spawn(
    i: number,
    id = `a${i}`,
    answer?: (message: unknown, context: ActorContext) => unknown,
    options?: Pick<SpawnOptions, "mailbox" | "onError">,
  ): Peer {
    const node = i % this.n;
    const system = this.cluster.nodes[node]!;
    const all: Delivery[] = [];
    const ref = system.spawn({ id, ...this.scope, ...options }, (message: unknown, context: ActorContext) => {
      all.push({ message, group: context.group, topic: context.topic });
      return answer?.(message, context);
    });
    const peer = new Peer(ref, node, this, all);
    this.peers.push(peer);
    return peer;
  }

  /** Spawns peers 0..count-1. */
  spawnMany(count: number): Peer[] {
    return Array.from({ length: count }, (_, i) => this.spawn(i));
  }

  /** Runs `read` against every node's handle (after settling) and returns the answers. */
  async views<T>(read: (groups: ProcessGroups, k: number) => Promise<T>): Promise<T[]> {
    await this.settle();
    const out: T[] = [];
    for (let k = 0; k < this.n; k++) out.push(await read(this.on(k), k));
    return out;
  }

  /** Asserts that every node lists exactly `expected` (any order) as the group's members. */
  async expectMembers(group: string, expected: readonly string[]): Promise<void> {
    const views = await this.views((g) => g.getMembers(group));
    for (const [k, members] of views.entries()) {
      assert.deepEqual(sorted(members), sorted(expected), `members of '${group}' seen by node ${k}`);
    }
  }

  /** The group as node k's listGroups reports it, or undefined. */
  async describe(group: string, k = 0): Promise<ProcessGroup | undefined> {
    const page = await this.on(k).listGroups({ pattern: group, pageSize: 1_000 });
    return page.groups.find((g) => g.name === group);
  }

  /**
   * Everything a failed call must leave as it was: each node's groups (labels,
   * createdAt, memberCount), members and local members. The flush group is left out.
   */
  async snapshot(): Promise<unknown> {
    return this.views(async (g) => {
      const names: string[] = [];
      const state: unknown[] = [];
      let token: string | undefined;
      do {
        const page = await g.listGroups(
          token === undefined ? { pageSize: 1_000 } : { pageSize: 1_000, pageToken: token },
        );
        for (const group of page.groups) {
          if (group.name === FLUSH_GROUP) continue;
          names.push(group.name);
          state.push({
            group,
            members: sorted(await g.getMembers(group.name)),
            local: sorted(await g.getLocalMembers(group.name)),
          });
        }
        token = page.nextPageToken;
      } while (token !== undefined);
      return state;
    });
  }

  /**
   * Waits until every peer has received everything published from node `from` before
   * this call: joins all peers to the flush group (once), publishes a marker from
   * `from` and waits for it everywhere.
   */
  async flush(from = 0): Promise<void> {
    if (!this.#flushReady) {
      await this.on(0).createGroup(FLUSH_GROUP);
      this.#flushReady = true;
      await this.settle();
    }
    const live = this.peers.filter((p) => !p.ref.isStopped);
    for (const peer of live) {
      if (this.#flushMembers.has(peer)) continue;
      await peer.join(FLUSH_GROUP);
      this.#flushMembers.add(peer);
    }
    await this.settle();
    const marker = `flush-${++this.#flushes}`;
    const result = await this.on(from).publishToGroup(FLUSH_GROUP, marker);
    assert.deepEqual(
      sorted(result.recipients),
      sorted(live.map((p) => p.id)),
      "flush reaches every live peer",
    );
    await eventually(
      `flush marker ${marker}`,
      () => live.every((p) => p.all.some((d) => d.group === FLUSH_GROUP && d.message === marker)),
      10_000,
    );
  }

  /** Waits until `peer` has received at least `count` messages (flush markers left out). */
  async received(peer: Peer, count: number): Promise<void> {
    await eventually(`${peer.id} to receive ${count} messages`, () => peer.received.length >= count, 10_000);
  }
}

export function sorted<T>(values: readonly T[]): T[] {
  return [...values].sort();
}

/**
 * Asserts that `action` rejects with `ErrorClass`, the given `code`, and a message that
 * names each of `mentions` (group, tenant, namespace, actor...).
 */
export async function rejectsWith(
  action: Promise<unknown> | (() => Promise<unknown>),
  ErrorClass: abstract new (...args: never[]) => ProcessGroupError,
  code: string,
  mentions: readonly string[] = [],
): Promise<void> {
  await assert.rejects(action, (error: unknown) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${String(error)}`);
    assert.ok(error instanceof ProcessGroupError);
    assert.ok(error instanceof Error);
    assert.equal(error.code, code);
    for (const word of mentions) {
      assert.ok(error.message.includes(word), `message ${JSON.stringify(error.message)} names '${word}'`);
    }
    return true;
  });
}

/** The words an error about `scope` must name. */
export function scopeWords(scope: Scope): string[] {
  return [scope.tenantId, scope.namespace];
}
