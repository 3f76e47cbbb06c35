-- Bill lines of calls priced by a rate deck: one line per destination group (kind 'destination').
-- The kind becomes text, keeping every value earlier migrations allowed, so that line kinds added by
-- any migration before this one survive; the application writes only the kinds it knows.
ALTER TABLE bill_lines MODIFY kind VARCHAR(20) NOT NULL;
