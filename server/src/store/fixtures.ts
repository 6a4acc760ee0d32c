import { bucketCorsOf } from './s3-cors-fixtures.ts';
import { bucketLoggingOf, bucketNotificationOf, bucketWebsiteOf } from './s3-config-fixtures.ts';
import { bucketLifecycleOf } from './s3-lifecycle-fixtures.ts';
import crypto, { createHash, randomUUID } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { ServerContext } from '../context.ts';
import { parseIdpMetadata, type IdpMetadata } from '../saml/verify.ts';
import { ensureAccount } from './bootstrap.ts';
import { FixtureError, Reader, shareDocument, type Node } from './fixture-reader.ts';
import { digestOf, fileSource, streamedDocument, type ByteSource } from './fixture-stream.ts';
import { JsonSyntaxError } from './json-stream.ts';
import { NULL_VERSION, SMALL_BLOB_BYTES, type ObjectRow } from './s3-store.ts';
import { samlProviderArn, samlStore, validUntil } from './saml-store.ts';
import { applyEntityFixtures, applyAccountSettings, ACCOUNT_SETTING_FIELDS, ENTITY_FIXTURE_SECTIONS } from './entity-fixtures.ts';
import { bucketAccessOf, BUCKET_ACCESS_FIELDS, objectAclOf, publicAccessBlockOf } from './s3-access-fixtures.ts';
import { bucketVersioningOf, isVersionId, objectLockOf } from './s3-versioning-fixtures.ts';
import { awsId, isoSeconds, secretAccessKey, sessionToken } from './ids.ts';
import { applyKmsFixtures, KMS_FIXTURE_SECTIONS } from './kms-fixtures.ts';
import { applyOrganizationFixtures, ORGANIZATION_FIXTURE_SECTIONS } from './organization-fixtures.ts';
import { parseYamlCached } from './yaml-cache.ts';
import { lazyDependency } from '../lazy-dependency.ts';

export { FixtureError };

const yaml = lazyDependency<typeof import('yaml')>('yaml');

/**
 * YAML or JSON. JSON is YAML too, but a JSON parser reads a 100 MB world in a fraction of the time. `cache`: YAML
 * read from a fixture file (a few, stable texts) goes through the on-disk cache of parsed YAML; bodies posted to the
 * admin API do not (the cache would grow with every one).
 */
export function parseFixtureText(text: string, cache = false): unknown {
  if (/^\s*[{[]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Flow-style YAML starts the same way: let the YAML parser have it (and report its errors).
    }
  }
  return cache ? parseYamlCached(text) : yaml().parse(text) as unknown;
}

/** An object's ETag: MD5 in one call where Node has crypto.hash (20.12+), rather than a Hash object an object. */
const md5Hex: (bytes: Buffer) => string = typeof (crypto as { hash?: unknown }).hash === 'function'
  ? (bytes) => (crypto as unknown as { hash: (algorithm: string, data: Buffer, encoding: 'hex') => string }).hash('md5', bytes, 'hex')
  : (bytes) => createHash('md5').update(bytes).digest('hex');

/** A fixture file's document as last read: deeply frozen (shared by every reset), with the key that marks it applied. */
interface ParsedFixture { text: string; doc: unknown; appliedKey: string }
const parsedFixtures = new Map<string, ParsedFixture>();
const CACHED_FIXTURE_CHARS = 1024 * 1024;

/** The settings key recording that a document was applied (restarting on a persistent database must not load it twice). */
function appliedKeyOf(doc: unknown): string {
  return `fixtures:${createHash('sha256').update(JSON.stringify(doc ?? {})).digest('hex')}`;
}

/**
 * Loads a YAML or JSON fixture file in one transaction: accounts, managed policies, users with keys, roles, ready-made
 * role sessions, buckets and objects. On any problem nothing is kept, and the error names the file and path.
 */
export function loadFixtures(ctx: ServerContext, file: string): void {
  // A large JSON file is read a piece at a time (its memory bounded by its largest entry, not its size).
  if (streamFixtureFile(ctx, file)) return;
  let parsed: ParsedFixture;
  try {
    const text = readFileSync(file, 'utf8');
    // reset() loads the same files again: a file whose text has not changed is not parsed again (YAML parsing was
    // half of a reset of the story's world), nor copied: its document is frozen, so applying it can change nothing.
    const cached = parsedFixtures.get(file);
    if (cached?.text === text) parsed = cached;
    else {
      const doc = /\.json$/i.test(file) ? JSON.parse(text) as unknown : parseFixtureText(text, true);
      parsed = { text, doc, appliedKey: appliedKeyOf(doc) };
      // Only small files: the cache holds the text and the document, which for a 44 MB file of 1,000,000 objects kept
      // 88 MB of heap for the process's life, to save a parse that costs little next to applying such a file.
      if (text.length <= CACHED_FIXTURE_CHARS) {
        shareDocument(doc);
        if (parsedFixtures.size >= 64) parsedFixtures.clear();
        parsedFixtures.set(file, parsed);
      }
    }
  } catch (error) {
    throw new FixtureError(`${file}: cannot read fixtures: ${error instanceof Error ? error.message : String(error)}`);
  }
  applyDocument(ctx, parsed.doc ?? {}, file, () => parsed.appliedKey);
}

/** A fixture file over the parse cache's size, when it is a JSON object: streamed. False: read it whole instead. */
function streamFixtureFile(ctx: ServerContext, file: string): boolean {
  let fd: number;
  let size: number;
  try {
    size = statSync(file).size;
    if (size <= CACHED_FIXTURE_CHARS) return false;
    fd = openSync(file, 'r');
  } catch {
    return false; // the whole-document path reports it
  }
  try {
    return applyFixtureStream(ctx, fileSource(fd, size), file);
  } finally {
    closeSync(fd);
  }
}

/**
 * Applies a JSON fixture document read from `src` a piece at a time (see fixture-stream.ts): the same checks, errors
 * and single transaction as applyFixtures. False, with nothing done, when it is not a JSON object: the caller reads it
 * whole (YAML, or JSON.parse's own error).
 */
export function applyFixtureStream(ctx: ServerContext, src: ByteSource, label: string): boolean {
  const doc = streamedDocument(src);
  if (doc === undefined) return false;
  try {
    applyDocument(ctx, doc, label, () => `fixtures:${digestOf(doc)}`);
  } catch (error) {
    // Checked whole before: only a file changed since can stop being JSON (the transaction has been rolled back).
    if (error instanceof JsonSyntaxError) throw new FixtureError(`${label}: cannot read fixtures: ${error.message}`);
    throw error;
  }
  return true;
}

/** Applies an already-parsed fixture document; `label` names it in errors (a file path, or "request body"). */
export function applyFixtures(ctx: ServerContext, doc: unknown, label: string): void {
  applyDocument(ctx, doc ?? {}, label, () => appliedKeyOf(doc));
}

/** `appliedKey`: the settings key that marks the document applied (fixtures: + SHA-256 of its JSON text). */
function applyDocument(ctx: ServerContext, doc: unknown, label: string, appliedKey: () => string): void {
  const file = label;
  const r = new Reader(label);
  const root = r.object(doc, '$', ['accounts', 'samlProviders', 'policies', 'users', 'roles', 'sessions', 'buckets', ...ENTITY_FIXTURE_SECTIONS, ...KMS_FIXTURE_SECTIONS, ...ORGANIZATION_FIXTURE_SECTIONS]);
  // Restarting on a persistent database must not load the same file twice.
  const applied = appliedKey();
  if (ctx.iam.setting(applied)) return;
  const now = ctx.now();
  const nowStamp = isoSeconds(now);
  const stamp = (d: Date | undefined): string => (d === undefined ? nowStamp : isoSeconds(d));
  const { iam, s3 } = ctx;
  const saml = samlStore(ctx.db);
  const written: string[] = [];
  const defaultAccount = ctx.config.accountId;
  // Accounts this load has made sure of: an object's owner was looked up once an object (8% of a large bucket's load
  // in a CPU profile). Nothing in a load removes an account.
  const ensured = new Set<string>();
  const ensureOwner = (id: string): void => {
    if (ensured.has(id)) return;
    ensureAccount(iam, id, now);
    ensured.add(id);
  };
  const account = (node: Node, path: string): string => {
    const id = r.optString(node.account, `${path}.account`) ?? defaultAccount;
    // Checked every time: an object's owner (ensureOwner) may have put an id in `ensured` without this check.
    if (!/^\d{12}$/.test(id)) r.fail(`${path}.account`, 'expected a 12-digit account id');
    ensureOwner(id);
    return id;
  };
  const policyArnOf = (ref: string, accountId: string): string => (ref.startsWith('arn:') ? ref : `arn:aws:iam::${accountId}:policy/${ref}`);
  const boundaryRef = (value: unknown, accountId: string, path: string): string | null => {
    if (value === undefined) return null;
    const arn = policyArnOf(r.string(value, path), accountId);
    if (!iam.policy(arn)) r.fail(path, `no managed policy ${arn}`);
    return arn;
  };

  try {
    ctx.db.transaction(() => {
      r.each(root.accounts, 'accounts', (raw, i) => {
        const path = `accounts[${i}]`;
        const a = r.object(raw, path, ['id', 'displayName', 'canonicalId', 'rootAccessKeyId', 'rootSecretAccessKey', 'enforce', 's3PublicAccessBlock', ...ACCOUNT_SETTING_FIELDS]);
        const id = r.string(a.id, `${path}.id`);
        if (!/^\d{12}$/.test(id)) r.fail(`${path}.id`, 'expected a 12-digit account id');
        const displayName = r.optString(a.displayName, `${path}.displayName`);
        const canonicalId = r.optString(a.canonicalId, `${path}.canonicalId`);
        if (canonicalId !== undefined && !/^[0-9a-f]{64}$/.test(canonicalId)) r.fail(`${path}.canonicalId`, 'expected 64 lower-case hex characters');
        ensureAccount(iam, id, now, displayName, canonicalId);
        iam.updateAccount(id, displayName, canonicalId);
        if (a.enforce !== undefined) {
          if (a.enforce !== 'on' && a.enforce !== 'audit' && a.enforce !== 'off') r.fail(`${path}.enforce`, "expected 'on', 'audit' or 'off'");
          iam.putSetting(`enforce:${id}`, String(a.enforce));
        }
        applyAccountSettings(ctx, r, a, id, path);
        // The account-level Block Public Access setting (S3 Control's PutPublicAccessBlock).
        if (a.s3PublicAccessBlock !== undefined) s3.setAccountPublicAccessBlock(id, publicAccessBlockOf(r, a.s3PublicAccessBlock, `${path}.s3PublicAccessBlock`));
        const keyId = r.optString(a.rootAccessKeyId, `${path}.rootAccessKeyId`);
        const existingKey = keyId ? iam.accessKey(keyId) : undefined;
        // Re-loading an exported state names the root key that already exists: that is not a conflict.
        const sameRootKey = existingKey && existingKey.account_id === id && existingKey.user_name === null && existingKey.secret_key === a.rootSecretAccessKey;
        if (keyId && !sameRootKey) {
          if (existingKey) r.fail(`${path}.rootAccessKeyId`, `access key ${keyId} already exists`);
          iam.insertAccessKey({ access_key_id: keyId, secret_key: r.string(a.rootSecretAccessKey, `${path}.rootSecretAccessKey`), account_id: id, user_name: null, status: 'Active', created_at: stamp(undefined) });
        }
      });

      r.each(root.samlProviders, 'samlProviders', (raw, i) => {
        const path = `samlProviders[${i}]`;
        const p = r.object(raw, path, ['name', 'account', 'metadataDocument', 'createDate', 'tags']);
        const accountId = account(p, path);
        const name = r.string(p.name, `${path}.name`);
        if (!/^[\w._-]{1,128}$/.test(name)) r.fail(`${path}.name`, 'must match [\\w._-]{1,128}');
        if (saml.providerNamed(accountId, name)) r.fail(`${path}.name`, `SAML provider ${name} already exists`);
        // Without a metadata document the provider trusts iamlocal's built-in IdP (what `iamlocal login` signs with);
        // it is stored empty and resolved when used, so loading it costs no key generation.
        const metadata = r.optString(p.metadataDocument, `${path}.metadataDocument`) ?? '';
        const parsed = ((): IdpMetadata | undefined => {
          if (metadata === '') return undefined;
          try {
            return parseIdpMetadata(metadata);
          } catch (error) {
            return r.fail(`${path}.metadataDocument`, `not SAML IdP metadata: ${error instanceof Error ? error.message : String(error)}`);
          }
        })();
        const created = r.date(p.createDate, `${path}.createDate`) ?? now;
        const tags = p.tags === undefined ? null : JSON.stringify(r.object(p.tags, `${path}.tags`, Object.keys(p.tags as Node)));
        saml.insert({
          arn: samlProviderArn(accountId, name), account_id: accountId, name, provider_uuid: `p-${randomUUID()}`, metadata,
          valid_until: validUntil(parsed, created), created_at: isoSeconds(created), tags,
        });
      });

      r.each(root.policies, 'policies', (raw, i) => {
        const path = `policies[${i}]`;
        const p = r.object(raw, path, ['name', 'account', 'path', 'description', 'createDate', 'versions', 'document', 'defaultVersion']);
        const accountId = account(p, path);
        const name = r.string(p.name, `${path}.name`);
        const policyPath = r.optString(p.path, `${path}.path`) ?? '/';
        const arn = `arn:aws:iam::${accountId}:policy${policyPath}${name}`;
        if (iam.policy(arn)) r.fail(`${path}.name`, `policy ${arn} already exists`);
        const created = stamp(r.date(p.createDate, `${path}.createDate`));
        const versions = p.versions === undefined
          ? [{ id: 'v1', document: r.policy(p.document, `${path}.document`, 'identity'), created }]
          : r.list(p.versions, `${path}.versions`).map((rawVersion, j) => {
            const vpath = `${path}.versions[${j}]`;
            const v = r.object(rawVersion, vpath, ['id', 'document', 'createDate']);
            return { id: r.optString(v.id, `${vpath}.id`) ?? `v${j + 1}`, document: r.policy(v.document, `${vpath}.document`, 'identity'), created: stamp(r.date(v.createDate, `${vpath}.createDate`) ?? new Date(created)) };
          });
        if (versions.length === 0 || versions.length > 5) r.fail(`${path}.versions`, 'a managed policy has 1 to 5 versions');
        const numbers = versions.map((v) => (/^v(\d+)$/.exec(v.id) ? Number(v.id.slice(1)) : r.fail(`${path}.versions`, `bad version id ${v.id}`)));
        const defaultVersion = r.optString(p.defaultVersion, `${path}.defaultVersion`) ?? versions[versions.length - 1]!.id;
        const defaultRow = versions.find((v) => v.id === defaultVersion) ?? r.fail(`${path}.defaultVersion`, `no version ${defaultVersion}`);
        iam.insertPolicy({
          arn, account_id: accountId, policy_name: name, policy_id: awsId('ANPA', 17), path: policyPath, description: r.optString(p.description, `${path}.description`) ?? null,
          default_version: defaultVersion, next_version: Math.max(...numbers) + 1, created_at: created, updated_at: defaultRow.created,
        });
        for (const v of versions) iam.insertVersion({ policy_arn: arn, version_id: v.id, document: v.document, created_at: v.created });
      });

      const attach = (accountId: string, kind: 'user' | 'role', name: string, refs: unknown, inline: unknown, path: string): void => {
        r.list(refs, `${path}.attachedPolicies`).forEach((ref, j) => {
          const arn = policyArnOf(r.string(ref, `${path}.attachedPolicies[${j}]`), accountId);
          if (!iam.policy(arn)) r.fail(`${path}.attachedPolicies[${j}]`, `no managed policy ${arn}`);
          iam.attach(arn, accountId, kind, name, j);
        });
        for (const [policyName, document] of r.policyMap(inline, `${path}.inlinePolicies`)) iam.putInlinePolicy(accountId, kind, name, policyName, document);
      };

      r.each(root.users, 'users', (raw, i) => {
        const path = `users[${i}]`;
        const u = r.object(raw, path, ['name', 'account', 'path', 'userId', 'createDate', 'permissionsBoundary', 'accessKeys', 'attachedPolicies', 'inlinePolicies']);
        const accountId = account(u, path);
        const name = r.string(u.name, `${path}.name`);
        if (iam.user(accountId, name)) r.fail(`${path}.name`, `user ${name} already exists`);
        iam.insertUser({
          account_id: accountId, user_name: name, user_id: r.optString(u.userId, `${path}.userId`) ?? awsId('AIDA', 17), path: r.optString(u.path, `${path}.path`) ?? '/',
          permissions_boundary: boundaryRef(u.permissionsBoundary, accountId, `${path}.permissionsBoundary`), created_at: stamp(r.date(u.createDate, `${path}.createDate`)),
        });
        r.list(u.accessKeys, `${path}.accessKeys`).forEach((rawKey, j) => {
          const kpath = `${path}.accessKeys[${j}]`;
          const k = r.object(rawKey, kpath, ['id', 'secret', 'status']);
          const id = r.optString(k.id, `${kpath}.id`) ?? awsId('AKIA');
          if (iam.accessKey(id)) r.fail(`${kpath}.id`, `access key ${id} already exists`);
          iam.insertAccessKey({ access_key_id: id, secret_key: r.optString(k.secret, `${kpath}.secret`) ?? secretAccessKey(), account_id: accountId, user_name: name,
            status: k.status === 'Inactive' ? 'Inactive' : 'Active', created_at: stamp(undefined) });
        });
        attach(accountId, 'user', name, u.attachedPolicies, u.inlinePolicies, path);
      });

      r.each(root.roles, 'roles', (raw, i) => {
        const path = `roles[${i}]`;
        const ro = r.object(raw, path, ['name', 'account', 'path', 'roleId', 'description', 'createDate', 'maxSessionDuration', 'permissionsBoundary', 'trustPolicy', 'attachedPolicies', 'inlinePolicies']);
        const accountId = account(ro, path);
        const name = r.string(ro.name, `${path}.name`);
        if (iam.role(accountId, name)) r.fail(`${path}.name`, `role ${name} already exists`);
        const maxSession = r.integer(ro.maxSessionDuration, `${path}.maxSessionDuration`) ?? 3600;
        if (maxSession < 3600 || maxSession > 43200) r.fail(`${path}.maxSessionDuration`, 'must be 3600..43200');
        iam.insertRole({
          account_id: accountId, role_name: name, role_id: r.optString(ro.roleId, `${path}.roleId`) ?? awsId('AROA', 17), path: r.optString(ro.path, `${path}.path`) ?? '/',
          trust_policy: r.policy(ro.trustPolicy, `${path}.trustPolicy`, 'trust'), description: r.optString(ro.description, `${path}.description`) ?? null,
          max_session_duration: maxSession, permissions_boundary: boundaryRef(ro.permissionsBoundary, accountId, `${path}.permissionsBoundary`), created_at: stamp(r.date(ro.createDate, `${path}.createDate`)),
        });
        attach(accountId, 'role', name, ro.attachedPolicies, ro.inlinePolicies, path);
      });

      applyEntityFixtures(ctx, r, root, account, now);

      r.each(root.sessions, 'sessions', (raw, i) => {
        const path = `sessions[${i}]`;
        const s = r.object(raw, path, ['role', 'account', 'sessionName', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'expiresAt', 'durationSeconds', 'sourceIdentity', 'policy', 'policyArns']);
        const accountId = account(s, path);
        const roleName = r.string(s.role, `${path}.role`);
        const role = iam.role(accountId, roleName) ?? r.fail(`${path}.role`, `no role arn:aws:iam::${accountId}:role/${roleName}`);
        const sessionName = r.string(s.sessionName, `${path}.sessionName`);
        if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) r.fail(`${path}.sessionName`, 'must match [\\w+=,.@-]{2,64}');
        const keyId = r.optString(s.accessKeyId, `${path}.accessKeyId`) ?? awsId('ASIA');
        if (!keyId.startsWith('ASIA')) r.fail(`${path}.accessKeyId`, 'session access keys start with ASIA');
        if (iam.session(keyId)) r.fail(`${path}.accessKeyId`, `session ${keyId} already exists`);
        const duration = r.integer(s.durationSeconds, `${path}.durationSeconds`) ?? 12 * 3600;
        const expires = r.date(s.expiresAt, `${path}.expiresAt`) ?? new Date(now.getTime() + duration * 1000);
        iam.insertSession({
          access_key_id: keyId, secret_key: r.optString(s.secretAccessKey, `${path}.secretAccessKey`) ?? secretAccessKey(),
          session_token: r.optString(s.sessionToken, `${path}.sessionToken`) ?? sessionToken(), account_id: accountId, role_name: role.role_name,
          role_id: role.role_id, session_name: sessionName, source_identity: r.optString(s.sourceIdentity, `${path}.sourceIdentity`) ?? null,
          session_policy: s.policy === undefined ? null : r.policy(s.policy, `${path}.policy`, 'session'),
          session_policy_arns: s.policyArns === undefined ? null : JSON.stringify(r.list(s.policyArns, `${path}.policyArns`).map((a, j) => r.string(a, `${path}.policyArns[${j}]`))),
          issued_at: isoSeconds(now), expires_at: expires.toISOString(),
        });
      });

      r.each(root.buckets, 'buckets', (raw, i) => {
        const path = `buckets[${i}]`;
        const b = r.object(raw, path, ['name', 'account', 'region', 'policy', 'createDate', 'objects', 'versions', 'encryption', 'cors', 'lifecycle', 'versioning', 'objectLock', 'logging', 'website', 'notification', ...BUCKET_ACCESS_FIELDS]);
        const accountId = account(b, path);
        const name = r.string(b.name, `${path}.name`);
        if (s3.bucket(name)) r.fail(`${path}.name`, `bucket ${name} already exists`);
        const createdAt = r.date(b.createDate, `${path}.createDate`) ?? now;
        s3.insertBucket({
          bucket_name: name, account_id: accountId, region: r.optString(b.region, `${path}.region`) ?? ctx.config.region,
          policy: b.policy === undefined ? null : r.policy(b.policy, `${path}.policy`, 'resource'), created_at: createdAt.toISOString(),
          ...bucketAccessOf(ctx, r, b, path, createdAt, accountId),
          encryption: b.encryption === undefined ? null : bucketEncryptionOf(r, b.encryption, `${path}.encryption`),
          cors: b.cors === undefined || b.cors === null ? null : bucketCorsOf(r, b.cors, `${path}.cors`),
          lifecycle: b.lifecycle === undefined || b.lifecycle === null ? null : bucketLifecycleOf(r, b.lifecycle, `${path}.lifecycle`),
        });
        const versioning = bucketVersioningOf(r, b, path);
        if (versioning.versioning) s3.setBucketVersioning(name, versioning.versioning);
        if (versioning.objectLock) s3.setBucketObjectLock(name, versioning.objectLock);
        if (b.logging !== undefined && b.logging !== null) s3.setBucketConfig(name, 'logging', bucketLoggingOf(r, b.logging, `${path}.logging`));
        if (b.website !== undefined && b.website !== null) s3.setBucketConfig(name, 'website', bucketWebsiteOf(r, b.website, `${path}.website`));
        if (b.notification !== undefined && b.notification !== null) s3.setBucketConfig(name, 'notification', bucketNotificationOf(r, b.notification, `${path}.notification`));
        const versioned = versioning.versioning !== null;
        /** One object or version's row from its fixture entry (the blob staged or written; the owner's account made). */
        const objectRow = (o: Record<string, unknown>, opath: string, key: string): ObjectRow => {
          const bytes = o.contentBase64 !== undefined ? Buffer.from(r.string(o.contentBase64, `${opath}.contentBase64`), 'base64') : Buffer.from(typeof o.content === 'string' ? o.content : '', 'utf8');
          let blobId: string;
          // Small bodies go into SQLite with the object's row.
          if (bytes.length <= SMALL_BLOB_BYTES) blobId = s3.writeInlineBlob(bytes);
          else {
            const blob = s3.newBlobPath();
            writeFileSync(blob.path, bytes);
            written.push(blob.path);
            blobId = blob.blobId;
          }
          const owner = r.optString(o.owner, `${opath}.owner`) ?? accountId;
          ensureOwner(owner);
          return {
            bucket_name: name, object_key: key, blob_id: blobId, size: bytes.length, etag: `"${md5Hex(bytes)}"`,
            last_modified: (r.date(o.lastModified, `${opath}.lastModified`) ?? now).toISOString(), owner_account: owner,
            content_type: r.optString(o.contentType, `${opath}.contentType`) ?? 'binary/octet-stream', metadata: objectMetadataOf(r, o.metadata, `${opath}.metadata`),
            sse: r.optString(o.serverSideEncryption, `${opath}.serverSideEncryption`) ?? null, sse_kms_key_id: r.optString(o.kmsKeyId, `${opath}.kmsKeyId`) ?? null,
            tags: o.tags === undefined ? null : JSON.stringify(r.object(o.tags, `${opath}.tags`, Object.keys(o.tags as Node))),
            checksum: objectChecksumOf(r, o.checksum, `${opath}.checksum`), parts: objectPartsOf(r, o.parts, `${opath}.parts`, bytes.length),
            storage_class: r.optString(o.storageClass, `${opath}.storageClass`) ?? null,
            sse_customer: o.sseCustomer === undefined ? null
              : JSON.stringify(r.object(o.sseCustomer, `${opath}.sseCustomer`, ['algorithm', 'keyMd5', 'salt', 'hmac', 'segments'])),
            sse_kms: o.sseKms === undefined ? null
              : JSON.stringify(r.object(o.sseKms, `${opath}.sseKms`, ['keyArn', 'dataKey', 'context', 'userContext', 'bucketKey', 'segments'])),
            object_lock: objectLockOf(r, o.objectLock, `${opath}.objectLock`),
            version_id: null,
          };
        };
        // Version ids per key, to refuse one declared twice.
        const idsOf = new Map<string, Set<string>>();
        const versionIdOf = (o: Record<string, unknown>, opath: string, key: string, required: boolean): string | null => {
          const id = required ? r.string(o.versionId, `${opath}.versionId`) : r.optString(o.versionId, `${opath}.versionId`);
          if (id === undefined) return null;
          if (!versioned) r.fail(`${opath}.versionId`, 'version ids need the bucket\'s versioning (Enabled or Suspended)');
          if (!isVersionId(id)) r.fail(`${opath}.versionId`, 'expected "null" or a version id of 32 letters, digits, - or _ (as iamlocal makes them)');
          const ids = idsOf.get(key) ?? new Set<string>();
          if (ids.has(id)) r.fail(`${opath}.versionId`, `version ${id} of ${key} is declared twice`);
          idsOf.set(key, ids.add(id));
          return id === NULL_VERSION ? null : id;
        };
        r.each(b.objects, `${path}.objects`, (rawObject, j) => {
          const opath = `${path}.objects[${j}]`;
          const o = r.object(rawObject, opath, ['key', 'versionId', 'content', 'contentBase64', 'contentType', 'lastModified', 'owner', 'serverSideEncryption', 'kmsKeyId', 'tags', 'storageClass', 'sseCustomer', 'sseKms', 'acl', 'objectLock', 'metadata', 'checksum', 'parts']);
          const key = r.string(o.key, `${opath}.key`);
          const row = objectRow(o, opath, key);
          const versionId = versionIdOf(o, opath, key, false);
          if (versionId !== null || o.versionId !== undefined) {
            row.version_id = versionId;
            s3.loadVersion(row, { current: true, deleteMarker: false, acl: null });
          } else s3.putObject(row);
          s3.setObjectAcl(name, key, objectAclOf(ctx, r, o.acl, `${opath}.acl`, row.owner_account));
        });
        // Noncurrent versions and delete markers, each key's newest first (as ListObjectVersions lists them).
        r.each(b.versions, `${path}.versions`, (rawVersion, j) => {
          const vpath = `${path}.versions[${j}]`;
          if (!versioned) r.fail(`${path}.versions`, 'versions need the bucket\'s versioning (Enabled or Suspended)');
          const v = r.object(rawVersion, vpath, ['key', 'versionId', 'deleteMarker', 'content', 'contentBase64', 'contentType', 'lastModified', 'owner', 'serverSideEncryption', 'kmsKeyId', 'tags', 'storageClass', 'sseCustomer', 'sseKms', 'acl', 'objectLock', 'metadata', 'checksum', 'parts']);
          const key = r.string(v.key, `${vpath}.key`);
          const versionId = versionIdOf(v, vpath, key, true);
          if (v.deleteMarker !== undefined && typeof v.deleteMarker !== 'boolean') r.fail(`${vpath}.deleteMarker`, 'expected true or false');
          if (v.deleteMarker === true) {
            const extra = Object.keys(v).filter((k) => !['key', 'versionId', 'deleteMarker', 'lastModified', 'owner'].includes(k));
            if (extra.length) r.fail(`${vpath}.${extra[0]}`, 'a delete marker has no content or attributes');
            const owner = r.optString(v.owner, `${vpath}.owner`) ?? accountId;
            ensureOwner(owner);
            s3.loadVersion({
              bucket_name: name, object_key: key, blob_id: '', size: 0, etag: '', last_modified: (r.date(v.lastModified, `${vpath}.lastModified`) ?? now).toISOString(),
              owner_account: owner, content_type: null, metadata: null, sse: null, sse_kms_key_id: null, tags: null, checksum: null, version_id: versionId,
            }, { current: false, deleteMarker: true, acl: null });
            return;
          }
          const row = objectRow(v, vpath, key);
          row.version_id = versionId;
          s3.loadVersion(row, { current: false, deleteMarker: false, acl: objectAclOf(ctx, r, v.acl, `${vpath}.acl`, row.owner_account) });
        });
      });
      applyKmsFixtures(ctx, r, root, account, now);
      applyOrganizationFixtures(ctx, r, root, now);
      iam.putSetting(applied, file);
    })();
  } catch (error) {
    for (const blob of written) {
      try { unlinkSync(blob); } catch { /* already gone */ }
    }
    throw error;
  }
}

/** x-amz-meta-* and the content headers S3 keeps with an object, by lower-case header name (as a state export writes them). */
function objectMetadataOf(r: Reader, raw: unknown, path: string): string | null {
  if (raw === undefined || raw === null) return null;
  const node = r.object(raw, path, Object.keys(raw as Node));
  for (const [name, value] of Object.entries(node)) {
    if (!/^(x-amz-meta-.+|content-encoding|content-disposition|content-language|cache-control|expires|x-amz-website-redirect-location)$/.test(name)) {
      r.fail(`${path}.${name}`, 'expected x-amz-meta-* or a stored content header (lower-case)');
    }
    if (typeof value !== 'string') r.fail(`${path}.${name}`, 'expected a string');
  }
  return JSON.stringify(node);
}

/** An object's checksum as stored: ALGORITHM:base64 value (a COMPOSITE one of a multipart upload ends in -N). */
function objectChecksumOf(r: Reader, raw: unknown, path: string): string | null {
  const value = r.optString(raw, path);
  if (value === undefined) return null;
  if (!/^(CRC32|CRC32C|CRC64NVME|SHA1|SHA256):[A-Za-z0-9+/]+={0,2}(-\d+)?$/.test(value)) r.fail(path, 'expected ALGORITHM:base64 value, e.g. CRC32:AAAAAA==');
  return value;
}

/** A multipart object's parts as stored: its part sizes (summing to its size), or {sizes, checksums} with one checksum (or null) a part. */
function objectPartsOf(r: Reader, raw: unknown, path: string, size: number): string | null {
  if (raw === undefined || raw === null) return null;
  const record = Array.isArray(raw) ? { sizes: raw } : r.object(raw, path, ['sizes', 'checksums']);
  const sizes = r.list(record.sizes, `${path}.sizes`).map((n, i) => r.integer(n, `${path}.sizes[${i}]`) ?? -1);
  if (sizes.length === 0 || sizes.some((n) => n < 0) || sizes.reduce((a, b) => a + b, 0) !== size) r.fail(path, 'expected part sizes summing to the content\'s size');
  if (Array.isArray(raw)) return JSON.stringify(sizes);
  const checksums = r.list(record.checksums, `${path}.checksums`).map((c, i) => (c === null ? null : r.string(c, `${path}.checksums[${i}]`)));
  if (checksums.length !== sizes.length) r.fail(`${path}.checksums`, 'expected one checksum (or null) per part');
  return JSON.stringify({ sizes, checksums });
}

/** A bucket's default encryption in fixtures, as GetBucketEncryption shows it: SSEAlgorithm, KMSMasterKeyID, BucketKeyEnabled. */
function bucketEncryptionOf(r: Reader, raw: unknown, path: string): string {
  const e = r.object(raw, path, ['SSEAlgorithm', 'KMSMasterKeyID', 'BucketKeyEnabled']);
  const algorithm = r.string(e.SSEAlgorithm, `${path}.SSEAlgorithm`);
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') r.fail(`${path}.SSEAlgorithm`, 'must be AES256, aws:kms or aws:kms:dsse');
  const keyId = r.optString(e.KMSMasterKeyID, `${path}.KMSMasterKeyID`);
  if (keyId !== undefined && algorithm === 'AES256') r.fail(`${path}.KMSMasterKeyID`, 'applies to aws:kms and aws:kms:dsse only');
  return JSON.stringify({ SSEAlgorithm: algorithm, ...(keyId ? { KMSMasterKeyID: keyId } : {}), BucketKeyEnabled: e.BucketKeyEnabled === true });
}
