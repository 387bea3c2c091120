// TagResource, UntagResource, ListTagsForResource on instance ARNs through @aws-sdk/client-connect.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  DeleteInstanceCommand, DescribeInstanceCommand, InvalidParameterException, ListTagsForResourceCommand,
  TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-connect';
import { MISSING_ID, OTHER_REGION, Server, createInstance, expectAwsError, instanceArn } from './harness.mjs';

describe('tags', () => {
  const server = new Server();
  let c;
  let inst;
  before(async () => {
    await server.start();
    c = server.client();
  });
  after(() => server.stop());
  beforeEach(async () => {
    await server.reset();
    inst = await createInstance(c, 'js-tags');
  });

  const tag = (tags, arn = inst.Arn, client = c) => client.send(new TagResourceCommand({ resourceArn: arn, tags }));
  const untag = (tagKeys, arn = inst.Arn, client = c) => client.send(new UntagResourceCommand({ resourceArn: arn, tagKeys }));
  const listTags = async (arn = inst.Arn, client = c) =>
    (await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))).tags;

  it('tags merge and untag removes only the named keys', async () => {
    assert.deepEqual(await listTags(), {});
    const out = await tag({ a: '1', b: '2' });
    assert.equal(out.$metadata.httpStatusCode, 200);
    await tag({ b: '20', c: '3' });
    assert.deepEqual(await listTags(), { a: '1', b: '20', c: '3' });
    await untag(['a', 'c', 'never-set']);
    assert.deepEqual(await listTags(), { b: '20' });
  });

  it('keys with spaces, colons, slashes and non-ASCII round-trip, including the repeated tagKeys query', async () => {
    const odd = { 'key with space': 'v 1', 'k:colon/slash': 'v/2', 'plus+equals=at@': 'v+3', 'café': 'naïve' };
    await tag({ ...odd, plain: 'p' });
    assert.deepEqual(await listTags(), { ...odd, plain: 'p' });
    await untag(['key with space', 'k:colon/slash', 'café']);
    assert.deepEqual(await listTags(), { 'plus+equals=at@': 'v+3', plain: 'p' });
    await untag(['plus+equals=at@']);
    assert.deepEqual(await listTags(), { plain: 'p' });
  });

  it('DescribeInstance echoes tags, including those given at creation', async () => {
    const other = await createInstance(c, 'js-tags-create', { Tags: { k1: 'v1' } });
    await tag({ 'key with space': 'y' }, other.Arn);
    const d = (await c.send(new DescribeInstanceCommand({ InstanceId: other.Id }))).Instance;
    assert.deepEqual(d.Tags, { k1: 'v1', 'key with space': 'y' });
    assert.deepEqual(await listTags(), {});
  });

  it('tag validation: aws: prefix, 51 tags, long values', async () => {
    await expectAwsError(tag({ 'aws:x': '1' }), 'InvalidParameterException', 400,
      { contains: 'Map keys must satisfy constraint', type: InvalidParameterException });
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'v']));
    await expectAwsError(tag(many), 'InvalidParameterException', 400, { contains: "'tags'" });
    await expectAwsError(tag({ k: 'v'.repeat(257) }), 'InvalidParameterException', 400);
    await expectAwsError(untag(['aws:x']), 'InvalidParameterException', 400, { contains: "'tagKeys'" });
    assert.deepEqual(await listTags(), {});
    const fifty = Object.fromEntries(Object.entries(many).slice(0, 50));
    await tag(fifty);
    assert.equal(Object.keys(await listTags()).length, 50);
    await expectAwsError(tag({ extra: 'v' }), 'InvalidParameterException', 400);
  });

  it('unknown, legacy phone-number, other-region and deleted ARNs are ResourceNotFoundException', async () => {
    const unknown = instanceArn(MISSING_ID);
    await expectAwsError(listTags(unknown), 'ResourceNotFoundException', 404);
    const legacy = `${inst.Arn}/phone-number/${MISSING_ID}`;
    await expectAwsError(tag({ a: 'b' }, legacy), 'ResourceNotFoundException', 404);
    await expectAwsError(listTags(legacy), 'ResourceNotFoundException', 404);
    await expectAwsError(untag(['a'], legacy), 'ResourceNotFoundException', 404);
    const eu = server.client({ region: OTHER_REGION });
    await expectAwsError(tag({ a: 'b' }, inst.Arn, eu), 'ResourceNotFoundException', 404);
    await expectAwsError(listTags(inst.Arn, eu), 'ResourceNotFoundException', 404);
    await tag({ a: '1' });
    await c.send(new DeleteInstanceCommand({ InstanceId: inst.Id }));
    await expectAwsError(listTags(), 'ResourceNotFoundException', 404);
    await expectAwsError(tag({ a: '2' }), 'ResourceNotFoundException', 404);
    await expectAwsError(untag(['a']), 'ResourceNotFoundException', 404);
  });
});
