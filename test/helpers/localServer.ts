// A test server on 127.0.0.1 that closes at once: keep-alive sockets a client left open are
// destroyed on close (server.close alone waits for every client to hang up).
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LocalServer {
  port: number;
  close(): Promise<void>;
}

export async function listenLocal(server: Server): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
