// Multi-region through @aws-sdk/client-connect: ReplicateInstance, traffic distribution groups (TDGs) and
// phone numbers claimed to a TDG, seen from the home Region (us-east-1) and the replica Region (us-west-2)
// (SPEC §4, §7; reference/connect-behavior.md §1, §3).
// One ConnectClient per Region against the same endpoint and credentials: the server takes the Region from
// the signature's credential scope. Transient states last the 60 s transient delay; the tests move the
// admin clock instead of waiting.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  ClaimPhoneNumberCommand, CreateInstanceCommand, CreateTrafficDistributionGroupCommand, DeleteTrafficDistributionGroupCommand,
  DescribeInstanceCommand, DescribePhoneNumberCommand, DescribeTrafficDistributionGroupCommand, InvalidParameterException,
  InvalidRequestException, ListInstancesCommand, ListPhoneNumbersV2Command, ListTrafficDistributionGroupsCommand,
  ReleasePhoneNumberCommand, ReplicateInstanceCommand, ResourceConflictException, ResourceInUseException,
  ResourceNotFoundException, SearchAvailablePhoneNumbersCommand, UpdatePhoneNumberCommand,
  paginateListTrafficDistributionGroups,
} from '@aws-sdk/client-connect';
import { DEFAULT_ACCOUNT, MISSING_ID, Server, UUID4, createInstance, expectAwsError, instanceArn } from './harness.mjs';

const HOME = 'us-east-1';
const REPLICA = 'us-west-2';
const SETTLE = 61; // > the 60 s transient delay
const DIRECTORY_ID = 'd-1234567890';
const NOT_SAME_REGION = 'not in the same Region';
const QUOTA_FAILURE = 'The allowed limit for claimed phone numbers has been exceeded for your instance';
const SUPPORTED_PAIRS = [['us-east-1', 'us-west-2'], ['us-west-2', 'us-east-1'], ['eu-central-1', 'eu-west-2'],
  ['eu-west-2', 'eu-central-1'], ['ap-northeast-1', 'ap-northeast-3']];
const UNSUPPORTED_PAIRS = [['us-east-1', 'eu-west-2'], ['ap-northeast-3', 'ap-northeast-1'], ['eu-central-1', 'us-west-2'],
  ['us-west-2', 'ap-northeast-3']];

const tdgArn = (id, region = HOME) => `arn:aws:connect:${region}:${DEFAULT_ACCOUNT}:traffic-distribution-group/${id}`;
const phoneArn = (id, region = HOME) => `arn:aws:connect:${region}:${DEFAULT_ACCOUNT}:phone-number/${id}`;

describe('multi-region: replication, traffic distribution groups, TDG numbers', () => {
  const server = new Server({ transientDelay: '60s' });
  const clients = {};
  const client = (region) => (clients[region] ??= server.client({ region }));
  let east;
  let west;
  before(async () => {
    await server.start();
    east = client(HOME);
    west = client(REPLICA);
  });
  after(() => server.stop());
  beforeEach(() => server.reset());

  // ---- helpers: each step is a real API call ----
  const settle = (s = SETTLE) => server.advance(s);
  const samlInstance = async (alias, { region = HOME, settled = true } = {}) => {
    const out = await createInstance(client(region), alias, { identity: 'SAML' });
    if (settled) await settle();
    return out.Id;
  };
  const replicate = (c, instanceId, replicaRegion, alias) =>
    c.send(new ReplicateInstanceCommand({ InstanceId: instanceId, ReplicaRegion: replicaRegion, ReplicaAlias: alias }));
  // A SAML instance in us-east-1 replicated to us-west-2, everything settled; returns its id.
  const replicatedInstance = async (alias = 'mr-home', replicaAlias = 'mr-replica') => {
    const id = await samlInstance(alias);
    await replicate(east, id, REPLICA, replicaAlias);
    await settle();
    return id;
  };
  const describeInstance = (c, id) => c.send(new DescribeInstanceCommand({ InstanceId: id }));
  const listInstances = async (c) => (await c.send(new ListInstancesCommand({}))).InstanceSummaryList;
  const createTdg = async (instanceId, { name = 'mr-tdg', settled = true, ...extra } = {}) => {
    const out = await east.send(new CreateTrafficDistributionGroupCommand({ Name: name, InstanceId: instanceId, ...extra }));
    if (settled) await settle();
    return out;
  };
  const describeTdg = async (id, c = east) =>
    (await c.send(new DescribeTrafficDistributionGroupCommand({ TrafficDistributionGroupId: id }))).TrafficDistributionGroup;
  const listTdgs = async (input = {}, c = east) =>
    (await c.send(new ListTrafficDistributionGroupsCommand(input))).TrafficDistributionGroupSummaryList;
  const deleteTdg = (id, c = east) => c.send(new DeleteTrafficDistributionGroupCommand({ TrafficDistributionGroupId: id }));
  const defaultTdg = async (instanceId) => {
    const groups = (await listTdgs({ InstanceId: instanceId })).filter((g) => g.IsDefault);
    assert.equal(groups.length, 1, JSON.stringify(groups));
    return groups[0];
  };
  const search = async (target, c = east, max = 1) => (await c.send(new SearchAvailablePhoneNumbersCommand({
    TargetArn: target, PhoneNumberCountryCode: 'US', PhoneNumberType: 'DID', MaxResults: max,
  }))).AvailableNumbersList;
  const firstAvailable = async (target, c = east) => {
    const list = await search(target, c);
    assert.equal(list.length, 1);
    return list[0].PhoneNumber;
  };
  const claim = (number, target, c = east) =>
    c.send(new ClaimPhoneNumberCommand({ PhoneNumber: number, TargetArn: target, ClientToken: randomUUID() }));
  const describeNumber = async (id, c = east) =>
    (await c.send(new DescribePhoneNumberCommand({ PhoneNumberId: id }))).ClaimedPhoneNumberSummary;
  const statusAndTarget = async (id) => {
    const d = await describeNumber(id);
    return [d.PhoneNumberStatus.Status, d.TargetArn];
  };
  const claimSettled = async (target) => {
    const number = await firstAvailable(target);
    const out = await claim(number, target);
    await settle();
    assert.equal((await describeNumber(out.PhoneNumberId)).PhoneNumberStatus.Status, 'CLAIMED');
    return { number, ...out };
  };
  const v2 = async (input, c = east) =>
    (await c.send(new ListPhoneNumbersV2Command(input))).ListPhoneNumbersSummaryList;
  const v2Numbers = async (input, c = east) => (await v2(input, c)).map((s) => s.PhoneNumber);
  const release = (id, c = east) => c.send(new ReleasePhoneNumberCommand({ PhoneNumberId: id, ClientToken: randomUUID() }));
  const update = (id, input, c = east) =>
    c.send(new UpdatePhoneNumberCommand({ PhoneNumberId: id, ClientToken: randomUUID(), ...input }));

  describe('ReplicateInstance', () => {
    it('keeps the instance id and answers the replica-Region ARN', async () => {
      const id = await samlInstance('js-rep-shape');
      const out = await replicate(east, id, REPLICA, 'js-rep-shape-west');
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.equal(out.Id, id);
      assert.equal(out.Arn, instanceArn(id, DEFAULT_ACCOUNT, REPLICA));
    });

    it('the replica Region describes and lists the replica; replication goes IN_PROGRESS -> COMPLETE', async () => {
      const id = await samlInstance('js-rep-home');
      await replicate(east, id, REPLICA, 'js-rep-west');
      const replicaArn = instanceArn(id, DEFAULT_ACCOUNT, REPLICA);
      const first = await describeInstance(west, id);
      assert.equal(first.Instance.Id, id);
      assert.equal(first.Instance.Arn, replicaArn);
      assert.equal(first.Instance.IdentityManagementType, 'SAML');
      assert.equal(first.ReplicationConfiguration.SourceRegion, HOME);
      assert.deepEqual(first.ReplicationConfiguration.ReplicationStatusSummaryList,
        [{ Region: REPLICA, ReplicationStatus: 'INSTANCE_REPLICATION_IN_PROGRESS' }]);
      assert.deepEqual((await describeInstance(west, replicaArn)).Instance, first.Instance);

      await settle();
      const done = await describeInstance(west, id);
      assert.equal(done.Instance.Arn, replicaArn);
      assert.equal(done.ReplicationConfiguration.SourceRegion, HOME);
      assert.deepEqual(done.ReplicationConfiguration.ReplicationStatusSummaryList,
        [{ Region: REPLICA, ReplicationStatus: 'INSTANCE_REPLICATION_COMPLETE' }]);
      assert.deepEqual((await listInstances(west)).map((s) => [s.Id, s.Arn]), [[id, replicaArn]]);
      assert.deepEqual((await listInstances(east)).map((s) => [s.Id, s.Arn]), [[id, instanceArn(id)]]);
      assert.equal((await describeInstance(east, id)).Instance.Arn, instanceArn(id));
    });

    it('creates the default traffic distribution group in the home Region', async () => {
      const id = await samlInstance('js-rep-default');
      assert.deepEqual(await listTdgs(), []);
      await replicate(east, id, REPLICA, 'js-rep-default-w');
      await settle();
      const groups = await listTdgs();
      assert.equal(groups.length, 1);
      const [g] = groups;
      assert.equal(g.IsDefault, true);
      assert.equal(g.InstanceArn, instanceArn(id));
      assert.match(g.Id, UUID4);
      assert.equal(g.Arn, tdgArn(g.Id));
      assert.equal(g.Status, 'ACTIVE');
      const d = await describeTdg(g.Id);
      assert.equal(d.IsDefault, true);
      assert.equal(d.Arn, g.Arn);
      assert.equal(d.InstanceArn, instanceArn(id));
    });

    it('works for every supported Region pair (InstanceId as id or ARN)', async () => {
      const cases = [];
      for (const [i, [source, replica]] of SUPPORTED_PAIRS.entries()) {
        cases.push([source, replica, await samlInstance(`js-pair-${i}`, { region: source, settled: false })]);
      }
      await settle();
      for (const [i, [source, replica, id]] of cases.entries()) {
        const ref = i % 2 ? instanceArn(id, DEFAULT_ACCOUNT, source) : id;
        const out = await replicate(client(source), ref, replica, `js-pair-${i}-replica`);
        assert.equal(out.Arn, instanceArn(id, DEFAULT_ACCOUNT, replica), `${source} -> ${replica}`);
        const d = await describeInstance(client(replica), id);
        assert.equal(d.Instance.Arn, instanceArn(id, DEFAULT_ACCOUNT, replica));
        assert.equal(d.ReplicationConfiguration.SourceRegion, source);
        assert.deepEqual(d.ReplicationConfiguration.ReplicationStatusSummaryList.map((s) => s.Region), [replica]);
      }
    });

    it('unsupported Region pairs are InvalidRequestException', async () => {
      for (const [i, [source, replica]] of UNSUPPORTED_PAIRS.entries()) {
        const id = await samlInstance(`js-unsupported-${i}`, { region: source });
        await expectAwsError(replicate(client(source), id, replica, `js-unsupported-${i}-r`), 'InvalidRequestException', 400,
          { type: InvalidRequestException });
        await expectAwsError(describeInstance(client(replica), id), 'ResourceNotFoundException', 404);
      }
    });

    it('the same Region is InvalidRequestException', async () => {
      const id = await samlInstance('js-same-region');
      await expectAwsError(replicate(east, id, HOME, 'js-same-region-r'), 'InvalidRequestException', 400);
      assert.equal((await listInstances(east)).length, 1);
      assert.deepEqual(await listTdgs(), []);
    });

    it('an instance already replicated is InvalidRequestException, also from the replica back', async () => {
      const id = await replicatedInstance('js-twice', 'js-twice-west');
      await expectAwsError(replicate(east, id, REPLICA, 'js-twice-again'), 'InvalidRequestException', 400);
      await expectAwsError(replicate(west, id, HOME, 'js-twice-back'), 'InvalidRequestException', 400);
      assert.equal((await describeInstance(west, id)).Instance.InstanceAlias, 'js-twice-west');
      assert.equal((await listInstances(west)).length, 1);
      assert.equal((await listTdgs()).length, 1);
    });

    it('an instance without an alias (EXISTING_DIRECTORY) is InvalidRequestException', async () => {
      const out = await east.send(new CreateInstanceCommand({
        IdentityManagementType: 'EXISTING_DIRECTORY', DirectoryId: DIRECTORY_ID, InboundCallsEnabled: true,
        OutboundCallsEnabled: true,
      }));
      await settle();
      assert.equal((await describeInstance(east, out.Id)).Instance.InstanceAlias, undefined);
      await expectAwsError(replicate(east, out.Id, REPLICA, 'js-no-alias-r'), 'InvalidRequestException', 400);
      assert.deepEqual(await listInstances(west), []);
    });

    it('an instance not yet ACTIVE is InvalidRequestException; once ACTIVE it replicates', async () => {
      const id = await samlInstance('js-not-active', { settled: false });
      assert.equal((await describeInstance(east, id)).Instance.InstanceStatus, 'CREATION_IN_PROGRESS');
      await expectAwsError(replicate(east, id, REPLICA, 'js-not-active-r'), 'InvalidRequestException', 400);
      assert.deepEqual(await listInstances(west), []);
      await settle();
      assert.equal((await replicate(east, id, REPLICA, 'js-not-active-r')).Id, id);
    });

    it('an instance that is not SAML is InvalidRequestException', async () => {
      const out = await createInstance(east, 'js-managed', { identity: 'CONNECT_MANAGED' });
      await settle();
      await expectAwsError(replicate(east, out.Id, REPLICA, 'js-managed-r'), 'InvalidRequestException', 400);
      assert.deepEqual(await listInstances(west), []);
      assert.deepEqual(await listTdgs(), []);
    });

    it('an unknown instance is ResourceNotFoundException', async () => {
      await expectAwsError(replicate(east, MISSING_ID, REPLICA, 'js-ghost'), 'ResourceNotFoundException', 404,
        { type: ResourceNotFoundException });
    });
  });

  describe('CreateTrafficDistributionGroup', () => {
    it('before replication is InvalidRequestException', async () => {
      const id = await samlInstance('js-not-replicated');
      await expectAwsError(east.send(new CreateTrafficDistributionGroupCommand({ Name: 'early', InstanceId: id })),
        'InvalidRequestException', 400, { type: InvalidRequestException });
      assert.deepEqual(await listTdgs(), []);
    });

    it('from the replica Region is InvalidRequestException', async () => {
      const id = await replicatedInstance();
      for (const ref of [id, instanceArn(id, DEFAULT_ACCOUNT, REPLICA)]) {
        await expectAwsError(west.send(new CreateTrafficDistributionGroupCommand({ Name: 'from-west', InstanceId: ref })),
          'InvalidRequestException', 400);
      }
      assert.deepEqual((await listTdgs()).filter((g) => !g.IsDefault), []);
    });

    it('creates, describes, and becomes ACTIVE after the transient delay', async () => {
      const id = await replicatedInstance();
      const out = await createTdg(instanceArn(id), {
        name: 'east-west', settled: false, Description: 'calls split east/west', Tags: { team: 'voice' },
        ClientToken: randomUUID(),
      });
      assert.equal(out.$metadata.httpStatusCode, 200);
      assert.match(out.Id, UUID4);
      assert.equal(out.Arn, tdgArn(out.Id));
      assert.deepEqual(await describeTdg(out.Id), {
        Id: out.Id, Arn: out.Arn, Name: 'east-west', Description: 'calls split east/west', InstanceArn: instanceArn(id),
        Status: 'CREATION_IN_PROGRESS', Tags: { team: 'voice' }, IsDefault: false,
      });
      await server.advance(30);
      assert.equal((await describeTdg(out.Id)).Status, 'CREATION_IN_PROGRESS');
      await server.advance(31);
      const active = await describeTdg(out.Id);
      assert.equal(active.Status, 'ACTIVE');
      assert.deepEqual(await describeTdg(out.Arn), active);
      assert.deepEqual((await listTdgs()).filter((g) => g.Id === out.Id), [{
        Id: out.Id, Arn: out.Arn, Name: 'east-west', InstanceArn: instanceArn(id), Status: 'ACTIVE', IsDefault: false,
      }]);
    });

    it('a duplicate name is ResourceConflictException', async () => {
      const id = await replicatedInstance();
      const first = await createTdg(id, { name: 'dup-name' });
      await expectAwsError(east.send(new CreateTrafficDistributionGroupCommand({ Name: 'dup-name', InstanceId: id })),
        'ResourceConflictException', 409, { type: ResourceConflictException });
      assert.deepEqual((await listTdgs()).filter((g) => !g.IsDefault).map((g) => g.Id), [first.Id]);
    });

    it('the same ClientToken replays the same group', async () => {
      const id = await replicatedInstance();
      const input = { Name: 'replayed', InstanceId: id, ClientToken: randomUUID() };
      const first = await east.send(new CreateTrafficDistributionGroupCommand(input));
      const again = await east.send(new CreateTrafficDistributionGroupCommand(input));
      assert.deepEqual([again.Id, again.Arn], [first.Id, first.Arn]);
      assert.deepEqual((await listTdgs()).filter((g) => !g.IsDefault).map((g) => g.Id), [first.Id]);
      await expectAwsError(east.send(new CreateTrafficDistributionGroupCommand({ ...input, ClientToken: randomUUID() })),
        'ResourceConflictException', 409);
    });
  });

  describe('DescribeTrafficDistributionGroup', () => {
    it('from the replica Region needs the full ARN', async () => {
      const id = await replicatedInstance();
      const out = await createTdg(id, { Description: 'seen from the west' });
      const home = await describeTdg(out.Id);
      assert.deepEqual(await describeTdg(out.Arn), home);
      assert.deepEqual(await describeTdg(out.Arn, west), home);
      await expectAwsError(describeTdg(out.Id, west), 'ResourceNotFoundException', 404, { type: ResourceNotFoundException });
      const dflt = await defaultTdg(id);
      assert.equal((await describeTdg(dflt.Arn, west)).IsDefault, true);
      await expectAwsError(describeTdg(dflt.Id, west), 'ResourceNotFoundException', 404);
    });

    it('an unknown group is ResourceNotFoundException', async () => {
      await expectAwsError(describeTdg(MISSING_ID), 'ResourceNotFoundException', 404);
      await expectAwsError(describeTdg(tdgArn(MISSING_ID), west), 'ResourceNotFoundException', 404);
    });
  });

  describe('ListTrafficDistributionGroups', () => {
    it('pages of one with NextToken', async () => {
      const id = await replicatedInstance();
      const created = [];
      for (const i of [0, 1]) created.push((await createTdg(id, { name: `page-${i}`, settled: false })).Id);
      const expected = new Set([...created, (await defaultTdg(id)).Id]);
      const seen = [];
      const tokens = [];
      let input = { MaxResults: 1 };
      for (let i = 0; i < 5; i++) {
        const page = await east.send(new ListTrafficDistributionGroupsCommand(input));
        assert.equal(page.TrafficDistributionGroupSummaryList.length, 1);
        seen.push(...page.TrafficDistributionGroupSummaryList.map((g) => g.Id));
        if (!page.NextToken) break;
        assert.ok(!tokens.includes(page.NextToken), 'a token came back twice');
        tokens.push(page.NextToken);
        input = { MaxResults: 1, NextToken: page.NextToken };
      }
      assert.equal(seen.length, 3);
      assert.deepEqual(new Set(seen), expected);
      assert.equal(tokens.length, 2);
    });

    it('paginateListTrafficDistributionGroups with pageSize 1', async () => {
      const id = await replicatedInstance();
      const created = [];
      for (const i of [0, 1]) created.push((await createTdg(id, { name: `paged-${i}`, settled: false })).Id);
      const pages = [];
      for await (const page of paginateListTrafficDistributionGroups({ client: east, pageSize: 1, stopOnSameToken: true }, {})) {
        pages.push(page);
      }
      assert.deepEqual(pages.map((p) => p.TrafficDistributionGroupSummaryList.length), [1, 1, 1]);
      const ids = pages.flatMap((p) => p.TrafficDistributionGroupSummaryList.map((g) => g.Id));
      assert.deepEqual(new Set(ids), new Set([...created, (await defaultTdg(id)).Id]));
    });

    it('the InstanceId filter (id or ARN), paginated too', async () => {
      const first = await replicatedInstance('js-filter-a', 'js-filter-a-west');
      const second = await replicatedInstance('js-filter-b', 'js-filter-b-west');
      const mine = await createTdg(first, { name: 'filter-mine' });
      assert.equal((await listTdgs()).length, 3);
      const expected = new Set([mine.Id, (await defaultTdg(first)).Id]);
      for (const ref of [first, instanceArn(first)]) {
        const groups = await listTdgs({ InstanceId: ref });
        assert.deepEqual(new Set(groups.map((g) => g.Id)), expected);
        assert.deepEqual(new Set(groups.map((g) => g.InstanceArn)), new Set([instanceArn(first)]));
      }
      const other = await listTdgs({ InstanceId: instanceArn(second) });
      assert.equal(other.length, 1);
      assert.equal(other[0].IsDefault, true);
      assert.equal(other[0].InstanceArn, instanceArn(second));
      const page = await east.send(new ListTrafficDistributionGroupsCommand({ InstanceId: first, MaxResults: 1 }));
      assert.equal(page.TrafficDistributionGroupSummaryList.length, 1);
      const rest = await east.send(new ListTrafficDistributionGroupsCommand({
        InstanceId: first, MaxResults: 1, NextToken: page.NextToken,
      }));
      assert.equal(rest.NextToken, undefined);
      assert.deepEqual(new Set([...page.TrafficDistributionGroupSummaryList, ...rest.TrafficDistributionGroupSummaryList]
        .map((g) => g.Id)), expected);
    });
  });

  describe('DeleteTrafficDistributionGroup', () => {
    it('from the replica Region is InvalidRequestException', async () => {
      const out = await createTdg(await replicatedInstance());
      await expectAwsError(deleteTdg(out.Arn, west), 'InvalidRequestException', 400, { type: InvalidRequestException });
      assert.equal((await describeTdg(out.Id)).Status, 'ACTIVE');
    });

    it('the default group cannot be deleted', async () => {
      const dflt = await defaultTdg(await replicatedInstance());
      for (const ref of [dflt.Id, dflt.Arn]) await expectAwsError(deleteTdg(ref), 'InvalidRequestException', 400);
      assert.equal((await describeTdg(dflt.Id)).Status, 'ACTIVE');
    });

    it('a group holding numbers is ResourceInUseException', async () => {
      const out = await createTdg(await replicatedInstance());
      const c = await claimSettled(out.Arn);
      await expectAwsError(deleteTdg(out.Id), 'ResourceInUseException', 409, { type: ResourceInUseException });
      assert.equal((await describeTdg(out.Id)).Status, 'ACTIVE');
      assert.equal((await describeNumber(c.PhoneNumberId)).PhoneNumberStatus.Status, 'CLAIMED');
    });

    it('PENDING_DELETION, then ResourceNotFoundException after the transient delay', async () => {
      const id = await replicatedInstance();
      const out = await createTdg(id, { Description: 'short-lived', Tags: { env: 'test' } });
      const before = await describeTdg(out.Id);
      const resp = await deleteTdg(out.Arn);
      assert.equal(resp.$metadata.httpStatusCode, 200);
      const pending = await describeTdg(out.Id);
      assert.equal(pending.Status, 'PENDING_DELETION');
      assert.deepEqual([pending.Id, pending.Arn, pending.Name], [before.Id, before.Arn, before.Name]);
      assert.equal((await describeTdg(out.Arn, west)).Status, 'PENDING_DELETION');
      await settle();
      await expectAwsError(describeTdg(out.Id), 'ResourceNotFoundException', 404);
      await expectAwsError(describeTdg(out.Arn, west), 'ResourceNotFoundException', 404);
      assert.ok(!(await listTdgs()).some((g) => g.Id === out.Id));
      await createTdg(id, { settled: false }); // the name is free again
    });

    it('PENDING_DELETION keeps the rest of the record (Tags included)', async () => {
      const out = await createTdg(await replicatedInstance(), { Description: 'short-lived', Tags: { env: 'test' } });
      const before = await describeTdg(out.Id);
      await deleteTdg(out.Id);
      const pending = await describeTdg(out.Id);
      assert.equal(pending.Status, 'PENDING_DELETION');
      assert.deepEqual({ ...pending, Status: before.Status }, before);
    });
  });

  describe('phone numbers on a traffic distribution group', () => {
    let instanceId;
    let tdg;
    let target;
    beforeEach(async () => {
      instanceId = await replicatedInstance();
      tdg = await createTdg(instanceId);
      target = tdg.Arn;
    });

    it('SearchAvailablePhoneNumbers works from both Regions, same numbers', async () => {
      const fromEast = await search(target, east, 3);
      const fromWest = await search(target, west, 3);
      assert.equal(fromEast.length, 3);
      assert.equal(fromEast[0].PhoneNumber, fromWest[0].PhoneNumber);
      assert.deepEqual(fromWest, fromEast);
    });

    it('ClaimPhoneNumber in the home Region: IN_PROGRESS then CLAIMED', async () => {
      const number = await firstAvailable(target);
      const out = await claim(number, target);
      assert.match(out.PhoneNumberId, UUID4);
      assert.equal(out.PhoneNumberArn, phoneArn(out.PhoneNumberId));
      const d = await describeNumber(out.PhoneNumberId);
      assert.deepEqual([d.PhoneNumberStatus.Status, d.TargetArn, d.PhoneNumber], ['IN_PROGRESS', target, number]);
      await settle();
      assert.deepEqual(await statusAndTarget(out.PhoneNumberId), ['CLAIMED', target]);
      assert.notEqual(await firstAvailable(target, west), number);
    });

    it('ClaimPhoneNumber from the replica Region is InvalidParameterException', async () => {
      const number = await firstAvailable(target, west);
      await expectAwsError(claim(number, target, west), 'InvalidParameterException', 400,
        { contains: NOT_SAME_REGION, type: InvalidParameterException });
      assert.equal(await firstAvailable(target), number);
      assert.deepEqual(await v2Numbers({ TargetArn: target }), []);
      assert.deepEqual(await v2Numbers({ TargetArn: target }, west), []);
    });

    it('ClaimPhoneNumber from an unrelated Region is InvalidParameterException (SPEC §6.2)', async () => {
      const number = await firstAvailable(target);
      await expectAwsError(claim(number, target, client('eu-west-2')), 'InvalidParameterException', 400,
        { contains: NOT_SAME_REGION });
      assert.equal(await firstAvailable(target), number);
    });

    it('ClaimPhoneNumber to a group not yet ACTIVE is ResourceNotFoundException', async () => {
      const pending = await createTdg(instanceId, { name: 'still-creating', settled: false });
      await expectAwsError(claim(await firstAvailable(target), pending.Arn), 'ResourceNotFoundException', 404);
    });

    it('DescribePhoneNumber from the replica Region needs the full ARN', async () => {
      const c = await claimSettled(target);
      const home = await describeNumber(c.PhoneNumberId);
      const fromWest = await describeNumber(c.PhoneNumberArn, west);
      assert.deepEqual(fromWest, home);
      assert.equal(fromWest.TargetArn, target);
      assert.equal(fromWest.PhoneNumberArn, phoneArn(c.PhoneNumberId));
      assert.equal(fromWest.PhoneNumber, c.number);
      await expectAwsError(describeNumber(c.PhoneNumberId, west), 'ResourceNotFoundException', 404);
    });

    it('ReleasePhoneNumber and UpdatePhoneNumber from the replica Region are InvalidParameterException', async () => {
      const c = await claimSettled(target);
      await expectAwsError(release(c.PhoneNumberArn, west), 'InvalidParameterException', 400);
      await expectAwsError(update(c.PhoneNumberArn, { InstanceId: instanceId }, west), 'InvalidParameterException', 400);
      await expectAwsError(update(c.PhoneNumberArn, { TargetArn: target }, west), 'InvalidParameterException', 400);
      assert.deepEqual(await statusAndTarget(c.PhoneNumberId), ['CLAIMED', target]);
    });

    it('ListPhoneNumbersV2 with the group ARN lists it from both Regions', async () => {
      const c = await claimSettled(target);
      const fromEast = await v2({ TargetArn: target });
      assert.deepEqual(fromEast.map((s) => s.PhoneNumber), [c.number]);
      assert.equal(fromEast[0].TargetArn, target);
      assert.deepEqual(await v2({ TargetArn: target }, west), fromEast);
      assert.deepEqual(await v2Numbers({ TargetArn: instanceArn(instanceId) }), []);
    });

    it('UpdatePhoneNumber moves it to the instance and back', async () => {
      const c = await claimSettled(target);
      const out = await update(c.PhoneNumberId, { InstanceId: instanceId });
      assert.deepEqual([out.PhoneNumberId, out.PhoneNumberArn], [c.PhoneNumberId, c.PhoneNumberArn]);
      assert.deepEqual(await statusAndTarget(c.PhoneNumberId), ['IN_PROGRESS', instanceArn(instanceId)]);
      await settle();
      assert.deepEqual(await statusAndTarget(c.PhoneNumberId), ['CLAIMED', instanceArn(instanceId)]);
      assert.deepEqual(await v2Numbers({ TargetArn: target }), []);
      await update(c.PhoneNumberArn, { TargetArn: target });
      assert.deepEqual(await statusAndTarget(c.PhoneNumberId), ['IN_PROGRESS', target]);
      await settle();
      assert.deepEqual(await statusAndTarget(c.PhoneNumberId), ['CLAIMED', target]);
      assert.equal((await describeNumber(c.PhoneNumberArn, west)).TargetArn, target);
    });

    it('the phone-number quota applies to claims on a group', async () => {
      await server.setQuotas({ phone_numbers_per_instance: 1 }, DEFAULT_ACCOUNT, HOME);
      await claimSettled(target);
      const out = await claim(await firstAvailable(target), target);
      assert.equal((await describeNumber(out.PhoneNumberId)).PhoneNumberStatus.Status, 'IN_PROGRESS');
      await settle();
      assert.deepEqual((await describeNumber(out.PhoneNumberId)).PhoneNumberStatus,
        { Status: 'FAILED', Message: QUOTA_FAILURE });
    });

    it('release, then the group can be deleted', async () => {
      const c = await claimSettled(target);
      await release(c.PhoneNumberId);
      await expectAwsError(describeNumber(c.PhoneNumberId), 'ResourceNotFoundException', 404);
      await expectAwsError(describeNumber(c.PhoneNumberArn, west), 'ResourceNotFoundException', 404);
      assert.deepEqual(await v2Numbers({ TargetArn: target }, west), []);
      await deleteTdg(tdg.Id);
      assert.equal((await describeTdg(tdg.Id)).Status, 'PENDING_DELETION');
      await settle();
      await expectAwsError(describeTdg(tdg.Id), 'ResourceNotFoundException', 404);
    });
  });

  it('full story: replicate, group, claim, cross-Region view, move and back, in-use delete, release, delete', async () => {
    const id = await samlInstance('js-story-home');
    const rep = await replicate(east, id, REPLICA, 'js-story-west');
    assert.deepEqual([rep.Id, rep.Arn], [id, instanceArn(id, DEFAULT_ACCOUNT, REPLICA)]);
    await settle();
    assert.equal((await describeInstance(west, id)).ReplicationConfiguration.ReplicationStatusSummaryList[0].ReplicationStatus,
      'INSTANCE_REPLICATION_COMPLETE');

    const tdg = await createTdg(id, { name: 'story', ClientToken: randomUUID() });
    assert.equal((await describeTdg(tdg.Arn, west)).Status, 'ACTIVE');

    const number = await firstAvailable(tdg.Arn);
    assert.equal(await firstAvailable(tdg.Arn, west), number);
    const c = await claim(number, tdg.Arn);
    assert.equal((await describeNumber(c.PhoneNumberId)).PhoneNumberStatus.Status, 'IN_PROGRESS');
    await settle();
    assert.equal((await describeNumber(c.PhoneNumberId)).PhoneNumberStatus.Status, 'CLAIMED');

    const seen = await describeNumber(c.PhoneNumberArn, west);
    assert.deepEqual([seen.PhoneNumber, seen.TargetArn], [number, tdg.Arn]);
    await expectAwsError(describeNumber(c.PhoneNumberId, west), 'ResourceNotFoundException', 404);
    assert.deepEqual(await v2Numbers({ TargetArn: tdg.Arn }, west), [number]);
    await expectAwsError(claim(await firstAvailable(tdg.Arn, west), tdg.Arn, west), 'InvalidParameterException', 400,
      { contains: NOT_SAME_REGION });
    await expectAwsError(release(c.PhoneNumberArn, west), 'InvalidParameterException', 400);
    await expectAwsError(update(c.PhoneNumberArn, { InstanceId: id }, west), 'InvalidParameterException', 400);

    await update(c.PhoneNumberId, { InstanceId: id });
    await settle();
    assert.deepEqual(await statusAndTarget(c.PhoneNumberId), ['CLAIMED', instanceArn(id)]);
    await update(c.PhoneNumberId, { TargetArn: tdg.Arn });
    await settle();
    assert.deepEqual(await statusAndTarget(c.PhoneNumberId), ['CLAIMED', tdg.Arn]);

    await expectAwsError(deleteTdg(tdg.Id), 'ResourceInUseException', 409);
    await release(c.PhoneNumberId);
    assert.deepEqual(await v2Numbers({ TargetArn: tdg.Arn }), []);
    await deleteTdg(tdg.Id);
    assert.equal((await describeTdg(tdg.Id)).Status, 'PENDING_DELETION');
    await settle();
    await expectAwsError(describeTdg(tdg.Id), 'ResourceNotFoundException', 404);
    assert.deepEqual((await listTdgs()).map((g) => g.IsDefault), [true]);
  });
});
