/**
 * The webview side of the host connection: VS Code's `acquireVsCodeApi`, typed, with every incoming
 * message checked before use. Panels share this; each declares its own message types in `shared/`.
 */

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

/** `isMessage` rejects anything that is not a well-formed message for this panel. */
export function connectHost<In, Out, S>(isMessage: (value: unknown) => value is In): Host<In, Out, S> {
  const api = acquireVsCodeApi<S>();
  return {
    post: (message) => api.postMessage(message),
    onMessage(handler) {
      window.addEventListener('message', (event: MessageEvent<unknown>) => {
        if (isMessage(event.data)) handler(event.data);
        else console.warn('runlens: ignored a malformed message from the host', event.data);
      });
    },
    state: () => api.getState(),
    saveState: (state) => api.setState(state),
  };
}
