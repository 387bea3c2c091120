// sts:GetCallerIdentity through @aws-sdk/client-sts (what the Terraform provider asks at start-up),
// and the CORS headers the JS SDK sees on Connect responses.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient, STSServiceException,
} from '@aws-sdk/client-sts';
import { ListInstancesCommand } from '@aws-sdk/client-connect';
import { REGION, Server, UUID_ANY } from './harness.mjs';

const ACCOUNT = '123456789012';
const CREDENTIALS = [
  { access_key_id: 'AKIAJSUSER', secret_access_key: 'user-secret', account_id: ACCOUNT },
  { access_key_id: 'ASIAJSSESSION', secret_access_key: 'session-secret', account_id: ACCOUNT, session_token: 'js-token' },
];

describe('sts:GetCallerIdentity (JS SDK)', () => {
  const server = new Server({ credentials: CREDENTIALS });
  const sts = (accessKeyId, secretAccessKey, sessionToken) =>
    new STSClient({ region: REGION, endpoint: server.endpoint, maxAttempts: 1,
      credentials: { accessKeyId, secretAccessKey, sessionToken } });
  before(() => server.start());
  after(() => server.stop());

  it('reports an IAM user for a long-term key', async () => {
    const out = await sts('AKIAJSUSER', 'user-secret').send(new GetCallerIdentityCommand({}));
    assert.equal(out.Account, ACCOUNT);
    assert.equal(out.Arn, `arn:aws:iam::${ACCOUNT}:user/AKIAJSUSER`);
    assert.match(out.UserId, /^AIDA[A-Z2-7]{17}$/);
    assert.match(out.$metadata.requestId, UUID_ANY);
  });

  it('reports an assumed role for session credentials', async () => {
    const out = await sts('ASIAJSSESSION', 'session-secret', 'js-token').send(new GetCallerIdentityCommand({}));
    assert.equal(out.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/connect-local/ASIAJSSESSION`);
    assert.match(out.UserId, /^AROA[A-Z2-7]{17}:ASIAJSSESSION$/);
  });

  it('answers InvalidAction for other actions and the STS auth errors', async () => {
    const client = sts('AKIAJSUSER', 'user-secret');
    for (const command of [new GetSessionTokenCommand({}),
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/r`, RoleSessionName: 'session' })]) {
      await assert.rejects(client.send(command), (e) => {
        assert.ok(e instanceof STSServiceException, String(e));
        assert.equal(e.name, 'InvalidAction');
        assert.equal(e.$metadata.httpStatusCode, 400);
        assert.match(e.message, /^Could not find operation \w+ for version 2011-06-15$/);
        return true;
      });
    }
    await assert.rejects(sts('AKIAJSUSER', 'wrong').send(new GetCallerIdentityCommand({})),
      (e) => e.name === 'SignatureDoesNotMatch' && e.$metadata.httpStatusCode === 403);
    await assert.rejects(sts('nobody', 'x').send(new GetCallerIdentityCommand({})),
      (e) => e.name === 'InvalidClientTokenId' && e.$metadata.httpStatusCode === 403);
  });

  it('Connect responses expose the headers a browser SDK reads', async () => {
    const client = server.client({ key: 'AKIAJSUSER', secret: 'user-secret' });
    let headers;
    client.middlewareStack.add((next) => async (args) => {
      const result = await next(args);
      headers = result.response.headers;
      return result;
    }, { step: 'deserialize', name: 'captureHeaders' });
    await client.send(new ListInstancesCommand({}));
    assert.equal(headers['access-control-allow-origin'], '*');
    const exposed = headers['access-control-expose-headers'].toLowerCase().split(',');
    for (const h of ['x-amzn-requestid', 'x-amzn-errortype', 'date']) assert.ok(exposed.includes(h), exposed.join());
  });
});
