import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTestCert } from '../../../test-support/tls-cert.js';
import { startInProcess } from './deploy-helpers.js';
import { spawnNode } from './helpers.js';

const HEALTHCHECK = fileURLToPath(new URL('../dist/healthcheck.js', import.meta.url));

/** The container's HEALTHCHECK command, with the container's environment. */
async function healthcheck(env: NodeJS.ProcessEnv): Promise<number | null> {
  return spawnNode([HEALTHCHECK], env).exited;
}

describe('the container healthcheck (apps/server/dist/healthcheck.js)', () => {
  it('finds /healthz on the HTTP port, over TLS when the server has a certificate', async () => {
    const cert = createTestCert();
    const tls = { CHATGATE_TLS_CERT: cert.certPath, CHATGATE_TLS_KEY: cert.keyPath };
    const { ports } = await startInProcess([
      `--tls-cert=${cert.certPath}`,
      `--tls-key=${cert.keyPath}`,
    ]);
    expect(await healthcheck({ ...tls, CHATGATE_HTTP_PORT: String(ports.http) })).toBe(0);
  });

  it('uses the admin port when there is one', async () => {
    const { ports } = await startInProcess(['--admin-port=0']);
    const env = {
      CHATGATE_HTTP_PORT: String(ports.http),
      CHATGATE_ADMIN_PORT: String(ports.admin),
    };
    expect(await healthcheck(env)).toBe(0);
    // /healthz is not on the HTTP port any more: pointing the probe there fails.
    expect(await healthcheck({ CHATGATE_HTTP_PORT: String(ports.http) })).toBe(1);
  });

  it('fails when nothing answers', async () => {
    const { server, ports } = await startInProcess();
    await server.stop();
    expect(await healthcheck({ CHATGATE_HTTP_PORT: String(ports.http) })).toBe(1);
  });
});
