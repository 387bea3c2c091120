// Phone numbers through @aws-sdk/client-connect: the Terraform and CloudFormation flows, concurrent claims,
// quota FAILED claims, the 200 % rule, cooldown, idempotency, lists, updates, flows, import, instance
// deletion, validation errors, faults and throttling (SPEC §5, §6, §8, §9).
// Claims settle after the 60 s transient delay; the tests move the admin clock instead of waiting.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AssociatePhoneNumberContactFlowCommand, ClaimPhoneNumberCommand, CreateContactFlowCommand, DeleteContactFlowCommand,
  DeleteInstanceCommand, DescribeContactFlowCommand, DescribePhoneNumberCommand,
  DisassociatePhoneNumberContactFlowCommand, IdempotencyException, ImportPhoneNumberCommand,
  InvalidContactFlowException, InvalidParameterException, ListContactFlowsCommand, ListFlowAssociationsCommand,
  ListPhoneNumbersCommand, ListPhoneNumbersV2Command, ListTagsForResourceCommand, ReleasePhoneNumberCommand,
  ResourceInUseException, ResourceNotFoundException, SearchAvailablePhoneNumbersCommand, TagResourceCommand,
  ThrottlingException, UpdatePhoneNumberCommand, UpdatePhoneNumberMetadataCommand, paginateListPhoneNumbersV2,
} from '@aws-sdk/client-connect';
import {
  DEFAULT_ACCOUNT, MISSING_ID, REGION, Server, UUID4, createInstance, expectAwsError, instanceArn,
} from './harness.mjs';

const SETTLE = 61; // > the 60 s transient delay
const DAY = 24 * 3600;
const QUOTA_FAILURE = 'The allowed limit for claimed phone numbers has been exceeded for your instance';
const SOURCE_ARN = `arn:aws:sms-voice:${REGION}:${DEFAULT_ACCOUNT}:phone-number/phone-0123456789abcdef0123456789abcdef`;
const phoneArn = (id, account = DEFAULT_ACCOUNT, region = REGION) =>
  `arn:aws:connect:${region}:${account}:phone-number/${id}`;
const validation = (value, member) =>
  `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: `;

// A small fixture bound to one server and client.
function fixture(server) {
  const f = {
    c: null,
    inst: null,
    settle: (s = SETTLE) => server.advance(s),
    send: (cmd, client = f.c) => client.send(cmd),
    search: async ({ country = 'US', type = 'DID', prefix, max, target, client, ...extra } = {}) => {
      const input = { TargetArn: target ?? f.inst.Arn, PhoneNumberCountryCode: country, PhoneNumberType: type, ...extra };
      if (prefix !== undefined) input.PhoneNumberPrefix = prefix;
      if (max !== undefined) input.MaxResults = max;
      return f.send(new SearchAvailablePhoneNumbersCommand(input), client);
    },
    available: async (prefix, opts = {}) =>
      (await f.search({ prefix, ...opts })).AvailableNumbersList.map((n) => n.PhoneNumber),
    first: async (opts = {}) => {
      const list = (await f.search({ max: 1, ...opts })).AvailableNumbersList;
      assert.equal(list.length, 1, `nothing available for ${JSON.stringify(opts)}`);
      return list[0].PhoneNumber;
    },
    claim: (number, { target, client, ...extra } = {}) =>
      f.send(new ClaimPhoneNumberCommand({ PhoneNumber: number, TargetArn: target ?? f.inst.Arn, ...extra }), client),
    describe: async (id, client) =>
      (await f.send(new DescribePhoneNumberCommand({ PhoneNumberId: id }), client)).ClaimedPhoneNumberSummary,
    status: async (id) => (await f.describe(id)).PhoneNumberStatus,
    release: (id, extra = {}) => f.send(new ReleasePhoneNumberCommand({ PhoneNumberId: id, ...extra })),
    claimSettled: async (number, opts = {}) => {
      number ??= await f.first({ target: opts.target });
      const out = await f.claim(number, opts);
      await f.settle();
      assert.equal((await f.status(out.PhoneNumberId)).Status, 'CLAIMED');
      return { number, out };
    },
    v2: async (input = {}, client) =>
      (await f.send(new ListPhoneNumbersV2Command(input), client)).ListPhoneNumbersSummaryList.map((s) => s.PhoneNumber),
    notAvailable: async (number, opts = {}) => {
      const e = await expectAwsError(f.claim(number, opts), 'InvalidParameterException', 400,
        { type: InvalidParameterException });
      assert.equal(e.message, `Phone number not available: ${number}`);
    },
  };
  return f;
}

describe('phone numbers', () => {
  const server = new Server({ transientDelay: '60s' });
  const f = fixture(server);
  before(async () => {
    await server.start();
    f.c = server.client();
  });
  after(() => server.stop());
  beforeEach(async () => {
    await server.reset();
    f.inst = await createInstance(f.c, 'js-phones');
  });

  it('Terraform flow: search, claim, wait for CLAIMED, read, release, wait for not found', async () => {
    const found = (await f.search({ max: 1 })).AvailableNumbersList;
    assert.equal(found.length, 1);
    assert.deepEqual(Object.keys(found[0]).sort(), ['PhoneNumber', 'PhoneNumberCountryCode', 'PhoneNumberType']);
    const number = found[0].PhoneNumber;
    assert.match(number, /^\+1\d{10}$/);
    const tags = { Name: 'tf-number', env: 'test' };
    const out = await f.claim(number, { ClientToken: randomUUID(), Tags: tags, PhoneNumberDescription: 'terraform managed' });
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.match(out.PhoneNumberId, UUID4);
    assert.equal(out.PhoneNumberArn, phoneArn(out.PhoneNumberId));

    const seen = [];
    for (let i = 0; i < 10; i++) {
      seen.push((await f.status(out.PhoneNumberId)).Status);
      if (seen.at(-1) === 'CLAIMED') break;
      await server.advance(20);
    }
    assert.equal(seen[0], 'IN_PROGRESS');
    assert.equal(seen.at(-1), 'CLAIMED');
    assert.deepEqual([...new Set(seen.slice(0, -1))], ['IN_PROGRESS']);

    const d = await f.describe(out.PhoneNumberId);
    assert.equal(d.PhoneNumberId, out.PhoneNumberId);
    assert.equal(d.PhoneNumberArn, `arn:aws:connect:${REGION}:${DEFAULT_ACCOUNT}:phone-number/${out.PhoneNumberId}`);
    assert.equal(d.PhoneNumber, number);
    assert.equal(d.PhoneNumberCountryCode, 'US');
    assert.equal(d.PhoneNumberType, 'DID');
    assert.equal(d.PhoneNumberDescription, 'terraform managed');
    assert.equal(d.TargetArn, f.inst.Arn);
    assert.deepEqual(d.Tags, tags);
    assert.notEqual(await f.first(), number);

    const rel = await f.release(out.PhoneNumberId, { ClientToken: randomUUID() });
    assert.equal(rel.$metadata.httpStatusCode, 200);
    for (const step of [0, 1, SETTLE, 3600]) {
      await server.advance(step);
      await expectAwsError(f.describe(out.PhoneNumberId), 'ResourceNotFoundException', 404, { type: ResourceNotFoundException });
    }
    assert.deepEqual(await f.v2(), []);
    await expectAwsError(f.release(out.PhoneNumberId), 'ResourceNotFoundException', 404);
  });

  it('CloudFormation flow: search pages, then the full ARN as PhoneNumberId everywhere', async () => {
    const numbers = [];
    const tokens = [];
    let next;
    for (let i = 0; i < 3; i++) {
      const page = await f.search({ max: 10, ...(next ? { NextToken: next } : {}) });
      assert.equal(page.AvailableNumbersList.length, 10);
      numbers.push(...page.AvailableNumbersList.map((n) => n.PhoneNumber));
      assert.ok(page.NextToken);
      assert.ok(!tokens.includes(page.NextToken), 'a NextToken came back twice');
      tokens.push(page.NextToken);
      next = page.NextToken;
    }
    assert.equal(new Set(numbers).size, 30, 'a number repeats across pages');
    assert.deepEqual(numbers, [...numbers].sort());

    // A narrow prefix: walk to the last page, which has no NextToken.
    const all = [];
    next = undefined;
    for (let pages = 0; ; pages++) {
      assert.ok(pages < 12, 'pagination does not end');
      const page = await f.search({ prefix: '+120155500', max: 10, ...(next ? { NextToken: next } : {}) });
      all.push(...page.AvailableNumbersList.map((n) => n.PhoneNumber));
      if (!page.NextToken) break;
      assert.notEqual(page.NextToken, next);
      next = page.NextToken;
    }
    assert.deepEqual(all, Array.from({ length: 100 }, (_, i) => `+120155500${String(i).padStart(2, '0')}`));

    const number = numbers[13];
    const out = await f.claim(number); // the SDK fills the ClientToken
    const arn = out.PhoneNumberArn;
    assert.equal(arn, phoneArn(out.PhoneNumberId));
    assert.equal((await f.status(arn)).Status, 'IN_PROGRESS');
    await f.settle();
    assert.equal((await f.status(arn)).Status, 'CLAIMED');
    const other = await createInstance(f.c, 'js-phones-b');
    const up = await f.send(new UpdatePhoneNumberCommand({ PhoneNumberId: arn, TargetArn: other.Arn }));
    assert.deepEqual([up.PhoneNumberId, up.PhoneNumberArn], [out.PhoneNumberId, arn]);
    await f.settle();
    const d = await f.describe(arn);
    assert.equal(d.TargetArn, other.Arn);
    assert.equal(d.PhoneNumberStatus.Status, 'CLAIMED');
    await f.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId: arn, PhoneNumberDescription: 'from cfn' }));
    await f.settle();
    assert.equal((await f.describe(arn)).PhoneNumberDescription, 'from cfn');
    await f.release(arn);
    await expectAwsError(f.describe(arn), 'ResourceNotFoundException', 404);
  });

  it('16 concurrent clients claiming the same number: exactly one wins', async () => {
    const number = await f.first();
    const clients = Array.from({ length: 16 }, () => server.client());
    const results = await Promise.allSettled(clients.map((client) => f.claim(number, { client, ClientToken: randomUUID() })));
    const wins = results.filter((r) => r.status === 'fulfilled');
    const losses = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    assert.equal(wins.length, 1, JSON.stringify(results.map((r) => r.status)));
    assert.equal(losses.length, 15);
    for (const e of losses) {
      assert.equal(e.name, 'InvalidParameterException', e.stack);
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.equal(e.message, `Phone number not available: ${number}`);
    }
    const listed = (await f.send(new ListPhoneNumbersV2Command({}))).ListPhoneNumbersSummaryList;
    assert.deepEqual(listed.map((s) => [s.PhoneNumberId, s.PhoneNumber]), [[wins[0].value.PhoneNumberId, number]]);
  });

  it('16 concurrent claims of distinct numbers into one instance: exactly the quota of 5 settles CLAIMED', async () => {
    const numbers = [...await f.available('+120155500'), ...await f.available('+120155501')];
    const outs = await Promise.all(numbers.slice(0, 16).map((n) => f.claim(n, { client: server.client() })));
    await f.settle();
    const statuses = await Promise.all(outs.map((o) => f.status(o.PhoneNumberId)));
    assert.equal(statuses.filter((s) => s.Status === 'CLAIMED').length, 5, JSON.stringify(statuses));
    assert.equal(statuses.filter((s) => s.Status === 'FAILED' && s.Message === QUOTA_FAILURE).length, 11);
  });

  it('16 concurrent retries with one ClientToken all get the same PhoneNumberId', async () => {
    const number = await f.first();
    const t = randomUUID();
    const outs = await Promise.all(Array.from({ length: 16 }, () => f.claim(number, { client: server.client(), ClientToken: t })));
    assert.equal(new Set(outs.map((o) => o.PhoneNumberId)).size, 1);
    assert.deepEqual(await f.v2(), [number]);
  });

  it('a claim over the instance quota settles FAILED and vanishes after 24 hours', async () => {
    await server.setQuotas({ phone_numbers_per_instance: 1 });
    const { number: first } = await f.claimSettled();
    const second = await f.first();
    const out = await f.claim(second);
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.deepEqual(await f.status(out.PhoneNumberId), { Status: 'IN_PROGRESS' });
    await f.settle();
    assert.deepEqual(await f.status(out.PhoneNumberId), { Status: 'FAILED', Message: QUOTA_FAILURE });
    assert.deepEqual(await f.v2(), [first, second].sort());
    assert.deepEqual(await f.available(second), []);
    await server.advance(DAY + SETTLE);
    await expectAwsError(f.describe(out.PhoneNumberId), 'ResourceNotFoundException', 404);
    assert.deepEqual(await f.v2(), [first]);
    assert.deepEqual(await f.available(second), [second]);
  });

  it('the 200 % rule blocks claims for 180 days after 10 releases', async () => {
    await server.setQuotas({ cooldown_days: 0 });
    let firstRelease;
    for (let i = 0; i < 10; i++) {
      const { out } = await f.claimSettled();
      await f.release(out.PhoneNumberId);
      firstRelease ??= await server.now();
    }
    const number = await f.first();
    const e = await expectAwsError(f.claim(number), 'InvalidParameterException', 400, { contains: 'claim limit' });
    const unlock = new Date((firstRelease + 180 * DAY) * 1000).toISOString().slice(0, 10);
    assert.ok(e.message.includes(unlock), `${e.message} does not name ${unlock}`);
    await server.advance(180 * DAY + 1);
    const out = await f.claim(await f.first());
    await f.settle();
    assert.equal((await f.status(out.PhoneNumberId)).Status, 'CLAIMED');
  });

  it('a released number cools down for 180 days', async () => {
    const { number, out } = await f.claimSettled();
    await f.release(out.PhoneNumberId);
    assert.deepEqual(await f.available(number), []);
    assert.notEqual(await f.first(), number);
    await f.notAvailable(number);
    await server.advance(180 * DAY + 1);
    assert.deepEqual(await f.available(number), [number]);
    const again = await f.claim(number);
    assert.notEqual(again.PhoneNumberId, out.PhoneNumberId);
  });

  it('ClientToken: replay, mismatch, non-UUID, release replay', async () => {
    const number = await f.first();
    const t = randomUUID();
    const a = await f.claim(number, { ClientToken: t, PhoneNumberDescription: 'one' });
    const b = await f.claim(number, { ClientToken: t, PhoneNumberDescription: 'one' });
    assert.deepEqual([b.PhoneNumberId, b.PhoneNumberArn], [a.PhoneNumberId, a.PhoneNumberArn]);
    assert.deepEqual(await f.v2(), [number]);
    await expectAwsError(f.claim(number, { ClientToken: t, PhoneNumberDescription: 'two' }), 'IdempotencyException', 409,
      { type: IdempotencyException });
    await expectAwsError(f.claim(await f.first(), { ClientToken: 'not-a-uuid' }), 'InvalidParameterException', 400,
      { contains: "'clientToken'" });
    assert.deepEqual(await f.v2(), [number]);

    await f.settle();
    const rt = randomUUID();
    assert.equal((await f.release(a.PhoneNumberId, { ClientToken: rt })).$metadata.httpStatusCode, 200);
    assert.equal((await f.release(a.PhoneNumberId, { ClientToken: rt })).$metadata.httpStatusCode, 200);
    await expectAwsError(f.describe(a.PhoneNumberId), 'ResourceNotFoundException', 404);
  });

  it('Release while IN_PROGRESS is ResourceInUseException naming the phone number', async () => {
    const out = await f.claim(await f.first());
    const e = await expectAwsError(f.release(out.PhoneNumberId), 'ResourceInUseException', 409,
      { type: ResourceInUseException });
    assert.equal(e.ResourceType, 'PHONE_NUMBER');
    assert.equal(e.ResourceId, out.PhoneNumberArn);
    await f.settle();
    await f.release(out.PhoneNumberId);
    await expectAwsError(f.describe(out.PhoneNumberId), 'ResourceNotFoundException', 404);
  });

  it('ListPhoneNumbersV2 and ListPhoneNumbers (v1), tags on phone-number ARNs', async () => {
    const other = await createInstance(f.c, 'js-phones-b');
    const { number: did, out: didOut } = await f.claimSettled(await f.first({ prefix: '+1201' }));
    const { number: tf } = await f.claimSettled(await f.first({ type: 'TOLL_FREE' }));
    const { number: didB } = await f.claimSettled(await f.first({ prefix: '+1206' }), { target: other.Arn });
    const gb = await f.first({ country: 'GB' });
    await f.claim(gb); // IN_PROGRESS
    const mine = [did, tf, gb].sort();
    assert.deepEqual(await f.v2({ InstanceId: f.inst.Id }), mine);
    assert.deepEqual(await f.v2({ TargetArn: f.inst.Arn }), mine);
    assert.deepEqual(await f.v2(), [...mine, didB].sort());
    assert.deepEqual(await f.v2({ PhoneNumberCountryCodes: ['GB'] }), [gb]);
    assert.deepEqual(await f.v2({ PhoneNumberTypes: ['TOLL_FREE'] }), [tf]);
    assert.deepEqual(await f.v2({ PhoneNumberPrefix: '+1206' }), [didB]);
    const paged = [];
    let pages = 0;
    for await (const page of paginateListPhoneNumbersV2({ client: f.c, pageSize: 1 }, {})) {
      pages++;
      paged.push(...page.ListPhoneNumbersSummaryList.map((s) => s.PhoneNumber));
    }
    assert.deepEqual(paged, [...mine, didB].sort());
    assert.equal(pages >= 4, true);

    const v1 = async (input) =>
      (await f.send(new ListPhoneNumbersCommand({ InstanceId: f.inst.Id, ...input }))).PhoneNumberSummaryList;
    const listed = await v1({});
    assert.deepEqual(listed.map((s) => s.PhoneNumber).sort(), [did, tf].sort());
    const didSummary = listed.find((s) => s.PhoneNumber === did);
    assert.equal(didSummary.Id, didOut.PhoneNumberId);
    assert.equal(didSummary.Arn, `${f.inst.Arn}/phone-number/${didOut.PhoneNumberId}`);
    assert.deepEqual((await v1({ PhoneNumberTypes: ['DID', 'TOLL_FREE'], PhoneNumberCountryCodes: ['US', 'GB'] }))
      .map((s) => s.PhoneNumber).sort(), [did, tf].sort());
    assert.deepEqual((await v1({ PhoneNumberTypes: ['TOLL_FREE'] })).map((s) => s.PhoneNumber), [tf]);

    await expectAwsError(f.send(new TagResourceCommand({ resourceArn: didSummary.Arn, tags: { a: 'b' } })),
      'ResourceNotFoundException', 404);
    await f.send(new TagResourceCommand({ resourceArn: didOut.PhoneNumberArn, tags: { team: 'voice' } }));
    assert.deepEqual((await f.send(new ListTagsForResourceCommand({ resourceArn: didOut.PhoneNumberArn }))).tags,
      { team: 'voice' });
    assert.deepEqual((await f.describe(didOut.PhoneNumberId)).Tags, { team: 'voice' });
  });

  it('UpdatePhoneNumber moves a number; Update while IN_PROGRESS is ResourceInUse; metadata update', async () => {
    await server.setQuotas({ instances: 3 });
    const other = await createInstance(f.c, 'js-phones-b');
    const third = await createInstance(f.c, 'js-phones-c');
    const { number, out } = await f.claimSettled();
    await f.send(new UpdatePhoneNumberCommand({ PhoneNumberId: out.PhoneNumberId, InstanceId: other.Id }));
    let d = await f.describe(out.PhoneNumberId);
    assert.deepEqual([d.PhoneNumberStatus.Status, d.TargetArn], ['IN_PROGRESS', other.Arn]);
    const e = await expectAwsError(
      f.send(new UpdatePhoneNumberCommand({ PhoneNumberId: out.PhoneNumberId, TargetArn: third.Arn })),
      'ResourceInUseException', 409);
    assert.deepEqual([e.ResourceType, e.ResourceId], ['PHONE_NUMBER', out.PhoneNumberArn]);
    await f.settle();
    d = await f.describe(out.PhoneNumberId);
    assert.deepEqual([d.PhoneNumberStatus.Status, d.TargetArn], ['CLAIMED', other.Arn]);
    assert.deepEqual(await f.v2({ InstanceId: other.Id }), [number]);
    assert.deepEqual(await f.v2({ InstanceId: f.inst.Id }), []);
    await f.send(new UpdatePhoneNumberMetadataCommand({ PhoneNumberId: out.PhoneNumberId, PhoneNumberDescription: 'moved' }));
    await f.settle();
    assert.equal((await f.describe(out.PhoneNumberId)).PhoneNumberDescription, 'moved');
  });

  it('flows: default inbound, associate, list associations, disassociate, release drops; flow CRUD', async () => {
    const flows = (await f.send(new ListContactFlowsCommand({ InstanceId: f.inst.Id }))).ContactFlowSummaryList;
    const inbound = flows.filter((fl) => fl.Name === 'Default inbound');
    assert.equal(inbound.length, 1);
    assert.equal(inbound[0].ContactFlowType, 'CONTACT_FLOW');
    const flow = inbound[0];
    const assoc = async () => (await f.send(new ListFlowAssociationsCommand({
      InstanceId: f.inst.Id, ResourceType: 'VOICE_PHONE_NUMBER',
    }))).FlowAssociationSummaryList.map((a) => [a.ResourceId, a.FlowId]);
    const { out } = await f.claimSettled();
    await f.send(new AssociatePhoneNumberContactFlowCommand({
      PhoneNumberId: out.PhoneNumberId, InstanceId: f.inst.Id, ContactFlowId: flow.Id,
    }));
    assert.deepEqual(await assoc(), [[out.PhoneNumberArn, flow.Arn]]);
    await f.send(new DisassociatePhoneNumberContactFlowCommand({ PhoneNumberId: out.PhoneNumberId, InstanceId: f.inst.Id }));
    assert.deepEqual(await assoc(), []);
    await f.send(new AssociatePhoneNumberContactFlowCommand({
      PhoneNumberId: out.PhoneNumberArn, InstanceId: f.inst.Id, ContactFlowId: flow.Id,
    }));
    assert.deepEqual(await assoc(), [[out.PhoneNumberArn, flow.Arn]]);
    await f.release(out.PhoneNumberId);
    assert.deepEqual(await assoc(), []);

    await expectAwsError(f.send(new CreateContactFlowCommand({
      InstanceId: f.inst.Id, Name: 'broken', Type: 'CONTACT_FLOW', Content: '{not json',
    })), 'InvalidContactFlowException', 400, { type: InvalidContactFlowException });
    const content = '{"Version":"2019-10-30","StartAction":"a","Actions":[{"Identifier":"a","Type":"DisconnectParticipant","Parameters":{},"Transitions":{}}]}';
    const made = await f.send(new CreateContactFlowCommand({ InstanceId: f.inst.Id, Name: 'mine', Type: 'CONTACT_FLOW', Content: content }));
    const desc = (await f.send(new DescribeContactFlowCommand({ InstanceId: f.inst.Id, ContactFlowId: made.ContactFlowId }))).ContactFlow;
    assert.equal(desc.Content, content);
    assert.equal(desc.Arn, made.ContactFlowArn);
    await f.send(new DeleteContactFlowCommand({ InstanceId: f.inst.Id, ContactFlowId: made.ContactFlowId }));
    await expectAwsError(f.send(new DescribeContactFlowCommand({ InstanceId: f.inst.Id, ContactFlowId: made.ContactFlowId })),
      'ResourceNotFoundException', 404);
  });

  it('ImportPhoneNumber from an admin-stocked End User Messaging number', async () => {
    await server.admin('POST', 'external-numbers', { numbers: [
      { source_arn: SOURCE_ARN, phone_number: '+12065550199', country: 'US', type: 'DID' }] });
    const out = await f.send(new ImportPhoneNumberCommand({ InstanceId: f.inst.Id, SourcePhoneNumberArn: SOURCE_ARN }));
    assert.equal(out.PhoneNumberArn, phoneArn(out.PhoneNumberId));
    await f.settle();
    const d = await f.describe(out.PhoneNumberId);
    assert.equal(d.SourcePhoneNumberArn, SOURCE_ARN);
    assert.deepEqual([d.PhoneNumber, d.PhoneNumberCountryCode, d.PhoneNumberType, d.PhoneNumberStatus.Status],
      ['+12065550199', 'US', 'DID', 'CLAIMED']);
    await expectAwsError(f.send(new ImportPhoneNumberCommand({
      InstanceId: f.inst.Id, SourcePhoneNumberArn: `${SOURCE_ARN.slice(0, -4)}ffff`,
    })), 'ResourceNotFoundException', 404);
    await expectAwsError(f.send(new ImportPhoneNumberCommand({
      InstanceId: f.inst.Id, SourcePhoneNumberArn: 'arn:aws:sms-voice:us-east-1:000000000000:phone-number/nope',
    })), 'InvalidParameterException', 400);
  });

  it('DeleteInstance releases its numbers into cooldown', async () => {
    const { number, out } = await f.claimSettled();
    await f.send(new DeleteInstanceCommand({ InstanceId: f.inst.Id }));
    await expectAwsError(f.describe(out.PhoneNumberId), 'ResourceNotFoundException', 404);
    const next = await createInstance(f.c, 'js-phones-next');
    assert.deepEqual(await f.available(number, { target: next.Arn }), []);
    await f.notAvailable(number, { target: next.Arn });
  });

  it('validation errors name the member', async () => {
    const search = (extra) => f.search(extra);
    await expectAwsError(f.claim('12065550100'), 'InvalidParameterException', 400,
      { prefix: validation('12065550100', 'phoneNumber') });
    await expectAwsError(search({ type: 'NOPE' }), 'InvalidParameterException', 400,
      { prefix: `${validation('NOPE', 'phoneNumberType')}Member must satisfy enum value set: [`, contains: ['DID', 'TOLL_FREE'] });
    await expectAwsError(search({ max: 11 }), 'InvalidParameterException', 400, { prefix: validation(11, 'maxResults') });
    const e = await expectAwsError(search({ prefix: '1206' }), 'InvalidParameterException', 400);
    assert.match(e.message, /phonenumberprefix/i);
    await expectAwsError(f.send(new ListPhoneNumbersV2Command({ MaxResults: 1001 })), 'InvalidParameterException', 400,
      { prefix: validation(1001, 'maxResults') });
    const number = await f.first();
    await expectAwsError(f.claim(number, { PhoneNumberDescription: 'd'.repeat(501) }), 'InvalidParameterException', 400,
      { prefix: '1 validation error detected: ', contains: "'phoneNumberDescription'" });
    const none = await expectAwsError(f.send(new ClaimPhoneNumberCommand({ PhoneNumber: number })),
      'InvalidParameterException', 400);
    assert.equal(none.message, 'Either InstanceId or TargetArn must be provided');
    await expectAwsError(f.claim(number, { target: f.inst.Arn.replace(`:${REGION}:`, ':us-west-2:') }),
      'InvalidParameterException', 400, { contains: 'not in the same Region' });
    await expectAwsError(f.send(new ClaimPhoneNumberCommand({ PhoneNumber: number, InstanceId: MISSING_ID })),
      'ResourceNotFoundException', 404);
    await expectAwsError(f.send(new SearchAvailablePhoneNumbersCommand({
      InstanceId: MISSING_ID, PhoneNumberCountryCode: 'US', PhoneNumberType: 'DID',
    })), 'InvalidParameterException', 400);
    await expectAwsError(f.search({ max: 2, NextToken: 'garbage-token' }), 'InvalidParameterException', 400);
    assert.deepEqual(await f.v2(), []);
  });

  it('malformed JSON bodies are SerializationException', async () => {
    // The SDK builds a valid request; a build-step middleware breaks the body before it is signed.
    const client = server.client();
    let body = '{"PhoneNumber": "+12015550000", "TargetArn": ';
    client.middlewareStack.add((next) => async (args) => {
      args.request.body = body;
      args.request.headers['content-length'] = String(Buffer.byteLength(body));
      return next(args);
    }, { step: 'build', priority: 'low', name: 'breakBody' });
    await expectAwsError(f.claim('+12015550000', { client }), 'SerializationException', 400);
    body = JSON.stringify(['+12015550000']);
    await expectAwsError(f.claim('+12015550000', { client }), 'SerializationException', 400);
    body = JSON.stringify({ PhoneNumber: 12015550000, TargetArn: f.inst.Arn });
    await expectAwsError(f.claim('+12015550000', { client }), 'SerializationException', 400);
    assert.deepEqual(await f.v2(), []);
  });

  it('fault rules: injected errors, then claims that settle FAILED', async () => {
    const number = await f.first();
    await server.admin('POST', 'faults', { operation: 'ClaimPhoneNumber', error_code: 'InternalServiceException', message: 'boom' });
    const e = await expectAwsError(f.claim(number), 'InternalServiceException', 500);
    assert.equal(e.message, 'boom');
    assert.equal(e.$metadata.attempts, 1);
    assert.deepEqual(await f.v2(), []);
    await server.admin('DELETE', 'faults');
    const ok = await f.claim(number);
    await f.settle();
    assert.equal((await f.status(ok.PhoneNumberId)).Status, 'CLAIMED');

    await server.admin('POST', 'faults', { operation: 'ClaimPhoneNumber', claim_failure_message: 'carrier rejected' });
    const bad = await f.claim(await f.first());
    assert.deepEqual(await f.status(bad.PhoneNumberId), { Status: 'IN_PROGRESS' });
    await f.settle();
    assert.deepEqual(await f.status(bad.PhoneNumberId), { Status: 'FAILED', Message: 'carrier rejected' });
  });

  it('an SDK retry after a 500 that followed the commit claims once', async () => {
    const number = await f.first();
    await server.admin('POST', 'faults', { operation: 'ClaimPhoneNumber', error_code: 'InternalServiceException',
      message: 'lost', after_commit: true, times: 1 });
    // The SDK's default retries, with the ClientToken it generated for the first attempt.
    const retrying = server.client({ maxAttempts: 3 });
    const out = await f.claim(number, { client: retrying });
    assert.equal(out.$metadata.attempts, 2);
    assert.deepEqual(await f.v2(), [number]);
    assert.equal((await f.describe(out.PhoneNumberId)).PhoneNumber, number);
  });
});

describe('phone numbers under --throttle aws', () => {
  const server = new Server({ transientDelay: '60s', extraArgs: ['--throttle', 'aws'] });
  const f = fixture(server);
  before(async () => {
    await server.start();
    f.c = server.client();
    f.inst = await createInstance(f.c, 'js-throttle');
  });
  after(() => server.stop());

  const burst = async (call) => {
    let ok = 0;
    let throttled = 0;
    for (let i = 0; i < 10; i++) {
      try {
        await call();
        ok++;
      } catch (e) {
        assert.ok(e instanceof ThrottlingException, `${e.name}: ${e.message}`);
        assert.equal(e.$metadata.httpStatusCode, 429);
        throttled++;
      }
    }
    return { ok, throttled };
  };

  it('10 rapid calls per operation: the burst of 5 passes, then ThrottlingException 429', async () => {
    const out = await f.claim(await f.first());
    const d = await burst(() => f.describe(out.PhoneNumberId));
    assert.ok(d.ok >= 5 && d.throttled >= 1, JSON.stringify(d));
    const l = await burst(() => f.v2());
    assert.ok(l.ok >= 5 && l.throttled >= 1, JSON.stringify(l));
  });
});
