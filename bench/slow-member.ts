/**
 * A slow member: a group of 1 000 where one member's behaviour never keeps up (each
 * message waits on a timer), against the same group with no slow member. Units are
 * deliveries handled by the 999 others; the ratio says how much of their rate is left
 * when the slow one is there (1 = unaffected). The slow member's bounded mailbox fills
 * and drops, as its overflow policy says, instead of stalling anyone.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { chorusSystem, SCOPE, spawnCounters } from "./chorus.js";
import { type BenchOptions, type CaseResult, type Contender, runCase, Tally } from "./harness.js";

const SIZE = 1_000;

function group(name: string, slow: boolean, publishes: number): Contender {
  return {
    name,
    async setup() {
      const tally = new Tally();
      const { system, groups } = await chorusSystem("g");
      const fast = spawnCounters(system, SIZE - 1, tally);
      const last = slow
        ? system.spawn({ id: "slow", ...SCOPE, mailbox: { capacity: 64, overflow: "drop-newest" } }, () =>
            sleep(1),
          )
        : system.spawn({ id: "last", ...SCOPE }, () => undefined);
      for (const actor of [...fast, last]) await groups.joinGroup("g", actor);
      return {
        async run() {
          for (let p = 0; p < publishes; p++) await groups.publishToGroup("g", p);
          if (slow && last.droppedCount === 0) throw new Error("the slow member never fell behind");
          return tally.take();
        },
        close: () => system.shutdown(),
      };
    },
  };
}

export async function slowMember(options: BenchOptions): Promise<CaseResult[]> {
  const publishes = options.quick ? 200 : 20_000;
  return [
    await runCase(
      "slow member",
      `${SIZE} members, one of them slow`,
      "deliveries/s to the others",
      (SIZE - 1) * publishes,
      [group("chorus, one slow member", true, publishes), group("chorus, no slow member", false, publishes)],
      options,
    ),
  ];
}
