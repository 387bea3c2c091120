// CreateInstance, DescribeInstance, ListInstances, DeleteInstance through @aws-sdk/client-connect.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateInstanceCommand, DeleteInstanceCommand, DescribeInstanceCommand, IdempotencyException,
  InvalidRequestException, ListInstancesCommand, ResourceConflictException, ResourceNotFoundException,
  ServiceQuotaExceededException,
} from '@aws-sdk/client-connect';
import {
  DEFAULT_ACCOUNT, ENUM_MESSAGE, MISSING_ID, OTHER_REGION, Server, UUID4, UUID_ANY, createInstance, expectAwsError,
  instanceArn, serviceRoleRe,
} from './harness.mjs';

describe('instances', () => {
  const server = new Server({ transientDelay: '60s' });
  let c;
  before(async () => {
    await server.start();
    c = server.client();
  });
  after(() => server.stop());
  beforeEach(() => server.reset());

  const describeInstance = async (id) => (await c.send(new DescribeInstanceCommand({ InstanceId: id }))).Instance;
  const list = async (input = {}) => c.send(new ListInstancesCommand(input));

  it('CreateInstance returns a UUID v4 Id and the instance ARN', async () => {
    const out = await createInstance(c, 'js-shape');
    assert.match(out.Id, UUID4);
    assert.equal(out.Arn, instanceArn(out.Id));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.match(out.$metadata.requestId, UUID_ANY);
  });

  it('DescribeInstance shows every member, with CreatedTime as a Date', async () => {
    const before = await server.now();
    const out = await createInstance(c, 'js-describe', { inbound: true, outbound: false, Tags: { team: 'voice', env: 'dev' } });
    const inst = await describeInstance(out.Id);
    assert.equal(inst.Id, out.Id);
    assert.equal(inst.Arn, out.Arn);
    assert.equal(inst.IdentityManagementType, 'CONNECT_MANAGED');
    assert.equal(inst.InstanceAlias, 'js-describe');
    assert.equal(inst.InstanceStatus, 'CREATION_IN_PROGRESS');
    assert.equal(inst.InboundCallsEnabled, true);
    assert.equal(inst.OutboundCallsEnabled, false);
    assert.equal(inst.InstanceAccessUrl, 'https://js-describe.my.connect.aws/');
    assert.match(inst.ServiceRole, serviceRoleRe(DEFAULT_ACCOUNT));
    assert.deepEqual(inst.Tags, { team: 'voice', env: 'dev' });
    assert.ok(inst.CreatedTime instanceof Date, `CreatedTime is ${typeof inst.CreatedTime}`);
    assert.ok(Math.abs(inst.CreatedTime.getTime() / 1000 - before) < 5);
    assert.ok(Math.abs(inst.CreatedTime.getTime() - Date.now()) < 30000);
  });

  it('status moves from CREATION_IN_PROGRESS to ACTIVE after the transient delay', async () => {
    const out = await createInstance(c, 'js-lifecycle', { identity: 'SAML' });
    assert.equal((await describeInstance(out.Id)).InstanceStatus, 'CREATION_IN_PROGRESS');
    await server.advance(59);
    assert.equal((await describeInstance(out.Id)).InstanceStatus, 'CREATION_IN_PROGRESS');
    await server.advance(2);
    const inst = await describeInstance(out.Id);
    assert.equal(inst.InstanceStatus, 'ACTIVE');
    assert.equal(inst.IdentityManagementType, 'SAML');
    assert.deepEqual((await list()).InstanceSummaryList.map((s) => s.InstanceStatus), ['ACTIVE']);
  });

  it('DescribeInstance accepts the full ARN', async () => {
    const out = await createInstance(c, 'js-arn');
    assert.deepEqual(await describeInstance(out.Arn), await describeInstance(out.Id));
  });

  it('unknown ids are ResourceNotFoundException 404', async () => {
    await expectAwsError(c.send(new DescribeInstanceCommand({ InstanceId: MISSING_ID })), 'ResourceNotFoundException', 404,
      { type: ResourceNotFoundException });
    await expectAwsError(c.send(new DescribeInstanceCommand({ InstanceId: instanceArn(MISSING_ID) })),
      'ResourceNotFoundException', 404);
    await expectAwsError(c.send(new DeleteInstanceCommand({ InstanceId: MISSING_ID })), 'ResourceNotFoundException', 404);
  });

  it('ListInstances shows summaries', async () => {
    const empty = await list();
    assert.deepEqual(empty.InstanceSummaryList, []);
    assert.equal(empty.NextToken, undefined);
    const a = await createInstance(c, 'js-list-a', { inbound: true, outbound: false });
    const b = await createInstance(c, 'js-list-b', { identity: 'SAML', inbound: false, outbound: true });
    const out = await list();
    assert.equal(out.NextToken, undefined);
    const byId = Object.fromEntries(out.InstanceSummaryList.map((s) => [s.Id, s]));
    assert.deepEqual(Object.keys(byId).sort(), [a.Id, b.Id].sort());
    assert.equal(byId[a.Id].Arn, a.Arn);
    assert.equal(byId[a.Id].InstanceAlias, 'js-list-a');
    assert.equal(byId[b.Id].IdentityManagementType, 'SAML');
    assert.deepEqual([byId[a.Id].InboundCallsEnabled, byId[a.Id].OutboundCallsEnabled], [true, false]);
    assert.deepEqual([byId[b.Id].InboundCallsEnabled, byId[b.Id].OutboundCallsEnabled], [false, true]);
    assert.equal(byId[b.Id].InstanceAccessUrl, 'https://js-list-b.my.connect.aws/');
    assert.match(byId[a.Id].ServiceRole, serviceRoleRe(DEFAULT_ACCOUNT));
    assert.ok(byId[a.Id].CreatedTime instanceof Date);
    assert.equal(byId[a.Id].InstanceStatus, 'CREATION_IN_PROGRESS');
  });

  it('DeleteInstance by id and by ARN', async () => {
    const a = await createInstance(c, 'js-del-a');
    const b = await createInstance(c, 'js-del-b');
    const out = await c.send(new DeleteInstanceCommand({ InstanceId: a.Id }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    await expectAwsError(c.send(new DescribeInstanceCommand({ InstanceId: a.Id })), 'ResourceNotFoundException', 404);
    await expectAwsError(c.send(new DeleteInstanceCommand({ InstanceId: a.Id })), 'ResourceNotFoundException', 404);
    assert.deepEqual((await list()).InstanceSummaryList.map((s) => s.Id), [b.Id]);
    await c.send(new DeleteInstanceCommand({ InstanceId: b.Arn }));
    await expectAwsError(c.send(new DescribeInstanceCommand({ InstanceId: b.Arn })), 'ResourceNotFoundException', 404);
    assert.deepEqual((await list()).InstanceSummaryList, []);
  });

  it('the alias is unique per region', async () => {
    await createInstance(c, 'js-dup');
    await expectAwsError(createInstance(c, 'js-dup'), 'ResourceConflictException', 409,
      { contains: 'js-dup', type: ResourceConflictException });
    const eu = await createInstance(server.client({ region: OTHER_REGION }), 'js-dup');
    assert.equal(eu.Arn, instanceArn(eu.Id, DEFAULT_ACCOUNT, OTHER_REGION));
  });

  it('the instance quota is 2 per account and region, raised by the admin API', async () => {
    assert.equal((await server.quotas()).instances, 2);
    await createInstance(c, 'js-q1');
    await createInstance(c, 'js-q2');
    await expectAwsError(createInstance(c, 'js-q3'), 'ServiceQuotaExceededException', 402,
      { type: ServiceQuotaExceededException });
    const eu = server.client({ region: OTHER_REGION });
    await createInstance(eu, 'js-q3');
    assert.equal((await server.setQuotas({ instances: 3 })).instances, 3);
    await createInstance(c, 'js-q3');
    await expectAwsError(createInstance(c, 'js-q4'), 'ServiceQuotaExceededException', 402);
    assert.equal((await list()).InstanceSummaryList.length, 3);
  });

  it('ClientToken: same parameters replay, different parameters conflict', async () => {
    const first = await createInstance(c, 'js-idem', { ClientToken: 'js-token-1' });
    await createInstance(c, 'js-filler');
    const again = await createInstance(c, 'js-idem', { ClientToken: 'js-token-1' });
    assert.equal(again.Id, first.Id);
    assert.equal(again.Arn, first.Arn);
    await expectAwsError(createInstance(c, 'js-idem-other', { ClientToken: 'js-token-1' }), 'IdempotencyException', 409,
      { type: IdempotencyException });
    assert.equal((await list()).InstanceSummaryList.length, 2);
  });

  it('validation errors are InvalidRequestException 400', async () => {
    const e = await expectAwsError(createInstance(c, 'js-nope', { identity: 'NOPE' }), 'InvalidRequestException', 400,
      { prefix: ENUM_MESSAGE, contains: ['SAML', 'CONNECT_MANAGED', 'EXISTING_DIRECTORY'], type: InvalidRequestException });
    assert.ok(e.message.endsWith(']'));
    await expectAwsError(c.send(new ListInstancesCommand({ MaxResults: 11 })), 'InvalidRequestException', 400,
      { prefix: "1 validation error detected: Value '11' at 'maxResults'" });
    await expectAwsError(c.send(new ListInstancesCommand({ MaxResults: 0 })), 'InvalidRequestException', 400,
      { contains: "'maxResults'" });
    await expectAwsError(c.send(new CreateInstanceCommand({ InstanceAlias: 'js-no-type', InboundCallsEnabled: true, OutboundCallsEnabled: true })),
      'InvalidRequestException', 400, { contains: "'identityManagementType'" });
    await expectAwsError(createInstance(c, 'bad_alias!'), 'InvalidRequestException', 400, { contains: "'instanceAlias'" });
    assert.deepEqual((await list()).InstanceSummaryList, []);
  });
});
