-- Data stored before the rules (docs/values.md): ubigeos 090708 and 090712 are duplicates that
-- the INEI table no longer lists (chasqui_common.values.REMOVED_UBIGEOS). Job seekers, vacancies
-- and job fairs registered with them before the rule move to the codes kept for the same
-- districts (Huaribamba 090709, Salcabamba 090714), so a read never fails on them and the
-- same-district score keeps matching them with their neighbours.
UPDATE job_seekers SET ubigeo = '090709' WHERE ubigeo = '090708';
UPDATE job_seekers SET ubigeo = '090714' WHERE ubigeo = '090712';
UPDATE vacancies SET ubigeo = '090709' WHERE ubigeo = '090708';
UPDATE vacancies SET ubigeo = '090714' WHERE ubigeo = '090712';
UPDATE job_fairs SET ubigeo = '090709' WHERE ubigeo = '090708';
UPDATE job_fairs SET ubigeo = '090714' WHERE ubigeo = '090712';
