-- Custom SQL migration file, put your code below! ---- Spam reasons were {signal, detail, weight} with English prose in `detail`; they are now
-- {signal, weight, ...params} (src/blocking/spam-signals.rules.ts), worded by the web app in the
-- reader's language. The prose had one fixed form per signal: read the parameters back out of it.
-- A reason in no known form keeps its detail (the web app shows it as it was).
UPDATE "spam_decisions" AS d SET "reasons" = (
  SELECT jsonb_agg(
    CASE
      WHEN r->>'signal' = 'burst' AND r->>'detail' ~ '^\d+ messages within a minute \(limit \d+\)$' THEN jsonb_build_object(
        'signal', 'burst', 'weight', r->'weight',
        'messages', (regexp_match(r->>'detail', '^(\d+) '))[1]::int,
        'limit', (regexp_match(r->>'detail', '\(limit (\d+)\)$'))[1]::int,
        'windowSeconds', 60)
      WHEN r->>'signal' = 'blocked_domain' AND r->>'detail' ~ '^links to .+ \(on the blocklist\)$' THEN jsonb_build_object(
        'signal', 'blocked_domain', 'weight', r->'weight',
        'domains', to_jsonb(regexp_split_to_array((regexp_match(r->>'detail', '^links to (.+) \(on the blocklist\)$'))[1], ', ')))
      WHEN r->>'signal' = 'url_shortener' AND r->>'detail' ~ '^links through .+ \(a link shortener\)$' THEN jsonb_build_object(
        'signal', 'url_shortener', 'weight', r->'weight',
        'domains', to_jsonb(regexp_split_to_array((regexp_match(r->>'detail', '^links through (.+) \(a link shortener\)$'))[1], ', ')))
      WHEN r->>'signal' = 'repeated_text' AND r->>'detail' ~ '^the same text from \d+ new contacts within an hour \(limit \d+\)$' THEN jsonb_build_object(
        'signal', 'repeated_text', 'weight', r->'weight',
        'contacts', (regexp_match(r->>'detail', '^the same text from (\d+) '))[1]::int,
        'limit', (regexp_match(r->>'detail', '\(limit (\d+)\)$'))[1]::int,
        'windowSeconds', 3600)
      ELSE r
    END ORDER BY e.position)
  FROM jsonb_array_elements(d."reasons") WITH ORDINALITY AS e(r, position)
)
WHERE jsonb_typeof(d."reasons") = 'array' AND jsonb_array_length(d."reasons") > 0
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(d."reasons") AS old(r) WHERE r ? 'detail');
