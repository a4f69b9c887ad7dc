/**
 * The traces panel (browser side). It announces itself to the host and renders the empty state
 * until traces arrive; the list and waterfall plug in here.
 */
import { connectHost } from '../common/host';

type FromHost = { type: 'empty'; message: string };
type ToHost = { type: 'ready' };

function isFromHost(value: unknown): value is FromHost {
  const v = value as Partial<FromHost> | null;
  return typeof v === 'object' && v !== null && v.type === 'empty' && typeof v.message === 'string';
}

const host = connectHost<FromHost, ToHost, unknown>(isFromHost);
host.onMessage((msg) => {
  const root = document.getElementById('root');
  if (root) root.textContent = msg.message;
});
host.post({ type: 'ready' });
