-- 001: placeholder replaced below
SELECT 1;
