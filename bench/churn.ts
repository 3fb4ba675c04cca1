/**
 * Membership churn: 1 000 000 joins then 1 000 000 leaves, over 10 000 groups and in
 * one group, against a bare Map<group, Set<member>> (also behind an awaited promise, as
 * Chorus's API is), socket.io-adapter and qlobber.
 * Units are operations (a join or a leave). Chorus is driven through the public API
 * and awaits each call, as a caller would; over 10 000 groups, where each actor joins
 * ten, it also runs with each actor's joins and leaves made in one call (joinGroups).
 */

import { chorusSystem, SCOPE } from "./chorus.js";
import { type BenchOptions, type CaseResult, type Contender, runCase } from "./harness.js";
import {
  CHURN_STORES,
  groupsOfActor,
  type Plan,
  plan,
  SHAPES,
  type StoreKind,
  store,
} from "./membership-plan.js";

/** The name of the contender that joins each actor's groups in one call. */
export const BATCHED = "chorus, joinGroups";

function contender(kind: StoreKind, p: Plan): Contender {
  return {
    name: kind,
    async setup() {
      const s = await store(kind, p);
      return {
        async run() {
          let ops = 0;
          for (let k = 0; k < p.memberships; k++, ops++) {
            const pending = s.join(k);
            if (pending !== undefined) await pending;
          }
          if (s.size === 0) throw new Error(`${kind} holds no membership after the joins`);
          for (let k = 0; k < p.memberships; k++, ops++) {
            const pending = s.leave(k);
            if (pending !== undefined) await pending;
          }
          return ops;
        },
        close: () => s.close(),
      };
    },
  };
}

/**
 * Chorus with each actor's joins (and leaves) made in one call, `joinGroups`: the
 * same memberships, one awaited promise per actor instead of one per membership.
 */
function chorusBatched(p: Plan): Contender {
  return {
    name: BATCHED,
    async setup() {
      const names = Array.from({ length: p.groups }, (_, g) => `group-${g}`);
      const { system, groups } = await chorusSystem(names[0]!);
      for (let g = 1; g < p.groups; g++) await groups.createGroup(names[g]!);
      const actors = Array.from({ length: p.actors }, (_, a) =>
        system.spawn({ id: `member-${a}`, ...SCOPE }, () => undefined),
      );
      const namesOf = actors.map((_, a) => groupsOfActor(p, a).map((g) => names[g]!));
      return {
        async run() {
          let ops = 0;
          for (let a = 0; a < actors.length; a++) {
            await groups.joinGroups(namesOf[a]!, actors[a]!);
            ops += namesOf[a]!.length;
          }
          if ((await groups.getGroup(names[0]!)).memberCount === 0)
            throw new Error("no membership after the joins");
          for (let a = 0; a < actors.length; a++) {
            await groups.leaveGroups(namesOf[a]!, actors[a]!);
            ops += namesOf[a]!.length;
          }
          return ops;
        },
        close: () => system.shutdown(),
      };
    },
  };
}

export async function churn(options: BenchOptions): Promise<CaseResult[]> {
  const memberships = options.quick ? 20_000 : 1_000_000;
  const results: CaseResult[] = [];
  for (const shape of SHAPES) {
    const p = plan(shape, memberships);
    results.push(
      await runCase(
        "membership churn",
        `${memberships} joins and leaves, ${shape}`,
        "ops/s",
        2 * memberships,
        [
          ...CHURN_STORES.map((kind) => contender(kind, p)),
          // Where each actor joins several groups, also the path made for that.
          ...(p.actors < p.memberships ? [chorusBatched(p)] : []),
        ],
        options,
      ),
    );
  }
  return results;
}
