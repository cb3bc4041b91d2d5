-- Nothing to do on PostgreSQL: the SQLite migration of the same number adds a covering
-- index its planner needs for search filters.
SELECT 1;
