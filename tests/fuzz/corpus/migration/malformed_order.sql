-- litemig:down
DROP TABLE t;
-- litemig:up
CREATE TABLE t(a);
