// The envelope every view's messages share: requests carry an id and get exactly one response,
// success or error; events flow from the host once the view has asked for its state.

/** A protocol's requests: method → params and result. */
export type MethodMap<T> = { [M in keyof T]: { params: unknown; result: unknown } };

export type RequestOf<T extends MethodMap<T>> = { [M in keyof T]: { type: 'request'; id: number; method: M; params: T[M]['params'] } }[keyof T];

export type ResponseMessage = { type: 'response'; id: number; ok: true; result: unknown } | { type: 'response'; id: number; ok: false; error: string };

export type EventOf<E> = { [K in keyof E]: { type: 'event'; event: K; data: E[K] } }[keyof E];
