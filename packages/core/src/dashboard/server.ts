/**
 * Serving the dashboard on the loopback interface (`recon dashboard --serve`). The page is the
 * same self-contained file; `GET /` answers with the latest generated page at once, and
 * `GET /refresh` regenerates it (refreshing the materialized views and re-reading the warehouse,
 * which takes seconds) and redirects to `/`. Regenerating only on request keeps a page reload
 * instant and keeps the warehouse idle while nobody asks. Concurrent refreshes share one
 * regeneration.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DASHBOARD_CSP } from './html.ts';

/** Options of {@link serveDashboard}. */
export interface ServeOptions {
  /** Port on 127.0.0.1 (0: any free port). */
  port: number;
  /** The page served before the first refresh. */
  initialHtml: string;
  /** Produce a fresh page (and write the file) for `/refresh`. */
  regenerate: () => Promise<string>;
  /** Told about a failed regeneration (the previous page stays served). */
  onError?: (error: unknown) => void;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  /** Stop accepting requests and close open connections. */
  close(): Promise<void>;
}

/** Start serving; resolves once listening. */
export async function serveDashboard(options: ServeOptions): Promise<DashboardServer> {
  let html = options.initialHtml;
  let pending: Promise<void> | undefined;

  const refresh = (): Promise<void> => {
    pending ??= options
      .regenerate()
      .then((next) => {
        html = next;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Only GET is served.\n', { Allow: 'GET, HEAD' });
      return;
    }
    if (path === '/' || path === '/dashboard.html') {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': DASHBOARD_CSP,
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    if (path === '/refresh') {
      try {
        await refresh();
      } catch (error) {
        options.onError?.(error);
        send(res, 500, `Regenerating the dashboard failed: ${(error as Error).message}\n`);
        return;
      }
      res.writeHead(303, { Location: '/', 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    send(res, 404, 'Not found: the dashboard is at / and /refresh regenerates it.\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) send(res, 500, 'Internal error\n');
      else res.destroy();
    });
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    async close() {
      await new Promise<void>((resolvePromise, reject) => {
        server.close((error) => (error ? reject(error) : resolvePromise()));
        server.closeAllConnections();
      });
      // A regeneration still running reads the warehouse: let it finish before the caller closes it.
      await pending?.catch(() => undefined);
    },
  };
}
