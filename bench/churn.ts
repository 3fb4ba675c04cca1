/**
 * Membership churn: 1 000 000 joins then 1 000 000 leaves, over 10 000 groups and in
 * one group, against a bare Map<group, Set<member>> (also behind an awaited promise, as
 * Chorus's API is), socket.io-adapter and qlobber.
 * Units are operations (a join or a leave). Chorus is driven through the public API
 * and awaits each call, as a caller would.
 */
import { type BenchOptions, type CaseResult, type Contender, runCase } from "./harness.js";
import { CHURN_STORES, type Plan, plan, SHAPES, type StoreKind, store } from "./membership-plan.js";

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
        CHURN_STORES.map((kind) => contender(kind, p)),
        options,
      ),
    );
  }
  return results;
}
