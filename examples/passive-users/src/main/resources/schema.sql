CREATE TABLE IF NOT EXISTS users (
    id         BIGINT PRIMARY KEY,
    name       VARCHAR(100) NOT NULL,
    last_login TIMESTAMP WITH TIME ZONE NOT NULL,
    status     VARCHAR(10) NOT NULL
);
CREATE TABLE IF NOT EXISTS worker_fence (
    worker VARCHAR(128) PRIMARY KEY,
    fence  BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS checker_runs (
    execution_id VARCHAR(64) PRIMARY KEY,
    slot         TIMESTAMP WITH TIME ZONE NOT NULL,
    fence        BIGINT NOT NULL,
    node         VARCHAR(128) NOT NULL,
    marked       INT NOT NULL
);
