// Markdown files (judge templates, prompts) are imported as their text: esbuild's text loader in
// the bundles, scripts/register-text.cjs under tsx.
declare module '*.md' {
  const text: string;
  export default text;
}
