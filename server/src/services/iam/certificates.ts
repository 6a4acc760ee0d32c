// Server certificates (for ELB/CloudFront) and signing certificates (X.509, for SOAP-era services) uploaded to IAM.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { pathOf } from '../../auth/caller.ts';
import { AwsError, entityAlreadyExists, limitExceeded, noSuchEntity } from '../../errors.ts';
import { credentialId, credentialsStore, type ServerCertificateRow, type SigningCertificateRow } from '../../store/credentials-store.ts';
import { isoSeconds } from '../../store/ids.ts';
import { req, str, type QueryCall, type QueryHandler } from '../query-service.ts';
import { entityTagHandlers, tagsJson } from './entity-tags.ts';
import { accountOf, authorize, requestTagContext } from './authorize.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { checkPath, requireUser, userResource } from './entities.ts';
import { inputTags, mergeTags, tagList } from './tags.ts';

const SERVER_CERTIFICATES_PER_ACCOUNT = 20;
const SIGNING_CERTIFICATES_PER_USER = 2;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

const malformed = (message: string): AwsError => new AwsError('MalformedCertificate', message, 400);

/** The one certificate of a PEM body, with AWS's MalformedCertificate texts for what is not one, or has expired. */
export function parseCertificate(body: string, now: Date): X509Certificate {
  const blocks = body.match(PEM_BLOCK) ?? [];
  let cert: X509Certificate;
  try {
    if (blocks.length !== 1) throw new Error('not one PEM certificate');
    cert = new X509Certificate(blocks[0]!);
  } catch {
    throw malformed('Unable to parse certificate. Please ensure the certificate is in PEM format.');
  }
  if (new Date(cert.validTo).getTime() < now.getTime()) {
    throw malformed("Certificate is no longer valid. The 'Not After' date restriction on the certificate has passed.");
  }
  return cert;
}

/** The chain must start with the certificate that signed the body, each next one signing the one before (AWS's text). */
function checkChain(cert: X509Certificate, chain: string): void {
  let certs: X509Certificate[];
  try {
    const blocks = chain.match(PEM_BLOCK) ?? [];
    if (!blocks.length) throw new Error('no certificates');
    certs = blocks.map((b) => new X509Certificate(b));
  } catch {
    throw malformed('Unable to parse certificate. Please ensure the certificate is in PEM format.');
  }
  certs.forEach((issuer, i) => {
    const subject = i === 0 ? cert : certs[i - 1]!;
    if (!subject.checkIssued(issuer) || !subject.verify(issuer.publicKey)) {
      throw malformed('Unable to validate certificate chain. The certificate chain must start with the immediate signing certificate, followed by any '
        + `intermediaries in order. The index within the chain of the invalid certificate is: ${i + 1}`);
    }
  });
}

export const serverCertificateArn = (accountId: string, path: string, name: string): string => `arn:aws:iam::${accountId}:server-certificate${pathOf(path)}${name}`;

function serverResource(call: QueryCall, name: string): string {
  const row = credentialsStore(call.ctx.db).serverCertificate(accountOf(call), name);
  return serverCertificateArn(accountOf(call), row?.path ?? '/', row?.name ?? name);
}

function requireServerCertificate(call: QueryCall, name: string): ServerCertificateRow {
  const row = credentialsStore(call.ctx.db).serverCertificate(accountOf(call), name);
  if (!row) throw noSuchEntity(`The Server Certificate with name ${name} cannot be found.`);
  return row;
}

function metadataXml(row: ServerCertificateRow): Record<string, string> {
  return {
    Path: row.path, ServerCertificateName: row.name, ServerCertificateId: row.certificate_id, Arn: serverCertificateArn(row.account_id, row.path, row.name),
    UploadDate: row.uploaded_at, Expiration: row.expiration,
  };
}

export const uploadServerCertificate: QueryHandler = (call) => {
  const name = req(call.input, 'ServerCertificateName');
  const path = checkPath(call.input, 'Path');
  const tags = mergeTags(null, inputTags(call.input));
  authorize(call, serverCertificateArn(accountOf(call), path, name), requestTagContext(tags));
  const store = credentialsStore(call.ctx.db);
  if (store.serverCertificate(accountOf(call), name)) throw entityAlreadyExists(`The Server Certificate with name ${name} already exists.`);
  if (store.serverCertificateCount(accountOf(call)) >= SERVER_CERTIFICATES_PER_ACCOUNT) {
    throw limitExceeded(`Cannot exceed quota for ServerCertificatesPerAccount: ${SERVER_CERTIFICATES_PER_ACCOUNT}`);
  }
  const body = req(call.input, 'CertificateBody');
  const cert = parseCertificate(body, call.facts.now);
  let key: KeyObject;
  try {
    key = createPrivateKey(req(call.input, 'PrivateKey'));
  } catch {
    // AWS answers an unreadable private key with the certificate's text.
    throw malformed('Unable to parse certificate. Please ensure the certificate is in PEM format.');
  }
  if (!cert.checkPrivateKey(key)) throw new AwsError('KeyPairMismatch', 'Public key certificate and private key doesn\'t match', 400);
  const chain = str(call.input, 'CertificateChain');
  if (chain !== undefined) checkChain(cert, chain);
  const row: ServerCertificateRow = {
    account_id: accountOf(call), name, certificate_id: credentialId('ASCA', 17), path, body: body.trim(), chain: chain?.trim() ?? null,
    expiration: isoSeconds(new Date(cert.validTo)), uploaded_at: isoSeconds(call.facts.now), tags: tagsJson(tags),
  };
  store.insertServerCertificate(row);
  return { ServerCertificateMetadata: metadataXml(row), Tags: tagList(row.tags) };
};

export const getServerCertificate: QueryHandler = (call) => {
  const name = req(call.input, 'ServerCertificateName');
  authorize(call, serverResource(call, name));
  const row = requireServerCertificate(call, name);
  return {
    ServerCertificate: { ServerCertificateMetadata: metadataXml(row), CertificateBody: row.body, CertificateChain: row.chain ?? undefined, Tags: tagList(row.tags) ?? [] },
  };
};

export const updateServerCertificate: QueryHandler = (call) => {
  const name = req(call.input, 'ServerCertificateName');
  authorize(call, serverResource(call, name));
  const row = requireServerCertificate(call, name);
  const newName = str(call.input, 'NewServerCertificateName') ?? row.name;
  const newPath = str(call.input, 'NewPath') === undefined ? row.path : checkPath({ Path: str(call.input, 'NewPath') }, 'Path');
  // Renaming or moving needs permission on the new name as well.
  if (newName !== row.name || newPath !== row.path) authorize(call, serverCertificateArn(accountOf(call), newPath, newName));
  const store = credentialsStore(call.ctx.db);
  const clash = store.serverCertificate(accountOf(call), newName);
  if (clash && clash.certificate_id !== row.certificate_id) throw entityAlreadyExists(`The Server Certificate with name ${newName} already exists.`);
  store.renameServerCertificate(row.account_id, row.certificate_id, newName, newPath);
  return null;
};

export const deleteServerCertificate: QueryHandler = (call) => {
  const name = req(call.input, 'ServerCertificateName');
  authorize(call, serverResource(call, name));
  const row = requireServerCertificate(call, name);
  credentialsStore(call.ctx.db).deleteServerCertificate(row.account_id, row.certificate_id);
  return null;
};

export const listServerCertificates: QueryHandler = (call) => {
  // ListServerCertificates has no resource type in the service authorization reference.
  authorize(call, '*');
  const after = afterMarker(call.input);
  const rows = credentialsStore(call.ctx.db).serverCertificates(accountOf(call), str(call.input, 'PathPrefix') ?? '/').filter((r) => r.name > after);
  return pageXml(page(rows, maxItems(call.input), (r) => r.name), 'ServerCertificateMetadataList', metadataXml);
};

export const serverCertificateTags = entityTagHandlers({
  resource: (call) => serverResource(call, req(call.input, 'ServerCertificateName')),
  tags: (call) => requireServerCertificate(call, req(call.input, 'ServerCertificateName')).tags,
  save: (call, tags) => {
    const row = requireServerCertificate(call, req(call.input, 'ServerCertificateName'));
    credentialsStore(call.ctx.db).setServerCertificateTags(row.account_id, row.certificate_id, tagsJson(tags));
  },
});

// ---- Signing certificates ----

/** The certificate owner: UserName, else the calling IAM user, else (root credentials) null for the root user. */
function signingOwner(call: QueryCall): string | null {
  const name = str(call.input, 'UserName') ?? call.caller.userName;
  if (name === undefined) {
    if (call.caller.principal.kind === 'root') {
      authorize(call, call.caller.principal.arn);
      return null;
    }
    throw new AwsError('ValidationError', 'Must specify userName when calling with non-User credentials', 400);
  }
  authorize(call, userResource(call, name));
  return requireUser(call, name).user_name;
}

function requireSigning(call: QueryCall, owner: string | null): SigningCertificateRow {
  const id = req(call.input, 'CertificateId');
  const row = credentialsStore(call.ctx.db).signingCertificate(accountOf(call), id);
  if (!row || (row.user_name ?? '').toLowerCase() !== (owner ?? '').toLowerCase()) throw noSuchEntity(`The Certificate with id ${id} cannot be found.`);
  return row;
}

function signingXml(call: QueryCall, row: SigningCertificateRow): Record<string, string> {
  // The root user's certificates carry the account id as UserName.
  return { UserName: row.user_name ?? accountOf(call), CertificateId: row.certificate_id, CertificateBody: row.body, Status: row.status, UploadDate: row.uploaded_at };
}

export const uploadSigningCertificate: QueryHandler = (call) => {
  const owner = signingOwner(call);
  const body = req(call.input, 'CertificateBody');
  parseCertificate(body, call.facts.now);
  const store = credentialsStore(call.ctx.db);
  // The body is kept exactly as uploaded (AWS returns it byte for byte, trailing newline included), so the same
  // certificate may be stored with or without surrounding whitespace.
  const trimmed = body.trim();
  if ([body, trimmed, `${trimmed}\n`, `${trimmed}\r\n`].some((b) => store.signingCertificateByBody(accountOf(call), b))) {
    throw new AwsError('DuplicateCertificate', 'The same certificate is already associated with an IAM user in the account.', 409);
  }
  if (store.signingCertificatesOf(accountOf(call), owner).length >= SIGNING_CERTIFICATES_PER_USER) {
    throw limitExceeded(`Cannot exceed quota for CertificatesPerUser: ${SIGNING_CERTIFICATES_PER_USER}`);
  }
  const row: SigningCertificateRow = {
    certificate_id: credentialId('', 32), account_id: accountOf(call), user_name: owner, body, status: 'Active', uploaded_at: isoSeconds(call.facts.now),
  };
  store.insertSigningCertificate(row);
  return { Certificate: signingXml(call, row) };
};

export const updateSigningCertificate: QueryHandler = (call) => {
  const row = requireSigning(call, signingOwner(call));
  credentialsStore(call.ctx.db).setSigningCertificateStatus(row.certificate_id, req(call.input, 'Status'));
  return null;
};

export const deleteSigningCertificate: QueryHandler = (call) => {
  const row = requireSigning(call, signingOwner(call));
  credentialsStore(call.ctx.db).deleteSigningCertificate(row.certificate_id);
  return null;
};

export const listSigningCertificates: QueryHandler = (call) => {
  const owner = signingOwner(call);
  const rows = credentialsStore(call.ctx.db).signingCertificatesOf(accountOf(call), owner);
  const after = afterMarker(call.input);
  const start = after ? rows.findIndex((r) => r.certificate_id === after) + 1 : 0;
  return pageXml(page(rows.slice(start), maxItems(call.input), (r) => r.certificate_id), 'Certificates', (r) => signingXml(call, r));
};
