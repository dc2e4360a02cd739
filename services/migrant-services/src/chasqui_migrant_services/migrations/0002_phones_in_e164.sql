-- Issue 13: phones are stored in E.164 (the shared rule, chasqui_common.values.check_phone).
-- Before, the API kept a phone as typed (^\+?\d{7,15}$), so one mobile was stored as 987654321,
-- 51987654321, 0051987654321 or +51987654321. Rewrite the unambiguous Peruvian forms:
-- a mobile (9 + 8 digits) with or without 51 / 0051 / +51, and a landline in national form
-- (0 + area code + number, 9 digits). Anything else is left as it was.
UPDATE migrants
SET phone = '+51' || right(phone, 9)
WHERE phone ~ '^(\+51|51|0051)?9[0-9]{8}$';

UPDATE migrants
SET phone = '+51' || substr(phone, 2)
WHERE phone ~ '^0[1-8][0-9]{7}$';
