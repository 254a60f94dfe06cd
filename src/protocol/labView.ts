// The judge lab view's protocol (a report shows a saved lab; the figures are computed by the
// service layer).

import type { CalibrationState, LabResult } from '../core/lab/lab';

export type LabData = LabResult & { calibration: CalibrationState[] };

export interface LabMethods {
  getLabInit: { params: Record<string, never>; result: { title: string; lab: LabData; host: 'vscode' | 'report' } };
}
