/**
 * The webview side of the host connection: VS Code's `acquireVsCodeApi`, typed, with every incoming
 * message parsed before use. A malformed message is logged and ignored. Panels share this; each
 * declares its message types and parsers in `shared/webview/`.
 */
import { tryParse } from '../../shared/webview/check';

interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export interface Host<In, Out, S> {
  post(message: Out): void;
  onMessage(handler: (message: In) => void): void;
  state(): S | undefined;
  saveState(state: S): void;
}

/** `parse` throws on anything that is not a well-formed message for this panel. */
export function connectHost<In, Out, S>(parse: (value: unknown) => In): Host<In, Out, S> {
  const api = acquireVsCodeApi<S>();
  return {
    post: (message) => api.postMessage(message),
    onMessage(handler) {
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        const message = tryParse(parse, event.data, (problem) => console.warn(`runlens: ignored a message from the host: ${problem}`));
        if (message !== undefined) handler(message);
      });
    },
    state: () => api.getState(),
    saveState: (state) => api.setState(state),
  };
}
