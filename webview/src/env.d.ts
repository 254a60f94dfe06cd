// Ambient declarations for the webview bundle: esbuild loads .css as text, and VS Code
// injects acquireVsCodeApi into the page.
declare module '*.css' {
  const text: string;
  export default text;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// Prompt texts shared with the host are Markdown files built in as text.
declare module '*.md' {
  const text: string;
  export default text;
}
