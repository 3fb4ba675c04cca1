/**
 * A model check: random sequences of create, delete, join (with random topics), leave,
 * publish (with random topics) and stopping or restarting actors run against the real
 * system and against a reference model made of plain Maps. After every step the two
 * must agree on the outcome (which error, if any), on members and counts, and on
 * exactly who received each publish.
 *
 * The model's topic matcher is a direct recursive reading of the AMQP rules, sharing
 * nothing with the trie it checks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { type ActorRef, ProcessGroupError, type ProcessGroups } from "../../src/index.js";
import { freshScope, newSystem } from "../support/helpers.js";

const GROUPS = ["g0", "g1", "g2"];
const ACTORS = ["a0", "a1", "a2", "a3"];
const PATTERNS = ["a", "b", "a.b", "a.*", "*.b", "#", "a.#", "#.b", "*.*", "a.#.c"];
const TOPICS = ["a", "b", "a.b", "a.c", "c.b", "a.b.c", "a.x.c", "c"];

type Op =
  | { readonly op: "create"; readonly group: string }
  | { readonly op: "delete"; readonly group: string }
  | {
      readonly op: "join";
      readonly group: string;
      readonly actor: string;
      readonly topics: string[] | undefined;
    }
  | { readonly op: "leave"; readonly group: string; readonly actor: string }
  | { readonly op: "publish"; readonly group: string; readonly topic: string | undefined }
  | { readonly op: "toggle"; readonly actor: string };

const group = fc.constantFrom(...GROUPS);
const actor = fc.constantFrom(...ACTORS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant("create" as const), group }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), group }) },
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
      topic: fc.option(fc.constantFrom(...TOPICS), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("toggle" as const), actor }) },
);

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
      case "publish": {
        const members = this.groups.get(step.group);
        if (members === undefined) return "GROUP_NOT_FOUND";
        for (const [id, member] of members) {
          const topic = step.topic?.split(".");
          const hit =
            topic === undefined ||
            member.topics === "all" ||
            [...member.topics].some((p) => matches(p.split("."), topic));
          if (hit) this.received.get(id)!.push(message);
        }
        return null;
      }
      case "toggle":
        if (this.alive.delete(step.actor)) {
          for (const members of this.groups.values()) members.delete(step.actor);
        } else this.alive.add(step.actor);
        return null;
    }
  }
}

/** The real system's side of one run: a fresh scope, one live ref per actor id. */
class Real {
  readonly received = new Map(ACTORS.map((id) => [id, [] as unknown[]]));
  readonly refs = new Map<string, ActorRef>();
  constructor(
    readonly spawn: (id: string, into: unknown[]) => ActorRef,
    readonly groups: ProcessGroups,
  ) {
    for (const id of ACTORS) this.refs.set(id, spawn(id, this.received.get(id)!));
  }

  async apply(step: Op, message: unknown): Promise<string | null> {
    try {
      switch (step.op) {
        case "create":
          await this.groups.createGroup(step.group);
          break;
        case "delete":
          await this.groups.deleteGroup(step.group);
          break;
        case "join":
          await this.groups.joinGroup(
            step.group,
            this.refs.get(step.actor)!,
            step.topics === undefined ? {} : { topics: step.topics },
          );
          break;
        case "leave":
          await this.groups.leaveGroup(step.group, this.refs.get(step.actor)!);
          break;
        case "publish":
          await this.groups.publishToGroup(
            step.group,
            message,
            step.topic === undefined ? {} : { topic: step.topic },
          );
          break;
        case "toggle": {
          const ref = this.refs.get(step.actor)!;
          if (ref.isStopped)
            this.refs.set(step.actor, this.spawn(step.actor, this.received.get(step.actor)!));
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
}

async function compare(model: Model, real: Real, where: string): Promise<void> {
  const page = await real.groups.listGroups({ pageSize: 1_000 });
  assert.deepEqual(
    page.groups.map((g) => [g.name, g.memberCount]),
    [...model.groups.entries()].map(([name, members]) => [name, members.size]).sort(),
    `${where}: groups and counts`,
  );
  for (const [name, members] of model.groups) {
    assert.deepEqual(
      (await real.groups.getMembers(name)).sort(),
      [...members.keys()].sort(),
      `${where}: members of ${name}`,
    );
  }
  assert.deepEqual(real.received, model.received, `${where}: deliveries`);
}

describe("the process groups, against a reference model", () => {
  it("agree on outcomes, members, counts and deliveries over random operation sequences", async () => {
    await using system = newSystem();
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 80, size: "max" }), async (ops) => {
        const scope = freshScope("model");
        const spawn = (id: string, into: unknown[]) =>
          system.spawn({ id, ...scope, mailbox: { capacity: 10_000 } }, (message: unknown) => {
            into.push(message);
          });
        const model = new Model();
        const real = new Real(spawn, system.groups(scope));
        for (const [i, step] of ops.entries()) {
          const message = `m${i}`;
          const where = `step ${i} ${JSON.stringify(step)}`;
          assert.equal(await real.apply(step, message), model.apply(step, message), `${where}: outcome`);
          await compare(model, real, where);
        }
        for (const ref of real.refs.values()) await ref.stop();
      }),
      { numRuns: 200 },
    );
  });
});
