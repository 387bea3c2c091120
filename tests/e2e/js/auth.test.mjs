// SigV4, credentials, accounts, regions and policies through @aws-sdk/client-connect.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AccessDeniedException, DeleteInstanceCommand, DescribeInstanceCommand, ListInstancesCommand,
  ListTagsForResourceCommand, TagResourceCommand,
} from '@aws-sdk/client-connect';
import { OTHER_REGION, Server, createInstance, expectAwsError, instanceArn, serviceRoleRe } from './harness.mjs';

const A = '111111111111';
const B = '222222222222';
const S = '333333333333';
const D = '444444444444';
const CREDENTIALS = [
  { access_key_id: 'AKIDA', secret_access_key: 'secretA', account_id: A },
  { access_key_id: 'AKIDB', secret_access_key: 'secretB', account_id: B },
  { access_key_id: 'ASIASESSION', secret_access_key: 'secretS', account_id: S, session_token: 'js-session-token' },
  {
    access_key_id: 'AKIDDENY', secret_access_key: 'secretD', account_id: D,
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'connect:*', Resource: '*' },
        { Effect: 'Deny', Action: 'connect:DeleteInstance', Resource: '*' },
      ],
    },
  },
];
const MISMATCH = 'The request signature we calculated does not match';
const listInstances = (client) => client.send(new ListInstancesCommand({}));

describe('auth (verify)', () => {
  const server = new Server({ credentials: CREDENTIALS });
  let a;
  before(async () => {
    await server.start();
    a = server.client({ key: 'AKIDA', secret: 'secretA' });
  });
  after(() => server.stop());
  beforeEach(() => server.reset());

  it('a file credential signs requests for its account', async () => {
    const out = await createInstance(a, 'js-auth');
    assert.equal(out.Arn, instanceArn(out.Id, A));
    const inst = (await a.send(new DescribeInstanceCommand({ InstanceId: out.Id }))).Instance;
    assert.match(inst.ServiceRole, serviceRoleRe(A));
  });

  it('wrong secret: InvalidSignatureException 403', async () => {
    await expectAwsError(listInstances(server.client({ key: 'AKIDA', secret: 'nope' })), 'InvalidSignatureException', 403,
      { prefix: MISMATCH });
  });

  it('unknown access key: UnrecognizedClientException 403', async () => {
    await expectAwsError(listInstances(server.client({ key: 'AKIDUNKNOWN', secret: 'secretA' })),
      'UnrecognizedClientException', 403);
    await expectAwsError(listInstances(server.client()), 'UnrecognizedClientException', 403);
  });

  it('a request dated 20 minutes ago: Signature expired; the SDK then corrects its clock from Date', async () => {
    const skewed = server.client({ key: 'AKIDA', secret: 'secretA', systemClockOffset: -20 * 60 * 1000 });
    await expectAwsError(listInstances(skewed), 'InvalidSignatureException', 403, { prefix: 'Signature expired' });
    // The response Date header is the real time, so the SDK resets its offset and the next call is signed right.
    assert.ok(Math.abs(skewed.config.systemClockOffset) < 60 * 1000, `offset ${skewed.config.systemClockOffset}`);
    assert.deepEqual((await listInstances(skewed)).InstanceSummaryList, []);
  });

  it('moving the server clock does not expire real signatures', async () => {
    await server.advance(3 * 86400);
    assert.deepEqual((await listInstances(a)).InstanceSummaryList, []);
  });

  it('no signature at all: MissingAuthenticationTokenException 403', async () => {
    const unsigned = server.client({ signer: { sign: async (request) => request } });
    await expectAwsError(listInstances(unsigned), 'MissingAuthenticationTokenException', 403);
  });

  it('a session-token credential works only with its token', async () => {
    const good = server.client({ key: 'ASIASESSION', secret: 'secretS', token: 'js-session-token' });
    const out = await createInstance(good, 'js-session');
    assert.equal(out.Arn, instanceArn(out.Id, S));
    await expectAwsError(listInstances(server.client({ key: 'ASIASESSION', secret: 'secretS' })),
      'UnrecognizedClientException', 403);
    await expectAwsError(listInstances(server.client({ key: 'ASIASESSION', secret: 'secretS', token: 'other' })),
      'UnrecognizedClientException', 403);
  });

  it('an explicit Deny on connect:DeleteInstance: AccessDeniedException, other operations work', async () => {
    const d = server.client({ key: 'AKIDDENY', secret: 'secretD' });
    const out = await createInstance(d, 'js-deny');
    await d.send(new TagResourceCommand({ resourceArn: out.Arn, tags: { k: 'v' } }));
    assert.equal((await d.send(new DescribeInstanceCommand({ InstanceId: out.Arn }))).Instance.Id, out.Id);
    await expectAwsError(d.send(new DeleteInstanceCommand({ InstanceId: out.Id })), 'AccessDeniedException', 403,
      { contains: 'connect:DeleteInstance', type: AccessDeniedException });
    assert.equal((await listInstances(d)).InstanceSummaryList.length, 1);
  });

  it('another account sees nothing of this one', async () => {
    const out = await createInstance(a, 'js-acct', { Tags: { owner: 'a' } });
    const b = server.client({ key: 'AKIDB', secret: 'secretB' });
    await expectAwsError(b.send(new DescribeInstanceCommand({ InstanceId: out.Arn })), 'ResourceNotFoundException', 404);
    await expectAwsError(b.send(new DescribeInstanceCommand({ InstanceId: out.Id })), 'ResourceNotFoundException', 404);
    await expectAwsError(b.send(new DeleteInstanceCommand({ InstanceId: out.Arn })), 'ResourceNotFoundException', 404);
    await expectAwsError(b.send(new ListTagsForResourceCommand({ resourceArn: out.Arn })), 'ResourceNotFoundException', 404);
    await expectAwsError(b.send(new TagResourceCommand({ resourceArn: out.Arn, tags: { owner: 'b' } })),
      'ResourceNotFoundException', 404);
    assert.deepEqual((await listInstances(b)).InstanceSummaryList, []);
    const tags = (await a.send(new ListTagsForResourceCommand({ resourceArn: out.Arn }))).tags;
    assert.deepEqual(tags, { owner: 'a' });
  });

  it('another region sees nothing of this one', async () => {
    const out = await createInstance(a, 'js-region');
    const eu = server.client({ key: 'AKIDA', secret: 'secretA', region: OTHER_REGION });
    await expectAwsError(eu.send(new DescribeInstanceCommand({ InstanceId: out.Arn })), 'ResourceNotFoundException', 404);
    await expectAwsError(eu.send(new DescribeInstanceCommand({ InstanceId: out.Id })), 'ResourceNotFoundException', 404);
    assert.deepEqual((await listInstances(eu)).InstanceSummaryList, []);
    assert.equal((await listInstances(a)).InstanceSummaryList.length, 1);
  });
});

describe('auth off', () => {
  const server = new Server({ auth: 'off' });
  before(() => server.start());
  after(() => server.stop());
  beforeEach(() => server.reset());

  it('any key works; a 12-digit key is the account', async () => {
    const any = await createInstance(server.client({ key: 'whatever', secret: 'anything' }), 'js-off');
    assert.equal(any.Arn, instanceArn(any.Id, '000000000000'));
    const acct = await createInstance(server.client({ key: '123456789012', secret: 'x' }), 'js-off-acct');
    assert.equal(acct.Arn, instanceArn(acct.Id, '123456789012'));
    const skewed = server.client({ key: 'k', secret: 's', systemClockOffset: -60 * 60 * 1000 });
    assert.equal((await listInstances(skewed)).InstanceSummaryList.length, 1);
  });
});
