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

export type Listener = (message: unknown) => void;

/** N subscribers' functions, and how many messages they handled since the last `take`. */
interface Counters {
  readonly fns: Listener[];
  take(): number;
}

/**
 * The shape of a fan-out: how its subscribers count, and whether each publish makes a
 * new message. The suite's first shape counts in one shared object's field and builds
 * a message per publish; the second keeps a counter in each subscriber's closure and
 * publishes one message object again and again.
 */
export interface Shape {
  /** Said after the case's name; "" for the first shape. */
  readonly label: string;
  readonly reusesMessage: boolean;
  counters(n: number): Counters;
}

export const SHARED_TALLY: Shape = {
  label: "",
  reusesMessage: false,
  counters(n) {
    const tally = new Tally();
    return { fns: listeners(n, tally), take: () => tally.take() };
  },
};

export const CLOSURE_COUNTERS: Shape = {
  label: ", counters in closures, one message reused",
  reusesMessage: true,
  counters(n) {
    const fns: Listener[] = [];
    const reads: (() => number)[] = [];
    for (let i = 0; i < n; i++) {
      let count = 0;
      fns.push(() => {
        count++;
      });
      reads.push(() => {
        const handled = count;
        count = 0;
        return handled;
      });
    }
    return { fns, take: () => reads.reduce((sum, read) => sum + read(), 0) };
  },
};

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
export function plainLoop(n: number, publishes: number, shape = SHARED_TALLY): Contender {
  return {
    name: "plain loop",
    setup() {
      const { fns, take } = shape.counters(n);
      const reused = { p: 0 };
      return {
        run() {
          for (let p = 0; p < publishes; p++) {
            const message = shape.reusesMessage ? reused : { p };
            for (let i = 0; i < fns.length; i++) fns[i]!(message);
          }
          return take();
        },
      };
    },
  };
}

interface Emitter {
  on(event: string, listener: Listener): unknown;
  emit(event: string, message: unknown): boolean;
}

function emitter(name: string, make: () => Emitter, n: number, publishes: number, shape: Shape): Contender {
  return {
    name,
    setup() {
      const { fns, take } = shape.counters(n);
      const ee = make();
      for (const fn of fns) ee.on("message", fn);
      const reused = { p: 0 };
      return {
        run() {
          for (let p = 0; p < publishes; p++) ee.emit("message", shape.reusesMessage ? reused : { p });
          return take();
        },
      };
    },
  };
}

export function nodeEvents(n: number, publishes: number, shape = SHARED_TALLY): Contender {
  return emitter(
    "node:events",
    () => {
      const ee = new NodeEmitter();
      ee.setMaxListeners(0);
      return ee;
    },
    n,
    publishes,
    shape,
  );
}

export function eventEmitter3(n: number, publishes: number, shape = SHARED_TALLY): Contender {
  return emitter("eventemitter3", () => new EventEmitter3(), n, publishes, shape);
}

export function tseep(n: number, publishes: number, shape = SHARED_TALLY): Contender {
  return emitter("tseep", () => new Tseep() as unknown as Emitter, n, publishes, shape);
}

/** mqemitter: N subscriptions on one topic; each listener calls its `done`. */
export function mqEmitter(n: number, publishes: number, shape = SHARED_TALLY): Contender {
  return {
    name: "mqemitter",
    setup() {
      const { fns, take } = shape.counters(n);
      const mq = mqemitter();
      for (const fn of fns) {
        mq.on("message", (message, done) => {
          fn(message);
          done();
        });
      }
      const reused = { topic: "message", p: 0 };
      return {
        async run() {
          for (let p = 0; p < publishes; p++) {
            // Listeners complete synchronously, so each emit has finished when it returns;
            // waiting on its callback is what a caller of mqemitter does.
            const message = shape.reusesMessage ? reused : { topic: "message", p };
            await new Promise<void>((resolve, reject) =>
              mq.emit(message, (error) => (error ? reject(error) : resolve())),
            );
          }
          return take();
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
export function socketIoAdapter(n: number, publishes: number, shape = SHARED_TALLY): Contender {
  return {
    name: "socket.io-adapter",
    setup() {
      const sockets = new Map<string, { id: string; client: { writeToEngine: Listener } }>();
      const nsp = { name: "/", server: { encoder: { encode: (packet: unknown) => [packet] } }, sockets };
      const adapter = new Adapter(nsp);
      const room = new Set(["room"]);
      const { fns, take } = shape.counters(n);
      for (let i = 0; i < n; i++) {
        const id = `s${i}`;
        sockets.set(id, { id, client: { writeToEngine: fns[i]! } });
        void adapter.addAll(id, room);
      }
      const options = { rooms: room };
      const reused = { type: 2, data: ["message", 0] };
      return {
        run() {
          for (let p = 0; p < publishes; p++) {
            adapter.broadcast(shape.reusesMessage ? reused : { type: 2, data: ["message", p] }, options);
          }
          return take();
        },
      };
    },
  };
}
