-- PostgreSQL's 0009 notifies other nodes of generation changes. An SQLite site has one
-- node, which polls; this migration only keeps the two schema histories in step.
SELECT 1;
