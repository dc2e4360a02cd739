-- Phones are stored in E.164 only (issue 13; the rule is chasqui_common.values.check_phone).
-- Cards written before the consumed events were strict may hold a Peruvian mobile as it was
-- typed (987654321, 51987654321, 0051987654321): those become +51987654321. Any other value
-- that is not E.164 cannot be read safely without libphonenumber and is cleared; the next event
-- about the person brings their number again, validated. From now on the column refuses
-- anything but E.164 (an E.164-shaped number that is not a mobile, or not valid, never gets an
-- SMS or WhatsApp: the service checks `is_mobile` before queueing and again before sending).
UPDATE contacts SET phone = '+51' || phone WHERE phone ~ '^9[0-9]{8}$';
UPDATE contacts SET phone = '+' || phone WHERE phone ~ '^519[0-9]{8}$';
UPDATE contacts SET phone = '+' || substr(phone, 3) WHERE phone ~ '^00519[0-9]{8}$';
UPDATE contacts SET phone = NULL WHERE phone !~ '^\+[1-9][0-9]{6,14}$';
ALTER TABLE contacts ADD CONSTRAINT contacts_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{6,14}$');
