-- Data stored before the rules (docs/values.md): ubigeos 090708 and 090712 are duplicates that
-- the INEI table no longer lists (chasqui_common.values.REMOVED_UBIGEOS). An attention point
-- registered with one of them before the rule moves to the code kept for the same district
-- (Huaribamba 090709, Salcabamba 090714); referrals carry the point's ubigeo, so they follow.
UPDATE attention_points SET ubigeo = '090709' WHERE ubigeo = '090708';
UPDATE attention_points SET ubigeo = '090714' WHERE ubigeo = '090712';
