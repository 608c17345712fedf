-- No query reads entries by their `published` index: `pmagg list` orders by
-- (published IS NULL, published DESC, id DESC), which SQLite sorts without it. Every insert
-- still paid for it, in random order: dropping it took 4% off a cold pass's CPU over 1000
-- sources (bench/README.md, round 4).
DROP INDEX IF EXISTS entries_by_published;
