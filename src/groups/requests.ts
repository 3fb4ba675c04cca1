/**
 * Group requests beyond broadcast, the same for every handle once its view is ready:
 * `askGroup` (scatter/gather), `dispatch` and `pick` (one member by strategy). The
 * core finds the addressed members (topic and `exclude`, as for a publish); this module
 * asks, chooses and retries through their MemberRefs, so local and remote members take
 * the same path.
 */
import type { MemberRef } from "../actors/member-ref.js";
import { checkAsk } from "../actors/runtime.js";
import {
  ActorNotFoundError,
  GroupEmptyError,
  InvalidArgumentError,
  MailboxFullError,
  ProcessGroupError,
} from "../errors.js";
import { type Scope, validateMessage } from "../names.js";
import { signalOf } from "./arguments.js";
import type { Group } from "./group.js";
import type {
  AskGroupOptions,
  DispatchOptions,
  DispatchStrategy,
  GroupReplies,
  GroupReply,
  NoReply,
} from "./process-groups.js";
import type { ScopeGroups } from "./scope-groups.js";

const STRATEGIES: readonly DispatchStrategy[] = ["round-robin", "random", "local-first"];

/** Checks that a message can reach remote members (JSON, size); throws the typed error if not. */
export type TravelCheck = (message: unknown, to: MemberRef) => void;

/** Asks every addressed member and gathers the answers; see ProcessGroups.askGroup. */
export async function askGroup(
  core: ScopeGroups,
  name: unknown,
  message: unknown,
  options: AskGroupOptions | undefined,
  travels?: TravelCheck,
): Promise<GroupReplies> {
  const signal = signalOf(options, "askGroup");
  validateMessage(message);
  const { timeoutMs } = checkAsk(options);
  const { refs } = core.addressed(name, options, "askGroup");
  checkTravel(refs, message, travels);
  const outcomes: (GroupReply | NoReply)[] = new Array(refs.length);
  await Promise.all(
    refs.map((member, i) =>
      member.ask(message, signal === undefined ? { timeoutMs } : { timeoutMs, signal }).then(
        (reply) => {
          outcomes[i] = { member, reply };
        },
        (error: unknown) => {
          outcomes[i] = { member, error: asProcessGroupError(error) };
        },
      ),
    ),
  );
  if (signal?.aborted) throw signal.reason;
  const replies: GroupReply[] = [];
  const missing: NoReply[] = [];
  for (const outcome of outcomes) {
    if ("error" in outcome) missing.push(outcome);
    else replies.push(outcome);
  }
  return { replies, missing };
}

/** One addressed member by strategy; see ProcessGroups.pick. */
export function pick(core: ScopeGroups, name: unknown, options: DispatchOptions | undefined): MemberRef {
  signalOf(options, "pick");
  const strategy = strategyOf(options);
  const { group, refs } = core.addressed(name, options, "pick");
  return inTurn(core.scope, group, refs, strategy, options?.topic)[0]!;
}

/** Sends to one addressed member, passing over those that are gone or full; see ProcessGroups.dispatch. */
export async function dispatch(
  core: ScopeGroups,
  name: unknown,
  message: unknown,
  options: DispatchOptions | undefined,
  travels?: TravelCheck,
): Promise<MemberRef> {
  signalOf(options, "dispatch");
  validateMessage(message);
  const strategy = strategyOf(options);
  const { group, refs } = core.addressed(name, options, "dispatch");
  const candidates = inTurn(core.scope, group, refs, strategy, options?.topic);
  checkTravel(candidates, message, travels);
  let last: unknown;
  for (const member of candidates) {
    try {
      await member.send(message);
      return member;
    } catch (error) {
      // Gone or full: the next member may take it. Anything else is no member's fault.
      if (!(error instanceof ActorNotFoundError || error instanceof MailboxFullError)) throw error;
      last = error;
    }
  }
  throw last;
}

function strategyOf(options: DispatchOptions | undefined): DispatchStrategy {
  const strategy = options?.strategy ?? "round-robin";
  if (!STRATEGIES.includes(strategy)) {
    throw new InvalidArgumentError("strategy", `must be one of ${STRATEGIES.join(", ")}`);
  }
  return strategy;
}

// The candidates in the order the strategy tries them; GroupEmptyError when there are none.
function inTurn(
  scope: Scope,
  group: Group,
  refs: MemberRef[],
  strategy: DispatchStrategy,
  topic: string | undefined,
): MemberRef[] {
  if (refs.length === 0) throw new GroupEmptyError(group.name, scope, topic);
  if (strategy === "random") return shuffled(refs);
  if (strategy === "round-robin") return rotated(refs, group.turn++);
  const local = refs.filter((ref) => ref.isLocal);
  const remote = shuffled(refs.filter((ref) => !ref.isLocal));
  return local.length === 0 ? remote : [...rotated(local, group.turn++), ...remote];
}

function rotated<T>(items: readonly T[], turn: number): T[] {
  const start = turn % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

// A message for remote members is checked once, before any member gets it.
function checkTravel(refs: readonly MemberRef[], message: unknown, travels: TravelCheck | undefined): void {
  if (travels === undefined) return;
  const remote = refs.find((ref) => !ref.isLocal);
  if (remote !== undefined) travels(message, remote);
}

function asProcessGroupError(error: unknown): ProcessGroupError {
  if (error instanceof ProcessGroupError) return error;
  return new ProcessGroupError("ASK_FAILED", String(error), { cause: error });
}
