// Harness for the AWS SDK for JavaScript v3 end-to-end tests: starts the real connect-local binary
// on a free loopback port (--port 0; the port is read from the "listening on" line), talks to the
// admin API and builds ConnectClients with retries off (maxAttempts: 1).
// The binary is $CL_BINARY (set by ctest), else <repo>/build/connect-local.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectClient, ConnectServiceException, CreateInstanceCommand } from '@aws-sdk/client-connect';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BINARY = process.env.CL_BINARY || path.resolve(here, '..', '..', '..', 'build', 'connect-local');
export const REGION = 'us-east-1';
export const OTHER_REGION = 'eu-west-2';
export const DEFAULT_ACCOUNT = '000000000000';
export const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const UUID_ANY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const MISSING_ID = '11111111-2222-4333-8444-555555555555';
export const ENUM_MESSAGE =
  "1 validation error detected: Value 'NOPE' at 'identityManagementType' failed to satisfy constraint: " +
  'Member must satisfy enum value set: [';

export const instanceArn = (id, account = DEFAULT_ACCOUNT, region = REGION) =>
  `arn:aws:connect:${region}:${account}:instance/${id}`;
export const serviceRoleRe = (account) =>
  new RegExp(
    `^arn:aws:iam::${account}:role/aws-service-role/connect\\.amazonaws\\.com/AWSServiceRoleForAmazonConnect_[A-Za-z0-9]{20}$`,
  );

// With CL_E2E_POSTGRES_DSN set (scripts/with-postgres), every server runs on a PostgreSQL database
// of its own, so suites running in parallel never share state.
const POSTGRES_DSN = process.env.CL_E2E_POSTGRES_DSN || '';
const psql = (sql) =>
  execFileSync('psql', [POSTGRES_DSN, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30000 });

export class Server {
  // extraArgs: more `serve` flags, e.g. ['--throttle', 'aws'].
  constructor({ credentials = null, auth = 'verify', transientDelay = '60s', extraArgs = [] } = {}) {
    Object.assign(this, { credentials, auth, transientDelay, extraArgs });
    this.output = '';
  }

  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    try {
      accessSync(BINARY, constants.X_OK);
    } catch {
      throw new Error(`connect-local binary not found at ${BINARY}: build it or set CL_BINARY`);
    }
    this.tmp = mkdtempSync(path.join(tmpdir(), 'cl-e2e-js-'));
    let store = ['--in-memory'];
    if (POSTGRES_DSN) {
      this.database = `cl_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
      psql(`CREATE DATABASE "${this.database}"`);
      store = ['--postgres', `${POSTGRES_DSN} dbname=${this.database}`];
    }
    const args = ['serve', '--host', '127.0.0.1', '--port', '0', ...store, '--auth', this.auth,
      '--transient-delay', this.transientDelay];
    if (this.credentials) {
      const file = path.join(this.tmp, 'credentials.json');
      writeFileSync(file, JSON.stringify({ credentials: this.credentials }));
      args.push('--credentials', file);
    }
    args.push(...this.extraArgs);
    this.proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d) => { this.output += d; });
    this.port = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connect-local did not start: ${this.output}`)), 20000);
      this.proc.stdout.on('data', (d) => {
        this.output += d;
        const m = /listening on http:\/\/[0-9.]+:(\d+)/.exec(this.output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      this.proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`connect-local exited with ${code}: ${this.output}`));
      });
    });
    const health = await this.admin('GET', 'health');
    assert.equal(health.status, 'ok');
    return this;
  }

  async stop() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    if (this.tmp) rmSync(this.tmp, { recursive: true, force: true });
    if (this.database) {
      try {
        psql(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
      } catch {
        // the cluster goes with its temporary directory anyway
      }
      this.database = undefined;
    }
  }

  async admin(method, route, body) {
    const res = await fetch(`${this.endpoint}/_connect-local/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `admin ${method} ${route}: ${res.status} ${text}`);
    return JSON.parse(text);
  }

  reset() { return this.admin('POST', 'reset', {}); }
  async now() { return (await this.admin('GET', 'clock')).now; }
  async advance(seconds) { return (await this.admin('POST', 'clock', { advance_seconds: seconds })).now; }
  setQuotas(quotas, accountId = DEFAULT_ACCOUNT, region = REGION) {
    return this.admin('PUT', 'quotas', { account_id: accountId, region, ...quotas });
  }
  quotas(accountId = DEFAULT_ACCOUNT, region = REGION) {
    return this.admin('GET', `quotas?account_id=${accountId}&region=${region}`);
  }

  client({ key = 'test', secret = 'test', token, region = REGION, ...config } = {}) {
    const credentials = { accessKeyId: key, secretAccessKey: secret };
    if (token) credentials.sessionToken = token;
    return new ConnectClient({ region, endpoint: this.endpoint, credentials, maxAttempts: 1, ...config });
  }
}

export function createInstance(client, alias, { identity = 'CONNECT_MANAGED', inbound = true, outbound = true, ...extra } = {}) {
  return client.send(new CreateInstanceCommand({
    IdentityManagementType: identity, InstanceAlias: alias, InboundCallsEnabled: inbound,
    OutboundCallsEnabled: outbound, ...extra,
  }));
}

// Awaits `promise`, which must reject with the AWS error `name` and HTTP `status`; returns the error.
export async function expectAwsError(promise, name, status, { prefix, contains = [], type } = {}) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected ${name}, the call succeeded`);
  assert.ok(error instanceof ConnectServiceException, `not a service error: ${error?.stack}`);
  assert.equal(error.name, name, `${error.name}: ${error.message}`);
  assert.equal(error.$metadata?.httpStatusCode, status, `${error.name}: ${error.message}`);
  assert.match(error.$metadata?.requestId ?? '', UUID_ANY);
  assert.ok(error.message, 'empty error message');
  if (prefix !== undefined) assert.ok(error.message.startsWith(prefix), `${JSON.stringify(error.message)} does not start with ${JSON.stringify(prefix)}`);
  for (const part of [].concat(contains)) assert.ok(error.message.includes(part), `${JSON.stringify(error.message)} lacks ${JSON.stringify(part)}`);
  if (type) assert.ok(error instanceof type, `${error.name} is not a ${type.name}`);
  return error;
}
