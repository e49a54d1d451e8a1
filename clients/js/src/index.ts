// @berth/client: a typed client for Berth's REST API and a project's Socket.IO connection.
export { BerthClient, type BerthClientOptions } from "./client.js";
export { ProjectSocket, toBytes, type ProjectSocketEvents, type ProjectSocketOptions } from "./socket.js";
export { TerminalStream, type TerminalStreamEvents } from "./terminal.js";
export { SeqTracker, type Gap } from "./seq.js";
export { Emitter, type Listener } from "./emitter.js";
export { webTokenStorage, isExpiring, refreshMarginMs, type Tokens, type TokenStorage } from "./tokens.js";
export {
  BerthError, ERROR_STATUS, SERVER_ERROR_CODES, isErrorBody,
  type ClientErrorCode, type ErrorBody, type ErrorCode, type ServerErrorCode, type StatusErrorCode,
} from "./errors.js";
export * from "./events.js";
export type * from "./types.js";
