/** Condition keys and their values for one request. Keys are stored lower-cased (IAM keys are case-insensitive). */
export type RequestContext = Map<string, string[]>;

/** `scp` / `rcp`: AWS Organizations service and resource control policies. */
export type PolicyKind = 'identity' | 'trust' | 'resource' | 'boundary' | 'session' | 'scp' | 'rcp';

/** Who is calling, in the terms resource and trust policies name principals. */
export interface CallerPrincipal {
  kind: 'root' | 'user' | 'assumed-role' | 'federated-user' | 'identity-provider' | 'service' | 'anonymous';
  accountId: string;
  /** The ARN AWS prints in AccessDenied messages and returns from GetCallerIdentity. */
  arn: string;
  /** For sessions, the role's ARN (arn:aws:iam::A:role/path/name): policies naming the role match its sessions. */
  roleArn?: string;
  /** An identity provider presenting a web identity token or SAML assertion (kind identity-provider): the provider ARN trust policies name as `Principal: {Federated: …}`. */
  federated?: string;
  /** An AWS service assuming a role for a workload (kind service): the name trust policies give as `Principal: {Service: …}`. */
  service?: string;
}

/** A source of statements, as the decision log and the simulator name it. */
export interface PolicySource {
  /** Managed policy ARN, or `user/NAME/POLICY` / `role/NAME/POLICY` for inline policies, or `bucket/NAME`. */
  id: string;
  kind: PolicyKind;
  versionId?: string;
}

export interface MatchedStatement {
  source: PolicySource;
  sid?: string;
  index: number;
  effect: 'Allow' | 'Deny';
}

export type DenyReason =
  | 'explicit-identity'
  | 'explicit-resource'
  | 'explicit-boundary'
  | 'explicit-session'
  | 'no-identity'
  | 'no-resource'
  | 'no-boundary'
  | 'no-session'
  | 'explicit-scp'
  | 'no-scp'
  | 'explicit-rcp'
  | 'no-rcp';

export interface Decision {
  allowed: boolean;
  reason?: DenyReason;
  /** The statements that decided: the denying ones for a deny, the allowing ones otherwise. */
  statements: MatchedStatement[];
}
