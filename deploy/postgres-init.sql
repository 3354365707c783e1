-- Run once by the postgres image on a new volume (docker-compose.yml): the
-- role liaisond connects as. It owns nothing and has no BYPASSRLS; the
-- migrations, run as the owner "liaison", grant it what it needs.
CREATE ROLE liaison_app LOGIN NOBYPASSRLS PASSWORD 'liaison-app-dev-only';
