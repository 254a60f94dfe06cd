// Entry point of the webview bundle. In VS Code it talks to the extension host; in a static
// report (data embedded in the page) it runs the view model in-page.

import reportThemeCss from './reportTheme.css';
import { adoptStyles } from './styles';
import { BASE_STYLE, VIEW_STYLES } from './viewStyles';
import { RpcClient } from './rpc';
import { inPageTransport, vscodeTransport } from './transports';
import { hasReportData, readReportData, reportModel } from './reportHost';
import { memoryStateStore, vscodeStateStore } from './state';
import { App } from './app';
import { RunFormView } from './runForm';
import type { RunFormMethods } from '../../src/protocol/messages';
import type { CompareMethods } from '../../src/protocol/compareView';
import { el } from './dom';
import { CompareView } from './compare/compareView';
import { inPageCompareTransport } from './compare/compareReport';
import { LabView } from './lab/labView';
import type { LabMethods } from '../../src/protocol/labView';
import { handlerTransport } from './transports';
import type { ReportData } from '../../src/core/reportData';
import { errorText } from '../../src/core/errors';
import { mark } from './timeline';

async function bootReport(root: HTMLElement): Promise<void> {
  document.documentElement.classList.add('report-mode');
  adoptStyles(BASE_STYLE, reportThemeCss);
  root.replaceChildren(el('div', { class: 'loading-note', text: 'Opening the report…' }));
  let data;
  try {
    data = await readReportData(document);
  } catch (e) {
    root.replaceChildren(el('div', { class: 'banner', text: `This report's data could not be read: ${errorText(e)}` }));
    return;
  }
  if (data.title) document.title = data.title;
  if (data.lab) {
    adoptStyles(...VIEW_STYLES.lab);
    const lab = data.lab;
    await new LabView(root, new RpcClient<LabMethods>(handlerTransport<LabMethods>({ getLabInit: () => ({ title: data.title, lab, host: 'report' }) }))).start();
    return;
  }
  if (data.compare) {
    adoptStyles(...VIEW_STYLES.compare);
    await new CompareView(root, new RpcClient<CompareMethods>(inPageCompareTransport(data as ReportData & { compare: NonNullable<ReportData['compare']> }))).start();
    return;
  }
  adoptStyles(...VIEW_STYLES.rollouts);
  const rpc = new RpcClient(inPageTransport(reportModel(data)));
  await new App(root, rpc, memoryStateStore()).start();
}

function boot(): void {
  mark('boot');
  const root = document.getElementById('root') ?? document.body.appendChild(el('div', { attrs: { id: 'root' } }));
  if (hasReportData(document)) {
    void bootReport(root);
    return;
  }
  adoptStyles(BASE_STYLE);
  if (typeof acquireVsCodeApi !== 'function') {
    root.replaceChildren(el('div', { class: 'banner', text: 'No data: this page is neither inside VS Code nor a report with embedded rollouts.' }));
    return;
  }
  const api = acquireVsCodeApi();
  // The registry of views: each loads its own styles and speaks its own protocol.
  const view = document.body.dataset.view;
  const mount = <T extends { [M in keyof T]: { params: unknown; result: unknown } }>(styles: readonly string[], start: (rpc: RpcClient<T>) => Promise<void>) => {
    adoptStyles(...styles);
    const rpc = new RpcClient<T>(vscodeTransport(api));
    window.addEventListener('unload', () => rpc.dispose());
    void start(rpc);
  };
  if (view === 'lab') return mount<LabMethods>(VIEW_STYLES.lab, (rpc) => new LabView(root, rpc).start());
  if (view === 'compare') return mount<CompareMethods>(VIEW_STYLES.compare, (rpc) => new CompareView(root, rpc).start());
  if (view === 'runForm') return mount<RunFormMethods>(VIEW_STYLES.runForm, (rpc) => new RunFormView(root, rpc).start());
  adoptStyles(...VIEW_STYLES.rollouts);
  const rpc = new RpcClient(vscodeTransport(api));
  window.addEventListener('unload', () => rpc.dispose());
  void new App(root, rpc, vscodeStateStore(api)).start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
