// Element construction for the views. Data only ever becomes text nodes here: there is no
// path from a string argument to HTML parsing, so model output cannot inject markup.

export type Child = Node | string | null | undefined | false;

export interface ElOptions {
  class?: string | (string | false | null | undefined)[];
  testid?: string;
  /** Attributes set with setAttribute (never event handlers or inline styles). */
  attrs?: Record<string, string | number | boolean | undefined>;
  text?: string;
  title?: string;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, opts: ElOptions = {}, children: Child[] = []): HTMLElementTagNameMap[K] {
  return decorate(document.createElement(tag), opts, children);
}

/** A custom element (e.g. a vscode-elements control) created the same safe way. */
export function custom<T extends HTMLElement = HTMLElement>(tag: string, opts: ElOptions = {}, children: Child[] = []): T {
  return decorate(document.createElement(tag) as T, opts, children);
}

function decorate<T extends HTMLElement>(node: T, opts: ElOptions, children: Child[]): T {
  const cls = Array.isArray(opts.class) ? opts.class.filter(Boolean).join(' ') : opts.class;
  if (cls) node.className = cls;
  if (opts.testid) node.dataset.testid = opts.testid;
  if (opts.title) node.title = opts.title;
  if (opts.attrs) {
    for (const [k, v] of Object.entries(opts.attrs)) {
      if (v === undefined || v === false) continue;
      if (/^on/i.test(k) || k === 'style') throw new Error(`refusing attribute ${k}`);
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  if (opts.text !== undefined) node.textContent = opts.text;
  append(node, children);
  return node;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function formatNumber(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return String(v);
  const r = Math.round(v * 10 ** digits) / 10 ** digits;
  return Object.is(r, -0) ? '0' : String(r);
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
