/**
 * What the server publishes: the client's payload in an envelope that names its
 * publisher and that publisher's number for the group, so a member can see a gap (a
 * message its mailbox dropped, one lost between nodes, or one of a topic it does not
 * receive). Members that are not server clients get the envelope as the message.
 */

export interface Envelope {
  readonly "@chorus": 1;
  readonly payload: unknown;
  /** `<actor id>@<node id>` for a WebSocket client, `rest@<node id>` for REST. */
  readonly from: string;
  /** The publisher's count of its messages to this group, from 1. */
  readonly seq: number;
}

export function isEnvelope(message: unknown): message is Envelope {
  return (
    typeof message === "object" && message !== null && (message as { "@chorus"?: unknown })["@chorus"] === 1
  );
}

/** One publisher's numbers, one count per group it published to. */
export class Sequencer {
  readonly #next = new Map<string, number>();

  constructor(readonly publisher: string) {}

  envelope(scopeKey: string, group: string, payload: unknown): Envelope {
    const key = `${scopeKey}\n${group}`;
    const seq = (this.#next.get(key) ?? 0) + 1;
    this.#next.set(key, seq);
    return { "@chorus": 1, payload, from: this.publisher, seq };
  }
}
