/**
 * Seals: the end of a deleted group's message stream, on one node.
 *
 * Messages and change events travel on different connections, so the event of a
 * group's deletion may arrive before the last messages published to it, or after. The
 * delete script publishes a seal on the group's message channel before the event; the
 * replica keeps the deleted group's last state (a tombstone) for its local members
 * until the seal arrives, so what was published before the delete is still delivered,
 * and a seal that arrives first stops deliveries at once. Only a group with local
 * members is listened to, so only such a group's seal will come.
 */
import type { Group } from "../../groups/group.js";
import type { GroupName } from "../../names.js";

export class Seals {
  // Deleted groups whose seal has not arrived yet: they still receive what came before it.
  readonly #tombstones = new Map<GroupName, Group>();
  // Seals that arrived before their group's deletion event.
  readonly #sealed = new Set<GroupName>();

  /**
   * The deletion event was applied; `removed` is the group as it was, if this node
   * showed it. True when its stream is still open: its channel must stay until the seal.
   */
  deleted(name: GroupName, removed: Group | undefined): boolean {
    const listened = removed !== undefined && removed.everyone().cells.length > 0;
    if (listened && !this.#sealed.delete(name)) {
      this.#tombstones.set(name, removed);
      return true;
    }
    this.#sealed.delete(name);
    return false;
  }

  /** The seal arrived; `isDeleted` when the deletion event came first. True when it ended a tombstone. */
  sealed(name: GroupName, isDeleted: boolean): boolean {
    if (this.#tombstones.delete(name)) return true;
    if (!isDeleted) this.#sealed.add(name);
    return false;
  }

  /**
   * Where a message for `name` goes when this node no longer shows the group: its
   * tombstone; null when the stream is sealed (deliver nothing); undefined for nowhere.
   */
  target(name: GroupName, shown: Group | undefined): Group | null | undefined {
    if (this.#sealed.size === 0 && this.#tombstones.size === 0) return shown;
    if (this.#sealed.has(name)) return null;
    return shown ?? this.#tombstones.get(name);
  }

  /** A snapshot replaced the view: nothing of the old streams is pending any more. */
  clear(): void {
    this.#tombstones.clear();
    this.#sealed.clear();
  }
}
