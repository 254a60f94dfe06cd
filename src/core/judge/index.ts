// The LLM judge's public surface (core side; the HTTP client is src/models/openaiChat.ts).
// Node-only (crypto, fs): import from the extension host or the CLI, never from the webview.
// The pure types a view needs are in ./types.

export * from './types';
export { parseTemplate, renderTemplate, describeScale, sha256Hex, TemplateError, TEMPLATE_VARIABLES, type JudgeTemplate, type ParseMode } from './template';
export { BUILTIN_TEMPLATE_TEXT, DEFAULT_TEMPLATE_FOR, builtinTemplates } from './builtinTemplates';
export { loadTemplateLibrary, templatesForRewards } from './loadTemplates';
export { parseReply, type ParsedReply } from './parse';
export { JudgeCache, judgeCacheKey, type CacheEntry, type CacheKeyParts } from './cache';
export { judgeTasksFor, judgeVariables, needsJudgedAccuracy, type JudgeTask, type TaskOrResult } from './items';
export { JudgeRunner, backoffDelay, sleep, type JudgeRunnerOptions, type JudgeStats, type JudgeEvent, type JudgeProgress } from './runner';
