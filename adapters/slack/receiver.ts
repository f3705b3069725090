// The Slack receivers' public names in one place: HTTP mode (receivers/http.ts), Socket Mode (receivers/socket.ts) and their parts.
export { describeSlackApiError } from './apiError.js';
export { DEFAULT_HTTP_TIMEOUTS, EVENTS_PATH, SignedHttpReceiver, type HttpTimeouts, type SignedHttpReceiverOptions } from './receivers/http.js';
export { DEFAULT_BODY_LIMIT, parseSlackBody } from './receivers/httpBody.js';
export { InFlight } from './receivers/inFlight.js';
export { MAX_SKEW_SECONDS, verifySlackSignature, type Verification } from './receivers/signature.js';
export { ATTEMPT_TIMEOUT_MS, seconds, TrackedSocketModeReceiver, type SocketConnectOptions } from './receivers/socket.js';
