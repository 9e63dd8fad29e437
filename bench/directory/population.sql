-- The directory benchmark's population (bench/directory.sh), written straight into the schema the service migrated:
-- 100,000 users in the organization :'org' and 1,000,000 sessions spread over them, with the devices they came from.
-- Every user gets the password hash :'hash' (one valid Argon2id hash: no login is measured). Deterministic (setseed).
-- Times stay within the last 80 days, so the retention purge (90 days by default) finds nothing to delete.
\set ON_ERROR_STOP on
\o /dev/null
SELECT setseed(0.18);
\o

CREATE TEMP TABLE names (kind text, v text[]);
INSERT INTO names VALUES
  ('first', ARRAY['James','Mary','Robert','Patricia','John','Jennifer','Michael','Linda','David','Elizabeth','William',
    'Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Charles','Karen','Christopher','Lisa','Daniel',
    'Nancy','Matthew','Betty','Anthony','Margaret','Mark','Sandra','Donald','Ashley','Steven','Kimberly','Paul','Emily',
    'Andrew','Donna','Joshua','Michelle','Kenneth','Carol','Kevin','Amanda','Brian','Dorothy','George','Melissa',
    'Timothy','Deborah','Ronald','Stephanie','Edward','Rebecca','Jason','Sharon','Jeffrey','Laura','Ryan','Cynthia',
    'Jacob','Kathleen','Gary','Amy','Nicholas','Angela','Eric','Shirley','Jonathan','Anna','Stephen','Brenda','Larry',
    'Pamela','Justin','Emma','Scott','Nicole','Brandon','Helen','Benjamin','Samantha','Samuel','Katherine','Gregory',
    'Christine','Alexander','Debra','Frank','Rachel','Patrick','Carolyn','Raymond','Janet','Jack','Catherine','Dennis',
    'Maria','Jerry','Heather','Tyler','Diane','Aaron','Ruth','Jose','Julie','Adam','Olivia','Nathan','Joyce','Henry',
    'Virginia','Douglas','Victoria','Zachary','Kelly','Peter','Lauren','Kyle','Christina','Ethan','Joan','Walter',
    'Evelyn','Noah','Judith','Jeremy','Megan','Christian','Andrea','Keith','Cheryl','Roger','Hannah','Terry','Jacqueline',
    'Gerald','Martha','Harold','Gloria','Sean','Teresa','Austin','Ann','Carl','Sara','Arthur','Madison','Lawrence',
    'Frances','Dylan','Kathryn','Jesse','Janice','Jordan','Jean','Bryan','Abigail','Billy','Alice','Joe','Julia','Bruce',
    'Judy','Gabriel','Sophia','Logan','Grace','Albert','Denise','Willie','Amber','Alan','Doris','Juan','Marilyn','Wayne',
    'Danielle','Elijah','Beverly','Randy','Isabella','Roy','Theresa','Vincent','Diana','Ralph','Natalie','Eugene',
    'Brittany','Russell','Charlotte','Bobby','Marie','Mason','Kayla','Philip','Alexis','Louis','Lori','Zoë','José',
    'Søren','Ingrid','Björn','Amélie','François','Łukasz','Hiroshi','Yuki','Wei','Mei','Priya','Arjun','Fatima','Omar',
    'Chiara','Matteo','Lucía','Mateo','Ngozi','Kwame','Aroha','Tane']),
  ('last', ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez',
    'Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin','Lee','Perez',
    'Thompson','White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson','Walker','Young','Allen','King','Wright',
    'Scott','Torres','Nguyen','Hill','Flores','Green','Adams','Nelson','Baker','Hall','Rivera','Campbell','Mitchell',
    'Carter','Roberts','Gomez','Phillips','Evans','Turner','Diaz','Parker','Cruz','Edwards','Collins','Reyes','Stewart',
    'Morris','Morales','Murphy','Cook','Rogers','Gutierrez','Ortiz','Morgan','Cooper','Peterson','Bailey','Reed',
    'Kelly','Howard','Ramos','Kim','Cox','Ward','Richardson','Watson','Brooks','Chavez','Wood','James','Bennett','Gray',
    'Mendoza','Ruiz','Hughes','Price','Alvarez','Castillo','Sanders','Patel','Myers','Long','Ross','Foster','Jimenez',
    'Müller','Schäfer','Öztürk','Nowak','Kowalski','Dubois','Lefèvre','Rossi','Bianchi','Tanaka','Sato','Wang','Zhang',
    'Singh','Kumar','Haddad','Okafor','Mensah','Ngata','Larsen','Nielsen','Andersson','Virtanen','O''Brien','MacLeod']),
  ('domain', ARRAY['acme.example','globex.example','initech.example','umbrella.example','hooli.example',
    'mail.example','corp.example','ads.example','agency.example','studio.example']);

-- ASCII local parts from the names (emails are stored lower-case); the display name keeps its accents.
CREATE TEMP TABLE people AS
SELECT i, f, l, d, style,
       regexp_replace(translate(lower(CASE style WHEN 0 THEN f || '.' || l WHEN 1 THEN left(f, 1) || l
                                                 WHEN 2 THEN f || '.' || left(l, 1) ELSE l || '.' || f END),
                                'äöüëéèçøåáíóúñłß''', 'aoueeecoaaiounls'), '[^a-z0-9.]', '', 'g') AS local
FROM (SELECT i, fv[1 + floor(random() * cardinality(fv))::int] AS f, lv[1 + floor(random() * cardinality(lv))::int] AS l,
             dv[1 + floor(random() * cardinality(dv))::int] AS d, floor(random() * 4)::int AS style
      FROM generate_series(1, 100000) i, (SELECT v AS fv FROM names WHERE kind = 'first') fn,
           (SELECT v AS lv FROM names WHERE kind = 'last') ln, (SELECT v AS dv FROM names WHERE kind = 'domain') dn) g;

INSERT INTO users (id, org_id, email, display_name, password_hash, password_changed_at, roles, status, created_at,
                   updated_at, last_login_at)
SELECT gen_random_uuid(), :'org', local || CASE WHEN r1 < 0.6 THEN '' ELSE '.' END || i::text || '@' || d,
       CASE WHEN r2 < 0.1 THEN NULL ELSE f || ' ' || l END, :'hash', created, ARRAY[role], status, created, created,
       CASE WHEN r3 < 0.15 THEN NULL ELSE now() - random() * interval '80 days' END
FROM (SELECT p.*, random() AS r1, random() AS r2, random() AS r3,
             now() - interval '80 days' + random() * interval '79 days' AS created,
             CASE WHEN random() < 0.98 THEN 'active' ELSE 'disabled' END AS status,
             (ARRAY['viewer','viewer','viewer','viewer','viewer','viewer','viewer','viewer','viewer','viewer',
                    'viewer','viewer','viewer','viewer','viewer','viewer','analyst','analyst','manager','admin'])[1 + floor(random() * 20)::int] AS role
      FROM people p) x;

-- The users numbered, to spread sessions over them; 20 of them with many sessions (one with 5,000).
CREATE TEMP TABLE numbered AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM users WHERE org_id = :'org' AND email LIKE '%.example';
CREATE UNIQUE INDEX ON numbered (n);
CREATE TEMP TABLE heavy AS SELECT id, CASE WHEN rank = 1 THEN 5000 ELSE 2000 END AS total,
                                  CASE WHEN rank = 1 THEN 2500 ELSE 500 END AS live
FROM (SELECT id, row_number() OVER (ORDER BY random()) AS rank FROM numbered) r WHERE rank <= 20;

-- (user, live?) for every session: the heavy users' share, then 957,000 spread uniformly over all users, 10% live.
CREATE TEMP TABLE planned AS
SELECT h.id AS user_id, g <= h.live AS live FROM heavy h, generate_series(1, 5000) g WHERE g <= h.total
UNION ALL
SELECT nb.id, s.r < 0.1 FROM (SELECT 1 + floor(random() * 100000)::int AS n, random() AS r FROM generate_series(1, 957000)) s
JOIN numbered nb ON nb.n = s.n;

-- Each user signs in from up to three devices; a live session is at most a week old, an ended one lasted up to a day.
INSERT INTO auth_sessions (id, user_id, org_id, device_fingerprint, device_id, client_ip, user_agent, amr, auth_time,
                           created_at, last_seen_at, idle_timeout_seconds, expires_at, ended_at, end_reason, new_device,
                           ip_changed, risk_score)
SELECT gen_random_uuid(), user_id, :'org', md5(user_id::text || dev), NULL,
       '10.' || (dev * 40 + floor(random() * 40)::int) || '.' || floor(random() * 256)::int || '.' || floor(random() * 256)::int,
       (ARRAY['Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1',
              'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Firefox/127.0'])[1 + dev],
       CASE WHEN random() < 0.2 THEN ARRAY['pwd', 'otp'] ELSE ARRAY['pwd'] END,
       created, created, least(created + random() * interval '1 day', now()), 1800, created + interval '30 days',
       CASE WHEN live THEN NULL ELSE least(created + random() * interval '1 day', now()) END,
       CASE WHEN live THEN NULL ELSE (ARRAY['logout', 'idle_timeout', 'revoked_by_admin', 'password_reset'])[1 + floor(random() * 4)::int] END,
       random() < 0.05, random() < 0.1, round((random() * 0.3)::numeric, 2)
FROM (SELECT user_id, live, floor(random() * 3)::int AS dev,
             CASE WHEN live THEN now() - random() * interval '7 days' ELSE now() - interval '79 days' + random() * interval '78 days' END AS created
      FROM planned) p;

INSERT INTO known_devices (user_id, fingerprint, first_seen, last_seen, last_ip, user_agent)
SELECT DISTINCT ON (user_id, device_fingerprint) user_id, device_fingerprint,
       min(created_at) OVER (PARTITION BY user_id, device_fingerprint), last_seen_at, client_ip, user_agent
FROM auth_sessions WHERE org_id = :'org'
ORDER BY user_id, device_fingerprint, last_seen_at DESC
ON CONFLICT DO NOTHING;  -- the bootstrap admin's own device

-- Vacuumed as well as analyzed: the state autovacuum keeps a long-lived organization in (the visibility map set, so a
-- count reads index pages and the map, not every heap page). Straight after the insert only an ANALYZE has run.
VACUUM (ANALYZE) users;
VACUUM (ANALYZE) auth_sessions;
VACUUM (ANALYZE) known_devices;
