/**
 * The peers a user would pick instead of Chorus, each set up to do the same fan-out:
 * N subscribers to one event, topic or room, each a function of its own that counts
 * what it handled in a shared tally. Setting a peer up is not timed; only `run` is.
 */
import { EventEmitter as NodeEmitter } from "node:events";
import { EventEmitter as EventEmitter3 } from "eventemitter3";
import mqemitter from "mqemitter";
import { Adapter } from "socket.io-adapter";
import { EventEmitter as Tseep } from "tseep";
import { type Contender, Tally } from "./harness.js";

type Listener = (message: unknown) => void;

function listeners(n: number, tally: Tally): Listener[] {
  const list: Listener[] = [];
  for (let i = 0; i < n; i++) {
    list.push(() => {
      tally.count++;
    });
  }
  return list;
}

/** The floor: a bare array of functions, called in a loop. */
export function plainLoop(n: number, publishes: number): Contender {
  return {
    name: "plain loop",
    setup() {
      const tally = new Tally();
      const fns = listeners(n, tally);
      return {
        run() {
          for (let p = 0; p < publishes; p++) {
            const message = { p };
            for (let i = 0; i < fns.length; i++) fns[i]!(message);
          }
          return tally.take();
        },
      };
    },
  };
}

interface Emitter {
  on(event: string, listener: Listener): unknown;
  emit(event: string, message: unknown): boolean;
}

function emitter(name: string, make: () => Emitter, n: number, publishes: number): Contender {
  return {
    name,
    setup() {
      const tally = new Tally();
      const ee = make();
      for (const fn of listeners(n, tally)) ee.on("message", fn);
      return {
        run() {
          for (let p = 0; p < publishes; p++) ee.emit("message", { p });
          return tally.take();
        },
      };
    },
  };
}

export function nodeEvents(n: number, publishes: number): Contender {
  return emitter(
    "node:events",
    () => {
      const ee = new NodeEmitter();
      ee.setMaxListeners(0);
      return ee;
    },
    n,
    publishes,
  );
}

export function eventEmitter3(n: number, publishes: number): Contender {
  return emitter("eventemitter3", () => new EventEmitter3(), n, publishes);
}

export function tseep(n: number, publishes: number): Contender {
  return emitter("tseep", () => new Tseep() as unknown as Emitter, n, publishes);
}

/** mqemitter: N subscriptions on one topic; each listener calls its `done`. */
export function mqEmitter(n: number, publishes: number): Contender {
  return {
    name: "mqemitter",
    setup() {
      const tally = new Tally();
      const mq = mqemitter();
      for (let i = 0; i < n; i++) {
        mq.on("message", (_message, done) => {
          tally.count++;
          done();
        });
      }
      return {
        async run() {
          for (let p = 0; p < publishes; p++) {
            // Listeners complete synchronously, so each emit has finished when it returns;
            // waiting on its callback is what a caller of mqemitter does.
            await new Promise<void>((resolve, reject) =>
              mq.emit({ topic: "message", p }, (error) => (error ? reject(error) : resolve())),
            );
          }
          return tally.take();
        },
        close: () => new Promise<void>((resolve) => mq.close(resolve)),
      };
    },
  };
}

/**
 * socket.io-adapter's in-memory adapter: a room of N sockets and `broadcast`. The
 * namespace and sockets are the minimum the adapter touches; each socket's
 * `writeToEngine` counts. The encoder returns the packet as is, the cheapest a
 * server could do, so the adapter is measured and not a serialiser.
 */
export function socketIoAdapter(n: number, publishes: number): Contender {
  return {
    name: "socket.io-adapter",
    setup() {
      const tally = new Tally();
      const sockets = new Map<string, { id: string; client: { writeToEngine: Listener } }>();
      const nsp = { name: "/", server: { encoder: { encode: (packet: unknown) => [packet] } }, sockets };
      const adapter = new Adapter(nsp);
      const room = new Set(["room"]);
      const fns = listeners(n, tally);
      for (let i = 0; i < n; i++) {
        const id = `s${i}`;
        sockets.set(id, { id, client: { writeToEngine: fns[i]! } });
        void adapter.addAll(id, room);
      }
      const options = { rooms: room };
      return {
        run() {
          for (let p = 0; p < publishes; p++) adapter.broadcast({ type: 2, data: ["message", p] }, options);
          return tally.take();
        },
      };
    },
  };
}
