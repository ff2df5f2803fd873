// The AWS SDK's process-wide switches, which it reads from the environment only (no client option
// sets them): given defaults once, at the process edge (bin/mmoe.js), before any S3 client exists.
// A value the user has set, whatever it is, is kept.

/**
 * - AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true: on Node < 22 the SDK prints a
 *   seven-line NodeVersionSupportWarning on stderr in every run that reads S3 (its releases from
 *   2027 need Node 22); cron mails and logs would carry it every night. Only that warning: other
 *   warnings and every error still print.
 *
 * AWS_EC2_METADATA_DISABLED is left as the user has it: an EC2 instance role is the usual way a
 * production job on EC2 gets credentials, so the SDK keeps asking the instance metadata service
 * when nothing else gave any (off EC2 that costs about two seconds before the failure, which then
 * names every source; AWS_EC2_METADATA_DISABLED=true skips it).
 */
export function applyAwsDefaults(env: NodeJS.ProcessEnv): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Whether the SDK may ask EC2's instance metadata service for credentials: as the SDK reads the variable (unset or 'false' = yes). */
export function instanceMetadataAllowed(env: NodeJS.ProcessEnv): boolean {
  const v = env.AWS_EC2_METADATA_DISABLED;
  return !v || v === 'false';
}
