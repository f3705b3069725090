// Workarounds that reach into @slack/socket-mode 3.1's SlackWebSocket internals, kept in one place.
// NOTE: the two functions below reach into @slack/socket-mode 3.1's SlackWebSocket (the client's `websocket`),
// defensively: on any other shape they do nothing.

/**
 * SlackWebSocket, told to disconnect while still connecting, fails the socket at once but then arms a 30 s
 * close-handshake timer that nothing clears, which would keep the process alive for 30 s. Once the socket is
 * gone (its `websocket` is null), that timer has nothing left to do.
 */
export function clearStrayCloseTimer(client: object): void {
  const ws: unknown = Reflect.get(client, 'websocket');
  if (typeof ws !== 'object' || ws === null || Reflect.get(ws, 'websocket') !== null) return;
  const timer: unknown = Reflect.get(ws, 'closeHandshakeTimeout');
  if (timer !== undefined) clearTimeout(timer as NodeJS.Timeout);
}

/** Releases a socket whose peer does not answer the close handshake (SlackWebSocket would wait 30 s). */
export function forceCleanup(client: object): void {
  const ws: unknown = Reflect.get(client, 'websocket');
  if (typeof ws !== 'object' || ws === null) return;
  const cleanup: unknown = Reflect.get(ws, 'cleanup');
  if (typeof cleanup === 'function') (cleanup as () => void).call(ws);
}
