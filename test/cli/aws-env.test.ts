import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyAwsDefaults, instanceMetadataAllowed } from '../../src/cli/aws-env.js';
import { s3Settings } from '../../src/cli/data-flags.js';

test("applyAwsDefaults turns off the SDK's Node version warning only (instance roles keep working), keeping any value the user set", () => {
  const env: NodeJS.ProcessEnv = {};
  applyAwsDefaults(env);
  assert.deepEqual(env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  for (const v of ['false', '', '1']) {
    const mine: NodeJS.ProcessEnv = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: v, AWS_EC2_METADATA_DISABLED: v };
    applyAwsDefaults(mine);
    assert.deepEqual(mine, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: v, AWS_EC2_METADATA_DISABLED: v });
  }
});

test('instanceMetadataAllowed reads AWS_EC2_METADATA_DISABLED as the SDK does (unset, empty or false: asked), and s3Settings passes it on', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, true],
    ['', true],
    ['false', true],
    ['true', false],
    ['1', false],
    ['FALSE', false],
  ];
  for (const [v, allowed] of cases) {
    const env: NodeJS.ProcessEnv = v === undefined ? {} : { AWS_EC2_METADATA_DISABLED: v };
    assert.equal(instanceMetadataAllowed(env), allowed, String(v));
    assert.equal(s3Settings(undefined, env).instanceMetadata, allowed, String(v));
  }
});
