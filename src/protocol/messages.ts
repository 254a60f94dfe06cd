// The rollout views' messages in one place for the code that serves or speaks all of them (the
// webview's app is the rollout view and the live-run view; the host's RPC server): each view's
// own protocol is its module — rolloutView.ts, liveRun.ts, runForm.ts, compareView.ts,
// labView.ts — over the envelope in envelope.ts.

import type { EventOf, RequestOf, ResponseMessage } from './envelope';
import type { LiveRunEvents, LiveRunMethods } from './liveRun';

export * from '../core/viewTypes';
export type { MethodMap, RequestOf, ResponseMessage, EventOf } from './envelope';
export type { RolloutViewMethods, LabelMethods, EditorRolloutMethods, RolloutViewEvents } from './rolloutView';
export type { LiveRunMethods, LiveRunEvents } from './liveRun';
export * from './runForm';

/** The widest rollout-view protocol (the live run's): what the webview's app may ask. */
export type HostMethods = LiveRunMethods;
export type HostMethod = keyof HostMethods;
export type WebviewEvents = LiveRunEvents;
export type WebviewEvent = keyof WebviewEvents;

export type WebviewToHost = RequestOf<HostMethods>;
export type HostToWebview = ResponseMessage | EventOf<WebviewEvents>;
