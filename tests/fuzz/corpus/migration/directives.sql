-- header
-- litemig:up
-- litemig:foreign-key-check "a" "b""c" d
CREATE TABLE t(a);
-- litemig:down
-- litemig:foreign-key-check
DROP TABLE t;
