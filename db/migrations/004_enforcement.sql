-- How each decision was applied: 'on' (enforced), 'audit' (a deny let through and recorded) or 'off'.
ALTER TABLE decisions ADD COLUMN mode TEXT NOT NULL DEFAULT 'on';
CREATE INDEX decisions_by_time ON decisions(at);
