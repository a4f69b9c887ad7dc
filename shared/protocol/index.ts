/** The whole protocol between extension, CLI and daemon, one module per area. */
export * from './daemon';
export * from './validate';

import { HelloRequest, DaemonStatusRequest, DaemonShutdownRequest } from './daemon';

/** Every message, for documentation and for checks that names stay unique and well formed. */
export const ALL_MESSAGES = [HelloRequest, DaemonStatusRequest, DaemonShutdownRequest] as const;
