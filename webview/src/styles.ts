// Styles arrive as text (esbuild's css loader) and are applied as constructable stylesheets,
// which a nonce-only CSP allows without 'unsafe-inline'.

export function adoptStyles(...texts: string[]): void {
  const sheets = texts.map((t) => {
    const s = new CSSStyleSheet();
    s.replaceSync(t);
    return s;
  });
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...sheets];
}
