// Lifetime management in the style of vscode-hexeditor: everything an object starts (listeners,
// watchers, child objects) is handed to `_register` and torn down with it. Structural types
// only, so modules built on this stay loadable without the `vscode` runtime (unit tests).

export interface IDisposable {
  dispose(): void;
}

export function disposeAll(disposables: IDisposable[]): void {
  // Reverse order: later registrations may depend on earlier ones.
  while (disposables.length) {
    const d = disposables.pop();
    try {
      d?.dispose();
    } catch {
      // One failing disposer must not keep the rest alive.
    }
  }
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}

export abstract class Disposable implements IDisposable {
  private _isDisposed = false;
  protected readonly _disposables: IDisposable[] = [];

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    disposeAll(this._disposables);
  }

  protected _register<T extends IDisposable>(value: T): T {
    if (this._isDisposed) value.dispose();
    else this._disposables.push(value);
    return value;
  }

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }
}

/** Holds at most one disposable; replacing it disposes the previous one (newest wins). */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
  private _value: T | undefined;

  get value(): T | undefined {
    return this._value;
  }

  set value(value: T | undefined) {
    if (this._value === value) return;
    this._value?.dispose();
    this._value = value;
  }

  dispose(): void {
    this.value = undefined;
  }
}
