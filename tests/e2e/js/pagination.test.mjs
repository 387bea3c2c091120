// ListInstances pagination through paginateListInstances and manual NextToken loops.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ListInstancesCommand, paginateListInstances } from '@aws-sdk/client-connect';
import { OTHER_REGION, Server, createInstance, expectAwsError } from './harness.mjs';

describe('pagination', () => {
  const server = new Server();
  let c;
  let ids;
  before(async () => {
    await server.start();
    c = server.client();
  });
  after(() => server.stop());
  beforeEach(async () => {
    await server.reset();
    await server.setQuotas({ instances: 11 });
    ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createInstance(c, `js-page-${i}`)).Id);
    ids.sort();
  });

  it('paginateListInstances with pageSize 1 yields every instance once, in 3 pages', async () => {
    const pages = [];
    for await (const page of paginateListInstances({ client: c, pageSize: 1, stopOnSameToken: true }, {})) pages.push(page);
    assert.deepEqual(pages.map((p) => p.InstanceSummaryList.length), [1, 1, 1]);
    const seen = pages.flatMap((p) => p.InstanceSummaryList.map((s) => s.Id));
    assert.equal(new Set(seen).size, 3, 'duplicates across pages');
    assert.deepEqual([...seen].sort(), ids);
    assert.ok(pages[0].NextToken && pages[1].NextToken);
    assert.equal(pages[2].NextToken, undefined);
    assert.notEqual(pages[0].NextToken, pages[1].NextToken);
  });

  it('paginateListInstances with pageSize 2', async () => {
    const sizes = [];
    for await (const page of paginateListInstances({ client: c, pageSize: 2, stopOnSameToken: true }, {})) {
      sizes.push(page.InstanceSummaryList.length);
    }
    assert.deepEqual(sizes, [2, 1]);
  });

  it('the default page is 10', async () => {
    for (let i = 3; i < 11; i++) ids.push((await createInstance(c, `js-page-${i}`)).Id);
    const first = await c.send(new ListInstancesCommand({}));
    assert.equal(first.InstanceSummaryList.length, 10);
    assert.ok(first.NextToken);
    const second = await c.send(new ListInstancesCommand({ NextToken: first.NextToken }));
    assert.equal(second.InstanceSummaryList.length, 1);
    assert.equal(second.NextToken, undefined);
    const seen = [...first.InstanceSummaryList, ...second.InstanceSummaryList].map((s) => s.Id).sort();
    assert.deepEqual(seen, [...ids].sort());
  });

  it('an exact last page carries no NextToken', async () => {
    const page = await c.send(new ListInstancesCommand({ MaxResults: 3 }));
    assert.equal(page.InstanceSummaryList.length, 3);
    assert.equal(page.NextToken, undefined);
  });

  it('a tampered or foreign token is InvalidRequestException 400', async () => {
    const { NextToken: token } = await c.send(new ListInstancesCommand({ MaxResults: 1 }));
    const flipped = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    for (const bad of [flipped, 'not-a-token', `${token}x`]) {
      await expectAwsError(c.send(new ListInstancesCommand({ MaxResults: 1, NextToken: bad })), 'InvalidRequestException', 400);
    }
    const eu = server.client({ region: OTHER_REGION });
    await expectAwsError(eu.send(new ListInstancesCommand({ MaxResults: 1, NextToken: token })), 'InvalidRequestException', 400);
  });
});
