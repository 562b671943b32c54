import type { Socket } from 'node:net';

/**
 * Connections the sandbox deliberately leaves unanswered (faults `timeout` and `drop`): kept open
 * until the client gives up or `holdMsMax` passes, and destroyed all at once on close so that
 * shutting the sandbox down never waits for a client's patience.
 */
export class HeldConnections {
  readonly #held = new Map<Socket, NodeJS.Timeout>();

  constructor(private readonly holdMsMax: number) {}

  hold(socket: Socket): void {
    if (socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), this.holdMsMax);
    this.#held.set(socket, timer);
    socket.once('close', () => {
      clearTimeout(timer);
      this.#held.delete(socket);
    });
  }

  get size(): number {
    return this.#held.size;
  }

  destroyAll(): void {
    for (const [socket, timer] of this.#held) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.#held.clear();
  }
}
