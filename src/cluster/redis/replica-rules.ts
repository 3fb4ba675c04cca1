/**
 * The rules a scope's view follows, as pure functions: no I/O, no state of their own.
 * replica.ts does the reading and subscribing and asks these what to do.
 *
 * - An event of the view's scope epoch is the next change (apply it), one already
 *   applied or covered by the snapshot (skip it), or past a lost one (resync).
 * - An event of another epoch: an older one is late news (skip); a newer one means the
 *   scope's keys were made anew (resync).
 * - A snapshot replaces the view, never merges: a group whose epoch changed while the
 *   view was not listening was deleted and re-created, so its old state goes first.
 */
import type { ChangeEvent } from "./wire.js";

export type Verdict = "apply" | "skip" | "resync";

/** What to do with `event` in a view at `cursor` of scope epoch `epoch`. */
export function judgeEvent(event: ChangeEvent, epoch: string, cursor: number): Verdict {
  if (event.e !== epoch) return isOlderEpoch(event.e, epoch) ? "skip" : "resync";
  if (event.s <= cursor) return "skip";
  return event.s === cursor + 1 ? "apply" : "resync";
}

/** Epochs are Redis TIME in µs as decimal strings: longer or larger is newer. */
function isOlderEpoch(a: string, b: string): boolean {
  return a.length === b.length ? a < b : a.length < b.length;
}

/** Of the groups a view showed (name → epoch), what a snapshot that shows `next` ends. */
export function endedGroups(
  shown: ReadonlyMap<string, string>,
  next: ReadonlyMap<string, string>,
): { readonly recreated: string[]; readonly gone: string[] } {
  const recreated: string[] = [];
  const gone: string[] = [];
  for (const [name, epoch] of shown) {
    const now = next.get(name);
    if (now === epoch) continue;
    gone.push(name); // deleted, or re-created: its channel and its old members end
    if (now !== undefined) recreated.push(name);
  }
  return { recreated, gone };
}
