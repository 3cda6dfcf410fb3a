import { fork, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ChildPlan } from './load-plan.js';
import type { FromChild, ToChild } from './ipc-messages.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./load-child.js', import.meta.url));

process.on('exit', () => ChildHandle.killAll());

type Reply<T extends FromChild['t']> = Extract<FromChild, { t: T }>;

/**
 * One load child seen from the coordinator: commands out, typed replies in
 * (a child answers its commands in order), sockets handed over by a victim
 * passed to `onSocket`. The coordinator only ever signals children through
 * this object, by their own PID.
 */
export class ChildHandle {
  /** Every child not yet known to have exited, so an exiting coordinator can end them all (a stopped one would never exit by itself). */
  private static readonly running = new Set<ChildHandle>();

  /** Ends every child still running; safe in a process 'exit' handler (signals are synchronous). */
  static killAll(): void {
    for (const c of ChildHandle.running) c.kill();
  }

  readonly process: ChildProcess;
  stopped = false;
  private readonly inbox: FromChild[] = [];
  private waiter: (() => void) | null = null;
  private exited = false;

  constructor(
    readonly plan: ChildPlan,
    onSocket: (connection: number, socket: net.Socket) => void,
  ) {
    this.process = fork(CHILD_SCRIPT, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    this.process.on('message', (msg: FromChild, handle: unknown) => {
      if (msg.t === 'socket') {
        onSocket(msg.connection, handle as net.Socket);
        return;
      }
      this.inbox.push(msg);
      this.waiter?.();
    });
    ChildHandle.running.add(this);
    this.process.on('exit', () => {
      ChildHandle.running.delete(this);
      this.exited = true;
      this.waiter?.();
    });
  }

  get pid(): number {
    const pid = this.process.pid;
    if (pid === undefined) throw new Error('load child has no pid');
    return pid;
  }

  send(msg: ToChild): void {
    this.process.send(msg);
  }

  /** The next message of type `t`, or an error after `timeoutMs` or if the child exits. */
  async next<T extends FromChild['t']>(t: T, timeoutMs: number): Promise<Reply<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.inbox.findIndex((m) => m.t === t);
      if (at >= 0) return this.inbox.splice(at, 1)[0] as Reply<T>;
      if (this.exited) throw new Error(`load child ${this.pid} exited while waiting for ${t}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`load child ${this.pid}: no ${t} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  async request<T extends FromChild['t']>(msg: ToChild, reply: T, timeoutMs: number): Promise<Reply<T>> {
    this.send(msg);
    return this.next(reply, timeoutMs);
  }

  signal(sig: NodeJS.Signals): void {
    if (!this.exited) this.process.kill(sig);
  }

  /** Ends the child: SIGCONT first if it was stopped, so none is ever left behind stopped, then SIGKILL. */
  kill(): void {
    if (this.exited) return;
    if (this.stopped) this.signal('SIGCONT');
    this.signal('SIGKILL');
  }
}
