/**
 * Reads the SNAPSHOT script's reply (scripts.ts) into a Snapshot: groups with their
 * epochs and metadata, every membership row, the nodes that re-asserted into the
 * current store, and the grace left. Parsed once here, at the edge.
 */
import type { MembershipRecord } from "../../groups/remote-changes.js";
import { list, pairs, text } from "./connection.js";
import type { KnownGroup, Snapshot } from "./replica.js";
import { parseLabels, splitTopics } from "./wire.js";

export function parseSnapshot(reply: readonly unknown[]): Snapshot {
  const groups: KnownGroup[] = pairs(reply[2]).map(([name, row]) => {
    const [epoch = "", createdAtMs = "0", ...labels] = row.split("\n");
    return {
      epoch,
      record: { name, labels: parseLabels(labels.join("\n")), createdAtMs: Number(createdAtMs) },
    };
  });
  const members: MembershipRecord[] = [];
  const perGroup = list(reply[3]);
  groups.forEach((g, i) => {
    for (const [field, value] of pairs(perGroup[i] ?? [])) {
      const [nodeId = "", actorId = ""] = field.split("\n");
      const [, count = "0", topics = "", meta = ""] = value.split("\n");
      members.push({
        group: g.record.name,
        actorId,
        nodeId,
        count: Number(count),
        topics: splitTopics(topics),
        meta,
      });
    }
  });
  return {
    epoch: text(reply[0]),
    seq: Number(reply[1] ?? 0),
    groups,
    members,
    reasserted: new Set(list(reply[4]).map(text)),
    graceLeftMs: Number(reply[5] ?? 0),
  };
}
