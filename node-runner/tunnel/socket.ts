/**
 * The slice of a `ws` client socket the tunnel uses. The runner takes a constructor of this shape
 * (the `ws` package's WebSocket in production) so tests can dial a fake edge or hand in a stub.
 */
export type RawFrame = Buffer | ArrayBuffer | Buffer[];

export interface TunnelSocket {
  readonly readyState: number;
  send(data: string, callback?: (error?: Error) => void): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: "open", listener: () => void): unknown;
  on(event: "message", listener: (data: RawFrame, isBinary: boolean) => void): unknown;
  on(event: "close", listener: (code: number, reason: Buffer) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "ping" | "pong", listener: (data: Buffer) => void): unknown;
}

export interface TunnelSocketOptions {
  handshakeTimeout?: number;
  maxPayload?: number;
  perMessageDeflate?: boolean;
}

export type WebSocketConstructor = new (url: string, options?: TunnelSocketOptions) => TunnelSocket;

/** `readyState` value of an open socket (same in `ws` and the WHATWG API). */
export const SOCKET_OPEN = 1;

export function frameToText(data: RawFrame, isBinary: boolean): string | Uint8Array {
  const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
  // Binary frames are not part of the protocol; hand them on as bytes so the parser rejects them.
  return isBinary ? new Uint8Array(bytes) : bytes.toString("utf8");
}
