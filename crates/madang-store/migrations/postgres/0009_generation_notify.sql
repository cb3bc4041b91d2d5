-- Every node of a site keeps a page cache keyed by the site generation. When a write bumps
-- the generation, the database tells every listening node as the transaction commits
-- (NOTIFY is delivered on commit, never for a rolled-back write).
CREATE FUNCTION madang_notify_generation() RETURNS trigger AS $$
BEGIN
    IF NEW.key = 'generation' THEN
        PERFORM pg_notify('madang_generation', NEW.value);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER settings_generation_notify
    AFTER INSERT OR UPDATE ON settings
    FOR EACH ROW EXECUTE FUNCTION madang_notify_generation();
