-- Tags on Organizations resources: the root, OUs, accounts and customer managed policies (TagResource, and the Tags
-- member of CreateOrganizationalUnit / CreateAccount / CreatePolicy). Keys are case-sensitive; seq keeps the order
-- in which they were first added, for ListTagsForResource.
CREATE TABLE org_tags (
  org_id      TEXT NOT NULL REFERENCES org_organizations(org_id) ON DELETE CASCADE,
  resource_id TEXT NOT NULL,                    -- r-…, ou-…, a 12-digit account id or p-…
  tag_key     TEXT NOT NULL,
  tag_value   TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  PRIMARY KEY (resource_id, tag_key)
);
