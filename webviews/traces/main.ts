/**
 * The traces panel (browser side): the trace list and, once a trace is opened, its waterfall. State
 * (filters, live, the open trace) is saved with `setState`, so the panel comes back as it was after
 * a reload; the host's serializer hands the same state to the new panel.
 */
import '@vscode/codicons/dist/codicon.css';
import '../common/panel.css';
import './traces.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { DEFAULT_FILTER, parseTracesToWebview, type TracesPanelState, type TracesToHost, type TracesToWebview } from '../../shared/webview/traces';
import { connectHost } from '../common/host';
import { TraceList } from './traceList';
import { TraceView } from './traceView';

const host = connectHost<TracesToWebview, TracesToHost, TracesPanelState>(parseTracesToWebview);
const saved = host.state();
let state: TracesPanelState = saved ?? { filter: DEFAULT_FILTER, live: true };
const root = document.getElementById('root') as HTMLElement;

/** The trace last asked for; only its answer is shown. */
let requestedTrace: string | undefined;
function openTrace(traceId: string): void {
  requestedTrace = traceId;
  host.post({ type: 'openTrace', traceId });
}

const save = (change: Partial<TracesPanelState>) => {
  state = { ...state, ...change };
  host.saveState(state);
};

const list = new TraceList(state.filter, state.live, {
  query(filter, cursor) {
    save({ filter });
    host.post({ type: 'listTraces', filter, cursor });
  },
  open(traceId) {
    openTrace(traceId);
  },
  setLive(live) {
    save({ live });
    host.post({ type: 'setLive', live });
  },
  rangeChanged(window) {
    host.post({ type: 'setRange', window });
  },
});

const view = new TraceView({
  back() {
    requestedTrace = undefined;
    save({ selectedTraceId: undefined });
    view.element.hidden = true;
    list.element.hidden = false;
    // The list's tab stop: the row last focused, if it is still rendered.
    (list.element.querySelector('[data-trace-id][tabindex="0"]') as HTMLElement | null)?.focus();
  },
  openSource(traceId, spanId) {
    host.post({ type: 'openSource', traceId, spanId });
  },
});

root.replaceChildren(list.element, view.element);

host.onMessage((msg) => {
  switch (msg.type) {
    case 'init':
      list.setServers(msg.servers);
      // The range shared with the metrics panel changed while this panel was closed or hidden.
      if (msg.window) list.setRange(msg.window);
      else list.query();
      if (state.selectedTraceId) openTrace(state.selectedTraceId);
      break;
    case 'traces':
      list.showPage(msg.items, msg.cursor, msg.nextCursor, msg.live);
      break;
    case 'trace': {
      // A trace the user no longer waits for (the list was shown since) must not cover the list.
      if (msg.traceId !== requestedTrace) break;
      const started = performance.now();
      save({ selectedTraceId: msg.traceId });
      list.element.hidden = true;
      view.element.hidden = false;
      view.show(msg.traceId, msg.spans, msg.logs);
      view.focus();
      // The bench and the e2e test read this: how long the first render of this trace took.
      document.body.dataset.traceRendered = `${msg.traceId}:${(performance.now() - started).toFixed(1)}`;
      break;
    }
    case 'showFilter':
      requestedTrace = undefined;
      view.element.hidden = true;
      list.element.hidden = false;
      save({ selectedTraceId: undefined });
      list.apply(msg.filter);
      break;
    case 'setRange':
      list.setRange(msg.window);
      break;
    case 'sourceResult':
      if (!msg.ok) view.showNotice(msg.message, false);
      break;
    case 'error':
      if (view.element.hidden) list.showError(msg.message);
      else view.showNotice(msg.message, false);
      break;
  }
});

host.post({ type: 'ready' });
