// Marks on the way to the first screen (the script running, each init and page reply, the table
// shown), which bench:editor reads to say where the time to the first row went. Capped: the page
// keeps user-timing entries for its whole life, and a table scrolled for an hour asks for
// thousands of pages.

const MAX_MARKS = 50;
let marks = 0;

export function mark(name: 'boot' | 'init' | 'rows' | 'shown', detail?: number): void {
  if (marks >= MAX_MARKS) return;
  marks++;
  performance.mark(`omnitrace:${name}`, detail === undefined ? undefined : { detail });
}
