/**
 * The reference model of process groups and the driver that checks a real cluster
 * against it: random sequences of create, delete, join (with random topics), leave,
 * publish (with random topics), a send or an ask to one actor from any node, an
 * askGroup, and stopping or restarting actors are applied to both,
 * and after every step they must agree on the outcome (which error, if any), on every
 * node's groups, members and counts, and on exactly who received each publish.
 *
 * The model is plain Maps; its topic matcher is a direct recursive reading of the AMQP
 * rules, sharing nothing with the trie it checks.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type ActorRef, ProcessGroupError, type ProcessGroups, type Scope } from "../../src/index.js";
import type { TestCluster } from "../conformance/suite.js";
import { eventually, freshScope } from "../support/helpers.js";

const GROUPS = ["g0", "g1"];
const ACTORS = ["a0", "a1", "a2"];
const PATTERNS = ["a", "b", "a.b", "a.*", "*.b", "#", "a.#", "#.b", "*.*", "a.#.c"];
const TOPICS = ["a", "b", "a.b", "a.c", "c.b", "a.b.c", "a.x.c", "c"];

export type Op =
  | { readonly op: "create"; readonly group: string; readonly node: number }
  | { readonly op: "delete"; readonly group: string; readonly node: number }
  | {
      readonly op: "join";
      readonly group: string;
      readonly actor: string;
      readonly topics: string[] | undefined;
    }
  | { readonly op: "leave"; readonly group: string; readonly actor: string }
  | {
      readonly op: "publish";
      readonly group: string;
      readonly topic: string | undefined;
      readonly node: number;
    }
  | { readonly op: "send" | "ask"; readonly actor: string; readonly node: number }
  | {
      readonly op: "askGroup";
      readonly group: string;
      readonly topic: string | undefined;
      readonly node: number;
    }
  | { readonly op: "toggle"; readonly actor: string };

const group = fc.constantFrom(...GROUPS);
const actor = fc.constantFrom(...ACTORS);
// Which node runs a create, delete or publish (modulo the cluster's size).
const node = fc.nat({ max: 2 });
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("create" as const), group, node }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), group, node }) },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant("join" as const),
      group,
      actor,
      topics: fc.option(fc.array(fc.constantFrom(...PATTERNS), { maxLength: 3 }), { nil: undefined }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("leave" as const), group, actor }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant("publish" as const),
      group,
      node,
      topic: fc.option(fc.constantFrom(...TOPICS), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("toggle" as const), actor }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("send" as const, "ask" as const), actor, node }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("askGroup" as const),
      group,
      node,
      topic: fc.option(fc.constantFrom(...TOPICS), { nil: undefined }),
    }),
  },
);

/** What every actor answers an ask with. */
const answer = (message: unknown): string => `ack:${String(message)}`;

/** AMQP matching, read straight off the rules: `*` one segment, `#` zero or more. */
function matches(pattern: readonly string[], topic: readonly string[]): boolean {
  if (pattern.length === 0) return topic.length === 0;
  const [head, ...rest] = pattern;
  if (head === "#") {
    for (let k = 0; k <= topic.length; k++) if (matches(rest, topic.slice(k))) return true;
    return false;
  }
  if (topic.length === 0) return false;
  return (head === "*" || head === topic[0]) && matches(rest, topic.slice(1));
}

interface ModelMember {
  count: number;
  topics: Set<string> | "all";
}

/** The reference: what each operation should do, with no indexes and no cleverness. */
class Model {
  readonly groups = new Map<string, Map<string, ModelMember>>();
  readonly alive = new Set(ACTORS);
  readonly received = new Map(ACTORS.map((id) => [id, [] as unknown[]]));

  /** The error code the operation must fail with, or null, after applying it. */
  apply(step: Op, message: unknown): string | null {
    switch (step.op) {
      case "create":
        if (this.groups.has(step.group)) return "GROUP_ALREADY_EXISTS";
        this.groups.set(step.group, new Map());
        return null;
      case "delete":
        this.groups.delete(step.group);
        return null;
      case "join": {
        const members = this.groups.get(step.group);
        if (members === undefined) return "GROUP_NOT_FOUND";
        if (!this.alive.has(step.actor)) return "ACTOR_NOT_FOUND";
        const wanted = step.topics === undefined || step.topics.length === 0 ? "all" : new Set(step.topics);
        const member = members.get(step.actor);
        if (member === undefined) members.set(step.actor, { count: 1, topics: wanted });
        else {
          member.count++;
          if (member.topics !== "all")
            member.topics = wanted === "all" ? "all" : new Set([...member.topics, ...wanted]);
        }
        return null;
      }
      case "leave": {
        const members = this.groups.get(step.group);
        if (members === undefined) return "GROUP_NOT_FOUND";
        const member = members.get(step.actor);
        if (member === undefined) return "NOT_A_MEMBER";
        if (--member.count === 0) members.delete(step.actor);
        return null;
      }
      case "publish":
      case "askGroup": {
        const members = this.groups.get(step.group);
        if (members === undefined) return "GROUP_NOT_FOUND";
        const reached: string[] = [];
        for (const [id, member] of members) {
          const topic = step.topic?.split(".");
          const hit =
            topic === undefined ||
            member.topics === "all" ||
            [...member.topics].some((p) => matches(p.split("."), topic));
          if (hit) {
            this.received.get(id)!.push(message);
            reached.push(id);
          }
        }
        return step.op === "publish" ? null : `answered by ${reached.sort().join(",")}`;
      }
      case "send":
      case "ask":
        if (!this.alive.has(step.actor)) return "ACTOR_NOT_FOUND";
        this.received.get(step.actor)!.push(message);
        return step.op === "send" ? null : answer(message);
      case "toggle":
        if (this.alive.delete(step.actor)) {
          for (const members of this.groups.values()) members.delete(step.actor);
        } else this.alive.add(step.actor);
        return null;
    }
  }
}

/**
 * The real cluster's side of one run: a fresh scope, actor `a<i>` hosted by node
 * `i % n` (and respawned there after a stop), creates, deletes and publishes made on the
 * node the step names.
 */
class Real {
  readonly scope: Scope = freshScope("model");
  readonly received = new Map(ACTORS.map((id) => [id, [] as unknown[]]));
  readonly refs = new Map<string, ActorRef>();
  constructor(readonly cluster: TestCluster) {
    for (const id of ACTORS) this.refs.set(id, this.#spawn(id));
  }

  #host(actorId: string): number {
    return ACTORS.indexOf(actorId) % this.cluster.nodes.length;
  }

  #spawn(id: string): ActorRef {
    const into = this.received.get(id)!;
    return this.cluster.nodes[this.#host(id)]!.spawn(
      { id, ...this.scope, mailbox: { capacity: 10_000 } },
      (message: unknown) => {
        into.push(message);
        return answer(message);
      },
    );
  }

  on(k: number): ProcessGroups {
    return this.cluster.nodes[k % this.cluster.nodes.length]!.groups(this.scope);
  }

  async apply(step: Op, message: unknown): Promise<string | null> {
    try {
      switch (step.op) {
        case "create":
          await this.on(step.node).createGroup(step.group);
          break;
        case "delete":
          await this.on(step.node).deleteGroup(step.group);
          break;
        case "join":
          await this.on(this.#host(step.actor)).joinGroup(
            step.group,
            this.refs.get(step.actor)!,
            step.topics === undefined ? {} : { topics: step.topics },
          );
          break;
        case "leave":
          await this.on(this.#host(step.actor)).leaveGroup(step.group, this.refs.get(step.actor)!);
          break;
        case "publish":
          await this.on(step.node).publishToGroup(
            step.group,
            message,
            step.topic === undefined ? {} : { topic: step.topic },
          );
          break;
        case "send":
        case "ask": {
          const from = this.cluster.nodes[step.node % this.cluster.nodes.length]!;
          const host = this.cluster.nodes[this.#host(step.actor)]!.nodeId;
          const to = from.actorAt(this.scope, step.actor, host);
          if (step.op === "send") {
            await to.send(message);
            break;
          }
          return String(await to.ask(message));
        }
        case "askGroup": {
          const { replies, missing } = await this.on(step.node).askGroup(
            step.group,
            message,
            step.topic === undefined ? {} : { topic: step.topic },
          );
          assert.deepEqual(missing, [], "no member failed to answer");
          for (const r of replies) assert.equal(r.reply, answer(message), `${r.member.id}'s answer`);
          return `answered by ${replies
            .map((r) => r.member.id)
            .sort()
            .join(",")}`;
        }
        case "toggle": {
          const ref = this.refs.get(step.actor)!;
          if (ref.isStopped) this.refs.set(step.actor, this.#spawn(step.actor));
          else await ref.stop();
          break;
        }
      }
      return null;
    } catch (error) {
      if (error instanceof ProcessGroupError) return error.code;
      throw error;
    }
  }

  async stopAll(): Promise<void> {
    for (const ref of this.refs.values()) await ref.stop();
  }
}

/** Every node's view against the model: groups, counts, members, and what each actor received. */
async function compare(model: Model, real: Real, where: string): Promise<void> {
  await real.cluster.settle();
  const expectedGroups = [...model.groups.entries()].map(([name, members]) => [name, members.size]).sort();
  for (let k = 0; k < real.cluster.nodes.length; k++) {
    const groups = real.on(k);
    const page = await groups.listGroups({ pageSize: 1_000 });
    assert.deepEqual(
      page.groups.map((g) => [g.name, g.memberCount]),
      expectedGroups,
      `${where}: groups and counts on node ${k}`,
    );
    for (const [name, members] of model.groups) {
      assert.deepEqual(
        (await groups.getMembers(name)).sort(),
        [...members.keys()].sort(),
        `${where}: members of ${name} on node ${k}`,
      );
    }
  }
  // Deliveries to other nodes arrive a little later: wait for the count, then compare all.
  // One node delivers before a publish resolves, so there is nothing to wait for.
  if (real.cluster.nodes.length > 1) {
    await eventually(
      `${where}: deliveries`,
      () => ACTORS.every((id) => real.received.get(id)!.length >= model.received.get(id)!.length),
      10_000,
    ).catch(() => undefined);
  }
  assert.deepEqual(real.received, model.received, `${where}: deliveries`);
}

/** Runs one operation sequence against a fresh scope of `cluster` and the model. */
export async function check(cluster: TestCluster, ops: readonly Op[]): Promise<void> {
  const model = new Model();
  const real = new Real(cluster);
  try {
    for (const [i, step] of ops.entries()) {
      const message = `m${i}`;
      const where = `step ${i} ${JSON.stringify(step)}`;
      assert.equal(await real.apply(step, message), model.apply(step, message), `${where}: outcome`);
      await compare(model, real, where);
    }
  } finally {
    await real.stopAll();
  }
}
