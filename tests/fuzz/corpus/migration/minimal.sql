-- litemig:up
CREATE TABLE t(a);
-- litemig:down
DROP TABLE t;
