-- Incidents declared by hand (data breach, system compromise): the declarer's title and description. Detected
-- incidents have neither. The declarer is the actor of the timeline's first entry ('declared').
ALTER TABLE incidents ADD COLUMN title text;
ALTER TABLE incidents ADD COLUMN description text;
