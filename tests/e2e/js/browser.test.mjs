// A real browser (Debian's chromium, driven by playwright-core; no browser is ever downloaded) runs
// a page served from another loopback origin that uses @aws-sdk/client-connect, bundled for the
// browser with esbuild from node_modules, to search, claim and describe a number: CORS as Amazon
// Connect serves it. The page's requests to the admin API must be blocked by CORS.
// Skipped only when /usr/bin/chromium is absent. The screenshot is kept in
// <build dir>/test-artifacts/browser.png ($CL_ARTIFACTS_DIR overrides).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { DescribePhoneNumberCommand } from '@aws-sdk/client-connect';
import { BINARY, REGION, Server, UUID_ANY, createInstance } from './harness.mjs';

const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = process.env.CL_ARTIFACTS_DIR || path.join(path.dirname(BINARY), 'test-artifacts');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--metrics-recording-only', '--no-pings'];

// The SDK as one browser script: window.AwsConnect.{ConnectClient, ...Command}.
async function bundleSdk() {
  const out = await build({
    stdin: {
      contents: "export { ConnectClient, SearchAvailablePhoneNumbersCommand, ClaimPhoneNumberCommand, " +
        "DescribePhoneNumberCommand } from '@aws-sdk/client-connect';",
      resolveDir: here,
      loader: 'js',
    },
    bundle: true, write: false, platform: 'browser', format: 'iife', globalName: 'AwsConnect',
    target: 'es2020', minify: true, logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

// The page: plain script, results in the DOM and in window.result.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>connect-local from a browser</title>
<style>body{font:14px sans-serif;margin:20px} td{padding:2px 10px;border-bottom:1px solid #ddd}
.ok{color:#080}.bad{color:#b00}</style></head>
<body><h1>connect-local from another origin</h1><table id="rows"></table><p id="state">running</p>
<script src="/sdk.js"></script>
<script>
const params = new URLSearchParams(location.search);
const endpoint = params.get('endpoint');
const row = (k, v, cls) => {
  const tr = document.createElement('tr');
  tr.innerHTML = '<td>' + k + '</td><td class="' + (cls || '') + '"></td>';
  tr.lastChild.textContent = v;
  document.getElementById('rows').appendChild(tr);
};
async function blocked(url, init) {
  try { await fetch(url, init); return 'not blocked'; } catch (e) { return e.name + ': ' + e.message; }
}
(async () => {
  const result = { origin: location.origin };
  try {
    const A = window.AwsConnect;
    const client = new A.ConnectClient({ region: '${REGION}', endpoint, maxAttempts: 1,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const found = await client.send(new A.SearchAvailablePhoneNumbersCommand({ TargetArn: params.get('target'),
      PhoneNumberCountryCode: 'CA', PhoneNumberType: 'TOLL_FREE', MaxResults: 1 }));
    result.offered = found.AvailableNumbersList[0];
    row('offered', JSON.stringify(result.offered));
    const claimed = await client.send(new A.ClaimPhoneNumberCommand({ TargetArn: params.get('target'),
      PhoneNumber: result.offered.PhoneNumber, PhoneNumberDescription: 'claimed from a browser' }));
    result.claimed = { PhoneNumberId: claimed.PhoneNumberId, PhoneNumberArn: claimed.PhoneNumberArn,
      requestId: claimed.$metadata.requestId };
    row('claimed', claimed.PhoneNumberId);
    const described = await client.send(new A.DescribePhoneNumberCommand({ PhoneNumberId: claimed.PhoneNumberId }));
    result.described = described.ClaimedPhoneNumberSummary;
    row('described', JSON.stringify({ PhoneNumber: result.described.PhoneNumber,
      Country: result.described.PhoneNumberCountryCode, Type: result.described.PhoneNumberType,
      Status: result.described.PhoneNumberStatus.Status }), 'ok');
    try {
      await client.send(new A.DescribePhoneNumberCommand({ PhoneNumberId: '11111111-2222-4333-8444-555555555555' }));
    } catch (e) {
      result.notFound = { name: e.name, status: e.$metadata && e.$metadata.httpStatusCode,
        requestId: e.$metadata && e.$metadata.requestId };
      row('unknown number', e.name + ' (' + result.notFound.status + ')');
    }
  } catch (e) {
    result.error = String(e && e.stack || e);
    row('error', result.error, 'bad');
  }
  result.adminGet = await blocked(endpoint + '/_connect-local/health');
  row('admin GET (must be blocked)', result.adminGet, 'bad');
  result.adminReset = await blocked(endpoint + '/_connect-local/reset', { method: 'POST',
    headers: { 'content-type': 'application/json' }, body: '{}' });
  row('admin POST reset (must be blocked)', result.adminReset, 'bad');
  result.metrics = await blocked(endpoint + '/metrics');
  row('metrics (must be blocked)', result.metrics, 'bad');
  window.result = result;
  document.getElementById('state').textContent = 'done';
})();
</script></body></html>`;

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: install Debian's chromium (scripts/install-deps)`;
if (skip) console.log(`# SKIP browser test: ${skip}`);

describe('a browser page on another origin uses the JS SDK', { skip }, () => {
  const server = new Server();
  let site, siteUrl, context, userData;
  before(async () => {
    await server.start();
    const sdk = await bundleSdk();
    site = createServer((req, res) => {
      if (req.url === '/sdk.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        res.end(sdk);
      } else if (req.url.startsWith('/?')) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
    // "localhost" vs "127.0.0.1" and another port: a different origin from the API's.
    siteUrl = `http://localhost:${site.address().port}`;
    userData = mkdtempSync(path.join(tmpdir(), 'cl-chromium-'));
    context = await chromium.launchPersistentContext(userData, {
      executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1100, height: 520 },
    });
  });
  after(async () => {
    if (context) await context.close();
    if (site) await new Promise((resolve) => site.close(resolve));
    if (userData) rmSync(userData, { recursive: true, force: true });
    await server.stop();
  });

  it('searches, claims and describes a number; the admin API stays closed', async () => {
    const node = server.client();
    const instance = await createInstance(node, 'browser');
    const page = await context.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    const query = new URLSearchParams({ endpoint: server.endpoint, target: instance.Arn });
    await page.goto(`${siteUrl}/?${query}`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30000 });
    const result = await page.evaluate(() => window.result);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'browser.png'), fullPage: true });

    assert.equal(result.error, undefined, result.error);
    assert.notEqual(new URL(result.origin).origin, new URL(server.endpoint).origin);
    assert.equal(result.offered.PhoneNumberCountryCode, 'CA');
    assert.equal(result.offered.PhoneNumberType, 'TOLL_FREE');
    assert.match(result.offered.PhoneNumber, /^\+1\d{10}$/);
    assert.match(result.claimed.PhoneNumberId, UUID_ANY);
    assert.match(result.claimed.requestId, UUID_ANY);  // x-amzn-RequestId is exposed to the page
    assert.equal(result.described.PhoneNumber, result.offered.PhoneNumber);
    assert.equal(result.described.PhoneNumberCountryCode, 'CA');
    assert.equal(result.described.PhoneNumberType, 'TOLL_FREE');
    assert.equal(result.described.PhoneNumberDescription, 'claimed from a browser');
    assert.equal(result.described.PhoneNumberStatus.Status, 'IN_PROGRESS');
    // Errors reach the page with their code and request id (x-amzn-ErrorType is exposed).
    assert.deepEqual({ ...result.notFound, requestId: undefined },
      { name: 'ResourceNotFoundException', status: 404, requestId: undefined });
    assert.match(result.notFound.requestId, UUID_ANY);
    // The admin API is never open to other origins.
    for (const r of [result.adminGet, result.adminReset, result.metrics]) assert.match(r, /^TypeError: /);
    assert.ok(consoleErrors.some((e) => /CORS/i.test(e)), consoleErrors.join('\n'));
    // The blocked reset did not run: the claim is still there.
    const out = await node.send(new DescribePhoneNumberCommand({ PhoneNumberId: result.claimed.PhoneNumberId }));
    assert.equal(out.ClaimedPhoneNumberSummary.PhoneNumber, result.offered.PhoneNumber);
  });
});
