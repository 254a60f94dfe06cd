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
  // Each view loads its own protocol and styles.
  if (document.body.dataset.view === 'lab') {
    adoptStyles(...VIEW_STYLES.lab);
    const rpc = new RpcClient<LabMethods>(vscodeTransport(api));
    window.addEventListener('unload', () => rpc.dispose());
    void new LabView(root, rpc).start();
    return;
  }
  if (document.body.dataset.view === 'compare') {
    adoptStyles(...VIEW_STYLES.compare);
    const rpc = new RpcClient<CompareMethods>(vscodeTransport(api));
    window.addEventListener('unload', () => rpc.dispose());
    void new CompareView(root, rpc).start();
    return;
  }
  if (document.body.dataset.view === 'runForm') {
    adoptStyles(...VIEW_STYLES.runForm);
    const rpc = new RpcClient<RunFormMethods>(vscodeTransport(api));
    window.addEventListener('unload', () => rpc.dispose());
    void new RunFormView(root, rpc).start();
    return;
  }
  adoptStyles(...VIEW_STYLES.rollouts);
  const rpc = new RpcClient(vscodeTransport(api));
  window.addEventListener('unload', () => rpc.dispose());
  void new App(root, rpc, vscodeStateStore(api)).start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
