// The web console (/console) in a real browser: Debian's chromium driven by playwright-core. Load,
// search, claim, watch IN_PROGRESS turn CLAIMED as the domain clock moves, release until the 200 %
// rule blocks the account, see the chart and the date it can claim again, advance past the window;
// quotas, fault rules and inventory from the page. Screenshots are kept as artifacts: in
// $CL_ARTIFACTS, else console-screenshots/ next to $CL_BINARY (the build directory under ctest), else
// a fresh directory under the system temp dir; the path is printed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ACCOUNT, REGION, Server, createInstance } from './harness.mjs';

const CHROMIUM = process.env.CL_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (apt install chromium)`;

describe('web console', { skip, timeout: 240_000 }, () => {
  let server, context, page, profile, shots;
  const requests = [];
  const pageErrors = [];
  const shot = async (name) => {
    const file = path.join(shots, `${String(requests.length).padStart(4, '0')}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  const row = (number) => page.locator(`#numbers tbody tr[data-number="${number}"]`);
  const summary = () => page.locator('#release-summary').textContent();
  const chartPath = () => page.locator('#release-chart path.count').getAttribute('d');

  before(async () => {
    const { chromium } = await import('playwright-core');
    server = await new Server({ transientDelay: '2s' }).start();
    shots = process.env.CL_ARTIFACTS ||
      (process.env.CL_BINARY ? path.join(path.dirname(process.env.CL_BINARY), 'console-screenshots')
        : mkdtempSync(path.join(tmpdir(), 'connect-local-console-')));
    mkdirSync(shots, { recursive: true });
    console.log(`console screenshots: ${shots}`);
    profile = mkdtempSync(path.join(tmpdir(), 'cl-chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: ['--headless', ...FLAGS], viewport: { width: 1400, height: 1000 },
    });
    page = context.pages()[0] || await context.newPage();
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await context?.close();
    await server?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('claims, settles, releases, blocks at the 200 % line and recovers after the window', async () => {
    const client = server.client();
    const instance = await createInstance(client, 'shop');
    await server.setQuotas({ phone_numbers_per_instance: 2 });  // the 200 % line is 4 releases
    await server.advance(5);  // the instance is ACTIVE

    await page.goto(`${server.endpoint}/console`);
    await page.locator('#instances tbody tr', { hasText: 'shop' }).waitFor();
    assert.match(await page.locator('#instances tbody tr').first().textContent(), /ACTIVE.*0 \/ 2/);
    assert.equal(await page.locator('#search-target').inputValue(), instance.Arn);
    assert.match(await summary(), /0 releases in the last 180 days; limit 4.*Claims are allowed/);
    await shot('loaded');

    const before = await chartPath();
    for (let k = 0; k < 4; k += 1) {
      // Search, claim the first number: IN_PROGRESS at once, CLAIMED once the clock passes the delay.
      await page.fill('#search-country', 'US');
      await page.selectOption('#search-type', 'DID');
      await page.fill('#search-prefix', '+1206');
      await page.click('#search-form button[type=submit]');
      const first = page.locator('#results tbody tr').first();
      await first.waitFor();
      const number = await first.getAttribute('data-number');
      assert.match(number, /^\+1206\d{7}$/);
      await first.locator('button', { hasText: 'Claim' }).click();
      await row(number).and(page.locator('[data-status="IN_PROGRESS"]')).waitFor();
      assert.match(await row(number).textContent(), /IN_PROGRESS.*DID.*US.*instance shop/);
      assert.equal(await row(number).locator('button', { hasText: 'Release' }).isDisabled(), true);
      if (k === 0) await shot('claim-in-progress');
      await page.click('button[data-advance="3600"]');
      await row(number).and(page.locator('[data-status="CLAIMED"]')).waitFor();
      if (k === 0) {
        assert.match(await page.locator('#instances tbody tr').first().textContent(), /1 \/ 2/);
        await shot('claimed');
      }
      await row(number).locator('button', { hasText: 'Release' }).click();
      await row(number).waitFor({ state: 'detached' });
      await page.waitForFunction((n) => document.querySelector('#release-summary').textContent.startsWith(`${n} release`), k + 1);
    }
    assert.notEqual(await chartPath(), before, 'the chart moves with the releases');
    const blocked = await summary();
    assert.match(blocked, /^4 releases in the last 180 days; limit 4.*can claim again on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    assert.equal(await page.locator('#release-summary').getAttribute('class'), 'blocked');
    const state = await server.admin('GET', `state?account_id=${DEFAULT_ACCOUNT}&region=${REGION}`);
    const expected = new Date(state.releases.claim_again_at * 1000).toISOString().slice(0, 10);
    assert.ok(blocked.includes(expected), `${blocked} names ${expected}`);
    await shot('blocked');

    // A claim now is refused with the service's message.
    await page.click('#search-form button[type=submit]');
    const next = page.locator('#results tbody tr').first();
    await next.waitFor();
    await next.locator('button', { hasText: 'Claim' }).click();
    await page.locator('#message.error', { hasText: 'Phone number claim limit exceeded' }).waitFor();
    await shot('claim-refused');

    // Past the window the account can claim again.
    await page.fill('#advance-days', '181');
    await page.click('#clock-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#release-summary').textContent.includes('Claims are allowed'));
    assert.match(await summary(), /^0 releases in the last 180 days/);
    await shot('after-window');

    const foreign = requests.filter((u) => !u.startsWith(server.endpoint));
    assert.deepEqual(foreign, [], 'the console fetches nothing from elsewhere');
    assert.deepEqual(pageErrors, [], 'no script errors in the page');
  });

  it('edits quotas, adds and removes fault rules, adds inventory blocks', async () => {
    await page.fill('#quotas-form input[name=phone_numbers_per_instance]', '9');
    await page.click('#quotas-form button[type=submit]');
    await page.locator('#message', { hasText: 'Quotas saved.' }).waitFor();
    assert.equal((await server.quotas()).phone_numbers_per_instance, 9);

    await page.fill('#fault-form input[name=prefix]', '+1206');
    await page.fill('#fault-form input[name=error_code]', 'InternalServiceException');
    await page.fill('#fault-form input[name=message]', 'boom');
    await page.click('#fault-form button[type=submit]');
    await page.locator('#faults tbody tr', { hasText: 'boom' }).waitFor();
    assert.equal((await server.admin('GET', 'faults')).faults.length, 1);
    await shot('fault-rule');
    await page.locator('#faults tbody tr', { hasText: 'boom' }).locator('button').click();
    await page.locator('#faults tbody tr').first().waitFor({ state: 'detached' });
    assert.equal((await server.admin('GET', 'faults')).faults.length, 0);

    await page.fill('#block-form input[name=country]', 'US');
    await page.fill('#block-form input[name=prefix]', '+1206556');
    await page.click('#block-form button[type=submit]');
    await page.locator('#message', { hasText: 'Block added.' }).waitFor();
    await page.fill('#block-filter', '+1206556');
    await page.locator('#blocks tbody tr', { hasText: '+1206556' }).waitFor();
    assert.ok((await server.admin('GET', 'inventory')).blocks.some((b) => b.prefix === '+1206556'));
    // A block the number plan refuses: the server's reason is shown.
    await page.fill('#block-form input[name=prefix]', '+44');
    await page.click('#block-form button[type=submit]');
    await page.locator('#message.error').waitFor();
    await shot('inventory');
  });

  it('is closed to other origins', async () => {
    const res = await fetch(`${server.endpoint}/_connect-local/reset`, {
      method: 'POST', headers: { Origin: 'http://evil.example', 'Content-Type': 'application/json' }, body: '{}',
    });
    assert.equal(res.status, 403);
    const page2 = await context.newPage();
    // A page of another origin cannot read the admin API: the server refuses, and the browser adds CORS on top.
    await page2.goto('about:blank');
    const outcome = await page2.evaluate(async (url) => {
      try {
        const r = await fetch(url);
        return `status ${r.status}`;
      } catch (e) {
        return `blocked ${e.name}`;
      }
    }, `${server.endpoint}/_connect-local/state`);
    assert.match(outcome, /^blocked/);
    const headers = (await fetch(`${server.endpoint}/console`)).headers;
    assert.match(headers.get('content-security-policy'), /frame-ancestors 'none'/);
    await page2.close();
  });
});
