-- Issue 13, "Data stored before the rules" (docs/values.md): values the registry stored before the
-- shared value rules are rewritten to their canonical form when they have one, and cleared when
-- they cannot be read as a valid value; reads never re-apply the rules to stored data either.
--
-- Phones (persons.data -> contact.phone), stored as typed before: the unambiguous Peruvian forms
-- become E.164 (987654321, 51987654321, 0051987654321 -> +51987654321; a national landline
-- 014567890 -> +5114567890).
UPDATE persons
SET data = jsonb_set(data, '{contact,phone}', to_jsonb('+51' || right(data #>> '{contact,phone}', 9)))
WHERE data #>> '{contact,phone}' ~ '^(\+51|51|0051)?9[0-9]{8}$';

UPDATE persons
SET data = jsonb_set(data, '{contact,phone}', to_jsonb('+51' || substr(data #>> '{contact,phone}', 2)))
WHERE data #>> '{contact,phone}' ~ '^0(1[0-9]{7}|[4-8][0-9]{7})$';

-- A phone that is still not E.164-shaped, or a +51 number that is neither a mobile (9 and 8 more
-- digits) nor a landline (1 and 7 digits, or a 2-digit area code 41-84 and 6 digits) -- e.g.
-- +5198765432, accepted before and never deliverable -- is cleared with its SMS and WhatsApp
-- consent: the person is asked again rather than texted at a wrong number.
UPDATE persons
SET data = jsonb_set(
        jsonb_set(data, '{contact,phone}', 'null'::jsonb),
        '{contact,consent}',
        coalesce(data #> '{contact,consent}', '{}'::jsonb) || '{"sms": false, "whatsapp": false}'::jsonb
    )
WHERE data #>> '{contact,phone}' IS NOT NULL
  AND (data #>> '{contact,phone}' !~ '^\+[1-9][0-9]{6,14}$'
       OR (data #>> '{contact,phone}' ~ '^\+51'
           AND data #>> '{contact,phone}' !~ '^\+51(9[0-9]{8}|1[0-9]{7}|[4-8][0-9]{7})$'));

-- SMS/WhatsApp consent only for a mobile.
UPDATE persons
SET data = jsonb_set(data, '{contact,consent}', data #> '{contact,consent}' || '{"sms": false, "whatsapp": false}'::jsonb)
WHERE data #>> '{contact,phone}' ~ '^\+51[1-8]'
  AND (data #>> '{contact,consent,sms}' = 'true' OR data #>> '{contact,consent,whatsapp}' = 'true');

-- Ubigeo: the two spurious INEI codes name the same districts as the codes kept (docs/values.md).
UPDATE households SET ubigeo = '090709' WHERE ubigeo = '090708';
UPDATE households SET ubigeo = '090714' WHERE ubigeo = '090712';
