// A tiny event emitter with VS Code's `Event` shape, so modules that must stay loadable without
// the `vscode` runtime (document model pieces, tests) can still expose `onDid…` events.

import type { IDisposable } from './dispose';

export type Listener<T> = (e: T) => unknown;
export type Event<T> = (listener: Listener<T>) => IDisposable;

export class Emitter<T> implements IDisposable {
  private listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // A failing listener must not stop the others (or the load that fired the event).
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
