// Tag/Untag/List…Tags handlers: users and roles (tags in their own column), and a factory for the other taggable entities.
import type { XmlObject } from '../../protocol/xml.ts';
import { num, type QueryCall, type QueryHandler, req } from '../query-service.ts';
import { afterMarker, maxItems, page, pageXml } from './pagination.ts';
import { authorize, requestTagContext } from './authorize.ts';
import { inputTags, mergeTags } from './tags.ts';
import type { RoleRow, UserRow } from '../../store/iam-store.ts';
import { requireRole, requireUser, roleResource, userResource } from './entities.ts';

/** How the Tag/Untag/List…Tags operations of one kind of entity find it, name it and store its tags. */
export interface TaggedEntity {
  /** The entity's ARN (for authorization; before the entity is looked up). */
  resource: (call: QueryCall) => string;
  /** Its current tags (JSON text or null); throws NoSuchEntity. */
  tags: (call: QueryCall) => string | null;
  save: (call: QueryCall, tags: Record<string, string>) => void;
}

/** Tag lists page by tag key, as AWS's do: Marker after the last key returned. */
export function tagPage(json: string | null, call: QueryCall): XmlObject {
  const all = Object.entries(json ? (JSON.parse(json) as Record<string, string>) : {});
  const after = afterMarker(call.input);
  const start = after ? all.findIndex(([k]) => k === after) + 1 : 0;
  const limit = num(call.input, 'MaxItems') ?? 100;
  const rest = all.slice(start);
  const items = rest.slice(0, limit);
  const truncated = rest.length > limit;
  return {
    Tags: items.map(([Key, Value]) => ({ Key, Value })), IsTruncated: truncated,
    Marker: truncated ? Buffer.from(items[items.length - 1]![0]).toString('base64') : undefined,
  };
}

export function entityTagHandlers(entity: TaggedEntity): Record<'tag' | 'untag' | 'list', QueryHandler> {
  return {
    tag: (call) => {
      const added = inputTags(call.input);
      authorize(call, entity.resource(call), requestTagContext(added));
      entity.save(call, mergeTags(entity.tags(call), added));
      return null;
    },
    untag: (call) => {
      const keys = Array.isArray(call.input.TagKeys) ? call.input.TagKeys.map(String) : [];
      authorize(call, entity.resource(call), keys.length ? { 'aws:TagKeys': keys } : {});
      const tags = mergeTags(entity.tags(call), {});
      for (const k of Object.keys(tags)) if (keys.some((r) => r.toLowerCase() === k.toLowerCase())) delete tags[k];
      entity.save(call, tags);
      return null;
    },
    list: (call) => {
      authorize(call, entity.resource(call));
      return tagPage(entity.tags(call), call);
    },
  };
}

export const tagsJson = (tags: Record<string, string>): string | null => (Object.keys(tags).length ? JSON.stringify(tags) : null);

function tagHandlers(kind: 'user' | 'role'): Record<'tag' | 'untag' | 'list', QueryHandler> {
  const member = kind === 'user' ? 'UserName' : 'RoleName';
  const find = (call: QueryCall): UserRow | RoleRow => (kind === 'user' ? requireUser(call, req(call.input, member)) : requireRole(call, req(call.input, member)));
  const resource = (call: QueryCall): string => (kind === 'user' ? userResource(call, req(call.input, member)) : roleResource(call, req(call.input, member)));
  const nameOf = (e: UserRow | RoleRow): string => ('user_name' in e ? e.user_name : e.role_name);
  return {
    tag: (call) => {
      const added = inputTags(call.input);
      authorize(call, resource(call), requestTagContext(added));
      const entity = find(call);
      call.ctx.iam.setTags(kind, entity.account_id, nameOf(entity), mergeTags(entity.tags, added));
      return null;
    },
    untag: (call) => {
      const keys = Array.isArray(call.input.TagKeys) ? call.input.TagKeys.map(String) : [];
      authorize(call, resource(call), keys.length ? { 'aws:TagKeys': keys } : {});
      const entity = find(call);
      const tags = mergeTags(entity.tags, {});
      for (const k of Object.keys(tags)) if (keys.some((r) => r.toLowerCase() === k.toLowerCase())) delete tags[k];
      call.ctx.iam.setTags(kind, entity.account_id, nameOf(entity), tags);
      return null;
    },
    list: (call) => {
      authorize(call, resource(call));
      // Pages by tag key like every other IAM list: MaxItems, then an opaque Marker after the last key returned.
      const all = Object.entries(find(call).tags ? (JSON.parse(find(call).tags!) as Record<string, string>) : {});
      const after = afterMarker(call.input);
      const rest = after ? all.slice(all.findIndex(([k]) => k === after) + 1) : all;
      return pageXml(page(rest, maxItems(call.input), ([k]) => k), 'Tags', ([Key, Value]) => ({ Key, Value }));
    },
  };
}

export const userTags = tagHandlers('user');
export const roleTags = tagHandlers('role');
