// Which stylesheets each view loads: every component has its own, over the shared variables in
// base.css, and a view adopts only the components it shows.

import base from './css/base.css';
import toolbar from './css/toolbar.css';
import chart from './css/chart.css';
import layout from './css/layout.css';
import table from './css/table.css';
import trace from './css/trace.css';
import media from './css/media.css';
import chips from './css/chips.css';
import judgeEvidence from './css/judgeEvidence.css';
import shortcuts from './css/shortcuts.css';
import runForm from './css/runForm.css';
import runStrip from './css/runStrip.css';
import labelBar from './css/labelBar.css';
import compare from './compare/compare.css';
import lab from './lab/lab.css';

/** The shared variables and the few classes every view uses (loading note, banner, badge). */
export const BASE_STYLE = base;

export const VIEW_STYLES = {
  rollouts: [toolbar, chart, layout, table, trace, media, chips, judgeEvidence, shortcuts, runStrip, labelBar],
  runForm: [media, runForm],
  compare: [chips, compare],
  lab: [lab],
} as const;
